// Reading and parsing store.json (and, for a store of schema 1, its journal). Parsing never repairs anything: a file that does
// not parse or has the wrong shape raises a StoreError and stays exactly as it is on disk.
import { readFileSync, statSync } from 'node:fs';
import { corruptStore, StoreError } from './errors';
import { migrate, type MigrationResult } from './migrate';
import { applyJournal, corruptJournal, journalFileFor, NO_JOURNAL, parseJournal, snapshotMetaOf, type JournalState, type SnapshotMeta } from './journal';

/** Identity of a file on disk; a rewrite replaces the inode and an append changes the size, so any writer changes it. */
export type FileStamp = string;
export const MISSING: FileStamp = 'missing';

export function stampOf(file: string): FileStamp {
  // Checked before every write: a missing file (no journal yet) must not cost an exception.
  const s = statSync(file, { bigint: true, throwIfNoEntry: false });
  return s ? `${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}` : MISSING;
}

/** A store.json as parsed, before migration: the raw object and the snapshot it says it is. */
interface RawSnapshot {
  raw: Record<string, unknown>;
  meta: SnapshotMeta | undefined;
}

function parseSnapshot(file: string, text: string): RawSnapshot {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw corruptStore(file, text.trim() === '' ? 'the file is empty' : `it is not valid JSON${jsonErrorPlace(text, e)}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw corruptStore(file, 'the top level is not a JSON object');
  }
  const raw = parsed as Record<string, unknown>;
  const meta = snapshotMetaOf(file, raw.snapshot);
  delete raw.snapshot;
  return { raw, meta };
}

/** Parses store.json's text alone (no journal). */
export function parseStore(file: string, text: string): MigrationResult {
  return migrate(file, parseSnapshot(file, text).raw);
}

export interface Loaded extends MigrationResult {
  /** Stamp of store.json and the journal together, taken before they were read. */
  stamp: FileStamp;
  /** Stamp of store.json alone. */
  snapshotStamp: FileStamp;
  snapshotBytes: number;
  /** Which snapshot store.json is; undefined for a file written without a journal. */
  snapshot: SnapshotMeta | undefined;
  journal: JournalState;
}

/** Stamp of the store as a whole: store.json and its journal. Any writer changes it. */
export function storeStamp(file: string): FileStamp {
  return `${stampOf(file)}|${stampOf(journalFileFor(file))}`;
}

function readOptional(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new StoreError('io', file, `cannot read ${file}: ${(e as Error).message}`);
  }
}

/**
 * Reads store.json and applies its journal: what every reader of the store must use (the file
 * alone misses the changes made since the last compaction). Safe without the lock: if store.json
 * is replaced while it and the journal are read, it reads both again. undefined when there is no
 * store.json yet.
 */
export function loadStoreSync(file: string): Loaded | undefined {
  const journalFile = journalFileFor(file);
  for (let attempt = 0; ; attempt++) {
    // Stamps first: a file changed after its stamp was taken shows a new stamp on the next check.
    const before = stampOf(file);
    if (before === MISSING) return undefined;
    const text = readOptional(file);
    if (!text) return undefined;
    const journalStamp = stampOf(journalFileFor(file));
    const journalBytes = readOptional(journalFile);
    if (stampOf(file) !== before && attempt < 20) continue; // compacted meanwhile: read the pair again
    const { raw, meta } = parseSnapshot(file, text.toString('utf8'));
    // Only a store.json of schema 1 or older can have a journal (store.ts no longer writes one).
    const legacy = typeof raw.schemaVersion !== 'number' || raw.schemaVersion < 2;
    const journal = legacy ? parseJournal(journalFile, file, journalBytes, meta, true) : NO_JOURNAL;
    applyJournal(journalFile, file, raw, journal.records);
    let migrated: MigrationResult;
    try {
      migrated = migrate(file, raw);
    } catch (e) {
      // Valid alone, store.json may be broken by what its journal changed: say it is the journal.
      if (!(e instanceof StoreError) || e.code !== 'corrupt' || !journal.records.length || !e.problem) throw e;
      if (!tryMigrate(file, parseSnapshot(file, text.toString('utf8')).raw)) throw e;
      throw corruptJournal(journalFile, file, `with its ${journal.records.length} records applied, ${e.problem}`);
    }
    return {
      ...migrated,
      stamp: `${before}|${journalStamp}`,
      snapshotStamp: before,
      snapshotBytes: text.length,
      snapshot: meta,
      journal,
    };
  }
}

function tryMigrate(file: string, raw: Record<string, unknown>): boolean {
  try {
    migrate(file, raw);
    return true;
  } catch {
    return false;
  }
}

/** loadStoreSync for async callers. */
export async function loadStore(file: string): Promise<Loaded | undefined> {
  return loadStoreSync(file);
}

/**
 * Where a JSON text breaks, as " (line L, column C)" when the parser says. V8's own message quotes a slice of the text,
 * which may hold a secret value, so it is never shown.
 */
export function jsonErrorPlace(text: string, error: unknown): string {
  const m = /position (\d+)/.exec(String((error as Error)?.message));
  if (!m) return /end of JSON/i.test(String((error as Error)?.message)) ? ' (it ends too early)' : '';
  const pos = Number(m[1]);
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  const column = pos - before.lastIndexOf('\n');
  return ` (line ${line}, column ${column})`;
}
