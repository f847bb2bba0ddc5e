// RunnerService: the runner's own calls. Register (the runner is adopted once its HTTP server's
// /_meta is read), the Recv stream its messages arrive on, SubmitResult (replies, stream chunks,
// blocks, the end of a turn: the hub's turn engine, as for the bundled runtime), Heartbeat and
// KeepAlive (never an SDK update: the app runs the SDK its own environment has), IngestLogs and
// UploadFile.
import * as grpc from '@grpc/grpc-js';
import type { GatewayHub } from '../gateway/hub-impl';
import { callRunnerMethod } from '../gateway/rpc';
import { traceStartup } from '../runner/launch';
import { getLoopbackJson } from '../runner/loopback-get';
import type { RunnerProcess } from '../runner/process';
import type { AppSupervisor } from '../runner/supervisor';
import { GrpcError, type PlatformCaller, type ServiceImpl } from './server';
import { saveUpload } from './uploads';
import { declaredSchedules } from './schedules';
import { promptReason } from './session-service';

/** Runs a method of the hub's runner table (gateway/rpc.ts) and turns its error into a gRPC one. */
export async function hubMethod(hub: GatewayHub, caller: PlatformCaller, name: string, body: Record<string, unknown>): Promise<unknown> {
  const answer = await callRunnerMethod(hub, caller, name, body);
  if (answer.ok) return answer.result;
  const code =
    answer.status === 400 ? grpc.status.INVALID_ARGUMENT : answer.status === 404 ? grpc.status.NOT_FOUND : answer.status === 503 ? grpc.status.UNAVAILABLE : grpc.status.INTERNAL;
  throw new GrpcError(code, answer.error);
}

/** Blocks the SDK sends for the web app's own bookkeeping, not for the conversation. */
function internalBlock(blockJson: string): boolean {
  try {
    const b = JSON.parse(blockJson) as { event?: unknown; type?: unknown };
    return b.event === 'session_data_snapshot' || b.type === 'widget_update';
  } catch {
    return false;
  }
}

/** The app's declarations as the dashboard and channels read them: `_cpsl_config` and /_meta. */
async function readMeta(runner: RunnerProcess): Promise<Record<string, unknown>> {
  const port = runner.declared!.port;
  let lastError: unknown;
  // The runner's loop is busy until Register has returned to it: a few tries.
  for (const delay of [0, 50, 200, 500, 1000, 2000]) {
    if (delay) await new Promise((r) => setTimeout(r, delay));
    if (!runner.alive) break;
    traceStartup(`runner v${runner.version}: reading /_meta${delay ? ` (after ${delay} ms)` : ''}`);
    try {
      return (await getLoopbackJson(port, '/_meta', 5000)) as Record<string, unknown>;
    } catch (e) {
      lastError = e;
    }
  }
  throw lastError instanceof Error ? lastError : new Error(String(lastError));
}

function adopt(runner: RunnerProcess, sup: AppSupervisor): void {
  const declared = runner.declared!;
  void readMeta(runner).then(
    (meta) => sup.onRegister(runner, { port: declared.port, pid: declared.pid, config: { ...declared.config, ...meta, app_name: declared.config.app_name ?? meta.app_name } }),
    (e: Error) => runner.markFailed({ error: `the app registered, but its HTTP server did not answer /_meta: ${e.message}` }),
  );
}

/** An integration_prompt card that comes after its WaitForIntegration: the prompt gets its reason. */
function fillPromptReason(hub: GatewayHub, caller: PlatformCaller, sessionId: string, blockJson: string): void {
  let card: { type?: unknown; payload?: { type?: unknown; reason?: unknown } };
  try {
    card = JSON.parse(blockJson) as typeof card;
  } catch {
    return;
  }
  if (card.type !== 'integration_prompt' || typeof card.payload?.type !== 'string') return;
  const type = card.payload.type;
  const turn = hub.turnFor(undefined, sessionId);
  if (!turn || turn.runner !== caller.runner) return;
  const reason = promptReason(turn, type, card);
  if (!reason) return;
  for (const p of hub.prompts.list()) if (p.sessionId === turn.sessionId && p.type === type && !p.reason) hub.prompts.setReason(p.id, reason);
}

export function runnerService(hub: GatewayHub): ServiceImpl {
  return {
    unary: {
      Register(_req, { runner, sup }) {
        traceStartup(`runner v${runner.version} called Register`);
        if (!runner.declared) {
          throw new GrpcError(grpc.status.FAILED_PRECONDITION, 'this runner did not declare itself: start it with `python -m capsule_local_runner module:Name` (capsule-local serve does)');
        }
        // A runner that reconnects registers again; it is adopted once.
        if (runner.state === 'starting' && !runner.adopting) {
          runner.adopting = true;
          setImmediate(() => adopt(runner, sup));
        }
        return { ok: true };
      },
      async SubmitResult(req, caller) {
        const blockJson = String(req.block_json ?? '');
        if (blockJson && internalBlock(blockJson)) {
          // Not part of the conversation; the web chat passes it on (the chat page refreshes the
          // widgets over the session's data).
          hub.turnFor(req.request_id, req.session_id)?.dataChanged();
          return { ok: true };
        }
        // The wire does not tell a reply() from a stream chunk: every text of a turn before its end
        // grows the turn's one message, as on the platform (a block or notify in between closes it).
        const text = String(req.text ?? '');
        if (blockJson) fillPromptReason(hub, caller, String(req.session_id ?? ''), blockJson);
        await hubMethod(hub, caller, 'SubmitResult', req.done !== true && text ? { ...req, stream: true } : req);
        return { ok: true };
      },
      Heartbeat() {
        // Never an `update`: the runner would pip-install another SDK into the user's environment.
        return { ok: true, keep_warm_seconds: 0 };
      },
      KeepAlive() {
        return { ok: true };
      },
      async IngestLogs(req, caller) {
        // This SDK sends its logs here only when deployed; served, they are read from its stdout.
        // Either way they go through the hub's one log path (scrubbed of secret values).
        const records = Array.isArray(req.records) ? (req.records as Array<Record<string, unknown>>) : [];
        await hubMethod(hub, caller, 'Log', { records: records.map((r) => ({ stream: r.stream, text: r.text })) });
        return { ok: true };
      },
      async UploadFile(req, { sup }) {
        const data = Buffer.isBuffer(req.data) ? req.data : Buffer.from((req.data as Uint8Array | undefined) ?? []);
        const url = await saveUpload(hub, { app: sup.name, sessionId: String(req.session_id ?? ''), filename: String(req.filename ?? ''), contentType: String(req.content_type ?? ''), data });
        return { url };
      },
    },
    serverStream: {
      Recv(_req, { runner, sup }, call) {
        if (!runner.inbox) throw new GrpcError(grpc.status.FAILED_PRECONDITION, 'this runner was launched for the bundled runtime and has no Recv stream');
        runner.inbox.attach(call);
        // Tasks waiting for the app (queued before a restart, or while no runner was up) go out now.
        hub.tasks?.resume(sup.appId, runner);
        // Its cron schedules are the gateway's to run (schedules.ts).
        hub.schedules?.attach(sup.name, runner, declaredSchedules(runner.declared?.config as Record<string, unknown> | undefined));
      },
    },
    unimplemented: {},
  };
}
