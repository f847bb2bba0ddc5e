// Actions (`@app.action(name)`), named-session starts (`@app.session(name)`) and workflow starts
// (`app.workflow(name)` with `@wf.start()`), triggered by a developer where the platform's web app
// would: a component click, `useSession(name, {start: true})`, a workflow's launcher.
// On the platform both reach the runner as an InboundMessage on its Recv stream with `action_name`
// set (cpsl/runner/session.py): an action with its name and `action_payload_json`, a session start
// with the reserved name `__session_init__` and `{"name": <session name>}`, on a new session. The
// handler's replies and blocks come back as a message handler's do. What the SDK decides stays the
// SDK's: which handler an action name resolves to (a workflow's actions first) and the error for
// one it does not know ("Unknown action 'x'. Available app actions: ..."). A workflow starts with
// the message the web app sends: the text `{"__workflow__": name, "__action__": "start",
// "__payload__": {...}}`, which the SDK routes to the workflow's start handler; it tags the session,
// so later messages go to the workflow's `@wf.message()` and actions to its `@wf.action`s.
import type { GatewayHub } from './hub-impl';
import type { RunnerProcess } from '../runner/process';
import type { TurnState } from './turns';
import { HttpError } from './errors';
import { jsonObject, optString, senderFor, type Json } from './request-body';
import { nameTooLong } from '../limits';

/** The SDK's reserved action names: a session start, and the web app's session-data writes. */
export const SESSION_INIT = '__session_init__';
const RESERVED = new Set([SESSION_INIT, '__session_set__']);

/** The SDK's message for an action no handler takes (runner/session.py `_unknown_action_message`). */
const UNKNOWN_ACTION = /^Unknown action /;

export interface Answer {
  status: number;
  body: Json;
}

/** The app's runner, once it runs; actions need the real SDK's Recv stream. */
async function sdkApp(hub: GatewayHub, b: Json, feature: string): Promise<{ app: string; declared: Record<string, unknown> }> {
  const app = optString(b, 'app');
  const sup = hub.pickApp(app);
  let runner: RunnerProcess;
  try {
    runner = await sup.ready(hub.readyTimeoutMs);
  } catch (e) {
    throw new HttpError(503, (e as Error).message);
  }
  if (!runner.inbox) {
    throw new HttpError(409, `${feature} handlers run on the real SDK only: ${sup.name} runs on the bundled runtime (no interpreter with the cpsl package was found)`);
  }
  return { app: sup.name, declared: sup.info().declarations };
}

function names(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function requiredName(b: Json, what: string): string {
  const name = b.name;
  if (typeof name !== 'string' || !name) throw new HttpError(400, `"name" (the ${what}'s name) is required, as a string`);
  const long = nameTooLong('name', name);
  if (long) throw new HttpError(400, long);
  return name;
}

/** `payload`, default {}. The SDK hands a handler only a JSON object (anything else becomes {}): refused, not dropped. */
function objectPayload(b: Json, use: string): object {
  const payload = b.payload === undefined ? {} : b.payload;
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) throw new HttpError(400, `"payload" must be a JSON object (${use})`);
  return payload;
}

function sessionIdOf(b: Json): string | undefined {
  const id = optString(b, 'session_id');
  const long = id === undefined ? undefined : nameTooLong('session_id', id);
  if (long) throw new HttpError(400, long);
  return id;
}

async function answerOf(hub: GatewayHub, turn: TurnState, ok: Json): Promise<Answer> {
  const out = await turn.finished;
  const body = { ...ok, session_id: turn.sessionId, reply: out.reply, blocks: out.blocks };
  if (!out.error) return hub.scrubber.json({ status: 200, body });
  return hub.scrubber.json({ status: UNKNOWN_ACTION.test(out.error) ? 404 : 422, body: { error: out.error, ...body } });
}

/**
 * An action's turn, started (not awaited): `{name, payload?, session_id?, user?, app?}` checked as
 * `POST /api/actions/run` checks it. `channelType` is the channel of a new session (an existing
 * one keeps its own): the web chat's action suggestions run in its chat session.
 */
export async function dispatchAction(hub: GatewayHub, requestBody: unknown, channelType = 'api'): Promise<{ app: string; name: string; turn: TurnState }> {
  const b = jsonObject(requestBody);
  const name = requiredName(b, 'action');
  if (RESERVED.has(name)) throw new HttpError(400, `"${name}" is reserved by the platform${name === SESSION_INIT ? ': start a named session with POST /api/sessions/start' : ''}`);
  const payload = objectPayload(b, 'the handler receives it as event.payload');
  const sessionId = sessionIdOf(b);
  const { app } = await sdkApp(hub, b, '@app.action');
  const userId = await senderFor(hub, b, sessionId);
  const existing = sessionId ? hub.sessionHead(sessionId) : undefined;
  const payloadJson = JSON.stringify(payload);
  const turn = await hub.dispatch({
    app,
    channelType: existing?.channelType ?? channelType,
    userId,
    sessionId,
    text: '',
    action: { name, payloadJson, label: `action ${name} ${payloadJson}` },
  });
  return { app, name, turn };
}

/**
 * `POST /api/actions/run {name, payload?, session_id?, user?, app?}`: the app's action handler
 * runs in the session (a new one without `session_id`) with `payload` as its `Event.payload`.
 */
export async function runAction(hub: GatewayHub, requestBody: unknown): Promise<Answer> {
  const { app, name, turn } = await dispatchAction(hub, requestBody);
  return answerOf(hub, turn, { app, action: name });
}

/**
 * `initial_data`: the new session's creation-time data (a React page's `useSession(name,
 * {initialData})`), handed to the SDK as the message's `initial_data_json` (it fills
 * `session.data` of a session it has not seen before the initializer runs).
 */
function initialDataOf(b: Json): string | undefined {
  if (b.initial_data === undefined || b.initial_data === null) return undefined;
  if (typeof b.initial_data !== 'object' || Array.isArray(b.initial_data)) throw new HttpError(400, '"initial_data" must be a JSON object (the new session\'s data)');
  return JSON.stringify(b.initial_data);
}

/**
 * `POST /api/sessions/start {name, session_id?, user?, app?, initial_data?}`: a named session is created and the
 * app's `@app.session(name)` initializer runs in it, as when the web app starts one.
 */
export async function startSession(hub: GatewayHub, requestBody: unknown): Promise<Answer> {
  const b = jsonObject(requestBody);
  const name = requiredName(b, 'session handler');
  const sessionId = sessionIdOf(b);
  const { app, declared } = await sdkApp(hub, b, '@app.session');
  const handlers = names(declared.session_handlers);
  if (!handlers.includes(name)) throw new HttpError(404, `${app} declares no @app.session named "${name}" (declared: ${handlers.join(', ') || 'none'})`);
  // The platform starts an initializer only for a session it creates.
  if (sessionId && hub.sessionHead(sessionId)) throw new HttpError(409, `session ${sessionId} exists already: an @app.session initializer runs when its session is created`);
  const initialDataJson = initialDataOf(b);
  const userId = await senderFor(hub, b, undefined);
  const turn = await hub.dispatch({
    app,
    channelType: 'api',
    userId,
    sessionId,
    initialDataJson,
    text: '',
    action: { name: SESSION_INIT, payloadJson: JSON.stringify({ name }), label: `starts session ${name}` },
  });
  return answerOf(hub, turn, { app, session: name });
}

/**
 * `POST /api/workflows/start {name, payload?, session_id?, user?, app?}`: the app's workflow starts
 * in a new session (or `session_id`), its `@wf.start()` handler getting `payload` as its input.
 */
export async function startWorkflow(hub: GatewayHub, requestBody: unknown): Promise<Answer> {
  const b = jsonObject(requestBody);
  const name = requiredName(b, 'workflow');
  const payload = objectPayload(b, 'the start handler receives it as its input');
  const sessionId = sessionIdOf(b);
  const { app, declared } = await sdkApp(hub, b, 'app.workflow');
  const workflows = (Array.isArray(declared.workflows) ? declared.workflows : []).map((w) => (w && typeof w === 'object' ? (w as { name?: unknown }).name : undefined)).filter((n): n is string => typeof n === 'string');
  if (!workflows.includes(name)) throw new HttpError(404, `${app} declares no workflow named "${name}" (declared: ${workflows.join(', ') || 'none'})`);
  const userId = await senderFor(hub, b, sessionId);
  const existing = sessionId ? hub.sessionHead(sessionId) : undefined;
  const turn = await hub.dispatch({
    app,
    channelType: existing?.channelType ?? 'api',
    userId,
    sessionId,
    text: JSON.stringify({ __workflow__: name, __action__: 'start', __payload__: payload }),
  });
  return answerOf(hub, turn, { app, workflow: name });
}
