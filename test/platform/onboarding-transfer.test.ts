// Onboarding completions and background tasks in `capsule-local export`, `import` and `reset` (the
// built CLI in a temporary workspace): completions round-trip, a broken section imports nothing
// and says where, and reset forgets both completions and tasks.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertCliBuilt, cliOk, cliSync as cli, withWorkspaceData } from '../support/cli';
import { exportOnboarding, importOnboarding } from '../../emulator/platform/onboarding';
import { HubClock } from '../../emulator/gateway/clock';
import { TaskQueue } from '../../emulator/platform/task-queue';
import type { RunnerProcess } from '../../emulator/runner/process';

const COMPLETED = [
  { app: 'guide', userId: 'user_alice', completedAt: '2026-12-01T09:00:00.000Z' },
  { app: 'guide', userId: 'user_bob', completedAt: '2026-12-02T10:30:00.000Z' },
];

function workspace(): string {
  const ws = mkdtempSync(join(tmpdir(), 'capsule-onboarding-io-'));
  cliOk(ws, ['secret', 'set', 'API_KEY'], 'onboarding-io-secret');
  withWorkspaceData(ws, (e) => {
    importOnboarding(e.db, COMPLETED, 'merge');
    // A queued task, as the task queue keeps one while no runner is up.
    const queue = new TaskQueue(() => e.db, new HubClock(), () => true, (t) => t);
    queue.submit('guide', { alive: false } as unknown as RunnerProcess, { name: 'digest', displayName: '', sessionId: '', kwargs: '{}', maxRetries: 0, timeout: 0, lockKey: '', recurrenceSeconds: 0 });
    queue.close();
  });
  return ws;
}

before(assertCliBuilt);

test('export carries onboarding completions; import restores them, merging or replacing', () => {
  const ws = workspace();
  const r = cliOk(ws, ['export', 'out.json']);
  assert.match(r.stdout, /2 onboarding completions/);
  const exported = JSON.parse(readFileSync(join(ws, 'out.json'), 'utf8')) as { onboarding: unknown };
  assert.deepEqual(exported.onboarding, COMPLETED);

  const fresh = mkdtempSync(join(tmpdir(), 'capsule-onboarding-io-'));
  assert.match(cliOk(fresh, ['import', join(ws, 'out.json')]).stdout, /onboarding: 2 completions/);
  assert.deepEqual(withWorkspaceData(fresh, (e) => exportOnboarding(e.db)), COMPLETED);

  // Merge keeps a completion the file does not have; --replace makes the table the file's.
  withWorkspaceData(fresh, (e) => importOnboarding(e.db, [{ app: 'other', userId: 'user_carol', completedAt: '2026-12-03T00:00:00.000Z' }], 'merge'));
  cliOk(fresh, ['import', join(ws, 'out.json')]);
  assert.equal(withWorkspaceData(fresh, (e) => exportOnboarding(e.db)).length, 3);
  cliOk(fresh, ['import', '--replace', join(ws, 'out.json')]);
  assert.deepEqual(withWorkspaceData(fresh, (e) => exportOnboarding(e.db)), COMPLETED);
});

test('a broken onboarding section imports nothing, and says where', () => {
  const ws = workspace();
  cliOk(ws, ['export', 'out.json']);
  const exp = JSON.parse(readFileSync(join(ws, 'out.json'), 'utf8')) as Record<string, unknown>;
  for (const [bad, where] of [[{ app: 'guide' }, /onboarding\[0\]\.userId/], ['__proto__', /"onboarding" must be an array/], [{ app: 'g', userId: 'u', completedAt: 'yesterday' }, /not an ISO 8601 time/]] as const) {
    writeFileSync(join(ws, 'bad.json'), JSON.stringify({ ...exp, onboarding: Array.isArray(bad) || typeof bad === 'string' ? bad : [bad] }));
    const fresh = mkdtempSync(join(tmpdir(), 'capsule-onboarding-io-'));
    const r = cli(fresh, ['import', join(ws, 'bad.json')]);
    assert.equal(r.status, 1, r.stdout);
    assert.match(r.stderr, where);
    assert.match(r.stderr, /nothing was imported/);
    assert.equal(cli(fresh, ['export', '-']).status, 1, 'no store was created');
  }
});

test('reset forgets onboarding completions and background tasks', () => {
  const ws = workspace();
  const r = cliOk(ws, ['reset', '--yes']);
  assert.match(r.stdout, /1 background task, 2 onboarding completions/);
  withWorkspaceData(ws, (e) => {
    assert.deepEqual(exportOnboarding(e.db), []);
    assert.equal((e.db.prepare('SELECT count(*) AS n FROM tasks').get() as { n: number }).n, 0);
  });
});
