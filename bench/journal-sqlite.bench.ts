// Should the sessions/messages/events journal (emulator/store: a JSON document with a
// write-ahead journal) move into the collections' SQLite database? Both, at the scale the issue
// measured (67,000 messages; store.json ≈ 58 MB there), measured in the same run:
//   restart: what an emulator pays at start before it can answer (today: store.json parsed whole
//     into memory; SQLite: opening the file and reading the session list, the last 5,000 events
//     and one session's last 50 messages, what a start and a first message need);
//   append: acknowledged appends/s from one serial caller, each one history item + one event
//     (today: a journal record; SQLite: one transaction of two inserts and a session update, WAL,
//     synchronous=NORMAL: the same durability).
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Store, pushEvent, type StoreData } from '../emulator/store';
import { openDatabase } from '../emulator/collections/database';

const MESSAGES = 67_000;
const SESSIONS = 500;
const TEXT = 'A message of a typical length in a support conversation, with a question and some detail. '.repeat(6);
const RUN_MS = 1_500;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (n: number): string => n.toLocaleString('en-US', { maximumFractionDigits: 0 });

function fill(d: StoreData): void {
  for (let s = 0; s < SESSIONS; s++) {
    const id = `ses_${s}`;
    d.sessions[id] = { id, app: 'app', userId: `user_${s % 20}`, channelType: 'chat', createdAt: new Date(0).toISOString(), updatedAt: new Date(0).toISOString(), dataJson: '{"step":3}', history: [] };
  }
  for (let i = 0; i < MESSAGES; i++) {
    d.sessions[`ses_${i % SESSIONS}`]!.history.push({ text: `${i} ${TEXT}`, sender: i % 2 ? 'app' : 'user', channelType: 'chat', timestamp: 1_700_000_000 + i, requestId: `req_${i}` });
  }
  for (let i = 0; i < 5_000; i++) pushEvent(d, { kind: 'inbound', app: 'app', sessionId: `ses_${i % SESSIONS}`, channel: 'chat', summary: `message ${i}` });
}

let n = 0;
function message(d: StoreData): void {
  const i = ++n;
  const s = d.sessions[`ses_${i % SESSIONS}`]!;
  s.history.push({ text: `bench ${i} ${TEXT}`, sender: 'user', channelType: 'chat', timestamp: 1_800_000_000 + i });
  s.updatedAt = new Date(0).toISOString();
  pushEvent(d, { kind: 'inbound', app: 'app', sessionId: s.id, channel: 'chat', summary: `bench ${i}` });
}

async function journalStore(dir: string): Promise<{ bytes: number; restart: number; appends: number }> {
  const store = await Store.open(dir);
  await store.update(fill);
  await store.close();
  const bytes = statSync(join(dir, 'store.json')).size;
  const restarts: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const s = await Store.open(dir);
    s.read();
    restarts.push(performance.now() - t0);
    await s.close();
  }
  const s = await Store.open(dir);
  let done = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < RUN_MS) {
    await s.update(message);
    done++;
  }
  const appends = done / ((performance.now() - t0) / 1000);
  await s.close();
  return { bytes, restart: median(restarts), appends };
}

function sqliteStore(file: string): { bytes: number; restart: number; appends: number } {
  const db = openDatabase(file);
  db.exec(`
    CREATE TABLE sessions (id TEXT PRIMARY KEY, app TEXT, user_id TEXT, channel_type TEXT, created_at TEXT, updated_at TEXT, data_json TEXT);
    CREATE TABLE messages (seq INTEGER PRIMARY KEY, session_id TEXT NOT NULL, at INTEGER, sender TEXT, channel_type TEXT, text TEXT, block_json TEXT, request_id TEXT);
    CREATE INDEX messages_session ON messages (session_id, seq);
    CREATE TABLE events (seq INTEGER PRIMARY KEY, at TEXT, kind TEXT, app TEXT, session_id TEXT, summary TEXT, detail TEXT);`);
  const d = { sessions: {}, events: [], eventSeq: 0 } as unknown as StoreData;
  fill(d);
  const insS = db.prepare('INSERT INTO sessions VALUES (?, ?, ?, ?, ?, ?, ?)');
  const insM = db.prepare('INSERT INTO messages (session_id, at, sender, channel_type, text, request_id) VALUES (?, ?, ?, ?, ?, ?)');
  const insE = db.prepare('INSERT INTO events (at, kind, app, session_id, summary) VALUES (?, ?, ?, ?, ?)');
  db.transaction(() => {
    for (const s of Object.values(d.sessions)) {
      insS.run(s.id, s.app, s.userId, s.channelType, s.createdAt, s.updatedAt, s.dataJson);
      for (const h of s.history) insM.run(s.id, h.timestamp, h.sender, h.channelType, h.text, h.requestId ?? null);
    }
    for (const e of d.events) insE.run(e.at, e.kind, e.app ?? null, e.sessionId ?? null, e.summary);
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  const bytes = statSync(file).size;
  const restarts: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const r = openDatabase(file);
    r.prepare('SELECT * FROM sessions').all();
    r.prepare('SELECT * FROM events ORDER BY seq DESC LIMIT 5000').all();
    r.prepare('SELECT * FROM messages WHERE session_id = ? ORDER BY seq DESC LIMIT 50').all('ses_7');
    restarts.push(performance.now() - t0);
    r.close();
  }
  const w = openDatabase(file);
  const m = w.prepare('INSERT INTO messages (session_id, at, sender, channel_type, text) VALUES (?, ?, ?, ?, ?)');
  const e = w.prepare('INSERT INTO events (at, kind, app, session_id, summary) VALUES (?, ?, ?, ?, ?)');
  const u = w.prepare('UPDATE sessions SET updated_at = ? WHERE id = ?');
  const one = w.transaction((i: number) => {
    const sid = `ses_${i % SESSIONS}`;
    m.run(sid, 1_800_000_000 + i, 'user', 'chat', `bench ${i} ${TEXT}`);
    e.run(new Date(0).toISOString(), 'inbound', 'app', sid, `bench ${i}`);
    u.run(new Date(0).toISOString(), sid);
  });
  let done = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < RUN_MS) one(++done);
  const appends = done / ((performance.now() - t0) / 1000);
  w.close();
  return { bytes, restart: median(restarts), appends };
}

export default async function run(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'capsule-bench-journal-'));
  try {
    const j = await journalStore(join(root, 'json', '.capsule'));
    const q = sqliteStore(join(root, 'sqlite', 'data.sqlite'));
    console.log(`${fmt(MESSAGES)} messages in ${SESSIONS} sessions + 5,000 events: store.json ${(j.bytes / 1048576).toFixed(1)} MB, SQLite ${(q.bytes / 1048576).toFixed(1)} MB`);
    console.log(`restart (open + what a start reads): journal store ${fmt(j.restart)} ms, SQLite ${q.restart.toFixed(1)} ms (×${(j.restart / q.restart).toFixed(0)} faster)`);
    console.log(`acknowledged appends/s, one serial caller (a history item + an event): journal store ${fmt(j.appends)}/s, SQLite ${fmt(q.appends)}/s (×${(q.appends / j.appends).toFixed(2)})`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
