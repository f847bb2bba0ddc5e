// The store's two halves: the configuration in store.json (what editors watch), the app's data in
// the database's tables. Each write changes only the rows it touched; every reader sees memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Store, SCHEMA_VERSION, applyImport, applyReset, buildExport, historyUnread, pushEvent, readNames, type StoreData } from '../../emulator/store';
import { openDatabase } from '../../emulator/collections/database';
import { plain, readStore, tempStoreDir } from '../support/store';

const secret = (value: string) => ({ value, createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z' });
const configFile = (dir: string) => join(dir, 'store.json');
const stampOf = (file: string) => {
  const s = statSync(file, { bigint: true });
  return `${s.ino}:${s.mtimeNs}`;
};

/** Rows of a table, read through a connection of its own (another process's view). */
function rows(dir: string, table: string): number {
  const db = openDatabase(join(dir, 'data.sqlite'), { mustExist: true, readonly: true });
  try {
    return (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

const seed: StoreData = (() => {
  const d: StoreData = {
    schemaVersion: SCHEMA_VERSION,
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

// Each change is made through a store; then the files, as any reader sees them, must equal the
// store's memory. `config`: whether the change is the configuration's (store.json is rewritten).
const changes: Array<{ name: string; config: boolean; change: (d: StoreData) => void }> = [
  { name: 'set a secret', config: true, change: (d) => void (d.secrets.NEW = secret('n')) },
  { name: 'delete a secret', config: true, change: (d) => void delete d.secrets.BASE },
  { name: 'change a channel credential', config: true, change: (d) => void (d.channels.support!.credentials.bot_token = 'xoxb-2') },
  { name: 'add a persona', config: true, change: (d) => void d.personas.push({ id: 'p2', name: 'Ada' }) },
  { name: 'connect an integration', config: true, change: (d) => void ((d.integrations.user_dev ??= {}).github = { type: 'github', mode: 'oauth', accessToken: 't', tokenType: 'bearer', scopes: [], expiresAt: 0, fields: {}, connectedAt: '' }) },
  { name: 'add a kv key in a new scope', config: false, change: (d) => void ((d.kv['user:u1'] ??= {}).k = '1') },
  { name: 'delete a kv scope', config: false, change: (d) => void delete d.kv['app:a'] },
  { name: 'append to a session history', config: false, change: (d) => void d.sessions.s1!.history.push({ text: 'more', sender: 'user', channelType: 'chat', timestamp: 2 }) },
  { name: 'create a session', config: false, change: (d) => void (d.sessions.s2 = { ...structuredClone(d.sessions.s1!), id: 's2' }) },
  { name: 'delete a session', config: false, change: (d) => void delete d.sessions.s1 },
  { name: 'replace a history', config: false, change: (d) => void (d.sessions.s1!.history = [{ text: 'only', sender: 'app', channelType: 'chat', timestamp: 3 }]) },
  { name: 'push events', config: false, change: (d) => void [1, 2, 3].forEach((i) => pushEvent(d, { kind: 'inbound', summary: `e${i}` })) },
  { name: 'iterate over every session', config: false, change: (d) => Object.values(d.sessions).forEach((s) => (s.dataJson = '{"seen":true}')) },
  { name: 'replace a collection', config: true, change: (d) => void (d.sessions = {}) },
  { name: 'replace the event log', config: true, change: (d) => void (d.events = []) },
  { name: 'clear the event log in place', config: true, change: (d) => void (d.events.length = 0) },
  { name: 'drop old events below the cap', config: true, change: (d) => void d.events.splice(0, 1) },
  { name: 'reset', config: true, change: (d) => void applyReset(d) },
  { name: 'reset --all', config: true, change: (d) => void applyReset(d, { all: true }) },
  {
    name: 'import (replace)',
    config: true,
    change: (d) => void applyImport(d, buildExport({ ...structuredClone(seed), secrets: { IMP: secret('i') } }, { includeSecrets: true }), 'replace'),
  },
];

for (const c of changes) {
  test(`${c.name}: ${c.config ? 'store.json rewritten' : 'rows only, store.json untouched'}, and every reader sees the change`, async () => {
    const dir = tempStoreDir();
    const store = await Store.open(dir);
    await store.update((d) => void Object.assign(d, structuredClone(seed)));
    const before = stampOf(configFile(dir));
    await store.update(c.change);
    assert.deepEqual(plain(readStore(dir)), plain(store.read()), 'the files equal the store in memory');
    assert.equal(stampOf(configFile(dir)) !== before, c.config, c.config ? 'store.json was rewritten' : 'store.json was left alone');
    // A second store (another process) reads the same.
    const other = await Store.open(dir);
    assert.deepEqual(plain(other.read()), plain(store.read()));
    await other.close();
    await store.close();
    const onDisk = JSON.parse(readFileSync(configFile(dir), 'utf8')) as Record<string, unknown>;
    assert.deepEqual(Object.keys(onDisk).sort(), ['channels', 'integrations', 'personas', 'schemaVersion', 'secrets'], 'store.json holds the configuration alone');
    assert.deepEqual(onDisk.secrets, plain(store.read().secrets));
  });
}

test('random mixes of changes, in batches of any size, always read back as the memory', async () => {
  const dir = tempStoreDir();
  const store = await Store.open(dir, { eventCap: 40 });
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
    (d) => void delete d.sessions[`s${rand(3)}`],
    (d) => void pushEvent(d, { kind: 'inbound', summary: `e${rand(100)}` }, 40),
    (d) => void (d.personas.length < 5 && d.personas.push({ id: `p${rand(100)}`, name: 'P' })),
    (d) => void (d.secrets[`S${rand(3)}`] = secret(String(rand(100)))),
  ];
  for (let round = 0; round < 60; round++) {
    const n = 1 + rand(20);
    await Promise.all(Array.from({ length: n }, () => store.update(ops[rand(ops.length)]!)));
    assert.deepEqual(plain(readStore(dir)), plain(store.read()), `round ${round}`);
  }
  await store.close();
  const reopened = await Store.open(dir, { eventCap: 40 });
  assert.deepEqual(plain(reopened.read()), plain(readStore(dir)));
  await reopened.close();
});

test('a message in a long conversation writes its own row; opening the store reads no history until one is used', async () => {
  const dir = tempStoreDir();
  const store = await Store.open(dir);
  await store.update((d) => {
    for (let s = 0; s < 20; s++) {
      const id = `ses_${s}`;
      d.sessions[id] = { id, app: 'a', userId: 'u', channelType: 'chat', createdAt: '', updatedAt: '', history: [], dataJson: '{}' };
      for (let i = 0; i < 100; i++) d.sessions[id]!.history.push({ text: `${s}/${i}`, sender: i % 2 ? 'app' : 'user', channelType: 'chat', timestamp: i });
    }
  });
  await store.close();
  assert.equal(rows(dir, 'store_messages'), 2_000);

  const reopened = await Store.open(dir);
  const sessions = reopened.read().sessions;
  assert.equal(Object.keys(sessions).length, 20);
  assert.ok(Object.values(sessions).every(historyUnread), 'no history was read at open');
  await reopened.update((d) => {
    d.sessions.ses_7!.history.push({ text: 'one more', sender: 'user', channelType: 'chat', timestamp: 101 });
    d.sessions.ses_7!.updatedAt = 'now';
  });
  assert.equal(historyUnread(sessions.ses_7!), false);
  assert.equal(Object.values(reopened.read().sessions).filter(historyUnread).length, 19, 'only the session written to was read');
  assert.equal(rows(dir, 'store_messages'), 2_001);
  const disk = readStore(dir);
  assert.equal(disk.sessions.ses_7!.history.length, 101);
  assert.equal(disk.sessions.ses_7!.history.at(-1)!.text, 'one more');
  assert.equal(disk.sessions.ses_7!.updatedAt, 'now');
  assert.equal(disk.sessions.ses_3!.history[42]!.text, '3/42');
  await reopened.close();
  // A history first used after close is still read (from a read-only handle).
  assert.equal(reopened.read().sessions.ses_9!.history.length, 100);
});

test("a session list's outline (count, last, first user message) reads no history, and follows a change", async () => {
  const dir = tempStoreDir();
  const store = await Store.open(dir);
  await store.update((d) => {
    d.sessions.ses_a = { id: 'ses_a', app: 'a', userId: 'u', channelType: 'chat', createdAt: '', updatedAt: '', history: [], dataJson: '{}' };
    d.sessions.ses_a.history.push({ text: 'welcome', sender: 'app', channelType: 'chat', timestamp: 1 }, { text: 'first question', sender: 'user', channelType: 'chat', timestamp: 2 }, { text: 'answer', sender: 'app', channelType: 'chat', timestamp: 3 });
    d.sessions.ses_empty = { id: 'ses_empty', app: 'a', userId: 'u', channelType: 'chat', createdAt: '', updatedAt: '', history: [], dataJson: '{}' };
  });
  await store.close();
  for (const closeFirst of [true, false]) {
    const reopened = await Store.open(dir);
    if (closeFirst) await reopened.close(); // read from a read-only handle, as after close
    const { ses_a, ses_empty } = reopened.read().sessions;
    const o = reopened.outline(ses_a!);
    assert.deepEqual([o.messages, o.last?.text, o.firstUser?.text], [3, 'answer', 'first question']);
    assert.deepEqual(reopened.outline(ses_empty!), { messages: 0, last: undefined, firstUser: undefined });
    assert.ok(historyUnread(ses_a!) && historyUnread(ses_empty!), 'the outline read no history');
    if (!closeFirst) {
      await reopened.update((d) => d.sessions.ses_a!.history.push({ text: 'follow-up', sender: 'user', channelType: 'chat', timestamp: 4 }));
      const after = reopened.outline(reopened.read().sessions.ses_a!);
      assert.deepEqual([after.messages, after.last?.text, after.firstUser?.text], [4, 'follow-up', 'first question']);
      await reopened.close();
    }
  }
});

test('the event log is capped in the table too', async () => {
  const dir = tempStoreDir();
  const store = await Store.open(dir, { eventCap: 100 });
  await Promise.all(Array.from({ length: 1_000 }, (_, i) => store.update((d) => void pushEvent(d, { kind: 'inbound', summary: `m${i}` }))));
  await store.close();
  assert.equal(rows(dir, 'store_events'), 100);
  const reopened = await Store.open(dir, { eventCap: 100 });
  assert.equal(reopened.read().eventSeq, 1_000);
  await reopened.update((d) => void pushEvent(d, { kind: 'inbound', summary: 'next' }, 100));
  assert.equal(reopened.read().events.at(-1)!.seq, 1_001);
  await reopened.close();
});

test('a store of schema 1 (everything in store.json, with a journal) moves into the database on its first write, with backups', async () => {
  const dir = tempStoreDir();
  cpSync(join(__dirname, 'fixtures', 'v1'), dir, { recursive: true });
  const original = readFileSync(join(dir, 'store.json'), 'utf8');
  const journal = readFileSync(join(dir, 'store.journal'), 'utf8');
  assert.deepEqual(readNames(dir).secrets.map((s) => s.name), ['API_KEY'], 'editors read the old file as before');

  const store = await Store.open(dir);
  const d = store.read();
  assert.equal(d.sessions.ses_1!.history.length, 2, 'the journal is applied');
  assert.equal(d.sessions.ses_1!.dataJson, '{"step":2}');
  assert.equal(d.eventSeq, 2);
  assert.equal(readFileSync(join(dir, 'store.json'), 'utf8'), original, 'reading alone changes nothing');
  await store.update((data) => void pushEvent(data, { kind: 'inbound', summary: 'after the move' }));
  await store.close();

  assert.equal(readFileSync(join(dir, 'store.json.v1.bak'), 'utf8'), original);
  assert.equal(readFileSync(join(dir, 'store.journal.v1.bak'), 'utf8'), journal);
  assert.equal(statSync(join(dir, 'store.json.v1.bak')).mode & 0o777, 0o600);
  assert.equal(existsSync(join(dir, 'store.journal')), false, 'the journal is folded in');
  const config = JSON.parse(readFileSync(join(dir, 'store.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(config.schemaVersion, SCHEMA_VERSION);
  assert.equal(config.sessions, undefined, 'sessions left store.json');
  const disk = readStore(dir);
  assert.equal(disk.secrets.API_KEY!.value, 'v1-secret-value');
  assert.deepEqual(disk.sessions.ses_1!.history.map((h) => h.text), ['hello', 'Hi! How can I help?']);
  assert.deepEqual(plain(disk.kv['app:app']), { greeting: '"hi"' });
  assert.deepEqual(disk.events.map((e) => e.seq), [1, 2, 3]);
  assert.equal(rows(dir, 'store_messages'), 2);
});

test('a configuration change and a data change in one update both reach their files', async () => {
  const dir = tempStoreDir();
  const store = await Store.open(dir);
  await store.update((d) => {
    d.secrets.TOKEN = secret('t');
    pushEvent(d, { kind: 'secret', summary: 'TOKEN set' });
  });
  const config = JSON.parse(readFileSync(configFile(dir), 'utf8')) as { secrets: Record<string, unknown>; events?: unknown };
  assert.ok(config.secrets.TOKEN);
  assert.equal(config.events, undefined);
  assert.equal(rows(dir, 'store_events'), 1);
  await store.close();
});
