// A real-SDK runner's inbound messages: the RunnerService.Recv stream it holds open. A message
// for a runner whose stream is not open (it registered and is about to call Recv, or it is
// reconnecting) waits here and is written when the stream opens, in order.
import type * as grpc from '@grpc/grpc-js';
import type { InboundMessage } from '../gateway/turns';

type RecvCall = grpc.ServerWritableStream<Record<string, unknown>, Record<string, unknown>>;

const FIELDS = ['request_id', 'session_id', 'text', 'channel_type', 'user_id', 'user_email', 'owner_id', 'org_id', 'chat_name', 'initial_data_json', 'action_name', 'action_payload_json'] as const;

/** The InboundMessage of capsule.proto, from the hub's message (which carries more: its session). */
function wireMessage(m: InboundMessage): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of FIELDS) out[f] = typeof m[f] === 'string' ? m[f] : '';
  const attachments = Array.isArray(m.attachments) ? (m.attachments as Array<Record<string, unknown>>) : [];
  out.attachments = attachments.map((a) => ({ url: String(a.url ?? ''), filename: String(a.filename ?? ''), content_type: String(a.content_type ?? ''), size: Number(a.size) || 0 }));
  return out;
}

export class RecvInbox {
  private stream: RecvCall | undefined;
  /** Frames of RecvResponse (`{message}`, `{task}` or `{schedule}`) waiting for the stream to open. */
  private readonly waiting: Array<Record<string, unknown>> = [];

  get open(): boolean {
    return !!this.stream && !this.stream.cancelled && !this.stream.writableEnded;
  }

  /** A new Recv call of this runner: it replaces the previous one (a reconnect). */
  attach(call: RecvCall): void {
    const previous = this.stream;
    this.stream = call;
    if (previous && previous !== call && !previous.writableEnded) previous.end();
    const detach = (): void => {
      if (this.stream === call) this.stream = undefined;
    };
    call.on('cancelled', detach);
    call.on('close', detach);
    call.on('error', detach);
    for (const f of this.waiting.splice(0)) this.stream.write(f);
  }

  deliver(message: InboundMessage): void {
    this.send({ message: wireMessage(message) });
  }

  /** A TaskDelivery of capsule.proto (the task queue, task-queue.ts, builds it). */
  deliverTask(task: Record<string, unknown>): void {
    this.send({ task });
  }

  /** A ScheduleDelivery of capsule.proto: the runner runs that @app.schedule handler now. */
  deliverSchedule(name: string): void {
    this.send({ schedule: { schedule_name: name } });
  }

  private send(frame: Record<string, unknown>): void {
    if (this.open) this.stream!.write(frame);
    else this.waiting.push(frame);
  }

  /** Ends the stream (the runner then reconnects, or is being stopped). */
  close(): void {
    this.waiting.length = 0;
    if (this.stream && !this.stream.writableEnded) this.stream.end();
    this.stream = undefined;
  }
}
