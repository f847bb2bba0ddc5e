// The collections database: one SQLite file in the store folder (`.capsule/data.sqlite`), WAL
// mode, synchronous=NORMAL (as the store's journal: a committed write survives the process being
// killed, kill -9 included; an operating-system crash can lose the last moments, never leave a
// mixed state). A Node whose ABI the native module was not built for gets one clear message
// (loadDriver) instead of a crash.
import { chmodSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { DataError } from './errors';
import { sqlRegexp } from './regex';
import { SORT_INDEX_SCHEMA } from './sort-index';
import { EQ_INDEX_SCHEMA } from './eq-index';

export type Database = BetterSqlite3.Database;

export const DATA_FILE = 'data.sqlite';
export const DATA_SCHEMA_VERSION = 3;

export const dataFile = (storeDir: string): string => join(storeDir, DATA_FILE);

/** Whether the database has the table (one the emulator creates on first use, such as `tasks`). */
export function hasTable(db: Database, name: string): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
}

let driver: typeof BetterSqlite3 | undefined;

/**
 * Loads the SQLite module, or throws DataError('UNAVAILABLE') naming it and the fix. The store
 * calls it when it opens, so a Node that cannot load the module stops `serve` and every store
 * command with that one message instead of failing each later write.
 */
export function loadDriver(): typeof BetterSqlite3 {
  if (driver) return driver;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    driver = require('better-sqlite3') as typeof BetterSqlite3;
    return driver;
  } catch (e) {
    throw new DataError(
      'UNAVAILABLE',
      `the workspace database is unavailable: the SQLite module (better-sqlite3) could not be loaded under Node ${process.version} (${(e as Error).message.split('\n')[0]}). ` +
        'Capsule Local keeps sessions, history, key-value data, collections and tasks in it. ' +
        'Reinstall it for this Node with `npm rebuild better-sqlite3` (it needs a C++ compiler), or run the emulator with the Node it was built for (Node.js 20).',
    );
  }
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS documents (
  seq INTEGER PRIMARY KEY,
  app TEXT NOT NULL,
  collection TEXT NOT NULL,
  id TEXT NOT NULL,
  doc BLOB NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS documents_id ON documents (app, collection, id);
CREATE INDEX IF NOT EXISTS documents_collection ON documents (app, collection);
CREATE TABLE IF NOT EXISTS collection_schemas (
  app TEXT NOT NULL,
  name TEXT NOT NULL,
  scope TEXT NOT NULL,
  identity TEXT NOT NULL,
  columns TEXT NOT NULL,
  user_id TEXT NOT NULL,
  owner_id TEXT NOT NULL,
  session_id TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (app, name, scope, identity)
);
`;

export interface OpenOptions {
  /** Open an existing file only (readers such as export): no file is created. */
  mustExist?: boolean;
  readonly?: boolean;
}

export function openDatabase(file: string, options: OpenOptions = {}): Database {
  const Driver = loadDriver();
  if (!options.mustExist) mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  let db: Database;
  try {
    db = new Driver(file, { fileMustExist: options.mustExist === true, readonly: options.readonly === true });
  } catch (e) {
    throw new DataError('UNAVAILABLE', `the collections database ${file} could not be opened: ${(e as Error).message}`);
  }
  try {
    // Like every file of the store: the owner's only (the WAL and shared-memory files follow it).
    if (!options.readonly) chmodSync(file, 0o600);
    db.pragma('busy_timeout = 5000');
    if (!options.readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
    }
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > DATA_SCHEMA_VERSION) {
      throw new DataError('FAILED_PRECONDITION', `${file} was written by a newer Capsule Local (data schema ${version}); update Capsule Local to use it. It was left untouched.`);
    }
    if (!options.readonly && version < DATA_SCHEMA_VERSION) {
      // Every statement is IF NOT EXISTS: an older file gets what it lacks.
      db.exec(SCHEMA + SORT_INDEX_SCHEMA + EQ_INDEX_SCHEMA);
      db.pragma(`user_version = ${DATA_SCHEMA_VERSION}`);
    }
    db.function('capsule_regexp', { deterministic: true }, sqlRegexp);
  } catch (e) {
    db.close();
    if (e instanceof DataError) throw e;
    throw new DataError('UNAVAILABLE', `the collections database ${file} is not usable (${(e as Error).message}); it was left untouched. Move it aside to start with empty collections.`);
  }
  return db;
}
