// One inbound message's turn: the events the app sends back for it (replies, stream deltas,
// notifications, blocks) until `done`. Events are kept so that a late subscriber (the streaming
// API answering after dispatch returned) still sees all of them, in order.
import type { OutboundEvent, Turn } from '../hub';
import type { HistoryItem, StoredSession } from '../store';
import type { RunnerLinkPort, RunnerProcess } from '../runner/process';
import type { NewHubEvent } from './events';
import type { TurnTrace } from './turn-trace';

/**
 * What a turn has still to write: the session (if new), history items and events. The message
 * and its session are written as soon as the message is on its way to the app (while the app
 * handles it); the app's replies with the turn's end, or, in a turn that lasts longer (a prompt, a
 * slow handler), after a short delay.
 */
export interface Journal {
  session?: Omit<StoredSession, 'history' | 'dataJson' | 'updatedAt'>;
  items: HistoryItem[];
  events: NewHubEvent[];
  timer?: NodeJS.Timeout;
}

/** An inbound message of the runner protocol (its `session` is added when it is sent). */
export type InboundMessage = { session_id: string; session?: unknown } & Record<string, unknown>;

export interface TurnResult {
  reply: string;
  blocks: unknown[];
  error?: string;
}

export class TurnState implements Turn {
  readonly events: OutboundEvent[] = [];
  readonly finished: Promise<TurnResult>;
  private readonly listeners = new Set<(e: OutboundEvent) => void>();
  private resolveFinished!: (r: TurnResult) => void;
  private readonly replies: string[] = [];
  /** Text of the stream in progress (deltas), saved as one message when it ends. */
  streamText = '';
  private streamed = false;
  readonly blocks: unknown[] = [];
  done = false;
  /** Pending store writes that must be durable before the turn is acknowledged. */
  readonly writes: Array<Promise<void>> = [];
  readonly journal: Journal = { items: [], events: [] };
  /** The message as sent to the app (for a redelivery), and the link it went over, if it did. */
  inbound: InboundMessage | undefined;
  sentOver: RunnerLinkPort | undefined;
  /** The named channel the turn came through (`shop-whatsapp`); none for chat and api. */
  channelName: string | undefined;
  /** Where the turn's time goes, with CAPSULE_TRACE_TURNS=1 (turn-trace.ts). */
  trace: TurnTrace | undefined;

  constructor(
    readonly app: string,
    readonly sessionId: string,
    readonly requestId: string,
    readonly userId: string,
    readonly channelType: string,
    public runner: RunnerProcess | undefined,
  ) {
    this.finished = new Promise((r) => (this.resolveFinished = r));
  }

  subscribe(listener: (e: OutboundEvent) => void): () => void {
    for (const e of this.events) listener(e);
    if (this.done) return () => undefined;
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private readonly dataListeners = new Set<() => void>();
  /** How many times the app changed the session's data in this turn (see Turn.onDataChanged). */
  dataChanges = 0;

  onDataChanged(listener: () => void): () => void {
    if (this.dataChanges) listener();
    if (this.done) return () => undefined;
    this.dataListeners.add(listener);
    return () => this.dataListeners.delete(listener);
  }

  dataChanged(): void {
    if (this.done) return;
    this.dataChanges += 1;
    for (const l of this.dataListeners) {
      try {
        l();
      } catch {
        this.dataListeners.delete(l);
      }
    }
  }

  push(e: OutboundEvent): void {
    if (this.done) return;
    if (e.kind === 'reply') this.replies.push(e.text);
    if (e.kind === 'delta') {
      this.streamText += e.text;
      this.streamed = true;
    }
    if (e.kind === 'block') this.blocks.push(e.block);
    this.events.push(e);
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        // A listener that throws (closed socket) is dropped; the turn goes on.
        this.listeners.delete(l);
      }
    }
  }

  /** The turn's last complete message so far (a reply, or a stream closed by a block). */
  lastReply(): string | undefined {
    return this.replies.at(-1);
  }

  /** Ends a stream in progress: its text becomes one reply. Returns that text, if any. */
  closeStream(): string | undefined {
    if (!this.streamed) return undefined;
    const text = this.streamText;
    this.replies.push(text);
    this.streamText = '';
    this.streamed = false;
    return text;
  }

  /** True once the handler finished, while its last writes are still being made durable. */
  finishing = false;

  finish(error: string | undefined, durable: Promise<unknown>): void {
    if (this.done || this.finishing) return;
    this.finishing = true;
    const result: TurnResult = { reply: this.replies.join('\n'), blocks: this.blocks, ...(error ? { error } : {}) };
    // Acknowledge (done event, finished promise) only once everything the turn wrote is on disk.
    void Promise.allSettled([...this.writes, durable]).then((settled) => {
      // Never acknowledge what is not on disk: a failed write turns the turn into an error.
      const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed && !error) {
        error = `the conversation could not be saved: ${(failed.reason as Error)?.message ?? String(failed.reason)}`;
        result.error = error;
      }
      this.push({ kind: 'done', requestId: this.requestId, ...(error ? { error } : {}) });
      this.trace?.report(this.requestId, error);
      this.done = true;
      this.listeners.clear();
      this.dataListeners.clear();
      this.resolveFinished(result);
    });
  }
}
