// The ask broker: the SDK's own blocking prompts (`session.prompt_approval` → WaitForApproval,
// `session.prompt_file` → WaitForFileUpload) held open until someone answers (the web chat's
// card, `POST /api/prompts/<id>/answer`, the CLI) or the hub clock passes the deadline. Kept apart
// from the integration prompts (prompts.ts): an answer here stores no credential.
import { EventEmitter } from 'node:events';
import type { HubClock } from './clock';
import { newId } from './sessions';

export type AskKind = 'approval' | 'file';

export interface PendingAsk {
  id: string;
  kind: AskKind;
  app: string;
  userId: string;
  sessionId: string;
  /** The id of the SDK's approval_prompt / file_upload block the card is drawn from. */
  blockId: string;
  createdAt: string;
  deadline: number; // epoch ms on the hub's clock
}

export interface UploadedFile {
  name: string;
  contentType: string;
  url: string;
  size: number;
}

export type AskOutcome =
  | { kind: 'approved' }
  | { kind: 'rejected' }
  | { kind: 'uploaded'; file: UploadedFile }
  | { kind: 'timed_out' }
  | { kind: 'cancelled'; reason: string };

/** An answer that does not fit the prompt (a file for an approval, an approval for a file). */
export class AskAnswerError extends Error {
  readonly status = 400;
}

interface Entry {
  ask: PendingAsk;
  settle: (o: AskOutcome) => void;
  cancelTimer: () => void;
}

export class Asks {
  private readonly pending = new Map<string, Entry>();
  private readonly emitter = new EventEmitter();

  constructor(
    private readonly clock: HubClock,
    private readonly record: (a: PendingAsk, outcome: string) => void,
  ) {
    this.emitter.setMaxListeners(0);
  }

  open(init: Omit<PendingAsk, 'id' | 'createdAt' | 'deadline'> & { timeoutSeconds: number }): { ask: PendingAsk; outcome: Promise<AskOutcome>; cancel: (reason: string) => void } {
    const { timeoutSeconds, ...rest } = init;
    const now = this.clock.now();
    const ask: PendingAsk = { ...rest, id: newId(init.kind === 'approval' ? 'apr' : 'upl'), createdAt: new Date(now).toISOString(), deadline: now + Math.max(0, timeoutSeconds) * 1000 };
    let settle!: (o: AskOutcome) => void;
    const outcome = new Promise<AskOutcome>((r) => (settle = r));
    const entry: Entry = {
      ask,
      settle: (o) => {
        if (!this.pending.delete(ask.id)) return;
        entry.cancelTimer();
        this.record(ask, o.kind);
        settle(o);
        this.emitter.emit('resolved', ask, o);
      },
      cancelTimer: () => undefined,
    };
    this.pending.set(ask.id, entry);
    entry.cancelTimer = this.clock.at(ask.deadline, () => entry.settle({ kind: 'timed_out' }));
    this.emitter.emit('created', ask);
    return { ask, outcome, cancel: (reason) => entry.settle({ kind: 'cancelled', reason }) };
  }

  list(): PendingAsk[] {
    return [...this.pending.values()].map((e) => e.ask);
  }

  get(id: string): PendingAsk | undefined {
    return this.pending.get(id)?.ask;
  }

  /** The pending ask of a block of a session (the web chat answers by the card's block). */
  ofBlock(sessionId: string, blockId: string): PendingAsk | undefined {
    return this.list().find((a) => a.sessionId === sessionId && a.blockId === blockId);
  }

  /** Answers a pending ask; throws for an unknown one or an answer of the wrong kind. */
  answer(id: string, answer: { approve: boolean } | { file: UploadedFile }): void {
    const entry = this.pending.get(id);
    if (!entry) throw new Error(`no pending prompt ${id} (it was answered, timed out or its app stopped)`);
    if ('approve' in answer) {
      if (entry.ask.kind !== 'approval') throw new AskAnswerError(`prompt ${id} asks for a file: upload one (web chat, or \`prompts answer ${id} --file PATH\`)`);
      entry.settle({ kind: answer.approve ? 'approved' : 'rejected' });
      return;
    }
    if (entry.ask.kind !== 'file') throw new AskAnswerError(`prompt ${id} asks for an approval: answer it with allow true or false`);
    entry.settle({ kind: 'uploaded', file: answer.file });
  }

  on(event: 'created', listener: (a: PendingAsk) => void): void;
  on(event: 'resolved', listener: (a: PendingAsk, o: AskOutcome) => void): void;
  on(event: 'created' | 'resolved', listener: (a: PendingAsk, o: AskOutcome) => void): void {
    this.emitter.on(event, listener);
  }

  off(event: 'created', listener: (a: PendingAsk) => void): void;
  off(event: 'resolved', listener: (a: PendingAsk, o: AskOutcome) => void): void;
  off(event: 'created' | 'resolved', listener: (a: PendingAsk, o: AskOutcome) => void): void {
    this.emitter.off(event, listener);
  }

  cancelAll(reason: string): void {
    for (const e of [...this.pending.values()]) e.settle({ kind: 'cancelled', reason });
  }
}
