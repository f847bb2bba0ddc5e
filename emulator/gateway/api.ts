// The API channel and the emulator's own APIs (all behind the session token):
//   POST /api/chat            {text, session_id?, user?, app?} → {session_id, reply, blocks}
//   POST /api/chat/stream     same body → NDJSON (or SSE with Accept: text/event-stream) of events
//   GET  /api/prompts         pending integration prompts
//   POST /api/prompts/:id/answer {allow, scopes?, fields?}
//   GET  /api/state           apps, sessions, personas, channels (masked), secrets (names, sources)
//   GET  /api/events          live event log (SSE; ?since=<seq> replays newer stored events)
//   GET  /api/events/log      stored events as JSON (?since, ?limit)
//   POST /api/clock/advance   {ms}
//   POST /api/onboarding/reset {app?, user?}: those users go through the app's onboarding again
//   POST /api/schedules/run   {app?, name}: runs an @app.schedule handler now
//   POST /api/actions/run     {app?, name, payload?, session_id?, user?}: runs an @app.action handler
//   POST /api/sessions/start  {app?, name, session_id?, user?, initial_data?}: a new named session (@app.session)
//   POST /api/workflows/start {app?, name, payload?, session_id?, user?}: starts a workflow (@wf.start)
//   POST /api/debug           {app?, python_path?, env?} → {host, port}: the app under debugpy
//   POST /api/debug/stop      {app?}: the app runs again without the debugger
//   POST /api/login-code      a one-time login code for a browser
import express, { Router, type Request, type Response } from 'express';
import { STATUS_NAMES, type TaskRow } from '../platform/task-queue';
import { basename } from 'node:path';
import type { PendingAsk, UploadedFile } from './asks';
import { MAX_RUNNER_CALL_BYTES } from './rpc';
import { saveUpload } from '../platform/uploads';
import { maskCredential, DotenvFile } from '../store';
import type { OutboundEvent, PendingPrompt } from '../hub';
import type { GatewayHub } from './hub-impl';
import type { SessionAuth } from './security';
import { AnswerError, headlessCredential } from './credentials';
import { HttpError } from './errors';
import { jsonObject, optString, senderFor, type Json } from './request-body';
import { runAction, startSession, startWorkflow } from './actions';
import { clockMoveProblem } from './clock';
import { messageTooLong, nameTooLong } from '../limits';

function bodyOf(req: Request): Json {
  return jsonObject(req.body);
}

async function startChat(hub: GatewayHub, body: unknown) {
  const b = jsonObject(body);
  if (typeof b.text !== 'string' || !b.text.trim()) throw new HttpError(400, '"text" is required: the message to send');
  const sessionId = optString(b, 'session_id');
  const app = optString(b, 'app');
  const long = messageTooLong(b.text);
  if (long) throw new HttpError(413, long);
  for (const field of ['session_id', 'app', 'user']) {
    const problem = nameTooLong(field, optString(b, field) ?? '');
    if (problem) throw new HttpError(400, problem);
  }
  const userId = await senderFor(hub, b, sessionId);
  return hub.dispatch({ app, channelType: 'api', userId, sessionId, text: b.text });
}

/**
 * `POST /api/chat`: one message, answered when its turn is done (served by the fast lane, and by
 * the express route for requests the fast lane hands over).
 */
export async function chatAnswer(hub: GatewayHub, requestBody: unknown): Promise<{ status: number; body: Json }> {
  try {
    const turn = await startChat(hub, requestBody);
    const out = await turn.finished;
    const body = { session_id: turn.sessionId, reply: out.reply, blocks: out.blocks };
    return hub.scrubber.json(out.error ? { status: 422, body: { error: out.error, ...body } } : { status: 200, body });
  } catch (e) {
    if (e instanceof HttpError) return hub.scrubber.json({ status: e.status, body: { error: e.message, ...e.extra } });
    throw e;
  }
}

export function promptView(p: PendingPrompt, now: number) {
  return {
    id: p.id,
    app: p.app,
    user: p.userId,
    session_id: p.sessionId ?? null,
    type: p.type,
    mode: p.mode,
    reason: p.reason,
    scopes: p.scopes,
    fields: p.fields,
    created_at: p.createdAt,
    expires_in_seconds: Math.max(0, Math.round((p.deadline - now) / 1000)),
  };
}

/** A background task as the dashboard shows it (the latest 50 of every app). */
function taskView(t: TaskRow) {
  return { id: t.id, app: t.app, name: t.name, display_name: t.display_name, session_id: t.session_id, status: STATUS_NAMES[t.status], attempt: t.attempt, max_retries: t.max_retries, error: t.error, created_at: t.created_at, started_at: t.started_at, completed_at: t.completed_at, scheduled_at: t.scheduled_at, lock_key: t.lock_key, recurrence_seconds: t.recurrence_seconds, series: t.series };
}

/** The payload of the SDK's block an ask was shown with (its message, labels, accept). */
function askBlock(hub: GatewayHub, a: PendingAsk): Record<string, unknown> {
  let found: Record<string, unknown> = {};
  for (const t of hub.turns.values()) {
    if (t.sessionId !== a.sessionId) continue;
    for (const b of t.blocks as Array<{ id?: unknown; payload?: unknown }>) if (b?.id === a.blockId && b.payload && typeof b.payload === 'object') found = b.payload as Record<string, unknown>;
  }
  return found;
}

/** An approval or file prompt in the shape of promptView (the CLI and the API list both). */
export function askView(hub: GatewayHub, a: PendingAsk, now: number) {
  const p = askBlock(hub, a);
  const text = (k: string, fallback = ''): string => (typeof p[k] === 'string' ? (p[k] as string) : fallback);
  return {
    id: a.id,
    app: a.app,
    user: a.userId,
    session_id: a.sessionId,
    type: a.kind,
    mode: a.kind,
    reason: hub.scrubber.text(text('message')),
    scopes: [] as string[],
    fields: [] as string[],
    block_id: a.blockId,
    ...(a.kind === 'approval' ? { approve_label: text('approve_label', 'Approve'), reject_label: text('reject_label', 'Reject') } : { accept: text('accept') }),
    created_at: a.createdAt,
    expires_in_seconds: Math.max(0, Math.round((a.deadline - now) / 1000)),
  };
}

function allPrompts(hub: GatewayHub) {
  const now = hub.clock.now();
  return [...hub.prompts.list().map((p) => promptView(p, now)), ...hub.asks.list().map((a) => askView(hub, a, now))];
}

/** POST /api/prompts/<id>/file: the raw file, its name in x-filename (URI-encoded), its type in content-type. */
async function answerWithFile(hub: GatewayHub, req: Request): Promise<UploadedFile> {
  const id = String(req.params.id);
  const a = hub.asks.get(id);
  if (!a) throw new HttpError(404, `no pending prompt ${id} (it was answered, timed out or its app stopped)`);
  if (a.kind !== 'file') throw new HttpError(400, `prompt ${id} asks for an approval, not a file`);
  if (!Buffer.isBuffer(req.body)) throw new HttpError(400, 'send the file as the request body');
  let name: string;
  try {
    name = decodeURIComponent(String(req.headers['x-filename'] ?? ''));
  } catch {
    throw new HttpError(400, 'x-filename must be URI-encoded');
  }
  if (!name) throw new HttpError(400, 'the x-filename header (the file\'s name) is required');
  const contentType = String(req.headers['content-type'] ?? '') || 'application/octet-stream';
  const url = await saveUpload(hub, { app: a.app, sessionId: a.sessionId, filename: name, contentType, data: req.body });
  const file = { name: basename(name), contentType, url, size: req.body.length };
  hub.asks.answer(id, { file });
  return file;
}

function stateOf(hub: GatewayHub) {
  const d = hub.read();
  // `link`: whether the serving runner talks over the runner link (else over HTTP).
  const apps = hub.supervisors.map((s) => ({ ...s.info(), link: !!s.current?.link?.open }));
  const names = new Set<string>([...Object.keys(d.secrets), ...new DotenvFile(hub.store.paths.envFile).names()]);
  for (const a of apps) for (const s of a.secrets) names.add(s);
  for (const a of apps) for (const i of a.integrations) for (const s of [i.client_id_secret, i.client_secret_secret]) if (s && /^[A-Za-z_][A-Za-z0-9_]*$/.test(s)) names.add(s);
  const secrets = [...names].sort().map((name) => {
    const sources = hub.secretsImpl.sources(name);
    // `updatedAt` (of the store's value): lets `secret set` tell that this emulator has read its change.
    return { name, source: sources[0] ?? null, sources, declared: apps.some((a) => a.secrets.includes(name)), updatedAt: d.secrets[name]?.updatedAt ?? null };
  });
  const sessions = Object.values(d.sessions)
    .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt))
    .map((s) => ({ id: s.id, app: s.app, user: s.userId, channel: s.channelType, channel_name: s.channelName ?? null, created_at: s.createdAt, updated_at: s.updatedAt, messages: hub.store.outline(s).messages }));
  const channels = Object.entries(d.channels).map(([name, c]) => ({
    name,
    type: c.type,
    id: c.id,
    webhook_id: c.webhookId,
    credentials: Object.fromEntries(Object.entries(c.credentials).map(([k, v]) => [k, maskCredential(c.type, k, v)])),
  }));
  return { url: hub.url, grpc: hub.platformAddress, apps, sessions, personas: d.personas, channels, secrets, prompts: allPrompts(hub), tasks: (hub.tasks?.recent(50) ?? []).map(taskView), onboarding: hub.onboarding?.list() ?? [], schedules: hub.schedules?.list() ?? [], clock: { now: hub.clock.now() } };
}

function writeEvent(res: Response, sse: boolean, e: unknown): void {
  res.write(sse ? `data: ${JSON.stringify(e)}\n\n` : JSON.stringify(e) + '\n');
}

export function apiRouter(hub: GatewayHub, auth: SessionAuth): Router {
  const r = Router();
  const wrap = (fn: (req: Request, res: Response) => Promise<void> | void) => (req: Request, res: Response, next: (e?: unknown) => void) => {
    Promise.resolve()
      .then(() => fn(req, res))
      .catch((e: unknown) => {
        if (e instanceof HttpError) res.status(e.status).json({ error: e.message, ...e.extra });
        else next(e);
      });
  };

  r.get('/api/health', (_req, res) => {
    res.json({ ok: true });
  });

  r.post('/api/login-code', (_req, res) => {
    const code = auth.newCode();
    res.json({ code, url: `${hub.url}/login?code=${encodeURIComponent(code)}` });
  });

  r.post('/api/chat', wrap(async (req, res) => {
    const answer = await chatAnswer(hub, req.body);
    res.status(answer.status).json(answer.body);
  }));

  r.post('/api/chat/stream', wrap(async (req, res) => {
    const turn = await startChat(hub, req.body);
    const sse = (req.headers.accept ?? '').includes('text/event-stream');
    res.status(200);
    res.setHeader('content-type', sse ? 'text/event-stream' : 'application/x-ndjson');
    res.setHeader('cache-control', 'no-store');
    res.flushHeaders();
    writeEvent(res, sse, { kind: 'session', session_id: turn.sessionId, request_id: turn.requestId });
    const onPrompt = (p: PendingPrompt): void => {
      if (p.sessionId === turn.sessionId) writeEvent(res, sse, { kind: 'prompt', prompt: promptView(p, hub.clock.now()) });
    };
    hub.prompts.on('created', onPrompt);
    const onAsk = (a: PendingAsk): void => {
      if (a.sessionId === turn.sessionId) writeEvent(res, sse, { kind: 'prompt', prompt: askView(hub, a, hub.clock.now()) });
    };
    hub.asks.on('created', onAsk);
    const cleanup = (): void => {
      hub.prompts.off('created', onPrompt);
      hub.asks.off('created', onAsk);
      unsubscribe();
    };
    const unsubscribe = turn.subscribe((e: OutboundEvent) => {
      writeEvent(res, sse, e);
      if (e.kind === 'done') {
        cleanup();
        res.end();
      }
    });
    res.on('close', cleanup);
  }));

  r.get('/api/prompts', (_req, res) => {
    res.json(allPrompts(hub));
  });

  // Every type: the browser's File sends its own; the limit is the platform's message size.
  r.post('/api/prompts/:id/file', express.raw({ type: () => true, limit: MAX_RUNNER_CALL_BYTES }), wrap(async (req, res) => {
    const f = await answerWithFile(hub, req);
    res.json({ ok: true, id: String(req.params.id), outcome: 'uploaded', name: f.name, content_type: f.contentType, size: f.size, url: f.url });
  }));

  r.post('/api/prompts/:id/answer', wrap(async (req, res) => {
    const b = bodyOf(req);
    const id = String(req.params.id);
    const ask = hub.asks.get(id);
    if (ask) {
      if (typeof b.allow !== 'boolean') throw new HttpError(400, '"allow" must be true or false');
      if (ask.kind === 'file') throw new HttpError(400, `prompt ${id} asks for a file: upload one in the web chat, or with \`capsule-local prompts answer ${id} --file PATH\``);
      hub.asks.answer(id, { approve: b.allow });
      res.json({ ok: true, id, outcome: b.allow ? 'approved' : 'rejected' });
      return;
    }
    const p = hub.prompts.get(id);
    if (!p) throw new HttpError(404, `no pending prompt ${id} (it was answered, timed out or its app stopped)`);
    if (typeof b.allow !== 'boolean') throw new HttpError(400, '"allow" must be true or false');
    if (!b.allow) {
      await hub.prompts.answerDurably(p.id, { allow: false });
      res.json({ ok: true, id: p.id, outcome: 'declined' });
      return;
    }
    const scopes = b.scopes;
    if (scopes !== undefined && !(Array.isArray(scopes) && scopes.every((s) => typeof s === 'string'))) throw new HttpError(400, '"scopes" must be an array of strings');
    const fields = b.fields;
    if (fields !== undefined && (typeof fields !== 'object' || fields === null || Array.isArray(fields) || !Object.values(fields).every((v) => typeof v === 'string'))) {
      throw new HttpError(400, '"fields" must be an object of strings');
    }
    let credential;
    try {
      credential = headlessCredential(p, { scopes: scopes as string[] | undefined, fields: fields as Record<string, string> | undefined }, hub.clock.now());
    } catch (e) {
      if (e instanceof AnswerError) throw new HttpError(400, e.message);
      throw e;
    }
    await hub.prompts.answerDurably(p.id, { allow: true, credential });
    res.json({ ok: true, id: p.id, outcome: 'connected', scopes: credential.scopes, expires_at: credential.expiresAt });
  }));

  r.get('/api/state', (_req, res) => {
    res.json(stateOf(hub));
  });

  r.get('/api/events/log', (req, res) => {
    const since = Number(req.query.since ?? 0) || 0;
    const limit = Math.min(Number(req.query.limit ?? 500) || 500, 5000);
    res.json(hub.read().events.filter((e) => e.seq > since).slice(-limit));
  });

  r.get('/api/events', (req, res) => {
    res.status(200);
    res.setHeader('content-type', 'text/event-stream');
    res.setHeader('cache-control', 'no-store');
    res.flushHeaders();
    const since = Number(req.query.since ?? NaN);
    // Stored events were scrubbed when recorded; once more for values that became known since.
    if (Number.isFinite(since)) for (const e of hub.read().events) if (e.seq > since) res.write(`id: ${e.seq}\ndata: ${JSON.stringify(hub.scrubber.json(e))}\n\n`);
    const off = hub.events.subscribe((e) => res.write(`id: ${e.seq}\ndata: ${JSON.stringify(e)}\n\n`));
    const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
    res.on('close', () => {
      off();
      clearInterval(ping);
    });
  });

  r.post('/api/clock/advance', wrap((req, res) => {
    const ms = bodyOf(req).ms;
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) throw new HttpError(400, '"ms" must be a non-negative number of milliseconds');
    const problem = clockMoveProblem(ms, hub.clock.ahead);
    if (problem) throw new HttpError(422, `"ms": ${problem}`);
    hub.clock.advance(ms);
    res.json({ now: hub.clock.now() });
  }));

  r.post('/api/schedules/run', wrap((req, res) => {
    const b = bodyOf(req);
    const sup = hub.pickApp(optString(b, 'app'));
    const name = optString(b, 'name');
    if (!name) throw new HttpError(400, '"name" (the schedule\'s function name) is required');
    if (!hub.schedules?.has(sup.name, name)) {
      const declared = (hub.schedules?.list() ?? []).filter((s) => s.app === sup.name).map((s) => s.name);
      throw new HttpError(404, `${sup.name} declares no schedule named "${name}" (declared: ${declared.join(', ') || 'none'}${sup.current?.runtime === 'bundled' ? '; schedules do not run on the bundled runtime' : ''})`);
    }
    try {
      res.json(hub.schedules.runNow(sup.name, name));
    } catch (e) {
      throw new HttpError(503, (e as Error).message);
    }
  }));

  r.post('/api/actions/run', wrap(async (req, res) => {
    const answer = await runAction(hub, req.body);
    res.status(answer.status).json(answer.body);
  }));

  r.post('/api/sessions/start', wrap(async (req, res) => {
    const answer = await startSession(hub, req.body);
    res.status(answer.status).json(answer.body);
  }));

  r.post('/api/workflows/start', wrap(async (req, res) => {
    const answer = await startWorkflow(hub, req.body);
    res.status(answer.status).json(answer.body);
  }));

  // A React onboarding's completeOnboarding() (@capsule/page): the viewer finished it, as
  // `session.complete_onboarding()` records it.
  r.post('/api/onboarding/complete', wrap((req, res) => {
    const b = bodyOf(req);
    const sup = hub.pickApp(optString(b, 'app'));
    const user = optString(b, 'user');
    if (!user) throw new HttpError(400, 'say whose onboarding is complete with "user" (a persona id)');
    if (!hub.read().personas.some((p) => p.id === user)) throw new HttpError(404, `no persona "${user}"`);
    if (!hub.onboarding) throw new HttpError(503, 'onboarding records need the collections database, which is not open');
    const done = hub.onboarding.complete(sup.name, user);
    hub.events.emit({ kind: 'onboarding', app: sup.name, userId: user, summary: `onboarding of ${sup.name} completed by ${user} (from the page)`, detail: { ...done } });
    res.json({ app: sup.name, user, ...done });
  }));

  r.post('/api/onboarding/reset', wrap((req, res) => {
    const b = bodyOf(req);
    const sup = hub.pickApp(optString(b, 'app'));
    const user = optString(b, 'user');
    if (!hub.onboarding) throw new HttpError(503, 'onboarding records need the collections database, which is not open');
    const reset = hub.onboarding.reset(sup.name, user);
    hub.events.emit({ kind: 'onboarding', app: sup.name, userId: user, summary: `onboarding of ${sup.name} reset for ${user ?? 'every user'} (${reset})`, detail: { reset } });
    res.json({ app: sup.name, reset });
  }));

  // Debugging: the emulator relaunches the app under debugpy and says where to attach. Nothing
  // here hands out a secret value or a runner token: those stay in the app's own environment.
  r.post('/api/debug', wrap(async (req, res) => {
    const b = bodyOf(req);
    const sup = hub.pickApp(optString(b, 'app'));
    const pythonPath = b.python_path;
    if (pythonPath !== undefined && !(Array.isArray(pythonPath) && pythonPath.every((p) => typeof p === 'string'))) throw new HttpError(400, '"python_path" must be an array of folder paths');
    const env = b.env;
    if (env !== undefined && (typeof env !== 'object' || env === null || Array.isArray(env) || !Object.values(env).every((v) => typeof v === 'string'))) {
      throw new HttpError(400, '"env" must be an object of strings');
    }
    let target;
    try {
      target = await sup.debug({ pythonPath: pythonPath as string[] | undefined, env: env as Record<string, string> | undefined });
    } catch (e) {
      throw new HttpError(409, `could not start ${sup.name} under the debugger: ${(e as Error).message}`);
    }
    res.json({ app: sup.name, entry: sup.entry.spec, host: '127.0.0.1', port: target.port, pid: target.pid ?? null });
  }));

  r.post('/api/debug/stop', wrap((req, res) => {
    const sup = hub.pickApp(optString(bodyOf(req), 'app'));
    res.json({ app: sup.name, stopped: sup.stopDebugging() });
  }));

  return r;
}
