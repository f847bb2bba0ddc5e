// Store figures, each beside a baseline measured in the same run (the machines are shared and
// noisy). An update is what a chat message costs the store: one history item and one event.
//   acknowledged updates/s, 1 serial caller and 10 / 100 concurrent callers, sync 'normal' and
//     'full', against the same rows written by bare better-sqlite3 transactions (the floor the
//     store's bookkeeping adds to);
//   restart at scale (67,000 messages in 500 sessions + 5,000 events): opening the store and
//     reading what a start and a first message need, against parsing the same data as one JSON
//     document (what the store did before the data moved into the database); then the first
//     session list (each session's outline) against reading every history for it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Store, pushEvent, type StoreData } from '../emulator/store';
import { openDatabase } from '../emulator/collections/database';

const RUN_MS = 1_500;
const TEXT = 'A message of a typical length in a support conversation, with a question and some detail. '.repeat(6);

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (n: number): string => n.toLocaleString('en-US', { maximumFractionDigits: 0 });

function fill(d: StoreData, sessions: number, messages: number): void {
  for (let s = 0; s < sessions; s++) {
    const id = `ses_${s}`;
    d.sessions[id] = { id, app: 'app', userId: `user_${s % 20}`, channelType: 'chat', createdAt: new Date(0).toISOString(), updatedAt: new Date(0).toISOString(), dataJson: '{"step":3}', history: [] };
  }
  for (let i = 0; i < messages; i++) {
    d.sessions[`ses_${i % sessions}`]!.history.push({ text: `${i} ${TEXT}`, sender: i % 2 ? 'app' : 'user', channelType: 'chat', timestamp: 1_700_000_000 + i, requestId: `req_${i}` });
  }
  for (let i = 0; i < 5_000; i++) pushEvent(d, { kind: 'inbound', app: 'app', sessionId: `ses_${i % sessions}`, channel: 'chat', summary: `message ${i}` });
}

let counter = 0;
function message(sessions: number) {
  return (d: StoreData): void => {
    const n = ++counter;
    const s = d.sessions[`ses_${n % sessions}`]!;
    s.history.push({ text: `bench ${n} ${TEXT}`, sender: 'user', channelType: 'chat', timestamp: 1_800_000_000 + n });
    s.updatedAt = new Date(0).toISOString();
    pushEvent(d, { kind: 'inbound', app: 'app', sessionId: s.id, channel: 'chat', summary: `bench ${n}` });
  };
}

async function seeded(root: string, name: string, sessions: number, messages: number): Promise<string> {
  const dir = join(root, name, '.capsule');
  const store = await Store.open(dir);
  await store.update((d) => fill(d, sessions, messages));
  await store.close();
  return dir;
}

async function throughput(dir: string, callers: number, sync: 'normal' | 'full'): Promise<number> {
  const store = await Store.open(dir, { sync });
  const update = message(50);
  let done = 0;
  const end = performance.now() + RUN_MS;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (performance.now() < end) {
        await store.update(update);
        done++;
      }
    }),
  );
  const rate = done / ((performance.now() - t0) / 1000);
  await store.close();
  return rate;
}

/** The same rows, one transaction per update, without the store (one serial caller). */
function bareSqlite(dir: string, sync: 'normal' | 'full'): number {
  const db = openDatabase(join(dir, 'bare.sqlite'));
  if (sync === 'full') db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE IF NOT EXISTS m (s TEXT, i INTEGER, item TEXT, PRIMARY KEY (s, i)) WITHOUT ROWID; CREATE TABLE IF NOT EXISTS e (seq INTEGER PRIMARY KEY, event TEXT); CREATE TABLE IF NOT EXISTS s (id TEXT PRIMARY KEY, fields TEXT) WITHOUT ROWID;');
  const m = db.prepare('INSERT OR REPLACE INTO m VALUES (?, ?, ?)');
  const e = db.prepare('INSERT OR REPLACE INTO e VALUES (?, ?)');
  const s = db.prepare('INSERT OR REPLACE INTO s VALUES (?, ?)');
  let n = 0;
  const one = db.transaction(() => {
    n++;
    m.run(`ses_${n % 50}`, n, JSON.stringify({ text: `bench ${n} ${TEXT}`, sender: 'user', channelType: 'chat', timestamp: n }));
    e.run(n, JSON.stringify({ seq: n, kind: 'inbound', summary: `bench ${n}` }));
    s.run(`ses_${n % 50}`, JSON.stringify({ id: `ses_${n % 50}`, updatedAt: new Date(0).toISOString() }));
  });
  const t0 = performance.now();
  while (performance.now() - t0 < RUN_MS) one();
  const rate = n / ((performance.now() - t0) / 1000);
  db.close();
  return rate;
}

async function restart(dir: string): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const store = await Store.open(dir);
    void store.read().sessions.ses_7!.history.slice(-50);
    times.push(performance.now() - t0);
    await store.close();
  }
  return median(times);
}

/** The dashboard's first session list after a start: each session's outline, against reading every history (what the list did before). */
async function sessionList(dir: string): Promise<{ outline: number; histories: number }> {
  const outline: number[] = [];
  const histories: number[] = [];
  for (let i = 0; i < 5; i++) {
    const store = await Store.open(dir);
    let t0 = performance.now();
    for (const s of Object.values(store.read().sessions)) void store.outline(s).messages;
    outline.push(performance.now() - t0);
    t0 = performance.now();
    for (const s of Object.values(store.read().sessions)) void s.history.length;
    histories.push(performance.now() - t0);
    await store.close();
  }
  return { outline: median(outline), histories: median(histories) };
}

function jsonDocumentRestart(sessions: number, messages: number): { ms: number; bytes: number } {
  const d = { sessions: {}, kv: {}, events: [], eventSeq: 0 } as unknown as StoreData;
  fill(d, sessions, messages);
  const text = JSON.stringify(d, null, 1);
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    JSON.parse(text);
    times.push(performance.now() - t0);
  }
  return { ms: median(times), bytes: text.length };
}

export default async function run(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'capsule-bench-store-'));
  try {
    const small = await seeded(root, 'small', 50, 500);
    console.log('acknowledged updates/s (one history item + one event each), store vs bare SQLite transactions of the same rows:');
    for (const sync of ['normal', 'full'] as const) {
      const bare = bareSqlite(small, sync);
      const rates = [];
      for (const callers of [1, 10, 100]) rates.push(`${callers} caller${callers === 1 ? '' : 's'} ${fmt(await throughput(small, callers, sync))}/s`);
      console.log(`  sync '${sync}': ${rates.join(', ')}; bare SQLite, 1 caller ${fmt(bare)}/s`);
    }
    const one = await throughput(small, 1, 'normal');
    console.log(`  one serial caller: ${(1000 / one).toFixed(2)} ms per acknowledged update`);

    const big = await seeded(root, 'big', 500, 67_000);
    const store = await restart(big);
    const json = jsonDocumentRestart(500, 67_000);
    console.log(
      `restart with 67,000 messages in 500 sessions + 5,000 events: ${store.toFixed(1)} ms (open, session list, event log, one session's last 50 messages); ` +
        `parsing the same data as one ${(json.bytes / 1048576).toFixed(0)} MB JSON document ${json.ms.toFixed(0)} ms (×${(json.ms / store).toFixed(1)})`,
    );
    const list = await sessionList(big);
    console.log(
      `first session list after that start (500 sessions: count, last and first user message): ${list.outline.toFixed(1)} ms; ` +
        `reading every history for it ${list.histories.toFixed(0)} ms (×${(list.histories / list.outline).toFixed(1)})`,
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
