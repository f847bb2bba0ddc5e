// The write-ahead journal of stores of schema 1 (`store.journal` next to a store.json that held
// everything, before the app's data moved into the database): read when such a store is opened,
// and folded into the database by its first commit (store.ts). Nothing writes journals any more.
//
//   line 1   header  {"format":"capsule-local-store-journal","version":1,"generation":G,"id":ID}
//   line 2…  records {"set":[[collection,key,value],…],"delete":[[collection,key],…],
//                     "history":[[session id,from,[items…],{the session's other fields}],…],
//                     "top":{key:value,…},"events":[…],"cap":N}
//
// store.json records the generation it is (`"snapshot": {"generation": G, "id": ID}`); a journal
// extends exactly the snapshot its header names. Reading never repairs anything. An unterminated
// last line is a write that was cut short: it is ignored. Any other line that does not parse, or a
// journal whose header names another snapshot, makes the store corrupt: a StoreError, and both
// files stay as they are. A journal of an older generation than store.json is already folded in.
import { StoreError } from './errors';
import type { ChangeRecord } from './recorder';

export const JOURNAL_FORMAT = 'capsule-local-store-journal' as const;
export const JOURNAL_VERSION = 1;

/** Which snapshot a store.json is; kept in store.json under `snapshot`. */
export interface SnapshotMeta {
  generation: number;
  id: string;
}

export interface JournalHeader extends SnapshotMeta {
  format: typeof JOURNAL_FORMAT;
  version: number;
}

export type JournalRecord = ChangeRecord;

/** What a reader found in the journal file. */
export interface JournalState {
  exists: boolean;
  /** Bytes of complete lines (what the next append starts from). */
  validBytes: number;
  /** Size of the file; more than validBytes when the last line was cut short. */
  totalBytes: number;
  header?: JournalHeader;
  /** Records that apply to the snapshot (none for a stale journal). */
  records: JournalRecord[];
  /** The journal extends an older snapshot: already folded in, ignored. */
  stale: boolean;
}

export const NO_JOURNAL: JournalState = { exists: false, validBytes: 0, totalBytes: 0, records: [], stale: false };

export function journalFileFor(storeFile: string): string {
  return storeFile.replace(/\.json$/, '') + '.journal';
}

/** The message of every journal problem: names both files, never quotes their content. */
export function corruptJournal(journal: string, storeFile: string, problem: string): StoreError {
  return new StoreError(
    'corrupt',
    journal,
    `${journal} (the journal of ${storeFile}) cannot be used: ${problem}. Both files were left untouched. ` +
      `To go back to the state saved in ${storeFile}, without the changes made since, move the journal away ` +
      `(for example to ${journal}.broken); or restore your state with \`capsule-local import EXPORT.json\`.`,
  );
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Checks a store.json's `snapshot` field; undefined when absent (a file not written by a journaling store). */
export function snapshotMetaOf(storeFile: string, raw: unknown): SnapshotMeta | undefined {
  if (raw === undefined) return undefined;
  if (!isObject(raw) || !Number.isSafeInteger(raw.generation) || (raw.generation as number) < 1 || typeof raw.id !== 'string') {
    throw new StoreError(
      'corrupt',
      storeFile,
      `${storeFile} is not a valid Capsule Local store: "snapshot" should be {"generation": N, "id": "…"}. It was left untouched. ` +
        'Remove the "snapshot" field by hand, or restore your state with `capsule-local import EXPORT.json`.',
    );
  }
  return { generation: raw.generation as number, id: raw.id };
}

/**
 * Parses a journal's bytes and decides whether it belongs to the snapshot `meta` (undefined: a
 * store.json without a generation; `snapshotExists` false: no store.json at all, so any journal is
 * left over from a store that was deleted, and ignored).
 */
export function parseJournal(
  journal: string,
  storeFile: string,
  bytes: Buffer | undefined,
  meta: SnapshotMeta | undefined,
  snapshotExists: boolean,
): JournalState {
  if (!bytes) return NO_JOURNAL;
  const state: JournalState = { exists: true, validBytes: 0, totalBytes: bytes.length, records: [], stale: false };
  const lines: string[] = [];
  let start = 0;
  for (;;) {
    const nl = bytes.indexOf(0x0a, start);
    if (nl < 0) break;
    lines.push(bytes.toString('utf8', start, nl));
    start = nl + 1;
  }
  state.validBytes = start;
  if (!lines.length) return state; // empty, or only a header cut short: nothing was acknowledged
  const parse = (i: number): unknown => {
    try {
      return JSON.parse(lines[i]!);
    } catch {
      throw corruptJournal(journal, storeFile, `line ${i + 1} of ${lines.length} is not valid JSON (only a cut-short last line is expected after a crash)`);
    }
  };
  const header = parse(0);
  if (!isObject(header) || header.format !== JOURNAL_FORMAT) {
    throw corruptJournal(journal, storeFile, 'its first line is not a journal header');
  }
  if (typeof header.version !== 'number' || header.version > JOURNAL_VERSION) {
    throw new StoreError(
      'too-new',
      journal,
      `${journal} was written by a newer Capsule Local (journal version ${String(header.version)}). It was left untouched. Update Capsule Local.`,
    );
  }
  if (!Number.isSafeInteger(header.generation) || typeof header.id !== 'string') {
    throw corruptJournal(journal, storeFile, 'its header has no valid generation');
  }
  state.header = header as unknown as JournalHeader;
  const gen = header.generation as number;
  if (!snapshotExists || (meta && gen < meta.generation)) {
    state.stale = true;
    return state;
  }
  if (!meta || gen !== meta.generation || header.id !== meta.id) {
    const has = meta ? `generation ${meta.generation}` : 'no generation (it was written without a journal)';
    throw corruptJournal(journal, storeFile, `it extends store.json generation ${gen}, but store.json is ${has}: the two files do not belong together`);
  }
  for (let i = 1; i < lines.length; i++) {
    const rec = parse(i);
    if (!validRecord(rec)) throw corruptJournal(journal, storeFile, `line ${i + 1} of ${lines.length} is not a journal record`);
    state.records.push(rec);
  }
  return state;
}

function validRecord(r: unknown): r is JournalRecord {
  if (!isObject(r)) return false;
  if (r.set !== undefined && !(Array.isArray(r.set) && r.set.every((e) => Array.isArray(e) && e.length === 3 && typeof e[0] === 'string' && typeof e[1] === 'string'))) return false;
  if (r.delete !== undefined && !(Array.isArray(r.delete) && r.delete.every((e) => Array.isArray(e) && e.length === 2 && typeof e[0] === 'string' && typeof e[1] === 'string'))) return false;
  if (r.history !== undefined && !(Array.isArray(r.history) && r.history.every((e) => Array.isArray(e) && e.length === 4 && typeof e[0] === 'string' && Number.isSafeInteger(e[1]) && Array.isArray(e[2]) && isObject(e[3])))) return false;
  if (r.top !== undefined && !isObject(r.top)) return false;
  if (r.events !== undefined && !(Array.isArray(r.events) && r.events.every((e) => isObject(e) && typeof e.seq === 'number'))) return false;
  if (r.cap !== undefined && !(Number.isSafeInteger(r.cap) && (r.cap as number) >= 0)) return false;
  return true;
}

function put(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  else target[key] = value;
}

/**
 * Applies the records to a parsed store.json (before migration and shape checks, so that the
 * records apply to the schema they were written against). Event caps are applied once at the end,
 * which gives the same log as capping after each record (the log only grows at the end and is
 * only trimmed at the front).
 */
export function applyJournal(journal: string, storeFile: string, raw: Record<string, unknown>, records: JournalRecord[]): void {
  let drop = 0;
  records.forEach((rec, i) => {
    const where = `record ${i + 1}`;
    for (const [c, k, v] of rec.set ?? []) {
      const coll = raw[c];
      if (!isObject(coll)) throw corruptJournal(journal, storeFile, `${where} changes an entry of "${c}", which store.json does not hold as an object`);
      put(coll, k, v);
    }
    for (const [c, k] of rec.delete ?? []) {
      const coll = raw[c];
      if (!isObject(coll)) throw corruptJournal(journal, storeFile, `${where} removes an entry of "${c}", which store.json does not hold as an object`);
      delete coll[k];
    }
    for (const [id, from, items, fields] of rec.history ?? []) {
      const sessions = raw.sessions;
      const s = isObject(sessions) && Object.hasOwn(sessions, id) ? sessions[id] : undefined;
      const history = isObject(s) ? s.history : undefined;
      if (!Array.isArray(history) || history.length !== from) {
        const has = Array.isArray(history) ? `${history.length} items` : 'no such session';
        throw corruptJournal(journal, storeFile, `${where} adds to the history of a session from item ${from + 1}, but store.json with the records before it has ${has}`);
      }
      for (const item of items) history.push(item);
      put(sessions as Record<string, unknown>, id, { ...fields, history });
    }
    for (const [k, v] of Object.entries(rec.top ?? {})) put(raw, k, v);
    if (rec.events?.length || rec.cap !== undefined) {
      const events = raw.events;
      if (!Array.isArray(events)) throw corruptJournal(journal, storeFile, `${where} appends events, but store.json's "events" is not a list`);
      for (const e of rec.events ?? []) events.push(e);
      if (rec.cap !== undefined) drop = Math.max(drop, events.length - rec.cap);
    }
  });
  if (drop > 0) (raw.events as unknown[]).splice(0, drop);
}
