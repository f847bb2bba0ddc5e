// An app without an @app.message() handler (a workflow-only app, say) still gets chat messages:
// the SDK's runner finds no handler and ends the turn without a word, on Capsule too. serve says so
// when the app starts, with what reaches the app instead, so that an empty reply is no mystery.

import { shellWord } from './shell-word';

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const nameOf = (v: unknown): string | undefined => {
  const n = v && typeof v === 'object' ? (v as Record<string, unknown>).name : undefined;
  return typeof n === 'string' && n ? n : undefined;
};

/** The sentence after "<app>: ", or undefined when the app has a message handler. */
export function noChatNote(config: Record<string, unknown> | undefined): string | undefined {
  if (!config || config.has_message_handler !== false) return undefined;
  const ways: string[] = [];
  const workflows = list(config.workflows).flatMap((w) => nameOf(w) ?? []);
  if (workflows.length) ways.push(`start ${workflows.length > 1 ? 'a workflow' : 'its workflow'} with capsule-local workflow start ${shellWord(workflows[0]!)}${workflows.length > 1 ? ` (workflows: ${workflows.join(', ')})` : ''}`);
  const actions = list(config.actions).flatMap((a) => (typeof a === 'string' ? a : nameOf(a) ?? []));
  if (actions.length) ways.push(`run ${actions.length > 1 ? 'an action' : 'its action'} with capsule-local action ${shellWord(actions[0]!)}${actions.length > 1 ? ` (actions: ${actions.join(', ')})` : ''}`);
  const sessions = list(config.session_handlers).flatMap((s) => (typeof s === 'string' ? s : nameOf(s) ?? []));
  if (sessions.length) ways.push(`start a named session with capsule-local session start ${shellWord(sessions[0]!)}`);
  return `declares no @app.message() handler, so a chat message gets no reply (on Capsule too)${ways.length ? `; ${ways.join('; ')}, or from the dashboard` : ''}`;
}
