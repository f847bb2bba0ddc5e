// TaskService: background tasks (`@app.task` .submit/.schedule/.find/.count/.cancel, `lock=`,
// recurring schedules such as `.schedule("every 5m")`, TaskHandle.status/.cancel/.refresh, the
// runner's claims, heartbeats and results) over the task queue (task-queue.ts), which holds their
// rules. This file checks the requests and maps the queue's answers onto the wire.
import * as grpc from '@grpc/grpc-js';
import type { ServiceImpl } from './server';
import { GrpcError } from './server';
import { STATUS, STATUS_NAMES, type TaskFilter, type TaskQueue, type TaskRow } from './task-queue';

const TASKS = 'background tasks (@app.task)';

type Message = Record<string, unknown>;

/** The wire's TaskStatus (a name, as the proto loader gives enums) as a number; 0 for none. */
function statusOf(v: unknown): number {
  if (typeof v === 'number') return v;
  return typeof v === 'string' ? ((STATUS as Record<string, number>)[v] ?? 0) : 0;
}

const NAME_OF: Record<number, string> = Object.fromEntries(Object.entries(STATUS).map(([k, v]) => [v, k]));

function text(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function bytesText(v: unknown): string {
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
  return typeof v === 'string' ? v : '';
}

function jsonObject(raw: string, field: string): Record<string, unknown> {
  if (!raw) return {};
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    throw new GrpcError(grpc.status.INVALID_ARGUMENT, `${field} is not JSON`);
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new GrpcError(grpc.status.INVALID_ARGUMENT, `${field} is not a JSON object`);
  return v as Record<string, unknown>;
}

/** The runner may name its own app only (`<app>` or, under serve, `<app>_dev`). */
function checkApp(req: Message, appId: string): void {
  const asked = text(req.app_id);
  if (asked && asked !== appId && asked !== `${appId}_dev`) throw new GrpcError(grpc.status.PERMISSION_DENIED, `app_id ${JSON.stringify(asked)} is not this runner's app (${appId})`);
}

function filterOf(req: Message): TaskFilter {
  return {
    taskId: text(req.task_id) || undefined,
    name: text(req.task_name) || undefined,
    status: statusOf(req.status) || undefined,
    sessionId: text(req.session_id) || undefined,
    kwargs: jsonObject(bytesText(req.kwargs_filter_json), 'kwargs_filter_json'),
  };
}

export function taskRecord(r: TaskRow): Message {
  return {
    task_id: r.id,
    app_id: r.app,
    task_name: r.name,
    session_id: r.session_id,
    kwargs_json: Buffer.from(r.kwargs),
    status: NAME_OF[r.status],
    attempt: r.attempt,
    max_retries: r.max_retries,
    lock_key: r.lock_key,
    error: r.error,
    created_at: r.created_at,
    started_at: r.started_at,
    completed_at: r.completed_at,
    scheduled_at: r.scheduled_at,
    timeout: r.timeout,
    recurrence_seconds: r.recurrence_seconds,
    display_name: r.display_name,
  };
}

function nonNegative(v: unknown, field: string): number {
  const n = typeof v === 'number' ? v : 0;
  if (!Number.isInteger(n) || n < 0) throw new GrpcError(grpc.status.INVALID_ARGUMENT, `${field} must be a non-negative integer`);
  return n;
}

export function taskService(queue?: TaskQueue): ServiceImpl {
  if (!queue) {
    const rpcs = ['SubmitTask', 'ClaimTask', 'CompleteTask', 'TaskHeartbeat', 'FindTasks', 'CountTasks', 'CancelTasks', 'GetTask', 'RefreshTaskTimeout'];
    return { unary: {}, unimplemented: Object.fromEntries(rpcs.map((m) => [m, `${TASKS}: ${m}`])) };
  }
  return {
    unary: {
      SubmitTask(req, { sup, runner }) {
        checkApp(req, sup.appId);
        const name = text(req.task_name);
        if (!name) throw new GrpcError(grpc.status.INVALID_ARGUMENT, 'task_name is required');
        const kwargs = bytesText(req.kwargs_json) || '{}';
        jsonObject(kwargs, 'kwargs_json');
        let runAt: number | undefined;
        const at = text(req.scheduled_at);
        if (at) {
          runAt = Date.parse(at);
          if (!Number.isFinite(runAt)) throw new GrpcError(grpc.status.INVALID_ARGUMENT, `scheduled_at ${JSON.stringify(at)} is not an ISO 8601 time`);
        }
        const taskId = queue.submit(sup.appId, runner, {
          name,
          displayName: text(req.display_name),
          sessionId: text(req.session_id),
          kwargs,
          maxRetries: nonNegative(req.max_retries, 'max_retries'),
          timeout: nonNegative(req.timeout, 'timeout'),
          lockKey: text(req.lock_key),
          recurrenceSeconds: nonNegative(req.recurrence_seconds, 'recurrence_seconds'),
          runAt,
        });
        return { ok: true, task_id: taskId, err_msg: '' };
      },
      ClaimTask(req, { sup, runner }) {
        return { ok: queue.claim(text(req.task_id), sup.appId, runner) };
      },
      CompleteTask(req, { sup, runner }) {
        const id = text(req.task_id);
        if (!queue.get(id, sup.appId)) throw new GrpcError(grpc.status.NOT_FOUND, `unknown task ${JSON.stringify(id)}`);
        queue.complete(id, sup.appId, statusOf(req.status), text(req.error), runner);
        return { ok: true };
      },
      TaskHeartbeat(req, { sup }) {
        return { ok: true, cancelled: queue.heartbeat(text(req.task_id), sup.appId) };
      },
      FindTasks(req, { sup }) {
        checkApp(req, sup.appId);
        const limit = nonNegative(req.limit, 'limit') || 100;
        return { tasks: queue.find(sup.appId, filterOf(req), limit, nonNegative(req.offset, 'offset')).map(taskRecord) };
      },
      CountTasks(req, { sup }) {
        checkApp(req, sup.appId);
        return { count: queue.find(sup.appId, filterOf(req), 0).length };
      },
      CancelTasks(req, { sup }) {
        checkApp(req, sup.appId);
        return { cancelled: queue.cancel(sup.appId, filterOf(req)) };
      },
      GetTask(req, { sup }) {
        const id = text(req.task_id);
        const row = queue.get(id, sup.appId);
        if (!row) throw new GrpcError(grpc.status.NOT_FOUND, `unknown task ${JSON.stringify(id)}`);
        return { task: taskRecord(row) };
      },
      RefreshTaskTimeout(req, { sup }) {
        const id = text(req.task_id);
        const row = queue.refresh(id, sup.appId);
        if (!row) throw new GrpcError(grpc.status.NOT_FOUND, `unknown task ${JSON.stringify(id)}`);
        if (row.status !== STATUS.RUNNING) throw new GrpcError(grpc.status.FAILED_PRECONDITION, `task ${JSON.stringify(id)} is ${STATUS_NAMES[row.status]}: only a running task's timeout can be refreshed`);
        return {};
      },
    },
    unimplemented: {},
  };
}
