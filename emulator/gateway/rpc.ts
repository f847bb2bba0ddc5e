// The runner's calls into the gateway, with the runner's per-run token. Method names and fields
// are the platform's (see emulator/runner/PROTOCOL.md). Two transports share one method table:
// `POST /_runner/rpc/<Method>` (this router) and `call` frames of the runner link (link.ts).
import express, { Router } from 'express';
import { setMaxListeners } from 'node:events';
import { catalog } from '../../catalog/catalog';
import type { RunnerProcess } from '../runner/process';
import type { AppSupervisor } from '../runner/supervisor';
import type { GatewayHub } from './hub-impl';
import { toWire } from './credentials';
import { HttpError } from './errors';
import { bearerOf, errorHandler } from './security';
import type { PromptOutcome } from './prompts';
import { traceStartup } from '../runner/launch';
import { dict } from '../store/dict';

type Body = Record<string, unknown>;

/** Who is calling, whatever the transport. */
export interface RunnerCaller {
  runner: RunnerProcess;
  sup: AppSupervisor;
  /**
   * Aborted when the caller is gone: the HTTP request closed before its answer, or the runner
   * link dropped. Methods that hold a call open (WaitForIntegration) give up then.
   */
  gone: AbortSignal;
}
type Method = (hub: GatewayHub, body: Body, caller: RunnerCaller) => Promise<unknown> | unknown;

/** The answer to one runner call: a result, or an HTTP-like status with a clear message. */
export type RunnerCallAnswer = { ok: true; result: unknown } | { ok: false; status: number; error: string };

/** The largest runner call accepted (the platform allows 16 MiB messages). */
export const MAX_RUNNER_CALL_BYTES = 16 * 1024 * 1024;

const str = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));

function requireSession(hub: GatewayHub, id: unknown) {
  const s = typeof id === 'string' ? hub.sessionHead(id) : undefined;
  if (!s) throw new HttpError(404, `unknown session "${str(id)}"`);
  return s;
}

function integrationsOf(hub: GatewayHub, userId: string) {
  return Object.values(hub.read().integrations[userId] ?? {}).map(toWire);
}


const methods: Record<string, Method> = {
  Register(_hub, body, { runner, sup }) {
    sup.onRegister(runner, body);
    return { ok: true };
  },

  /** A real-SDK runner's launcher, before the SDK connects over gRPC (emulator/platform/). */
  Declare(_hub, body, { runner }) {
    traceStartup(`runner v${runner.version} declared its app`);
    if (runner.runtime !== 'sdk') throw new HttpError(400, 'Declare is for runners of the real SDK (capsule_local_runner)');
    const port = Number(body.port);
    if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new HttpError(400, '"port" must be the runner\'s HTTP port');
    const config = body.config && typeof body.config === 'object' && !Array.isArray(body.config) ? (body.config as Record<string, unknown>) : {};
    runner.declared = { port, pid: typeof body.pid === 'number' ? body.pid : undefined, sdk: str(body.sdk), python: str(body.python), config };
    return { ok: true };
  },

  SubmitResult(hub, body) {
    const sessionId = str(body.session_id);
    const turn = hub.turnFor(body.request_id, sessionId);
    const sid = turn?.sessionId ?? sessionId;
    const text = str(body.text);
    const blockJson = str(body.block_json);
    const requestId = turn?.requestId ?? str(body.request_id);
    if (blockJson) {
      let block: { id: string; type: string; payload: unknown };
      try {
        const b = JSON.parse(blockJson) as { id?: unknown; type?: unknown; payload?: unknown };
        block = { id: str(b.id), type: str(b.type), payload: b.payload };
      } catch {
        throw new HttpError(400, 'block_json is not valid JSON');
      }
      hub.outbound(sid, turn, { kind: 'block', requestId, block }, { text, sender: 'block', blockJson });
      return { ok: true };
    }
    // A handler error: the platform's runner sends "Runner error: <exc>"; ours may also say `error`.
    let error = str(body.error);
    if (!error && body.done === true && text.startsWith('Runner error: ')) error = text.slice('Runner error: '.length);
    if (text && !error) {
      if (body.stream === true || (turn && turn.streamText && body.done === true)) {
        hub.outbound(sid, turn, { kind: 'delta', requestId, text });
      } else {
        hub.outbound(sid, turn, { kind: 'reply', requestId, text }, { text, sender: 'app' });
      }
    }
    if (body.done === true && turn) hub.endTurn(turn, error || undefined);
    return { ok: true };
  },

  NotifySession(hub, body) {
    const sessionId = str(body.session_id);
    const turn = hub.turnFor(body.request_id, sessionId);
    const text = str(body.text);
    const detail = str(body.detail);
    const blockJson = str(body.block_json);
    hub.outbound(
      turn?.sessionId ?? sessionId,
      turn,
      { kind: 'notify', requestId: turn?.requestId ?? str(body.request_id), text, ...(detail ? { detail } : {}), ...(blockJson ? { blockJson } : {}) },
      { text, sender: 'system', ...(blockJson ? { blockJson } : {}) },
    );
    return { ok: true };
  },

  async GetSession(hub, body) {
    requireSession(hub, body.session_id);
    const count = typeof body.history_count === 'number' && body.history_count > 0 ? body.history_count : 50;
    return (await hub.sessionSnapshot(str(body.session_id), count))!;
  },

  async SaveSessionData(hub, body) {
    requireSession(hub, body.session_id);
    // A session this turn has not written yet must exist in the store before its data does.
    if (!hub.read().sessions[str(body.session_id)]) hub.flushSession(str(body.session_id));
    const dataJson = str(body.data_json) || '{}';
    try {
      JSON.parse(dataJson);
    } catch {
      throw new HttpError(400, 'data_json is not valid JSON');
    }
    const id = str(body.session_id);
    await hub.update((d) => {
      const s = d.sessions[id];
      if (s) s.dataJson = dataJson;
    });
    return { ok: true };
  },

  async GetUserIntegrations(hub, body) {
    const userId = hub.userIdFrom(hub.read(), body.user_id, body.user_email);
    await hub.refreshIntegrations?.(userId).catch(() => undefined);
    return { integrations: integrationsOf(hub, userId) };
  },

  async WaitForIntegration(hub, body, { runner, sup, gone }) {
    const type = str(body.integration_type);
    if (!type) throw new HttpError(400, 'integration_type is required');
    const session = typeof body.session_id === 'string' ? hub.sessionHead(body.session_id) : undefined;
    const userId = session?.userId ?? hub.userIdFrom(hub.read(), body.user_id, body.user_id);
    const declared = sup.info().integrations.find((i) => i.type === type);
    const known = catalog.integrations.get(type);
    const mode = (declared?.mode ?? known?.mode ?? 'oauth') as 'oauth' | 'secret' | 'pipedream';
    const timeoutSeconds = typeof body.timeout_seconds === 'number' && body.timeout_seconds > 0 ? body.timeout_seconds : 300;
    const { outcome, cancel } = hub.prompts.open({
      app: sup.name,
      userId,
      sessionId: session?.id,
      type,
      mode,
      // Shown to people (prompt cards, the CLI, notifications): scrubbed where it comes in.
      reason: hub.scrubber.text(str(body.reason)),
      scopes: declared?.scopes ?? [],
      fields: declared?.fields.length ? declared.fields : mode === 'secret' ? (known?.fields ?? []) : [],
      timeoutSeconds,
    });
    const held = hub.runnerPrompts.get(runner) ?? new Set<() => void>();
    hub.runnerPrompts.set(runner, held);
    const drop = (): void => cancel('the app stopped waiting');
    held.add(drop);
    // The runner went away (crash, reload, a dropped link) while waiting: nobody is left to answer.
    if (gone.aborted) drop();
    else gone.addEventListener('abort', drop, { once: true });
    const o: PromptOutcome = await outcome;
    held.delete(drop);
    gone.removeEventListener('abort', drop);
    if (o.kind === 'connected') return { timed_out: false, connected: true, credential: toWire(o.credential) };
    return { timed_out: o.kind === 'timed_out', connected: false };
  },

  async GetSecret(hub, body, { sup }) {
    const name = str(body.name);
    if (!name) return { ok: false, value: '', err_msg: 'Secret has no name' };
    // `secret set` in another terminal may have written the store a moment ago: an (empty) update
    // runs under the store lock and re-reads a file that changed outside.
    await hub.update(() => undefined).catch(() => undefined);
    const r = hub.secretsImpl.resolve(name);
    hub.events.emit({
      kind: 'secret',
      app: sup.name,
      summary: r ? `secret ${name} resolved from ${r.source}` : `secret ${name} not found`,
      detail: { name, source: r?.source ?? null, by: 'app' },
    });
    if (!r) return { ok: false, value: '', err_msg: hub.secretsImpl.notFoundReason(name) };
    return { ok: true, value: r.value, err_msg: '' };
  },

  KvGet(hub, body) {
    const v = hub.read().kv[`${str(body.scope)}:${str(body.scope_id)}`]?.[str(body.key)];
    return v === undefined ? { found: false, value_json: '' } : { found: true, value_json: v };
  },

  async KvSet(hub, body) {
    const scope = `${str(body.scope)}:${str(body.scope_id)}`;
    const key = str(body.key);
    const value = str(body.value_json);
    await hub.update((d) => {
      (d.kv[scope] ??= dict())[key] = value;
    });
    return { ok: true };
  },

  async KvDelete(hub, body) {
    const scope = `${str(body.scope)}:${str(body.scope_id)}`;
    const key = str(body.key);
    await hub.update((d) => {
      const m = d.kv[scope];
      if (m) {
        delete m[key];
        if (!Object.keys(m).length) delete d.kv[scope];
      }
    });
    return { ok: true };
  },

  Log(hub, body, { runner, sup }) {
    const records = Array.isArray(body.records) ? body.records : [];
    for (const r of records as Array<{ stream?: unknown; text?: unknown }>) {
      hub.logLine(sup.name, runner, str(r.stream) === 'stderr' ? 'stderr' : 'stdout', str(r.text));
    }
    return { ok: true };
  },
};

/** The runner that owns `token`, if any (the same check for HTTP calls and the link). */
export function runnerFor(hub: GatewayHub, token: string | undefined): { runner: RunnerProcess; sup: AppSupervisor } | undefined {
  return token ? hub.runners.get(token) : undefined;
}

/**
 * Runs one runner method. Never throws: a method's HttpError becomes its status and message, any
 * other failure a 500 with the reason. Synchronous methods (SubmitResult, NotifySession) run at
 * once, so calls arriving in order are applied in order.
 */
export async function callRunnerMethod(hub: GatewayHub, caller: RunnerCaller, name: string, body: Body): Promise<RunnerCallAnswer> {
  const method = Object.hasOwn(methods, name) ? methods[name] : undefined;
  if (!method) return { ok: false, status: 404, error: `unknown runner method ${name}` };
  try {
    const out = method(hub, body, caller);
    return { ok: true, result: out instanceof Promise ? await out : out };
  } catch (e) {
    if (e instanceof HttpError) return { ok: false, status: e.status, error: e.message };
    const status = (e as { status?: unknown })?.status;
    const message = (e as Error)?.message ?? String(e);
    if (typeof status === 'number' && status >= 400 && status < 500) return { ok: false, status, error: message };
    return { ok: false, status: 500, error: `internal error: ${message}` };
  }
}

/** An abort signal with any number of listeners (one per held call) and no leak warning. */
export function goneController(): AbortController {
  const c = new AbortController();
  setMaxListeners(0, c.signal);
  return c;
}

export function runnerRpcRouter(hub: GatewayHub): Router {
  const router = Router();
  // Blocks and logs can be large; the platform allows 16 MiB messages.
  router.use(express.json({ limit: MAX_RUNNER_CALL_BYTES }));
  router.post('/:method', async (req, res) => {
    const caller = runnerFor(hub, bearerOf(req));
    if (!caller) {
      res.status(401).json({ error: 'wrong or missing runner token' });
      return;
    }
    const gone = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) gone.abort();
    });
    const body = (req.body && typeof req.body === 'object' ? req.body : {}) as Body;
    const answer = await callRunnerMethod(hub, { ...caller, gone: gone.signal }, req.params.method!, body);
    if (res.headersSent || res.destroyed) return;
    if (answer.ok) res.json(answer.result);
    else res.status(answer.status).json({ error: answer.error });
  });
  router.use(errorHandler);
  return router;
}
