import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { openDatabase } from '../../emulator/collections/database';
import { join } from 'node:path';
import { Store, StoreError, SCHEMA_VERSION, pushEvent, readNames, type StoreData } from '../../emulator/store';
import { waitFor } from '../support/wait';
import { readStore, rejectsWith, tempStoreDir } from '../support/store';
import { dict } from '../../emulator/store';

function secret(value: string) {
  return { value, createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z' };
}

test('opening creates nothing; the first write creates a 0700 folder, a 0600 file and a .gitignore of *', async () => {
  const dir = tempStoreDir();
  const store = await Store.open(dir);
  assert.equal(existsSync(dir), false);
  assert.equal(store.exists(), false);
  await store.update((d) => {
    d.secrets.API_KEY = secret('v');
  });
  assert.equal(statSync(dir).mode & 0o777, 0o700);
  assert.equal(statSync(join(dir, 'store.json')).mode & 0o777, 0o600);
  assert.equal(readFileSync(join(dir, '.gitignore'), 'utf8'), '*\n');
  const onDisk = readStore(dir);
  assert.equal(onDisk.schemaVersion, SCHEMA_VERSION);
  assert.equal(onDisk.secrets.API_KEY!.value, 'v');
  await store.close();
});

test('a corrupt store.json gives a clear error and is never overwritten', async () => {
  const dir = tempStoreDir();
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'store.json');
  const broken = '{"secrets": {"A": {"value": "hunter2"}}, oops';
  writeFileSync(file, broken);
  const before = statSync(file, { bigint: true });
  const err = await rejectsWith(Store.open(dir), 'corrupt');
  assert.match(err.message, /store\.json/);
  assert.match(err.message, /not valid JSON/);
  assert.match(err.message, /capsule-local import|delete it/);
  assert.doesNotMatch(err.message, /hunter2/, 'the message must not quote the file (it may hold secrets)');
  assert.throws(() => readNames(dir), (e: unknown) => e instanceof StoreError && e.code === 'corrupt');

  // A store opened before the file broke must not overwrite it either.
  writeFileSync(file, '{}');
  const store = await Store.open(dir);
  writeFileSync(file, broken);
  await rejectsWith(store.update((d) => void (d.secrets.B = secret('x'))), 'corrupt');
  assert.equal(readFileSync(file, 'utf8'), broken);
  assert.equal(statSync(file).size, Number(before.size));
});

test('a wrong shape names the offending field and leaves the file alone', async () => {
  const dir = tempStoreDir();
  mkdirSync(dir, { recursive: true });
  const text = JSON.stringify({ schemaVersion: 1, secrets: [], channels: {}, personas: [], integrations: {}, sessions: {}, kv: {}, events: [], eventSeq: 0 });
  writeFileSync(join(dir, 'store.json'), text);
  const err = await rejectsWith(Store.open(dir), 'corrupt');
  assert.match(err.message, /"secrets" should be an object/);
  assert.equal(readFileSync(join(dir, 'store.json'), 'utf8'), text);
});

test('a store of a newer schema version is refused and left untouched', async () => {
  const dir = tempStoreDir();
  mkdirSync(dir, { recursive: true });
  const text = JSON.stringify({ schemaVersion: SCHEMA_VERSION + 1, secrets: {}, future: true });
  writeFileSync(join(dir, 'store.json'), text);
  const err = await rejectsWith(Store.open(dir), 'too-new');
  assert.match(err.message, new RegExp(`schema version ${SCHEMA_VERSION + 1}`));
  assert.match(err.message, /Update Capsule Local/);
  assert.equal(readFileSync(join(dir, 'store.json'), 'utf8'), text);
});

test('a file without a schema version is migrated, and the original is kept as a backup on the first write', async () => {
  const dir = tempStoreDir();
  mkdirSync(dir, { recursive: true });
  const original = JSON.stringify({ secrets: { OLD: secret('kept') } });
  writeFileSync(join(dir, 'store.json'), original);
  const store = await Store.open(dir);
  const data = store.read();
  assert.equal(data.schemaVersion, SCHEMA_VERSION);
  assert.equal(data.secrets.OLD!.value, 'kept');
  assert.deepEqual(data.channels, dict());
  assert.ok(data.personas.length >= 1, 'default persona filled in');
  assert.equal(readFileSync(join(dir, 'store.json'), 'utf8'), original, 'reading alone does not rewrite');
  await store.update((d) => void (d.secrets.NEW = secret('n')));
  assert.equal(readFileSync(join(dir, 'store.json.v0.bak'), 'utf8'), original);
  assert.equal(statSync(join(dir, 'store.json.v0.bak')).mode & 0o777, 0o600);
  const onDisk = readStore(dir);
  assert.equal(onDisk.schemaVersion, SCHEMA_VERSION);
  assert.deepEqual(Object.keys(onDisk.secrets).sort(), ['NEW', 'OLD']);
  await store.close();
});

test('group commit: many concurrent updates all become durable, each promise after its write', async () => {
  const dir = tempStoreDir();
  const store = await Store.open(dir);
  const n = 2_000;
  const done = await Promise.all(
    Array.from({ length: n }, (_, i) =>
      store
        .update((d) => {
          (d.kv.load ??= {})[`k${i}`] = String(i);
        })
        .then(() => {
          // When this resolves the key must already be on disk.
          return (readStore(dir)).kv.load?.[`k${i}`] === String(i);
        }),
    ),
  );
  assert.equal(done.filter(Boolean).length, n, 'every update was on disk when its promise resolved');
  assert.equal(Object.keys(store.read().kv.load!).length, n);
  await store.close();
});

test('a mutator that throws fails alone and its partial change never reaches the file', async () => {
  const dir = tempStoreDir();
  const store = await Store.open(dir);
  const ok1 = store.update((d) => void (d.secrets.A = secret('a')));
  const bad = store.update((d) => {
    d.secrets.HALF = secret('half');
    throw new Error('invalid');
  });
  const ok2 = store.update((d) => void (d.secrets.B = secret('b')));
  await assert.rejects(bad, /invalid/);
  await ok1;
  await ok2;
  await store.flush();
  const onDisk = readStore(dir);
  assert.deepEqual(Object.keys(onDisk.secrets).sort(), ['A', 'B']);
  assert.deepEqual(Object.keys(store.read().secrets).sort(), ['A', 'B']);
  await store.close();
});

test('two stores on one folder never lose each other\'s updates (re-read inside the transaction)', async () => {
  const dir = tempStoreDir();
  const a = await Store.open(dir);
  const b = await Store.open(dir);
  const ups: Promise<void>[] = [];
  for (let i = 0; i < 300; i++) {
    const s = i % 2 ? a : b;
    ups.push(s.update((d) => void ((d.kv.both ??= {})[`k${i}`] = 'x')));
    if (i % 7 === 0) await new Promise((r) => setImmediate(r));
  }
  await Promise.all(ups);
  await a.close();
  await b.close();
  const onDisk = readStore(dir);
  assert.equal(Object.keys(onDisk.kv.both!).length, 300);
});

test('two processes incrementing counters on one store lose nothing', async () => {
  const dir = tempStoreDir();
  const writer = join(__dirname, 'fixtures', 'counter-writer.ts');
  const count = 150;
  const run = (key: string) =>
    new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', writer, dir, key, String(count)], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      const guard = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`counter writer ${key} did not finish in 60 s: ${err}`));
      }, 60_000);
      child.stdout.on('data', (b: Buffer) => (out += b.toString()));
      child.stderr.on('data', (b: Buffer) => (err += b.toString()));
      child.on('exit', (code) => {
        clearTimeout(guard);
        if (code === 0 && out.includes('done')) resolve();
        else reject(new Error(`counter writer ${key} exited ${code}: ${err}`));
      });
    });
  await Promise.all([run('a'), run('b')]);
  const onDisk = readStore(dir);
  assert.deepEqual(onDisk.kv.counters, dict({ a: String(count), b: String(count) }));
});

test('a commit waits while another process holds the database for writing, then fails clearly and loses nothing', async () => {
  const dir = tempStoreDir();
  const store = await Store.open(dir, { lockTimeoutMs: 300 });
  await store.update((d) => void (d.secrets.A = secret('a')));
  const other = openDatabase(join(dir, 'data.sqlite'));
  other.exec('BEGIN IMMEDIATE');
  try {
    const err = await rejectsWith(store.update((d) => void (d.secrets.B = secret('b'))), 'locked');
    assert.match(err.message, /data\.sqlite/);
    assert.match(err.message, /300 ms/);
  } finally {
    other.exec('ROLLBACK');
    other.close();
  }
  assert.deepEqual(Object.keys(readStore(dir).secrets), ['A']);
  // Once the other process is done, the next write goes through, on top of what is on disk.
  await store.update((d) => void (d.secrets.C = secret('c')));
  assert.deepEqual(Object.keys(readStore(dir).secrets).sort(), ['A', 'C']);
  await store.close();
});

test('the event log keeps only the last N events, with increasing sequence numbers', async () => {
  const dir = tempStoreDir();
  const store = await Store.open(dir, { eventCap: 100 });
  await Promise.all(Array.from({ length: 1_000 }, (_, i) => store.update((d) => void pushEvent(d, { kind: 'inbound', summary: `m${i}` }))));
  await store.close();
  const onDisk = readStore(dir);
  assert.equal(onDisk.events.length, 100);
  assert.equal(onDisk.events[0]!.summary, 'm900');
  assert.equal(onDisk.events.at(-1)!.seq, 1_000);
  assert.equal(onDisk.eventSeq, 1_000);
});

test('a watching store sees changes another process writes, and reports a broken file once', async () => {
  const dir = tempStoreDir();
  const writer = await Store.open(dir);
  await writer.update((d) => void (d.secrets.FIRST = secret('1')));
  const watcher = await Store.open(dir, { watch: true, pollMs: 50 });
  let changes = 0;
  const errors: unknown[] = [];
  watcher.onChange(() => changes++);
  watcher.onError((e) => errors.push(e));
  await writer.update((d) => void (d.secrets.SECOND = secret('2')));
  await waitFor('the watching store to see SECOND', () => watcher.read().secrets.SECOND, 5_000);
  assert.ok(changes >= 1);
  // Replaced in one step (as an editor saves), so the watcher cannot see a half-written file.
  writeFileSync(join(dir, 'garbage.tmp'), 'garbage');
  renameSync(join(dir, 'garbage.tmp'), join(dir, 'store.json'));
  await waitFor('the broken file to be reported', () => errors.length > 0, 5_000);
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(errors.length, 1, 'reported once, not on every poll');
  assert.ok(watcher.read().secrets.SECOND, 'memory keeps the last good state');
  await watcher.close();
  await writer.close();
});

test('readNames returns names and types, never values', async () => {
  const dir = tempStoreDir();
  assert.deepEqual(readNames(dir).secrets, []);
  assert.equal(readNames(dir).exists, false);
  const store = await Store.open(dir);
  await store.update((d) => {
    d.secrets.TOKEN = secret('value-that-must-not-leak');
    d.channels.support = { id: 'ch_1', webhookId: 'w1', type: 'slack', credentials: { bot_token: 'xoxb-leak', signing_secret: 'leak' }, createdAt: '' };
  });
  await store.close();
  const names = readNames(dir);
  assert.equal(names.exists, true);
  assert.deepEqual(names.secrets.map((s) => s.name), ['TOKEN']);
  assert.deepEqual(names.channels, [{ name: 'support', type: 'slack', id: 'ch_1' }]);
  assert.doesNotMatch(JSON.stringify(names), /leak/);
});

test('a store.json deleted from outside empties the configuration alone; pending updates apply once on top', async () => {
  const dir = tempStoreDir();
  const store = await Store.open(dir);
  await store.update((d) => {
    d.secrets.OLD = secret('old');
    (d.kv.c ??= {}).n = '0';
  });
  rmSync(join(dir, 'store.json'));
  await store.update((d) => {
    const scope = (d.kv.c ??= {});
    scope.n = String(Number(scope.n ?? '0') + 1);
  });
  const onDisk = readStore(dir);
  assert.deepEqual(onDisk.kv.c, dict({ n: '1' }), 'applied exactly once');
  assert.deepEqual(onDisk.secrets, dict());
  assert.ok(existsSync(join(dir, 'store.json')), 'written again, with the configuration it now has');
  await store.close();
});

test('a hand edit of store.json is seen by the next write, which keeps it', async () => {
  const dir = tempStoreDir();
  const file = join(dir, 'store.json');
  const store = await Store.open(dir);
  const bump = (key: string) => store.update((d) => void ((d.kv['app:t'] ??= {})[key] = '1'));
  await store.update((d) => void (d.secrets.A = secret('a')));
  const doc = JSON.parse(readFileSync(file, 'utf8')) as StoreData;
  doc.secrets.BY_HAND = secret('h');
  writeFileSync(file, JSON.stringify(doc, null, 1));
  await bump('k1');
  assert.ok(store.read().secrets.BY_HAND, 'seen by the write');
  await store.update((d) => void (d.secrets.B = secret('b')));
  const onDisk = readStore(dir);
  assert.deepEqual(Object.keys(onDisk.secrets).sort(), ['A', 'B', 'BY_HAND']);
  assert.deepEqual(onDisk.kv['app:t'], dict({ k1: '1' }));
  await store.close();
});

test('a writer that waits for the lock gets it while another store writes without pause', async () => {
  const dir = tempStoreDir();
  const busy = await Store.open(dir);
  let stop = false;
  let writes = 0;
  const loop = (async () => {
    while (!stop) {
      await busy.update((d) => void ((d.kv['app:busy'] ??= {}).n = String(++writes)));
    }
  })();
  await new Promise((r) => setTimeout(r, 100));
  const other = await Store.open(dir, { lockTimeoutMs: 2_000 });
  const before = writes;
  await other.update((d) => void (d.secrets.FROM_CLI = secret('x')));
  await other.close();
  await new Promise((r) => setTimeout(r, 100));
  stop = true;
  await loop;
  assert.ok(writes > before, 'the busy store went on writing after the waiter had its turn');
  await busy.close();
  const onDisk = readStore(dir);
  assert.ok(onDisk.secrets.FROM_CLI, "the waiter's change is kept");
  assert.equal(onDisk.kv['app:busy']!.n, String(writes), "and every one of the busy store's");
});

test('a process that exits right after a write (no close) leaves its write readable and the store writable', async () => {
  const dir = tempStoreDir();
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'fixtures', 'exit-writer.ts'), dir], { stdio: 'inherit' });
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  assert.equal(code, 0);
  assert.equal(readStore(dir).kv['app:x']!.k, '1');
  const store = await Store.open(dir, { lockTimeoutMs: 300 });
  await store.update((d) => void ((d.kv['app:x'] ??= {}).k = '2'));
  await store.close();
  assert.equal(readStore(dir).kv['app:x']!.k, '2');
});
