// Background tasks (`@app.task`) on the real SDK against the emulator's TaskService: a chat
// handler submits a task, the runner gets it on its Recv stream, claims, runs and completes it;
// a task that raises is retried and then failed; retry_for fails other errors at once;
// schedule(delay) waits on the emulator's clock, also across a restart; cancel stops a waiting
// task and (on its heartbeat) a running one; lock= fails with the feature named.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
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
  scheduled_at: string;
}

async function taskOf(emu: RunningEmulator, id: string): Promise<TaskView | undefined> {
  return (await json<{ tasks: TaskView[] }>(emu, '/api/state')).body.tasks.find((t) => t.id === id);
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

  test('lock= is not emulated: submitting fails with the feature named', async () => {
    const r = await chat(emu, 'locked a');
    assert.equal(r.status, 422, JSON.stringify(r.body));
    assert.match(r.body.error ?? '', /UNIMPLEMENTED/);
    assert.match(r.body.error ?? '', /background tasks \(@app\.task\) with lock= \(one at a time per lock key\) is not available in Capsule Local yet/);
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
    await waitFor('the task started again', async () => ((await chat(emu, 'results')).body.reply === 'started r,started r' ? true : undefined), 30_000);
    const t = await settled(emu, id, 'running');
    assert.equal(t.attempt, 1);
    assert.equal((await chat(emu, `cancel ${id}`)).body.reply, 'cancelled True');
    await settled(emu, id, 'cancelled', 60_000);
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
