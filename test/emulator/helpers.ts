// Shared bits of the emulator tests: the fixture apps, JSON calls, waiting for prompts and events.
import type { promptView } from '../../emulator/gateway/api';
import { fixture, type RunningEmulator } from '../support/emulator';
import { waitFor } from '../support/wait';

export const ECHO_APP = fixture('emulator', 'echo');
export const RELOAD_APP = fixture('emulator', 'reload');

export async function json<T = Record<string, unknown>>(emu: RunningEmulator, path: string, body?: unknown, method?: string): Promise<{ status: number; body: T }> {
  const r = await emu.api(path, { method: method ?? (body === undefined ? 'GET' : 'POST'), body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = { raw: text };
  }
  return { status: r.status, body: parsed as T };
}

export async function chat(emu: RunningEmulator, text: string, extra: Record<string, unknown> = {}) {
  return json<{ session_id: string; reply: string; blocks: Array<{ type: string; payload: Record<string, unknown> }>; error?: string }>(emu, '/api/chat', { text, ...extra });
}

/** A pending prompt as GET /api/prompts lists it: the emulator's own view of one. */
export type PromptView = ReturnType<typeof promptView>;

export function waitForPrompt(emu: RunningEmulator, type: string, ms = 20_000): Promise<PromptView> {
  return waitFor(`a pending ${type} prompt`, async () => {
    const { body } = await json<PromptView[]>(emu, '/api/prompts');
    return body.find((p) => p.type === type);
  }, ms);
}

export interface EventView {
  seq: number;
  kind: string;
  summary: string;
  detail?: Record<string, unknown>;
}

export async function events(emu: RunningEmulator, since = 0): Promise<EventView[]> {
  return (await json<EventView[]>(emu, `/api/events/log?since=${since}&limit=5000`)).body;
}

export function waitForEvent(emu: RunningEmulator, what: string, match: (e: EventView) => boolean, since = 0, ms = 20_000): Promise<EventView> {
  return waitFor(what, async () => (await events(emu, since)).find(match), ms);
}

export async function lastSeq(emu: RunningEmulator): Promise<number> {
  const all = await events(emu);
  return all.length ? all[all.length - 1]!.seq : 0;
}

export interface AppState {
  name: string;
  status: string;
  version: number;
  error?: string;
  pid?: number;
  /** The next runner, started ahead (real SDK, hot reload on). */
  sparePid?: number;
}

export async function appState(emu: RunningEmulator): Promise<AppState> {
  const { body } = await json<{ apps: AppState[] }>(emu, '/api/state');
  return body.apps[0]!;
}
