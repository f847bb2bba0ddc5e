// The app's data half of the store (sessions with their history, the key-value scopes, the event
// log) as tables of the workspace's database (`.capsule/data.sqlite`, the same file as the
// collections). store.json keeps the small configuration editors watch (store.ts).
//
//   store_sessions (id, fields)        a session without its history (JSON)
//   store_messages (session_id, idx, item)  one history item per row, in order
//   store_kv       (scope, entries)    one scope's keys (JSON)
//   store_events   (seq, event)        the capped event log
//   store_meta     (key, value)        `rev` (bumped by every commit of the store: how another
//                                      process sees that it must re-read) and `eventSeq`
//
// A session's history is read when something first touches it (`history` is an accessor until
// then), so that opening a store with long conversations reads only the session list and the log.
// Every write happens inside the store's transaction (store.ts), which is also the cross-process
// lock: BEGIN IMMEDIATE.
import { hasTable, type Database } from '../collections/database';
import { dict } from './dict';
import type { ChangeRecord } from './recorder';
import type { HistoryItem, StoreData, StoredEvent, StoredSession } from './schema';

export const STORE_TABLES = `
CREATE TABLE IF NOT EXISTS store_sessions (id TEXT PRIMARY KEY, fields TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS store_messages (session_id TEXT NOT NULL, idx INTEGER NOT NULL, item TEXT NOT NULL, PRIMARY KEY (session_id, idx)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS store_kv (scope TEXT PRIMARY KEY, entries TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS store_events (seq INTEGER PRIMARY KEY, event TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS store_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
`;

/** The part of StoreData these tables hold. */
export type AppData = Pick<StoreData, 'sessions' | 'kv' | 'events' | 'eventSeq'>;

/** Collections of StoreData kept here; the others (and `personas`) are in store.json. */
export const TABLE_COLLECTIONS: ReadonlySet<string> = new Set(['sessions', 'kv']);

type HistoryLoader = (sessionId: string) => HistoryItem[];

/**
 * A session whose `history` is read on first use. The accessor turns itself into a plain array
 * property then, so that the session behaves as any other from there on (a mutator may push to it,
 * JSON sees it).
 */
function lazySession(fields: Record<string, unknown>, load: HistoryLoader): StoredSession {
  const s = fields as unknown as StoredSession;
  const settle = (value: HistoryItem[]): void => {
    Object.defineProperty(s, 'history', { value, writable: true, enumerable: true, configurable: true });
  };
  Object.defineProperty(s, 'history', {
    enumerable: true,
    configurable: true,
    get() {
      const h = load(s.id);
      settle(h);
      return h;
    },
    set(v: HistoryItem[]) {
      settle(v);
    },
  });
  return s;
}

/** What a session list shows of a history: its length, its last item and its first user message (among the first 50). */
export interface HistoryOutline {
  messages: number;
  last: HistoryItem | undefined;
  firstUser: HistoryItem | undefined;
}

const OUTLINE_FIRST_ITEMS = 50;

export function outlineOf(history: HistoryItem[]): HistoryOutline {
  return { messages: history.length, last: history.at(-1), firstUser: history.slice(0, OUTLINE_FIRST_ITEMS).find((h) => h.sender === 'user') };
}

/** Whether a session's history has not been read yet (a count need not read it). */
export function historyUnread(s: StoredSession): boolean {
  return typeof Object.getOwnPropertyDescriptor(s, 'history')?.get === 'function';
}

export class AppTables {
  private readonly q;

  /** `db` must have the tables: created by a writer (`create`), or checked first (`present`). */
  constructor(readonly db: Database) {
    this.q = {
      rev: db.prepare("SELECT value FROM store_meta WHERE key = 'rev'").pluck(),
      setMeta: db.prepare('INSERT INTO store_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
      eventSeq: db.prepare("SELECT value FROM store_meta WHERE key = 'eventSeq'").pluck(),
      sessions: db.prepare('SELECT id, fields FROM store_sessions').raw(),
      history: db.prepare('SELECT item FROM store_messages WHERE session_id = ? ORDER BY idx').pluck(),
      last: db.prepare('SELECT idx, item FROM store_messages WHERE session_id = ? ORDER BY idx DESC LIMIT 1').raw(),
      // Looked for among the first items only: a conversation with no user message (a schedule's,
      // an action's) would otherwise be read whole for a preview.
      firstUser: db
        .prepare(`SELECT item FROM (SELECT idx, item FROM store_messages WHERE session_id = ? ORDER BY idx LIMIT ${OUTLINE_FIRST_ITEMS}) WHERE json_extract(item, '$.sender') = 'user' ORDER BY idx LIMIT 1`)
        .pluck(),
      kv: db.prepare('SELECT scope, entries FROM store_kv').raw(),
      events: db.prepare('SELECT event FROM store_events ORDER BY seq').pluck(),
      putSession: db.prepare('INSERT INTO store_sessions (id, fields) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET fields = excluded.fields'),
      dropSession: db.prepare('DELETE FROM store_sessions WHERE id = ?'),
      dropHistory: db.prepare('DELETE FROM store_messages WHERE session_id = ?'),
      putMessage: db.prepare('INSERT OR REPLACE INTO store_messages (session_id, idx, item) VALUES (?, ?, ?)'),
      putKv: db.prepare('INSERT INTO store_kv (scope, entries) VALUES (?, ?) ON CONFLICT (scope) DO UPDATE SET entries = excluded.entries'),
      dropKv: db.prepare('DELETE FROM store_kv WHERE scope = ?'),
      putEvent: db.prepare('INSERT OR REPLACE INTO store_events (seq, event) VALUES (?, ?)'),
      trimEvents: db.prepare('DELETE FROM store_events WHERE seq < ?'),
    };
  }

  static create(db: Database): AppTables {
    db.exec(STORE_TABLES);
    return new AppTables(db);
  }

  /** The tables of a database opened read-only, or undefined when no store has written there. */
  static present(db: Database): AppTables | undefined {
    return hasTable(db, 'store_meta') ? new AppTables(db) : undefined;
  }

  /** The commit counter: changes whenever any process commits to the store. */
  rev(): number {
    return (this.q.rev.get() as number | undefined) ?? 0;
  }

  /** Everything but the histories, which `loadHistory` reads when they are first used. */
  load(loadHistory: HistoryLoader): AppData {
    const sessions = dict<StoredSession>();
    for (const [id, fields] of this.q.sessions.all() as Array<[string, string]>) {
      const f = JSON.parse(fields) as Record<string, unknown>;
      delete f.history;
      sessions[id] = lazySession(f, loadHistory);
    }
    const kv = dict<Record<string, string>>();
    for (const [scope, entries] of this.q.kv.all() as Array<[string, string]>) kv[scope] = dict(JSON.parse(entries));
    const events = (this.q.events.all() as string[]).map((e) => JSON.parse(e) as StoredEvent);
    const eventSeq = Math.max((this.q.eventSeq.get() as number | undefined) ?? 0, events.at(-1)?.seq ?? 0);
    return { sessions, kv, events, eventSeq };
  }

  /** A session list's view of a history, read without the rest of it. */
  outline(sessionId: string): HistoryOutline {
    // A history's rows are numbered 0..n-1 (apply writes a whole history from 0, an append after
    // the last), so the last row's number gives the count without reading the others.
    const last = this.q.last.get(sessionId) as [number, string] | undefined;
    const first = this.q.firstUser.get(sessionId) as string | undefined;
    return { messages: last ? last[0] + 1 : 0, last: last ? (JSON.parse(last[1]) as HistoryItem) : undefined, firstUser: first === undefined ? undefined : (JSON.parse(first) as HistoryItem) };
  }

  history(sessionId: string): HistoryItem[] {
    return (this.q.history.all(sessionId) as string[]).map((h) => JSON.parse(h) as HistoryItem);
  }

  /** Writes what one commit changed (inside the store's transaction); returns the new rev. */
  apply(record: ChangeRecord, data: StoreData): number {
    for (const [c, key, value] of record.set ?? []) {
      if (c === 'sessions') this.putWholeSession(key, value as StoredSession);
      else if (c === 'kv') this.q.putKv.run(key, JSON.stringify(value));
    }
    for (const [id, from, items, fields] of record.history ?? []) {
      this.q.putSession.run(id, JSON.stringify(fields));
      for (let i = 0; i < items.length; i++) this.q.putMessage.run(id, from + i, JSON.stringify(items[i]));
    }
    for (const [c, key] of record.delete ?? []) {
      if (c === 'sessions') {
        this.q.dropSession.run(key);
        this.q.dropHistory.run(key);
      } else if (c === 'kv') this.q.dropKv.run(key);
    }
    for (const e of (record.events ?? []) as StoredEvent[]) this.q.putEvent.run(e.seq, JSON.stringify(e));
    this.trimEventsTo(data);
    return this.bump(data);
  }

  /** Replaces every table's content with `data` (import, reset, a migrated store). */
  replaceAll(data: StoreData): number {
    // Histories not read yet are read before their rows go.
    const sessions = Object.entries(data.sessions).map(([id, s]) => [id, s, s.history] as const);
    this.db.exec('DELETE FROM store_sessions; DELETE FROM store_messages; DELETE FROM store_kv; DELETE FROM store_events;');
    for (const [id, s] of sessions) this.putWholeSession(id, s);
    for (const [scope, entries] of Object.entries(data.kv)) this.q.putKv.run(scope, JSON.stringify(entries));
    for (const e of data.events) this.q.putEvent.run(e.seq, JSON.stringify(e));
    return this.bump(data);
  }

  private putWholeSession(id: string, s: StoredSession): void {
    const { history, ...fields } = s;
    this.q.putSession.run(id, JSON.stringify(fields));
    this.q.dropHistory.run(id);
    for (let i = 0; i < history.length; i++) this.q.putMessage.run(id, i, JSON.stringify(history[i]));
  }

  private trimEventsTo(data: StoreData): void {
    const first = data.events[0]?.seq;
    this.q.trimEvents.run(first ?? Number.MAX_SAFE_INTEGER);
  }

  private bump(data: StoreData): number {
    const rev = this.rev() + 1;
    this.q.setMeta.run('rev', rev);
    this.q.setMeta.run('eventSeq', data.eventSeq);
    return rev;
  }
}
