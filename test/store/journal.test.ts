// The write-ahead journal: each write is one appended record of what changed; readers apply it;
// it is folded into store.json on close, past a size threshold, and for whole-document changes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, copyFileSync, existsSync, readFileSync, statSync, writeFileSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import {
  Store,
  applyImport,
  applyReset,
  buildExport,
  loadStoreSync,
  pushEvent,
  readNames,
  type StoreData,
} from '../../emulator/store';
import { waitFor } from '../support/wait';
import { readStore, rejectsWith, tempStoreDir } from '../support/store';
import { plain } from '../support/store';
import { dict } from '../../emulator/store';

const files = (dir: string) => ({ file: join(dir, 'store.json'), journal: join(dir, 'store.journal') });
const snapshotOf = (dir: string) => (JSON.parse(readFileSync(files(dir).file, 'utf8')) as { snapshot?: { generation: number; id: string } }).snapshot;
const journalLines = (dir: string): string[] => readFileSync(files(dir).journal, 'utf8').split('\n').filter(Boolean);
/** A journaled change: a key in the `app:t` kv scope (secrets, channels and personas go to store.json itself). */
const put = (key: string, value: string) => (d: StoreData): void => void ((d.kv['app:t'] ??= {})[key] = JSON.stringify(value));
const keysOf = (d: StoreData): string[] => Object.keys(d.kv['app:t'] ?? {}).sort();
const secret = (value: string) => ({ value, createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z' });

/** A store whose first write is done (store.json with a generation) and whose next writes journal. */
async function journaledStore(options: Parameters<typeof Store.open>[1] = {}): Promise<{ dir: string; store: Store }> {
  const dir = tempStoreDir();
  const store = await Store.open(dir, options);
  await store.update((d) => void (d.secrets.BASE = secret('base')));
  return { dir, store };
}

test('a write on a store with a full event log appends one small record; store.json stays as it is', async () => {
  const { dir, store } = await journaledStore();
  await store.update((d) => {
    for (let i = 0; i < 5_000; i++) pushEvent(d, { kind: 'inbound', summary: `event ${i} `.padEnd(80, '.') });
  });
  await store.close();
  const reopened = await Store.open(dir);
  const { file, journal } = files(dir);
  const before = statSync(file, { bigint: true });
  assert.ok(before.size > 400_000n, 'a store with 5,000 events');
  await reopened.update((d) => {
    d.kv['session:s1'] = { greeting: '"hello"' };
    pushEvent(d, { kind: 'data', summary: 'one more' });
  });
  const after = statSync(file, { bigint: true });
  assert.equal(after.ino, before.ino, 'store.json was not rewritten');
  assert.equal(after.mtimeNs, before.mtimeNs);
  assert.equal(statSync(journal).mode & 0o777, 0o600);
  const lines = journalLines(dir);
  assert.equal(lines.length, 2, 'a header and one record');
  assert.ok(lines[1]!.length < 1_000, `the record holds only what changed (${lines[1]!.length} bytes)`);
  const disk = readStore(dir);
  assert.equal(disk.events.length, 5_000, 'the cap applies on replay too');
  assert.equal(disk.events.at(-1)!.summary, 'one more');
  assert.deepEqual(plain(disk), plain(reopened.read()));
  await reopened.close();
});

// Each change is made through a store, then the store as every reader sees it (store.json plus
// the journal) must equal the store's memory; `journaled` says whether the change was one record
// or needed store.json rewritten.
const changes: Array<{ name: string; journaled: boolean; change: (d: StoreData) => void }> = [
  { name: 'set a secret (kept in store.json itself, which editors watch)', journaled: false, change: (d) => void (d.secrets.NEW = secret('n')) },
  { name: 'delete a secret (store.json itself)', journaled: false, change: (d) => void delete d.secrets.BASE },
  { name: 'add a kv key in a new scope', journaled: true, change: (d) => void ((d.kv['user:u1'] ??= {}).k = '1') },
  { name: 'delete a kv scope', journaled: true, change: (d) => void delete d.kv['app:a'] },
  { name: 'append to a session history', journaled: true, change: (d) => void d.sessions.s1!.history.push({ text: 'more', sender: 'user', channelType: 'chat', timestamp: 2 }) },
  { name: 'change a channel credential (store.json itself)', journaled: false, change: (d) => void (d.channels.support!.credentials.bot_token = 'xoxb-2') },
  { name: 'connect an integration', journaled: true, change: (d) => void ((d.integrations.user_dev ??= {}).github = { type: 'github', mode: 'oauth', accessToken: 't', tokenType: 'bearer', scopes: [], expiresAt: 0, fields: {}, connectedAt: '' }) },
  { name: 'add a persona (store.json itself)', journaled: false, change: (d) => void d.personas.push({ id: 'p2', name: 'Ada' }) },
  { name: 'push events', journaled: true, change: (d) => void [1, 2, 3].forEach((i) => pushEvent(d, { kind: 'inbound', summary: `e${i}` })) },
  { name: 'iterate over every session', journaled: true, change: (d) => Object.values(d.sessions).forEach((s) => (s.dataJson = '{"seen":true}')) },
  { name: 'replace a collection', journaled: false, change: (d) => void (d.sessions = {}) },
  { name: 'replace the event log', journaled: false, change: (d) => void (d.events = []) },
  { name: 'clear the event log in place', journaled: false, change: (d) => void (d.events.length = 0) },
  { name: 'drop old events below the cap', journaled: false, change: (d) => void d.events.splice(0, 1) },
  { name: 'sort the event log', journaled: false, change: (d) => void d.events.reverse() },
  { name: 'reset', journaled: false, change: (d) => void applyReset(d) },
  { name: 'reset --all', journaled: false, change: (d) => void applyReset(d, { all: true }) },
  {
    name: 'import (replace)',
    journaled: false,
    change: (d) => void applyImport(d, buildExport({ ...structuredClone(seed), secrets: { IMP: secret('i') } }, { includeSecrets: true }), 'replace'),
  },
];

const seed: StoreData = (() => {
  const d: StoreData = {
    schemaVersion: 1,
    secrets: { BASE: secret('base') },
    channels: { support: { id: 'ch_1', webhookId: 'w1', type: 'slack', credentials: { bot_token: 'xoxb-1', signing_secret: 's' }, createdAt: '' } },
    personas: [{ id: 'user_dev', name: 'Dev' }],
    integrations: {},
    sessions: { s1: { id: 's1', app: 'a', userId: 'user_dev', channelType: 'chat', createdAt: '', updatedAt: '', history: [{ text: 'hi', sender: 'user', channelType: 'chat', timestamp: 1 }], dataJson: '{}' } },
    kv: { 'app:a': { x: '1' } },
    events: [],
    eventSeq: 0,
  };
  for (let i = 0; i < 5; i++) pushEvent(d, { kind: 'inbound', summary: `seed ${i}` });
  return d;
})();

for (const c of changes) {
  test(`${c.name}: ${c.journaled ? 'one journal record' : 'store.json rewritten'}, and every reader sees the change`, async () => {
    const dir = tempStoreDir();
    const store = await Store.open(dir);
    await store.update((d) => void Object.assign(d, structuredClone(seed)));
    const generation = snapshotOf(dir)!.generation;
    await store.update(c.change);
    const disk = readStore(dir);
    assert.deepEqual(plain(disk), plain(store.read()), 'store.json with its journal equals the store in memory');
    if (c.journaled) {
      assert.equal(snapshotOf(dir)!.generation, generation, 'store.json was not rewritten');
      assert.equal(journalLines(dir).length, 2, 'one record after the header');
    } else {
      assert.equal(snapshotOf(dir)!.generation, generation + 1, 'store.json was rewritten');
      assert.equal(existsSync(files(dir).journal), false, 'with no journal');
    }
    // A second store (another process) reads the same.
    const other = await Store.open(dir);
    assert.deepEqual(plain(other.read()), plain(store.read()));
    await other.close();
    await store.close();
    assert.deepEqual(JSON.parse(readFileSync(files(dir).file, 'utf8')).secrets, structuredClone(store.read().secrets));
  });
}

test('random mixes of journaled changes, in batches of any size, always read back as the memory', async () => {
  const { dir, store } = await journaledStore({ eventCap: 40, compactBytes: 20_000 });
  let rnd = 12345;
  const rand = (n: number): number => ((rnd = (rnd * 1103515245 + 12345) % 2 ** 31) % n);
  const ops: Array<(d: StoreData) => void> = [
    (d) => void ((d.kv[`scope:${rand(5)}`] ??= {})[`k${rand(4)}`] = String(rand(1000))),
    (d) => void delete d.kv[`scope:${rand(5)}`],
    (d) => {
      const m = d.kv[`scope:${rand(5)}`];
      if (m) delete m[`k${rand(4)}`];
    },
    (d) => {
      const id = `s${rand(3)}`;
      d.sessions[id] ??= { id, app: 'a', userId: 'u', channelType: 'chat', createdAt: '', updatedAt: '', history: [], dataJson: '{}' };
      d.sessions[id]!.history.push({ text: `m${rand(100)}`, sender: 'user', channelType: 'chat', timestamp: rand(100) });
    },
    (d) => void pushEvent(d, { kind: 'inbound', summary: `e${rand(100)}` }, 40),
    (d) => void (d.personas.length < 5 && d.personas.push({ id: `p${rand(100)}`, name: 'P' })),
    (d) => void (d.secrets[`S${rand(3)}`] = secret(String(rand(100)))),
  ];
  for (let round = 0; round < 60; round++) {
    const n = 1 + rand(20);
    await Promise.all(Array.from({ length: n }, () => store.update(ops[rand(ops.length)]!)));
    assert.deepEqual(plain(readStore(dir)), plain(store.read()), `round ${round}`);
  }
  assert.ok(snapshotOf(dir)!.generation > 2, 'the size threshold folded the journal into store.json along the way');
  await store.close();
  assert.equal(existsSync(files(dir).journal), false);
});

test('an unfinished last line (a writer killed mid-append) is ignored, then cut off by the next write', async () => {
  const { dir, store } = await journaledStore();
  await store.update(put('ACKED', 'a'));
  await store.close();
  // The close folded everything in: journal again, then a torn record after it.
  const s2 = await Store.open(dir);
  await s2.update(put('SECOND', '2'));
  const { journal } = files(dir);
  const whole = readFileSync(journal);
  appendFileSync(journal, '{"set":[["kv","app:t",{"TORN":"never-acknowledged"');
  const torn = readFileSync(journal);
  // Readers ignore it.
  assert.deepEqual(keysOf(readStore(dir)), ['ACKED', 'SECOND']);
  const reader = await Store.open(dir);
  assert.deepEqual(keysOf(reader.read()), ['ACKED', 'SECOND']);
  assert.deepEqual(readFileSync(journal), torn, 'reading changes nothing');
  // The next write (from any store) cuts it off and appends after the last whole line.
  await reader.update(put('THIRD', '3'));
  const now = readFileSync(journal);
  assert.deepEqual(now.subarray(0, whole.length), whole, 'the acknowledged lines are kept as they were');
  assert.ok(!now.includes('never-acknowledged'));
  assert.ok(now.toString().endsWith('\n'));
  assert.deepEqual(keysOf(readStore(dir)), ['ACKED', 'SECOND', 'THIRD']);
  await reader.close();
  await s2.close();
});

test('a journal cut inside its header (killed while starting it) holds nothing and is restarted', async () => {
  const { dir, store } = await journaledStore();
  await store.close();
  writeFileSync(files(dir).journal, '{"format":"capsule-local-st');
  const s = await Store.open(dir);
  assert.deepEqual(Object.keys(s.read().secrets), ['BASE']);
  await s.update(put('NEXT', 'n'));
  assert.equal(journalLines(dir).length, 2);
  assert.deepEqual(keysOf(readStore(dir)), ['NEXT']);
  await s.close();
});

test('a record that does not parse in the middle is a corrupt store: clear error, both files untouched', async () => {
  const { dir, store } = await journaledStore();
  await store.update(put('ONE', 'hunter2-one'));
  await store.update(put('TWO', 'hunter2-two'));
  const { file, journal } = files(dir);
  const lines = journalLines(dir);
  assert.equal(lines.length, 3);
  // Damage the middle record (its value stays in the damaged text; files may hold secrets).
  const broken = [lines[0], lines[1]!.replace('"set":', '"set":#'), lines[2], ''].join('\n');
  writeFileSync(journal, broken);
  const storeBefore = readFileSync(file);
  for (const attempt of [() => Store.open(dir), () => readNames(dir), () => loadStoreSync(file), () => store.update(put('THREE', '3'))]) {
    const err = await rejectsWith(attempt, 'corrupt');
    assert.match(err.message, /store\.journal/);
    assert.match(err.message, /line 2 of 3 is not valid JSON/);
    assert.match(err.message, /left untouched/);
    assert.match(err.message, /move the journal away/);
    assert.doesNotMatch(err.message, /hunter2/, 'never quotes the files (they hold secrets)');
  }
  assert.equal(readFileSync(journal, 'utf8'), broken);
  assert.deepEqual(readFileSync(file), storeBefore);
  await store.close();
  assert.equal(readFileSync(journal, 'utf8'), broken, 'close does not fold a corrupt journal in');
});

test('a crash between the new store.json and the journal reset never applies old records twice', async () => {
  const { dir, store } = await journaledStore({ eventCap: 1_000 });
  const bump = (d: StoreData): void => {
    const c = (d.kv.counter ??= {});
    c.n = String(Number(c.n ?? '0') + 1);
    pushEvent(d, { kind: 'inbound', summary: 'bump' });
  };
  for (let i = 0; i < 5; i++) await store.update(bump);
  const { file, journal } = files(dir);
  copyFileSync(journal, `${journal}.old`);
  await store.close(); // folds the 5 records into store.json (generation + 1) and removes the journal
  // As if the removal had not happened: the old journal is back next to the new store.json.
  copyFileSync(`${journal}.old`, journal);
  const data = readStore(dir);
  assert.equal(data.kv.counter!.n, '5', 'applied once');
  assert.equal(data.events.length, 5, 'events not duplicated');
  const s = await Store.open(dir);
  assert.equal(s.read().kv.counter!.n, '5');
  await s.update(bump);
  assert.equal(readStore(dir).kv.counter!.n, '6');
  const header = JSON.parse(journalLines(dir)[0]!) as { generation: number };
  assert.equal(header.generation, snapshotOf(dir)!.generation, 'the stale journal was replaced by one of this generation');
  await s.close();
  assert.equal(JSON.parse(readFileSync(file, 'utf8')).kv.counter.n, '6');
});

test('a journal that does not belong to store.json is refused, both files untouched', async () => {
  const cases: Array<{ name: string; tamper: (dir: string) => void; message: RegExp }> = [
    {
      name: 'store.json replaced by a copy of another store (same generation, another id)',
      tamper: (dir) => {
        const { file } = files(dir);
        const doc = JSON.parse(readFileSync(file, 'utf8'));
        doc.snapshot.id = 'ffffffffffffffff';
        writeFileSync(file, JSON.stringify(doc));
      },
      message: /do not belong together/,
    },
    {
      name: 'a journal of a later store.json (store.json restored from a backup)',
      tamper: (dir) => {
        const { journal } = files(dir);
        const [header, ...rest] = readFileSync(journal, 'utf8').split('\n');
        const h = JSON.parse(header!);
        h.generation += 5;
        writeFileSync(journal, [JSON.stringify(h), ...rest].join('\n'));
      },
      message: /extends store\.json generation \d+, but store\.json is generation \d+/,
    },
    {
      name: 'store.json written without a journal (by hand, or by an older Capsule Local)',
      tamper: (dir) => {
        const { file } = files(dir);
        const doc = JSON.parse(readFileSync(file, 'utf8'));
        delete doc.snapshot;
        writeFileSync(file, JSON.stringify(doc));
      },
      message: /store\.json is no generation/,
    },
  ];
  for (const c of cases) {
    const { dir, store } = await journaledStore();
    await store.update(put('JOURNALED', 'j'));
    await store.flush();
    c.tamper(dir);
    const { file, journal } = files(dir);
    const before = [readFileSync(file), readFileSync(journal)];
    const err = await rejectsWith(() => Store.open(dir), 'corrupt');
    assert.match(err.message, c.message, c.name);
    await rejectsWith(() => readNames(dir), 'corrupt');
    await rejectsWith(store.update(put('MORE', 'm')), 'corrupt');
    await store.close();
    assert.deepEqual([readFileSync(file), readFileSync(journal)], before, `${c.name}: untouched`);
  }
});

test('past the size threshold the journal is folded into store.json; the journal never grows past it', async () => {
  const { dir, store } = await journaledStore({ compactBytes: 8_000 });
  const generation = snapshotOf(dir)!.generation;
  let maxJournal = 0;
  for (let i = 0; i < 100; i++) {
    await store.update((d) => void ((d.kv.big ??= {})[`k${i % 10}`] = 'x'.repeat(500)));
    if (existsSync(files(dir).journal)) maxJournal = Math.max(maxJournal, statSync(files(dir).journal).size);
  }
  assert.ok(snapshotOf(dir)!.generation >= generation + 3, 'folded several times');
  assert.ok(maxJournal <= 8_000, `journal stayed under the threshold (${maxJournal} bytes)`);
  assert.deepEqual(plain(readStore(dir)), plain(store.read()));
  await store.close();
});

test('close folds the journal into store.json: afterwards store.json alone holds the data', async () => {
  const { dir, store } = await journaledStore();
  await Promise.all(Array.from({ length: 50 }, (_, i) => store.update((d) => void ((d.kv.k ??= {})[`k${i}`] = String(i)))));
  assert.ok(existsSync(files(dir).journal));
  const memory = structuredClone(store.read());
  await store.close();
  assert.equal(existsSync(files(dir).journal), false);
  const onDisk = JSON.parse(readFileSync(files(dir).file, 'utf8')) as StoreData & { snapshot?: unknown };
  delete onDisk.snapshot;
  assert.deepEqual(onDisk, memory);
  // A store that only read does not write on close.
  const reader = await Store.open(dir);
  const stamp = statSync(files(dir).file, { bigint: true }).mtimeNs;
  await reader.close();
  assert.equal(statSync(files(dir).file, { bigint: true }).mtimeNs, stamp);
});

function runWriter(dir: string, mode: 'close' | 'exit', name: string, value: string): Promise<void> {
  const writer = join(__dirname, 'fixtures', 'journal-writer.ts');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', writer, dir, mode, name, value], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('exit', (code) => (code === 0 && out.includes('done') ? resolve() : reject(new Error(`writer exited ${code}: ${err}`))));
  });
}

test('a watching store (the emulator) sees a record another process (the CLI) appends, and keeps writing on top', async () => {
  const { dir, store: emulator } = await journaledStore({ watch: true, pollMs: 50 });
  await emulator.update((d) => void pushEvent(d, { kind: 'inbound', summary: 'before' }));
  let changes = 0;
  emulator.onChange(() => changes++);
  // The other process leaves its change in the journal (no close).
  await runWriter(dir, 'exit', 'FROM_CLI', 'c1');
  await waitFor('the watching store to see FROM_CLI', () => emulator.read().secrets.FROM_CLI, 5_000);
  assert.ok(changes >= 1, 'onChange fired');
  assert.equal(emulator.read().events.at(-1)!.summary, 'before', 'its own state is kept');
  // Its own writes go on after the other process's record (re-read under the lock, re-applied).
  await emulator.update((d) => void pushEvent(d, { kind: 'inbound', summary: 'after' }));
  assert.deepEqual(readStore(dir), emulator.read());
  // And a CLI command that closes (folds the journal into store.json) is seen as well.
  const seen = changes;
  await runWriter(dir, 'close', 'FOLDED', 'c2');
  await waitFor('the watching store to see FOLDED', () => emulator.read().secrets.FOLDED, 5_000);
  assert.ok(changes > seen);
  assert.equal(existsSync(files(dir).journal), false);
  assert.deepEqual(emulator.read().events.map((e) => e.summary), ['before', 'after']);
  // Writes of the emulator and the other process interleaved under the lock lose nothing.
  await Promise.all([
    runWriter(dir, 'exit', 'RACE_A', 'a'),
    ...Array.from({ length: 30 }, (_, i) => emulator.update((d) => void ((d.kv.emu ??= {})[`k${i}`] = '1'))),
    runWriter(dir, 'exit', 'RACE_B', 'b'),
  ]);
  await emulator.close();
  const final = JSON.parse(readFileSync(files(dir).file, 'utf8')) as StoreData;
  assert.ok(final.secrets.RACE_A && final.secrets.RACE_B && final.secrets.FROM_CLI && final.secrets.FOLDED);
  assert.equal(Object.keys(final.kv.emu!).length, 30);
});

test('secrets and channels go to store.json itself (editors watch it); readNames, a second store and export see them', async () => {
  const { dir, store } = await journaledStore();
  await store.update((d) => {
    d.secrets.JOURNAL_ONLY = secret('journal-value');
    d.channels.support = { id: 'ch_1', webhookId: 'w1', type: 'slack', credentials: { bot_token: 'xoxb-j', signing_secret: 'sig-j' }, createdAt: '' };
  });
  assert.ok(readFileSync(files(dir).file, 'utf8').includes('JOURNAL_ONLY'), 'store.json itself holds the new name');
  assert.equal(existsSync(files(dir).journal), false, 'nothing waits in the journal');
  const names = readNames(dir);
  assert.deepEqual(names.secrets.map((s) => s.name).sort(), ['BASE', 'JOURNAL_ONLY']);
  assert.deepEqual(names.channels, [{ name: 'support', type: 'slack', id: 'ch_1' }]);
  const other = await Store.open(dir);
  const exp = buildExport(other.read());
  assert.deepEqual(Object.keys(exp.data.secrets).sort(), ['BASE', 'JOURNAL_ONLY']);
  assert.equal(exp.data.secrets.JOURNAL_ONLY!.value, null);
  assert.equal(exp.data.channels.support!.type, 'slack');
  assert.equal(exp.data.channels.support!.credentials.signing_secret, null, 'credentials stay out of exports');
  assert.equal(buildExport(other.read(), { includeSecrets: true }).data.secrets.JOURNAL_ONLY!.value, 'journal-value');
  await other.close();
  await store.close();
});

test('the event cap holds across replay, whatever the number of records', async () => {
  const { dir, store } = await journaledStore({ eventCap: 50 });
  for (let i = 1; i <= 120; i++) await store.update((d) => void pushEvent(d, { kind: 'inbound', summary: `m${i}` }));
  await Promise.all(Array.from({ length: 80 }, (_, i) => store.update((d) => void pushEvent(d, { kind: 'inbound', summary: `b${i}` }))));
  assert.ok(journalLines(dir).length > 100, 'many records');
  const disk = readStore(dir);
  assert.equal(disk.events.length, 50);
  assert.deepEqual(disk.events.map((e) => e.seq), Array.from({ length: 50 }, (_, i) => 151 + i));
  assert.equal(disk.eventSeq, 200);
  // A store with the default cap opening it sees the same log.
  const other = await Store.open(dir);
  assert.deepEqual(other.read().events, store.read().events);
  await other.close();
  await store.close();
  assert.equal((JSON.parse(readFileSync(files(dir).file, 'utf8')) as StoreData).events.length, 50);
});

test('a store.json that was deleted leaves its journal meaningless: the store is empty and starts over', async () => {
  const { dir, store } = await journaledStore();
  await store.update((d) => void (d.secrets.GONE = secret('g')));
  await store.flush();
  const { file, journal } = files(dir);
  truncateSync(file, 0);
  await rejectsWith(() => Store.open(dir), 'corrupt'); // an empty store.json is still a broken one
  const { rmSync } = await import('node:fs');
  rmSync(file);
  assert.equal(readNames(dir).exists, false);
  const fresh = await Store.open(dir);
  assert.deepEqual(fresh.read().secrets, dict());
  await fresh.update((d) => void (d.secrets.NEW = secret('n')));
  assert.equal(existsSync(journal), false, 'the old journal was removed with the first write');
  assert.deepEqual(Object.keys(readStore(dir).secrets), ['NEW']);
  await fresh.close();
  await store.close();
});

test('a record that parses but leaves a store of the wrong shape is reported as the journal\'s fault', async () => {
  const { dir, store } = await journaledStore();
  await store.update((d) => void (d.secrets.OK = secret('ok')));
  await store.close();
  const s = await Store.open(dir);
  await s.update(put('OK2', 'ok'));
  appendFileSync(files(dir).journal, JSON.stringify({ set: [['secrets', 'BAD', { value: 42 }]] }) + '\n');
  const err = await rejectsWith(() => Store.open(dir), 'corrupt');
  assert.equal(err.file, files(dir).journal);
  assert.match(err.message, /with its 2 records applied, "secrets\.BAD\.value" should be a string/);
  await s.close();
});

test('a message in a long conversation journals the new history items, not the whole history', async () => {
  const { dir, store } = await journaledStore();
  const item = (i: number) => ({ text: `message ${i} `.padEnd(200, '.'), sender: 'user' as const, channelType: 'chat', timestamp: i });
  await store.update((d) => {
    d.sessions.long = { id: 'long', app: 'a', userId: 'user_dev', channelType: 'chat', createdAt: '', updatedAt: '', history: Array.from({ length: 1_000 }, (_, i) => item(i)), dataJson: '{}' };
  });
  await store.close();
  const s = await Store.open(dir);
  await s.update((d) => {
    d.sessions.long!.history.push(item(1_000));
    d.sessions.long!.updatedAt = 'now';
  });
  const lines = journalLines(dir);
  assert.equal(lines.length, 2);
  assert.ok(lines[1]!.length < 1_000, `the record holds the new item only (${lines[1]!.length} bytes)`);
  assert.deepEqual(readStore(dir), s.read());
  assert.equal(readStore(dir).sessions.long!.history.length, 1_001);
  assert.equal(readStore(dir).sessions.long!.updatedAt, 'now');
  // A history that shrank cannot be an append: the whole session is written.
  await s.update((d) => void d.sessions.long!.history.splice(0, 10));
  assert.ok(journalLines(dir)[2]!.length > 100_000);
  assert.deepEqual(readStore(dir), s.read());
  await s.close();
});

test('a history record that does not fit the session it extends is a corrupt journal', async () => {
  const { dir, store } = await journaledStore();
  await store.update((d) => void (d.sessions.s = { id: 's', app: 'a', userId: 'u', channelType: 'chat', createdAt: '', updatedAt: '', history: [], dataJson: '{}' }));
  await store.flush();
  appendFileSync(files(dir).journal, JSON.stringify({ history: [['s', 5, [{ text: 'x' }], { id: 's' }]] }) + '\n');
  const err = await rejectsWith(() => Store.open(dir), 'corrupt');
  assert.match(err.message, /adds to the history of a session from item 6, but store\.json with the records before it has 0 items/);
  await store.close().catch(() => undefined);
});

test('sync "full" flushes each record before acknowledging it; the journal reads back the same', async () => {
  for (const sync of ['full', 'normal'] as const) {
    const { dir, store } = await journaledStore({ sync, syncMs: 5 });
    for (let i = 0; i < 20; i++) await store.update(put(`k${i}`, sync));
    assert.equal(journalLines(dir).length, 21, `${sync}: one record per awaited update`);
    assert.deepEqual(plain(readStore(dir)), plain(store.read()));
    await new Promise((r) => setTimeout(r, 20)); // a pending background flush runs and finds the file open
    await store.close();
    assert.equal(keysOf(readStore(dir)).length, 20);
  }
});
