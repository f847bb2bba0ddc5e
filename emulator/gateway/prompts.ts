// The prompt broker: `WaitForIntegration` calls held open until someone answers (the CLI, the API,
// the dashboard, a consent page) or the hub clock passes the deadline. An answer stores the
// credential for the user (durably) before the waiting handler is released.
import { EventEmitter } from 'node:events';
import type { PendingPrompt, PromptAnswer, PromptBroker } from '../hub';
import type { StoredIntegration } from '../store';
import type { HubClock } from './clock';
import { newId } from './sessions';

export type PromptOutcome =
  | { kind: 'connected'; credential: StoredIntegration }
  | { kind: 'declined' }
  | { kind: 'timed_out' }
  | { kind: 'cancelled'; reason: string };

interface Entry {
  prompt: PendingPrompt;
  settle: (o: PromptOutcome) => void;
  cancelTimer: () => void;
}

export class Prompts implements PromptBroker {
  private readonly pending = new Map<string, Entry>();
  private readonly emitter = new EventEmitter();

  constructor(
    private readonly clock: HubClock,
    /** Persists an accepted credential; the handler is released only after it resolves. */
    private readonly saveCredential: (p: PendingPrompt, c: StoredIntegration) => Promise<void>,
    private readonly record: (p: PendingPrompt, outcome: string) => void,
  ) {
    this.emitter.setMaxListeners(0);
  }

  /** Opens a prompt and resolves with its outcome. */
  open(init: Omit<PendingPrompt, 'id' | 'createdAt' | 'deadline'> & { timeoutSeconds: number }): { prompt: PendingPrompt; outcome: Promise<PromptOutcome>; cancel: (reason: string) => void } {
    const { timeoutSeconds, ...rest } = init;
    const now = this.clock.now();
    const prompt: PendingPrompt = {
      ...rest,
      id: newId('prm'),
      createdAt: new Date(now).toISOString(),
      deadline: now + Math.max(0, timeoutSeconds) * 1000,
    };
    let settle!: (o: PromptOutcome) => void;
    const outcome = new Promise<PromptOutcome>((r) => (settle = r));
    const entry: Entry = {
      prompt,
      settle: (o) => {
        if (!this.pending.delete(prompt.id)) return;
        entry.cancelTimer();
        this.record(prompt, o.kind);
        settle(o);
        this.emitter.emit('resolved', prompt);
      },
      cancelTimer: () => undefined,
    };
    this.pending.set(prompt.id, entry);
    entry.cancelTimer = this.clock.at(prompt.deadline, () => entry.settle({ kind: 'timed_out' }));
    this.emitter.emit('created', prompt);
    return { prompt, outcome, cancel: (reason) => entry.settle({ kind: 'cancelled', reason }) };
  }

  list(): PendingPrompt[] {
    return [...this.pending.values()].map((e) => e.prompt);
  }

  /** Gives a pending prompt its reason when it comes after the prompt was opened (the SDK's card). */
  setReason(id: string, reason: string): void {
    const e = this.pending.get(id);
    if (e && !e.prompt.reason) e.prompt.reason = reason;
  }

  get(id: string): PendingPrompt | undefined {
    return this.pending.get(id)?.prompt;
  }

  answer(id: string, answer: PromptAnswer): void {
    // Fire and forget: an unknown or already answered prompt is not an error here.
    void this.answerDurably(id, answer).catch(() => undefined);
  }

  /** Like answer, but resolves once the credential is stored (rejects for an unknown prompt). */
  async answerDurably(id: string, answer: PromptAnswer): Promise<void> {
    const entry = this.pending.get(id);
    if (!entry) throw new Error(`no pending prompt ${id} (it was answered, timed out or its app stopped)`);
    if (!answer.allow) {
      entry.settle({ kind: 'declined' });
      return;
    }
    await this.saveCredential(entry.prompt, answer.credential);
    entry.settle({ kind: 'connected', credential: answer.credential });
  }

  on(event: 'created' | 'resolved', listener: (p: PendingPrompt) => void): void {
    this.emitter.on(event, listener);
  }

  off(event: 'created' | 'resolved', listener: (p: PendingPrompt) => void): void {
    this.emitter.off(event, listener);
  }

  cancelAll(reason: string): void {
    for (const e of [...this.pending.values()]) e.settle({ kind: 'cancelled', reason });
  }
}
