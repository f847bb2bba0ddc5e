// Background tasks (`@app.task`) on the real SDK against the emulator's TaskService: a chat
// handler submits a task, the runner gets it on its Recv stream, claims, runs and completes it;
// a task that raises is retried and then failed; retry_for fails other errors at once;
// schedule(delay) waits on the emulator's clock, also across a restart; cancel stops a waiting
// task and (on its heartbeat) a running one. Then lock= (one at a time per key), recurring
// schedules ("every 1h") and TaskHandle.refresh() against a running task's deadline, on the
// emulator's clock; and a tasks table written before those columns existed.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { openDatabase } from '../../emulator/collections/database';
import { emulatorForSuite, startEmulator, type RunningEmulator } from '../support/emulator';
import { chat, json } from '../emulator/helpers';
import { waitFor } from '../support/wait';

const APP = join(__dirname, 'fixtures', 'tasks');

interface TaskView {
  id: string;
  name: string;
  status: string;
  attempt: number;
  max_retries: number;
  error: string;
  session_id: string;
  created_at: string;
  started_at: string;
  completed_at: string;
  scheduled_at: string;
  lock_key: string;
  recurrence_seconds: number;
  series: string;
}

async function tasks(emu: RunningEmulator): Promise<TaskView[]> {
  return (await json<{ tasks: TaskView[] }>(emu, '/api/state')).body.tasks;
}

async function taskOf(emu: RunningEmulator, id: string): Promise<TaskView | undefined> {
  return (await tasks(emu)).find((t) => t.id === id);
}

function settled(emu: RunningEmulator, id: string, status: string, ms = 30_000): Promise<TaskView> {
  return waitFor(`task ${id} ${status}`, async () => {
    const t = await taskOf(emu, id);
    return t?.status === status ? t : undefined;
  }, ms);
}

async function submit(emu: RunningEmulator, text: string, extra: Record<string, unknown> = {}): Promise<{ id: string; session: string }> {
  const r = await chat(emu, text, extra);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.match(r.body.reply, /^task_/);
  return { id: r.body.reply, session: r.body.session_id };
}

describe('background tasks on the real SDK', () => {
  let emu: RunningEmulator;
  emulatorForSuite({ app: APP }, (e) => (emu = e));

  test('a submitted task runs: it writes a collection, notifies its session, and its status is completed', async () => {
    const { id, session } = await submit(emu, 'record first');
    const done = await settled(emu, id, 'completed');
    assert.equal(done.attempt, 1);
    assert.equal(done.session_id, session);
    assert.equal((await chat(emu, 'results')).body.reply, 'first');
    assert.equal((await chat(emu, `status ${id}`)).body.reply, 'completed');
    const s = await json<{ history: Array<{ text: string }> }>(emu, `/api/dashboard/sessions/${session}`);
    assert.ok(s.body.history.some((m) => m.text === 'recorded first'), JSON.stringify(s.body.history));
    assert.equal((await chat(emu, 'count first')).body.reply, '1 record, 1 completed, 1 first');
  });

  test('a task that raises is retried (retries=2: three attempts) and then failed, with its error', async () => {
    const { id } = await submit(emu, 'flaky x');
    const failed = await settled(emu, id, 'failed');
    assert.equal(failed.attempt, 3);
    assert.equal(failed.max_retries, 2);
    assert.equal(failed.error, 'RuntimeError: boom x');
    assert.equal((await chat(emu, `status ${id}`)).body.reply, 'failed');
  });

  test('an error retry_for does not name fails at the first attempt', async () => {
    const { id } = await submit(emu, 'picky y');
    const failed = await settled(emu, id, 'failed');
    assert.equal(failed.attempt, 1);
    assert.equal(failed.error, "KeyError: 'y'");
  });

  test('schedule(delay) waits on the emulator clock; cancel stops a waiting task', async () => {
    const kept = await submit(emu, 'later kept');
    const dropped = await submit(emu, 'later dropped');
    assert.equal((await taskOf(emu, kept.id))?.status, 'scheduled');
    assert.equal((await chat(emu, `status ${dropped.id}`)).body.reply, 'scheduled');
    assert.equal((await chat(emu, `cancel ${dropped.id}`)).body.reply, 'cancelled True');
    assert.equal((await taskOf(emu, dropped.id))?.status, 'cancelled');
    assert.equal((await chat(emu, `cancel ${dropped.id}`)).body.reply, 'cancelled False', 'a cancelled task is not cancelled twice');
    const moved = await json(emu, '/api/clock/advance', { ms: 2 * 3600 * 1000 });
    assert.equal(moved.status, 200);
    await settled(emu, kept.id, 'completed');
    assert.equal((await taskOf(emu, dropped.id))?.status, 'cancelled');
    assert.equal((await taskOf(emu, dropped.id))?.attempt, 0, 'the cancelled task was never delivered');
  });

  test('a running task is cancelled on its heartbeat', async () => {
    const { id } = await submit(emu, 'forever z');
    await settled(emu, id, 'running');
    assert.equal((await chat(emu, `cancel ${id}`)).body.reply, 'cancelled True');
    // The runner's heartbeat comes every 10 s: then the handler is interrupted.
    const t = await settled(emu, id, 'cancelled', 60_000);
    assert.equal(t.error, 'cancelled');
  });
});

async function advance(emu: RunningEmulator, ms: number): Promise<void> {
  const r = await json(emu, '/api/clock/advance', { ms });
  assert.equal(r.status, 200, JSON.stringify(r.body));
}

async function clockNow(emu: RunningEmulator): Promise<number> {
  return (await json<{ clock: { now: number } }>(emu, '/api/state')).body.clock.now;
}

/** The occurrence of a recurring series that waits for its time (other than `not`). */
function nextOccurrence(emu: RunningEmulator, series: string, not: string): Promise<TaskView> {
  return waitFor(`the next occurrence of ${series}`, async () => (await tasks(emu)).find((t) => t.series === series && t.id !== not && t.status === 'scheduled'));
}

const HOUR = 3600 * 1000;

describe('task locks, recurring schedules and timeouts on the real SDK', () => {
  let emu: RunningEmulator;
  emulatorForSuite({ app: APP }, (e) => (emu = e));

  test("tasks sharing a lock key run one at a time; the key is the SDK's, formatted from the kwargs", async () => {
    const first = await submit(emu, 'locked alice 1');
    const second = await submit(emu, 'locked alice 2');
    const other = await submit(emu, 'locked bob 3');
    await settled(emu, first.id, 'running');
    await settled(emu, other.id, 'running');
    const waiting = await taskOf(emu, second.id);
    assert.equal(waiting?.status, 'pending', 'the second task waits while the first holds user:alice');
    assert.equal(waiting?.lock_key, 'user:alice');
    assert.equal((await chat(emu, `wire ${second.id}`)).body.reply, "'user:alice' 0");
    assert.equal((await chat(emu, 'release 1')).body.reply, 'released 1');
    const done = await settled(emu, first.id, 'completed');
    const next = await settled(emu, second.id, 'running');
    assert.ok(next.started_at >= done.completed_at, `${next.started_at} < ${done.completed_at}`);
    await chat(emu, 'release 2');
    await chat(emu, 'release 3');
    await settled(emu, second.id, 'completed');
    await settled(emu, other.id, 'completed');
  });

  test('a lock key is a plain string, __proto__ included', async () => {
    const first = await submit(emu, 'keyed __proto__ 4');
    const second = await submit(emu, 'keyed __proto__ 5');
    const other = await submit(emu, 'keyed constructor 6');
    await settled(emu, first.id, 'running');
    await settled(emu, other.id, 'running');
    assert.equal((await taskOf(emu, second.id))?.status, 'pending');
    assert.equal((await chat(emu, `wire ${second.id}`)).body.reply, "'__proto__' 0");
    await chat(emu, 'release 4');
    await settled(emu, second.id, 'running');
    await chat(emu, 'release 5');
    await chat(emu, 'release 6');
    await settled(emu, second.id, 'completed');
    await settled(emu, other.id, 'completed');
  });

  test('a negative recurrence is refused with INVALID_ARGUMENT, naming the field', async () => {
    const r = await chat(emu, 'negative x');
    assert.equal(r.status, 422, JSON.stringify(r.body));
    assert.match(r.body.error ?? '', /INVALID_ARGUMENT/);
    assert.match(r.body.error ?? '', /recurrence_seconds must be a non-negative integer/);
  });

  test('schedule("every 1h") recurs on the emulator clock, skipping missed ticks; a cancel ends the series', async () => {
    const { id } = await submit(emu, 'every hourly');
    const first = (await taskOf(emu, id))!;
    assert.equal(first.status, 'scheduled');
    assert.equal(first.recurrence_seconds, 3600);
    assert.equal(first.series, id);
    assert.equal((await chat(emu, `wire ${id}`)).body.reply, "'' 3600");
    const due = Date.parse(first.scheduled_at);
    await advance(emu, Math.max(0, due - (await clockNow(emu))) + 60_000);
    await settled(emu, id, 'completed');
    const second = await nextOccurrence(emu, id, id);
    assert.equal(Date.parse(second.scheduled_at), due + HOUR, 'one period after the last due time');
    assert.equal(second.recurrence_seconds, 3600);
    // Three and a half periods at once: one run, and the next tick is the first still ahead.
    await advance(emu, 3.5 * HOUR);
    await settled(emu, second.id, 'completed');
    const third = await nextOccurrence(emu, id, second.id);
    assert.equal(Date.parse(third.scheduled_at), due + 4 * HOUR);
    const ticks = (await chat(emu, 'results')).body.reply.split(',').filter((l) => l === 'tick hourly');
    assert.equal(ticks.length, 2);
    // The first occurrence's handle cancels the series.
    assert.equal((await chat(emu, `cancel ${id}`)).body.reply, 'cancelled True');
    assert.equal((await taskOf(emu, third.id))?.status, 'cancelled');
    await advance(emu, 5 * HOUR);
    assert.deepEqual((await tasks(emu)).filter((t) => t.series === id && !['completed', 'cancelled'].includes(t.status)), []);
  });

  test("TaskHandle.refresh() moves a running task's deadline to its timeout from now; past it the task is timeout", async () => {
    const kept = await submit(emu, 'patient kept');
    const lapsed = await submit(emu, 'patient lapsed');
    await settled(emu, kept.id, 'running');
    await settled(emu, lapsed.id, 'running');
    await advance(emu, 40 * 60_000);
    assert.equal((await chat(emu, `refresh ${kept.id}`)).body.reply, 'refreshed');
    await advance(emu, 40 * 60_000);
    const late = await settled(emu, lapsed.id, 'timeout');
    assert.equal(late.error, 'timeout');
    assert.equal((await taskOf(emu, kept.id))?.status, 'running', '40 minutes into the hour its refresh gave it');
    await advance(emu, 30 * 60_000);
    await settled(emu, kept.id, 'timeout');

    const done = await chat(emu, `refresh ${kept.id}`);
    assert.equal(done.status, 422, JSON.stringify(done.body));
    assert.match(done.body.error ?? '', /FAILED_PRECONDITION/);
    assert.match(done.body.error ?? '', /is timeout: only a running task's timeout can be refreshed/);
    const unknown = await chat(emu, 'refresh task_none');
    assert.equal(unknown.status, 422, JSON.stringify(unknown.body));
    assert.match(unknown.body.error ?? '', /NOT_FOUND/);
    assert.match(unknown.body.error ?? '', /unknown task "task_none"/);
  });
});

test('a task running when its app reloads runs again on the new runner; that attempt does not count', async () => {
  const emu = await startEmulator({ app: APP });
  try {
    const { id } = await submit(emu, 'forever r');
    await settled(emu, id, 'running');
    assert.equal((await chat(emu, 'results')).body.reply, 'started r');
    const file = join(emu.workspace, 'app.py');
    writeFileSync(file, readFileSync(file, 'utf8') + '\n# edited\n');
    await waitFor('the task started again', async () => ((await chat(emu, 'results')).body.reply === 'started r,started r' ? true : undefined), 90_000);
    const t = await settled(emu, id, 'running');
    assert.equal(t.attempt, 1);
    assert.equal((await chat(emu, `cancel ${id}`)).body.reply, 'cancelled True');
    await settled(emu, id, 'cancelled', 60_000);
  } finally {
    await emu.stop();
    emu.cleanup();
  }
});

test('a lock holder interrupted by a reload runs again first; the task waiting for its key follows it', async () => {
  const emu = await startEmulator({ app: APP });
  try {
    const holder = await submit(emu, 'locked dave 8');
    const waiter = await submit(emu, 'locked dave 9');
    await settled(emu, holder.id, 'running');
    const file = join(emu.workspace, 'app.py');
    writeFileSync(file, readFileSync(file, 'utf8') + '\n# edited\n');
    // On a timeout, say what the app had recorded and where both tasks stood.
    await waitFor('the holder started again', async () => {
      const reply = (await chat(emu, 'results')).body.reply;
      if (reply === 'start 8,start 8') return true;
      throw new Error(`results ${JSON.stringify(reply)}; holder ${JSON.stringify(await taskOf(emu, holder.id))}; waiter ${JSON.stringify(await taskOf(emu, waiter.id))}`);
    }, 90_000);
    assert.equal((await settled(emu, holder.id, 'running')).attempt, 1);
    assert.equal((await taskOf(emu, waiter.id))?.status, 'pending');
    await chat(emu, 'release 8');
    await settled(emu, holder.id, 'completed');
    await settled(emu, waiter.id, 'running');
    await chat(emu, 'release 9');
    await settled(emu, waiter.id, 'completed');
  } finally {
    await emu.stop();
    emu.cleanup();
  }
});

test('a scheduled task survives an emulator restart and runs when its time comes', async () => {
  const first = await startEmulator({ app: APP });
  let second: RunningEmulator | undefined;
  try {
    const { id } = await submit(first, 'later survivor');
    await first.stop();
    second = await startEmulator({ app: APP, workspace: first.workspace });
    assert.equal((await taskOf(second, id))?.status, 'scheduled');
    assert.equal((await json(second, '/api/clock/advance', { ms: 2 * 3600 * 1000 })).status, 200);
    await settled(second, id, 'completed');
    assert.equal((await chat(second, 'results')).body.reply, 'survivor');
  } finally {
    await first.stop();
    await second?.stop();
    first.cleanup();
  }
});

test('a tasks table written before lock keys and recurrence gets the new columns; its waiting task runs', async () => {
  const workspace = mkdtempSync(join(tmpdir(), 'capsule-emu-'));
  cpSync(APP, workspace, { recursive: true });
  const db = openDatabase(join(workspace, '.capsule', 'data.sqlite'));
  db.exec(`CREATE TABLE tasks (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, app TEXT NOT NULL, name TEXT NOT NULL,
    display_name TEXT NOT NULL, session_id TEXT NOT NULL, kwargs TEXT NOT NULL, status INTEGER NOT NULL, attempt INTEGER NOT NULL,
    max_retries INTEGER NOT NULL, timeout INTEGER NOT NULL, error TEXT NOT NULL, cancel_requested INTEGER NOT NULL,
    created_at TEXT NOT NULL, started_at TEXT NOT NULL, completed_at TEXT NOT NULL, scheduled_at TEXT NOT NULL);
    CREATE INDEX tasks_app ON tasks (app, status);`);
  // A pending task of this app (its id is `local_<the app's folder>`).
  db.prepare(`INSERT INTO tasks VALUES (1, 'task_old', ?, 'tick', '', '', '{"label":"old"}', 1, 0, 0, 0, '', 0, ?, '', '', '')`)
    .run(`local_${basename(workspace)}`.replace(/[^A-Za-z0-9_-]/g, '_'), new Date().toISOString());
  db.close();
  const emu = await startEmulator({ app: APP, workspace });
  try {
    const old = await settled(emu, 'task_old', 'completed');
    assert.equal(old.lock_key, '');
    assert.equal(old.recurrence_seconds, 0);
    assert.equal((await chat(emu, 'results')).body.reply, 'tick old');
    const { id } = await submit(emu, 'locked carol 7');
    assert.equal((await settled(emu, id, 'running')).lock_key, 'user:carol');
    await chat(emu, 'release 7');
    await settled(emu, id, 'completed');
  } finally {
    await emu.stop();
    emu.cleanup();
  }
});
