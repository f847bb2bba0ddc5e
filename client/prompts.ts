// Pending integration prompts of the running emulator (`prompt_integration`/`require_integration`
// block the handler until someone answers). Each new prompt surfaces as a notification with
// Connect / Deny; the Capsule view lists them with a countdown. Answers go to the emulator's API.
import * as vscode from 'vscode';
import type { Emulator } from './emulator';
import * as ui from './ui';

export interface Prompt {
  id: string;
  app: string;
  user?: string;
  userId?: string;
  type: string;
  mode: string;
  reason: string;
  scopes: string[];
  fields: string[];
  /** As the emulator reports it (its clock may run ahead of real time: the dashboard can advance it). */
  expires_in_seconds?: number;
  /** Local epoch ms when the prompt times out, from expires_in_seconds at the last poll. */
  deadline?: number;
}

/** Seconds left before the prompt times out (the handler then gets IntegrationTimeout). */
export function secondsLeft(p: Prompt, now = Date.now()): number | undefined {
  return p.deadline === undefined ? undefined : Math.max(0, Math.round((p.deadline - now) / 1000));
}

export function describe(p: Prompt): string {
  const who = p.user ?? p.userId ?? 'a user';
  return `${p.app}: ${who} is asked to connect ${p.type}${p.reason ? ` — “${p.reason}”` : ''}`;
}

const FIELD_LOOKS_SECRET = /(secret|token|password|key|credential)/i;

export class PromptWatcher implements vscode.Disposable {
  prompts: Prompt[] = [];
  private readonly notified = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly emulator: () => Emulator | undefined,
    private readonly log: vscode.OutputChannel,
  ) {
    // Polling once a second keeps the countdown honest and needs nothing beyond the prompts API.
    this.timer = setInterval(() => void this.tick(), 1000);
  }

  async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const emu = this.emulator();
      const next = emu?.state === 'running' ? await emu.json<Prompt[] | { prompts: Prompt[] }>('/api/prompts').catch(() => undefined) : [];
      const polledAt = Date.now();
      const list = (next === undefined ? this.prompts : Array.isArray(next) ? next : next.prompts).map((p) => ({
        ...p,
        deadline: typeof p.expires_in_seconds === 'number' && next !== undefined ? polledAt + p.expires_in_seconds * 1000 : p.deadline,
      }));
      const before = this.prompts.map((p) => p.id).join();
      this.prompts = list;
      for (const p of list) {
        if (!this.notified.has(p.id)) {
          this.notified.add(p.id);
          void this.notify(p);
        }
      }
      // The countdown changes every second while anything is pending.
      if (list.length || before !== list.map((p) => p.id).join()) this.changed.fire();
    } finally {
      this.busy = false;
    }
  }

  private async notify(p: Prompt): Promise<void> {
    this.log.appendLine(`[capsule] prompt ${p.id}: ${describe(p)}`);
    const left = secondsLeft(p);
    const choice = await vscode.window.showInformationMessage(
      `Capsule: ${describe(p)}${left !== undefined ? ` (times out in ${left} s)` : ''}`,
      'Connect',
      'Deny',
    );
    if (!choice || !this.prompts.some((q) => q.id === p.id)) return;
    try {
      if (choice === 'Connect') await this.connect(p);
      else await this.deny(p);
    } catch (e) {
      void vscode.window.showErrorMessage(`Capsule: ${(e as Error).message}`);
    }
  }

  find(id: string): Prompt | undefined {
    return this.prompts.find((p) => p.id === id);
  }

  /** Grants the prompt: OAuth scopes chosen from the requested ones, or the form's fields. */
  async connect(p: Prompt): Promise<boolean> {
    const body: { allow: true; scopes?: string[]; fields?: Record<string, string> } = { allow: true };
    if (p.mode === 'oauth' && p.scopes.length) {
      const picked = await ui.pickMany(
        p.scopes.map((s) => ({ label: s, picked: true })),
        { title: `Capsule: scopes to grant to ${p.app} for ${p.type}`, placeHolder: 'Untick scopes to grant fewer' },
      );
      if (!picked) return false;
      body.scopes = picked.map((i) => i.label);
    } else if (p.fields.length) {
      body.fields = {};
      for (const field of p.fields) {
        const value = await ui.input({
          title: `Capsule: ${p.type} for ${p.app}: ${field}`,
          prompt: p.reason || `Value of ${field}`,
          password: FIELD_LOOKS_SECRET.test(field),
        });
        if (value === undefined) return false;
        body.fields[field] = value;
      }
    }
    await this.answer(p, body);
    this.log.appendLine(`[capsule] prompt ${p.id}: connected ${p.type}`);
    return true;
  }

  async deny(p: Prompt): Promise<void> {
    await this.answer(p, { allow: false });
    this.log.appendLine(`[capsule] prompt ${p.id}: denied`);
  }

  private async answer(p: Prompt, body: object): Promise<void> {
    const emu = this.emulator();
    if (!emu) throw new Error('the emulator is not running');
    await emu.json(`/api/prompts/${encodeURIComponent(p.id)}/answer`, { method: 'POST', body: JSON.stringify(body) });
    this.prompts = this.prompts.filter((q) => q.id !== p.id);
    this.changed.fire();
  }

  dispose(): void {
    if (this.timer) clearInterval(this.timer);
    this.changed.dispose();
  }
}
