// Collections survive: closing and reopening the database, and a process killed with SIGKILL
// while it writes (every write it acknowledged is there after, the file is consistent).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { CollectionsEngine, dataFile } from '../../emulator/collections';

const tmp = mkdtempSync(join(tmpdir(), 'capsule-collections-dur-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

test('documents, updates and schemas are there after the database is closed and reopened', () => {
  const file = dataFile(join(tmp, 'reopen'));
  const a = CollectionsEngine.open(file);
  const id = a.insertOne('app_dev', 'notes', '{"text":"hello","price":10.0}');
  a.updateOne('app_dev', 'notes', JSON.stringify({ _id: id }), '{"$set":{"done":true}}');
  a.upsertSchema('app_dev', { name: 'notes', scope: 'app', columns: [{ key: 'text', type: 'text', label: 'Text', format: '' }], user_id: '', owner_id: '', session_id: '' });
  a.close();
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const b = CollectionsEngine.open(file);
  assert.equal(b.findOne('app_dev', 'notes', '{}'), `{"_id":"${id}","text":"hello","price":10.0,"done":true}`);
  assert.equal(b.getSchema('app_dev', 'notes', 'app', {})?.columns[0]?.label, 'Text');
  b.close();
});

test('a writer killed with SIGKILL loses no acknowledged write and leaves a consistent file', async () => {
  const file = dataFile(join(tmp, 'kill9'));
  // Created first so that the writer and this test agree on the file.
  CollectionsEngine.open(file).close();
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'writers', 'insert-loop.ts'), file], { stdio: ['ignore', 'pipe', 'inherit'] });
  const acked: Array<{ id: string; n: number }> = [];
  const lines = createInterface({ input: child.stdout! });
  const exited = new Promise<NodeJS.Signals | null>((r) => child.once('exit', (_c, s) => r(s)));
  await new Promise<void>((resolve) => {
    lines.on('line', (l) => {
      const [id, n] = l.split(' ');
      acked.push({ id: id!, n: Number(n) });
      // Killed while it is still writing: it never stops on its own.
      if (acked.length === 400) {
        child.kill('SIGKILL');
        resolve();
      }
    });
  });
  assert.equal(await exited, 'SIGKILL');
  const e = CollectionsEngine.open(file);
  try {
    assert.equal(e.db.pragma('integrity_check', { simple: true }), 'ok');
    const stored = new Set(e.find('app_dev', 'log', '{}').map((d) => (JSON.parse(d) as { _id: string })._id));
    for (const a of acked) assert.ok(stored.has(a.id), `acknowledged insert #${a.n} (${a.id}) is missing`);
    const kv = JSON.parse(e.findOne('app_dev', '_kv', '{"_key":"last","_session_id":"s1"}')!) as { value: number };
    const lastKvAck = Math.floor(acked.at(-1)!.n / 3) * 3;
    assert.ok(kv.value >= lastKvAck, `kv value ${kv.value} is older than the last acknowledged ${lastKvAck}`);
    assert.equal(e.count('app_dev', '_kv', '{}'), 1);
  } finally {
    e.close();
  }
});
