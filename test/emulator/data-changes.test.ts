// The data change feed (gateway/data-changes.ts) keeps pages cheap to refresh: a burst of writes
// of one app is one notice, with the sessions whose data changed (or "any" past 20) and whether a
// collection did, and the tasks whose status changed (each with its latest status, by id and
// status only; "any" past 50); apps are told apart; nothing is kept while no page listens.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DataChanges } from '../../emulator/gateway/data-changes';
import type { DataChange } from '../../emulator/hub';

/** The next `n` notices. */
function next(feed: DataChanges, n: number): { got: DataChange[]; done: Promise<DataChange[]> } {
  const got: DataChange[] = [];
  let stop = (): void => undefined;
  const done = new Promise<DataChange[]>((resolve) => {
    stop = feed.subscribe((c) => {
      got.push(c);
      if (got.length === n) resolve(got);
    });
  });
  void done.then(stop);
  return { got, done };
}

test('a burst of writes is one notice per app, with its sessions and whether a collection changed', async () => {
  const feed = new DataChanges(5);
  // The feed's timers do not hold the process open (an emulator stopping never waits on them).
  const alive = setInterval(() => undefined, 1000);
  try {
    const { done } = next(feed, 2);
    for (let i = 0; i < 100; i++) feed.note('shop', { collection: true });
    feed.note('shop', { sessionId: 'ses_a' });
    feed.note('shop', { sessionId: 'ses_a' });
    feed.note('shop', { sessionId: 'ses_b' });
    feed.note('desk', { sessionId: 'ses_c' });
    const notices = await done;
    assert.deepEqual(
      notices.sort((a, b) => a.app.localeCompare(b.app)),
      [
        { app: 'desk', sessions: ['ses_c'], collections: false, tasks: [] },
        { app: 'shop', sessions: ['ses_a', 'ses_b'], collections: true, tasks: [] },
      ],
    );
    // The next write is a notice of its own.
    const later = next(feed, 1);
    feed.note('shop', { sessionId: 'ses_z' });
    assert.deepEqual(await later.done, [{ app: 'shop', sessions: ['ses_z'], collections: false, tasks: [] }]);
  } finally {
    clearInterval(alive);
    feed.close();
  }
});

test('more than 20 sessions in one notice is "any session"; without a listener nothing is kept', async () => {
  const feed = new DataChanges(5);
  // The feed's timers do not hold the process open (an emulator stopping never waits on them).
  const alive = setInterval(() => undefined, 1000);
  try {
    // Noted while nobody listens: dropped, so the first notice below has only what came after.
    feed.note('shop', { collection: true });
    const { done } = next(feed, 1);
    for (let i = 0; i < 25; i++) feed.note('shop', { sessionId: `ses_${i}` });
    assert.deepEqual(await done, [{ app: 'shop', sessions: null, collections: false, tasks: [] }]);
  } finally {
    clearInterval(alive);
    feed.close();
  }
});

test('task status changes: each task once, with its latest status, by id and status only; more than 50 is "any task"', async () => {
  const feed = new DataChanges(5);
  const alive = setInterval(() => undefined, 1000);
  try {
    const { done } = next(feed, 2);
    feed.note('shop', { task: { id: 'task_a', status: 'pending' } });
    feed.note('shop', { task: { id: 'task_b', status: 'pending' } });
    feed.note('shop', { task: { id: 'task_a', status: 'claimed' } });
    // Whatever else a caller's object holds never goes on.
    feed.note('shop', { task: { id: 'task_a', status: 'running', kwargs: { card: '4242-SECRET' }, error: 'boom' } as unknown as { id: string; status: string } });
    feed.note('desk', { task: { id: 'task_c', status: 'completed' }, sessionId: 'ses_c' });
    const notices = (await done).sort((a, b) => a.app.localeCompare(b.app));
    assert.deepEqual(notices, [
      { app: 'desk', sessions: ['ses_c'], collections: false, tasks: [{ id: 'task_c', status: 'completed' }] },
      { app: 'shop', sessions: [], collections: false, tasks: [{ id: 'task_b', status: 'pending' }, { id: 'task_a', status: 'running' }] },
    ]);
    assert.doesNotMatch(JSON.stringify(notices), /SECRET|boom|kwargs/);

    const many = next(feed, 1);
    for (let i = 0; i < 60; i++) feed.note('shop', { task: { id: `task_${i}`, status: 'pending' } });
    assert.deepEqual(await many.done, [{ app: 'shop', sessions: [], collections: false, tasks: null }]);
  } finally {
    clearInterval(alive);
    feed.close();
  }
});
