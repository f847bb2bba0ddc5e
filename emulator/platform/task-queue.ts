// The background task queue (`@app.task`): tasks live in the collections database (table
// `tasks`), so a queued or scheduled task survives an emulator restart. A task that is due goes
// to its app's runner as a TaskDelivery on the Recv stream; the runner claims it, runs it (its
// own timeout, heartbeats every 10 s) and completes it. RETRY from the runner (the handler
// raised, and `retry_for` allows it) delivers the task again while attempts are left, then it is
// FAILED, as on the platform.
//
// Time is the emulator's clock (advancing it fires what became due): a scheduled task's due time,
// and a running task's deadline, `timeout` seconds after its claim (RefreshTaskTimeout moves it to
// `timeout` seconds from then); past it the task is TIMEOUT and its runner is told to stop it on
// its next heartbeat. Tasks of one app that share a lock key (`lock=`) run one at a time: a task
// whose key a delivered task holds waits until that attempt ends. A recurring task
// (`recurrence_seconds`, `.schedule("every 5m")`) schedules its next occurrence, a new task of the
// same series, when a run reaches a final status: whole periods after its due time, the first
// still ahead (missed ticks are skipped). A cancel ends the series.
import { hasTable, type Database } from '../collections/database';
import type { HubClock } from '../gateway/clock';
import type { RunnerProcess } from '../runner/process';

/** capsule.proto's TaskStatus. */
export const STATUS = { PENDING: 1, CLAIMED: 2, RUNNING: 3, COMPLETED: 4, FAILED: 5, RETRY: 6, CANCELLED: 7, SCHEDULED: 8, TIMEOUT: 9 } as const;
export const STATUS_NAMES: Record<number, string> = Object.fromEntries(Object.entries(STATUS).map(([k, v]) => [v, k.toLowerCase()]));
const FINAL = new Set<number>([STATUS.COMPLETED, STATUS.FAILED, STATUS.CANCELLED, STATUS.TIMEOUT]);
/** Waiting to be delivered (RETRY: delivered again after a failed attempt). */
const WAITING = new Set<number>([STATUS.PENDING, STATUS.SCHEDULED, STATUS.RETRY]);
/** Delivered: the task holds its lock key until the attempt ends. */
const DELIVERED = new Set<number>([STATUS.CLAIMED, STATUS.RUNNING]);

const SCHEMA = `
CREATE TABLE IF NOT EXISTS tasks (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  app TEXT NOT NULL,
  name TEXT NOT NULL,
  display_name TEXT NOT NULL,
  session_id TEXT NOT NULL,
  kwargs TEXT NOT NULL,
  status INTEGER NOT NULL,
  attempt INTEGER NOT NULL,
  max_retries INTEGER NOT NULL,
  timeout INTEGER NOT NULL,
  error TEXT NOT NULL,
  cancel_requested INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  started_at TEXT NOT NULL,
  completed_at TEXT NOT NULL,
  scheduled_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS tasks_app ON tasks (app, status);
`;

/**
 * Columns added after the table's first version. A database that lacks one (written by an older
 * Capsule Local) gets it by ALTER TABLE; a new database gets them the same way.
 */
const ADDED_COLUMNS: ReadonlyArray<[name: string, type: string]> = [
  ['lock_key', "TEXT NOT NULL DEFAULT ''"],
  ['recurrence_seconds', 'INTEGER NOT NULL DEFAULT 0'],
  // Every occurrence of a recurring task carries the first occurrence's id ('' when not recurring).
  ['series', "TEXT NOT NULL DEFAULT ''"],
];

export interface TaskRow {
  seq: number;
  id: string;
  app: string;
  name: string;
  display_name: string;
  session_id: string;
  kwargs: string;
  status: number;
  attempt: number;
  max_retries: number;
  timeout: number;
  error: string;
  cancel_requested: number;
  created_at: string;
  started_at: string;
  completed_at: string;
  scheduled_at: string;
  lock_key: string;
  recurrence_seconds: number;
  series: string;
}

export interface TaskFilter {
  taskId?: string;
  name?: string;
  status?: number;
  sessionId?: string;
  /** Every key must equal the task's kwarg of that name (JSON equality). */
  kwargs?: Record<string, unknown>;
  series?: string;
}

export interface NewTask {
  name: string;
  displayName: string;
  sessionId: string;
  kwargs: string;
  maxRetries: number;
  timeout: number;
  /** '' for none. */
  lockKey: string;
  /** 0: runs once. */
  recurrenceSeconds: number;
  /** Epoch ms on the emulator's clock; undefined: now. */
  runAt?: number;
}

export class TaskQueue {
  private db: Database | undefined;
  private readonly timers = new Map<string, () => void>();
  /** Which runner claimed a running task (memory only: after a restart no claim holds). */
  private readonly claims = new Map<string, RunnerProcess>();
  /** Runners whose exit is watched (their running tasks are then handed on). */
  private readonly watched = new WeakSet<RunnerProcess>();
  /** Each app's runner that last opened its Recv stream or submitted: where its tasks go. */
  private readonly runners = new Map<string, RunnerProcess>();
  private ids = 0;
  private closed = false;
  /**
   * Told each time a task's status changes (its app id, its id, its new status), for the pages'
   * data-change feed (gateway/data-changes.ts). Ids and statuses only: never a task's kwargs or error.
   */
  onStatus?: (app: string, id: string, status: number) => void;

  private tell(app: string, id: string, status: number): void {
    try {
      this.onStatus?.(app, id, status);
    } catch {
      // a listener's failure is not the queue's
    }
  }

  constructor(
    private readonly database: () => Database,
    private readonly clock: HubClock,
    /** Whether the database file exists: a runner's start opens SQLite only if there may be tasks. */
    private readonly exists: () => boolean,
    /** A task's error is the app's exception text: secret values are scrubbed before it is kept. */
    private readonly scrub: (text: string) => string,
  ) {}

  private get sql(): Database {
    if (!this.db) {
      const db = this.database();
      db.exec(SCHEMA);
      const have = new Set((db.prepare('PRAGMA table_info(tasks)').all() as Array<{ name: string }>).map((c) => c.name));
      for (const [name, type] of ADDED_COLUMNS) if (!have.has(name)) db.exec(`ALTER TABLE tasks ADD COLUMN ${name} ${type}`);
      db.exec('CREATE INDEX IF NOT EXISTS tasks_lock ON tasks (app, lock_key, status)');
      this.db = db;
    }
    return this.db;
  }

  private iso(ms = this.clock.now()): string {
    return new Date(ms).toISOString();
  }

  submit(app: string, runner: RunnerProcess, t: NewTask): string {
    // A runner being replaced (a reload) may still submit while it drains: the task goes to the app's next runner.
    if (!runner.stopping) this.runners.set(app, runner);
    return this.add(app, t);
  }

  private add(app: string, t: NewTask, series?: string): string {
    const now = this.clock.now();
    const id = `task_${now.toString(36)}${(this.ids++).toString(36)}${Math.random().toString(36).slice(2, 8)}`;
    const later = t.runAt !== undefined && t.runAt > now;
    this.sql
      .prepare(
        `INSERT INTO tasks (id, app, name, display_name, session_id, kwargs, status, attempt, max_retries, timeout, error, cancel_requested, created_at, started_at, completed_at, scheduled_at, lock_key, recurrence_seconds, series)
         VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?, '', 0, ?, '', '', ?, ?, ?, ?)`,
      )
      .run(
        id, app, t.name, t.displayName, t.sessionId, t.kwargs, later ? STATUS.SCHEDULED : STATUS.PENDING, t.maxRetries, t.timeout, this.iso(now),
        t.runAt !== undefined ? this.iso(t.runAt) : '', t.lockKey, t.recurrenceSeconds, series ?? (t.recurrenceSeconds > 0 ? id : ''),
      );
    this.tell(app, id, later ? STATUS.SCHEDULED : STATUS.PENDING);
    this.dispatch(this.get(id)!);
    return id;
  }

  get(id: string, app?: string): TaskRow | undefined {
    const row = this.sql.prepare('SELECT * FROM tasks WHERE id = ?').get(id) as TaskRow | undefined;
    return row && (app === undefined || row.app === app) ? row : undefined;
  }

  find(app: string, f: TaskFilter, limit = 100, offset = 0): TaskRow[] {
    const where = ['app = ?'];
    const args: unknown[] = [app];
    if (f.taskId) (where.push('id = ?'), args.push(f.taskId));
    if (f.name) (where.push('name = ?'), args.push(f.name));
    if (f.status) (where.push('status = ?'), args.push(f.status));
    if (f.sessionId) (where.push('session_id = ?'), args.push(f.sessionId));
    if (f.series) (where.push('series = ?'), args.push(f.series));
    const rows = this.sql.prepare(`SELECT * FROM tasks WHERE ${where.join(' AND ')} ORDER BY seq`).all(...args) as TaskRow[];
    const want = Object.entries(f.kwargs ?? {});
    const matching = want.length
      ? rows.filter((r) => {
          const kw = JSON.parse(r.kwargs || '{}') as Record<string, unknown>;
          return want.every(([k, v]) => JSON.stringify(kw[k]) === JSON.stringify(v));
        })
      : rows;
    return matching.slice(offset, limit > 0 ? offset + limit : undefined);
  }

  /** The latest tasks of every app (the dashboard), newest first. */
  recent(limit: number): TaskRow[] {
    if (!this.db && !this.exists()) return [];
    return this.sql.prepare('SELECT * FROM tasks ORDER BY seq DESC LIMIT ?').all(limit) as TaskRow[];
  }

  /**
   * Cancels what matches: a waiting task at once, a running one on its next heartbeat. Cancelling
   * any occurrence of a recurring task by its id ends the series: its live occurrence is cancelled.
   */
  cancel(app: string, f: TaskFilter): number {
    const series = f.taskId ? this.get(f.taskId, app)?.series : undefined;
    let n = 0;
    for (const r of this.find(app, series ? { ...f, taskId: undefined, series } : f, 0)) {
      if (WAITING.has(r.status)) {
        this.settle(r, STATUS.CANCELLED, 'cancelled');
        n++;
      } else if (DELIVERED.has(r.status) && !r.cancel_requested) {
        this.sql.prepare('UPDATE tasks SET cancel_requested = 1 WHERE id = ?').run(r.id);
        n++;
      }
    }
    return n;
  }

  /** A runner takes a delivered task: only once, and only a task still waiting for it. */
  claim(id: string, app: string, runner: RunnerProcess): boolean {
    const r = this.get(id, app);
    if (!r || r.status !== STATUS.CLAIMED || this.claims.get(id) !== runner) return false;
    this.sql.prepare('UPDATE tasks SET status = ?, started_at = ? WHERE id = ?').run(STATUS.RUNNING, this.iso(), id);
    this.tell(app, id, STATUS.RUNNING);
    this.armDeadline(r);
    return true;
  }

  /**
   * RefreshTaskTimeout: a running task's deadline moves to `timeout` seconds from now. Answers the
   * task as it was found (undefined: unknown); a task that is not running is left as it is.
   */
  refresh(id: string, app: string): TaskRow | undefined {
    const r = this.get(id, app);
    if (r?.status === STATUS.RUNNING) this.armDeadline(r);
    return r;
  }

  private armDeadline(r: TaskRow): void {
    if (r.timeout > 0) this.setTimer(r.id, this.clock.now() + r.timeout * 1000, () => this.expire(r.id));
  }

  /** A running task past its deadline is TIMEOUT; its runner stops the handler on its next heartbeat. */
  private expire(id: string): void {
    const r = this.get(id);
    if (r?.status !== STATUS.RUNNING) return;
    this.sql.prepare('UPDATE tasks SET cancel_requested = 1 WHERE id = ?').run(id);
    this.settle(r, STATUS.TIMEOUT, 'timeout');
  }

  /**
   * The runner's outcome of an attempt. RETRY runs the task again while attempts are left. Only
   * the runner the task was delivered to decides: a stopped runner's late answer is ignored.
   */
  complete(id: string, app: string, status: number, raw: string, runner: RunnerProcess): void {
    const error = this.scrub(raw);
    const r = this.get(id, app);
    if (!r || FINAL.has(r.status) || this.claims.get(id) !== runner) return;
    // Cancelled by its runner's stop (a reload, the emulator stopping), not by the app.
    if (status === STATUS.CANCELLED && !r.cancel_requested && runner.stopping) return this.interrupted(r);
    if (status === STATUS.RETRY && !r.cancel_requested && r.attempt <= r.max_retries) {
      this.claims.delete(id);
      this.sql.prepare('UPDATE tasks SET status = ?, error = ? WHERE id = ?').run(STATUS.RETRY, error, id);
      this.tell(app, id, STATUS.RETRY);
      this.dispatch(this.get(id)!);
      return;
    }
    this.settle(r, status === STATUS.RETRY || !FINAL.has(status) ? STATUS.FAILED : status, error);
  }

  /**
   * A task reaches its final status: its timer and claim go, its lock key passes to the next task
   * waiting for it, and a recurring task's next occurrence is scheduled (unless it was cancelled:
   * asked to stop, a run that still completes ends the series too).
   */
  private settle(r: TaskRow, status: number, error: string): void {
    this.setTimer(r.id);
    this.claims.delete(r.id);
    this.sql.prepare('UPDATE tasks SET status = ?, error = ?, completed_at = ? WHERE id = ?').run(status, error, this.iso(), r.id);
    this.tell(r.app, r.id, status);
    if (r.recurrence_seconds > 0 && status !== STATUS.CANCELLED && !r.cancel_requested) {
      const period = r.recurrence_seconds * 1000;
      const last = Date.parse(r.scheduled_at || r.created_at);
      const runAt = last + period * (Math.max(0, Math.floor((this.clock.now() - last) / period)) + 1);
      const next = { name: r.name, displayName: r.display_name, sessionId: r.session_id, kwargs: r.kwargs, maxRetries: r.max_retries, timeout: r.timeout };
      this.add(r.app, { ...next, lockKey: r.lock_key, recurrenceSeconds: r.recurrence_seconds, runAt }, r.series || r.id);
    }
    if (r.lock_key) this.release(r.app, r.lock_key);
  }

  /** A lock key is free: the oldest task due and waiting for it is delivered. */
  private release(app: string, key: string): void {
    const waiting = this.sql.prepare('SELECT * FROM tasks WHERE app = ? AND lock_key = ? AND status IN (?, ?, ?) ORDER BY seq').all(app, key, ...WAITING) as TaskRow[];
    for (const w of waiting) {
      if (this.timers.has(w.id)) continue; // not due yet
      this.dispatch(w);
      if (this.held(app, key)) return;
    }
  }

  private held(app: string, key: string): boolean {
    return this.sql.prepare('SELECT 1 FROM tasks WHERE app = ? AND lock_key = ? AND status IN (?, ?) LIMIT 1').get(app, key, ...DELIVERED) !== undefined;
  }

  /** A running task's heartbeat: whether it has been asked to stop. */
  heartbeat(id: string, app: string): boolean {
    return !!this.get(id, app)?.cancel_requested;
  }

  /** A runner's Recv stream opened: the app's waiting tasks (also from before a restart) go to it. */
  resume(app: string, runner: RunnerProcess): void {
    // A runner being replaced that opens its Recv stream again while it drains never takes the app's
    // tasks back from its successor (they would wait for it, and it exits).
    if (runner.stopping) return;
    this.runners.set(app, runner);
    if (!this.db && !this.exists()) return;
    const rows = this.sql.prepare('SELECT * FROM tasks WHERE app = ? AND status IN (?, ?, ?, ?, ?) ORDER BY seq').all(app, ...WAITING, ...DELIVERED) as TaskRow[];
    // Without a claimant the emulator restarted while the task ran: it runs again, first (it held its lock key).
    for (const r of rows) if (DELIVERED.has(r.status) && !this.claims.has(r.id)) this.interrupted(r);
    for (const r of rows) if (WAITING.has(r.status) && !this.timers.has(r.id)) this.dispatch(r);
  }

  /**
   * A delivered task whose runner stopped (reloaded, crashed, the emulator restarted) before it
   * finished: the attempt does not count, and the task goes to the app's runner again.
   */
  private interrupted(r: TaskRow): void {
    this.claims.delete(r.id);
    this.sql.prepare('UPDATE tasks SET status = ?, attempt = ? WHERE id = ?').run(STATUS.PENDING, Math.max(0, r.attempt - 1), r.id);
    this.tell(r.app, r.id, STATUS.PENDING);
    this.dispatch(this.get(r.id)!);
  }

  private runnerGone(runner: RunnerProcess): void {
    // The emulator is closing: what ran stays as it is, and the next start hands it on (resume).
    if (this.closed) return;
    for (const [id, claimant] of [...this.claims]) {
      if (claimant !== runner) continue;
      const r = this.get(id);
      if (r && !FINAL.has(r.status)) this.interrupted(r);
    }
  }

  /** Delivers a waiting task now, or when the clock reaches its time. */
  private dispatch(r: TaskRow): void {
    const at = r.status === STATUS.SCHEDULED ? Date.parse(r.scheduled_at) : 0;
    if (at > this.clock.now()) {
      return this.setTimer(r.id, at, () => {
        const now = this.get(r.id);
        if (now?.status === STATUS.SCHEDULED) this.deliver(now);
      });
    }
    this.setTimer(r.id);
    this.deliver(r);
  }

  /** A task's one timer on the clock: its due time while it waits, its deadline while it runs. */
  private setTimer(id: string, at?: number, fire?: () => void): void {
    this.timers.get(id)?.();
    this.timers.delete(id);
    if (at === undefined || !fire) return;
    this.timers.set(
      id,
      this.clock.at(at, () => {
        this.timers.delete(id);
        fire();
      }),
    );
  }

  private deliver(r: TaskRow): void {
    const runner = this.runners.get(r.app);
    // No runner now, or only one being replaced: the task stays waiting and goes out when the next
    // one opens its Recv stream (resume).
    if (!runner?.alive || runner.stopping || !runner.inbox) return;
    // One at a time per lock key: the task waits until the holder's attempt ends (release).
    if (r.lock_key && this.held(r.app, r.lock_key)) return;
    const attempt = r.attempt + 1;
    this.sql.prepare('UPDATE tasks SET status = ?, attempt = ? WHERE id = ?').run(STATUS.CLAIMED, attempt, r.id);
    this.tell(r.app, r.id, STATUS.CLAIMED);
    this.claims.set(r.id, runner);
    if (!this.watched.has(runner)) {
      this.watched.add(runner);
      void runner.whenExited().then(() => this.runnerGone(runner));
    }
    runner.inbox.deliverTask({
      task_id: r.id,
      task_name: r.name,
      session_id: r.session_id,
      kwargs_json: Buffer.from(r.kwargs || '{}'),
      attempt,
      timeout: r.timeout,
      version_id: runner.versionId,
    });
  }

  close(): void {
    this.closed = true;
    for (const cancel of this.timers.values()) cancel();
    this.timers.clear();
  }
}

/** `capsule-local reset`: every task of every app is forgotten; how many. */
export function clearTasks(db: Database): number {
  return hasTable(db, 'tasks') ? db.prepare('DELETE FROM tasks').run().changes : 0;
}
