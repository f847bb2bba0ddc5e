// `CAPSULE_TRACE_TURNS=1`: one line per turn on stderr saying where its time went, the gateway's
// own part apart from the app's (docs/emulator.md; the emulator bench reads it). The gateway's
// part: from the message to its delivery to the app, its answers to the app's calls, and from the
// end of the turn to its acknowledgement (durable). The app's: from the delivery to its end, less
// the gateway's answers in between; gRPC's or the link's transport, both ways, is in it. A call
// the gateway holds (an approval waiting for a person) counts as the gateway's answering.
import { performance } from 'node:perf_hooks';

export function tracingTurns(): boolean {
  return process.env.CAPSULE_TRACE_TURNS === '1';
}

export class TurnTrace {
  private delivered: number | undefined;
  private ended: number | undefined;
  /** The gateway's answers to the app's calls that ended before the turn did, in ms. */
  private answering = 0;
  private readonly calls = new Map<string, number>();

  constructor(private readonly received: number) {}

  /** The message is on its way to the app (written to its Recv stream or link, or posted). */
  markDelivered(): void {
    this.delivered ??= performance.now();
  }

  /** The app ended the turn (its last call is still being answered). */
  markEnded(): void {
    this.ended ??= performance.now();
  }

  /** One of the app's calls of this turn, answered from `startedAt` until now. */
  call(method: string, startedAt: number): void {
    const now = performance.now();
    this.calls.set(method, (this.calls.get(method) ?? 0) + 1);
    if (this.ended === undefined || now <= this.ended) this.answering += now - startedAt;
  }

  /** The turn is acknowledged: its line. */
  report(requestId: string, error: string | undefined): void {
    const now = performance.now();
    const delivered = this.delivered ?? this.received;
    const ended = this.ended ?? now;
    const toApp = delivered - this.received;
    const toAck = now - ended;
    const app = Math.max(0, ended - delivered - this.answering);
    const calls = [...this.calls].map(([m, n]) => `${m} ×${n}`).join(', ') || 'no calls';
    const ms = (x: number): string => x.toFixed(2);
    process.stderr.write(
      `capsule-local: turn ${requestId}: ${ms(now - this.received)} ms; gateway ${ms(toApp + this.answering + toAck)} ms ` +
        `(to the app ${ms(toApp)}, answering its calls ${ms(this.answering)}, end → durable ${ms(toAck)}); ` +
        `app ${ms(app)} ms (${calls})${error ? '; ended with an error' : ''}\n`,
    );
  }
}

/** A trace for a new turn when tracing is on (`received`: when the message reached the gateway). */
export function turnTrace(received: number): TurnTrace | undefined {
  return tracingTurns() ? new TurnTrace(received) : undefined;
}

/** Times one of the app's calls when tracing: the function it returns records it on its turn. */
export function traceCall(hub: { turnFor(requestId: unknown, sessionId: unknown): { trace?: TurnTrace } | undefined }, method: string, body: Record<string, unknown>): (() => void) | undefined {
  const trace = tracingTurns() ? hub.turnFor(body.request_id, body.session_id)?.trace : undefined;
  if (!trace) return undefined;
  const started = performance.now();
  return () => trace.call(method, started);
}
