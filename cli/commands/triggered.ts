// What `action`, `session start` and `workflow start` send and print: the request body from their
// flags; the handler's turn as `chat` prints one (the reply on stdout, blocks and the session on
// stderr, or one JSON line); a refusal or a handler error as the emulator words it (exit status 1;
// the SDK's "Unknown action ..." for a name it lacks).
import { callEmulator, EmulatorClientError, errorOf, findEmulator } from '../../emulator/gateway/client';
import { UsageError, UserError } from '../errors';

/** The flags `action`, `session start` and `workflow start` share. */
export interface TriggerFlags {
  store: string;
  app?: string;
  session?: string;
  user?: string;
  payload?: string;
  json?: boolean;
}

/** The request body for a trigger: the name, the parsed --payload, and the app, session and user. */
export function triggerBody(name: string, flags: TriggerFlags): Record<string, unknown> {
  const body: Record<string, unknown> = { name };
  if (flags.payload !== undefined) {
    try {
      body.payload = JSON.parse(flags.payload);
    } catch (e) {
      throw new UsageError(`--payload is not JSON: ${(e as Error).message}`);
    }
  }
  if (flags.app) body.app = flags.app;
  if (flags.session) body.session_id = flags.session;
  if (flags.user) body.user = flags.user;
  return body;
}

interface TurnAnswer {
  session_id?: string;
  reply?: string;
  blocks?: Array<{ type?: string }>;
  error?: string;
}

export async function runTriggered(store: string, path: string, body: Record<string, unknown>, json: boolean | undefined): Promise<void> {
  let info;
  try {
    info = findEmulator(store);
  } catch (e) {
    throw new UserError((e as Error).message);
  }
  let res;
  try {
    res = await callEmulator(info, path, { body });
  } catch (e) {
    if (e instanceof EmulatorClientError) throw new UserError(e.message);
    throw e;
  }
  const out = (res.body && typeof res.body === 'object' ? res.body : {}) as TurnAnswer;
  if (res.status >= 300) {
    // A handler that failed may have replied first: that text is part of what happened.
    if (out.reply) process.stdout.write(out.reply + '\n');
    if (out.session_id) process.stderr.write(`session ${out.session_id}\n`);
    throw new UserError(res.status === 422 ? `the handler failed: ${errorOf(out, res.status)}` : errorOf(out, res.status));
  }
  if (json) {
    process.stdout.write(JSON.stringify(out) + '\n');
    return;
  }
  if (out.reply) process.stdout.write(out.reply + '\n');
  for (const b of out.blocks ?? []) process.stderr.write(`[block ${b.type ?? '?'}]\n`);
  process.stderr.write(`session ${out.session_id}\n`);
}
