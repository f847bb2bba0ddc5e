// Sort indexes: for a (collection, path) that has been sorted on, every document's sort key is
// kept in `sort_keys` by triggers on `documents` (so every writer, the CLI's import and reset
// too, keeps them right), in the platform's order: a type rank, then the value; an array's
// smallest element for ascending, its largest for descending. A sorted, limited find then walks
// the index in order and stops after `limit` matches instead of sorting every match.
// Measured (bench/collections.bench.ts): without it a sorted find over 100,000 documents
// evaluates and sorts all of them.
import type { Database } from './database';

/** At most this many indexed sort paths per collection (each costs every write to it). */
export const MAX_SORT_PATHS = 8;

// The same rank as sort.ts, over a json_type() value.
const rank = (t: string): string =>
  `(CASE ${t} WHEN 'integer' THEN 2 WHEN 'real' THEN 2 WHEN 'text' THEN 3 WHEN 'object' THEN 4 WHEN 'array' THEN 5 WHEN 'true' THEN 8 WHEN 'false' THEN 8 ELSE 1 END)`;
const pick = (doc: string, col: string, dir: 'ASC' | 'DESC'): string =>
  `(SELECT ${col} FROM json_each(${doc}, p.jpath) AS s ORDER BY ${rank('s.type')} ${dir}, s.value ${dir} LIMIT 1)`;
const keys = (doc: string): string => {
  const t = `json_type(${doc}, p.jpath)`;
  const k = (dir: 'ASC' | 'DESC') =>
    `CASE WHEN ${t} = 'array' THEN ifnull(${pick(doc, rank('s.type'), dir)}, 0) ELSE ${rank(t)} END, ` +
    `CASE WHEN ${t} = 'array' THEN ${pick(doc, 's.value', dir)} ELSE json_extract(${doc}, p.jpath) END`;
  return `${k('ASC')}, ${k('DESC')}`;
};
const insertKeys = (doc: string, seq: string, app: string, coll: string): string =>
  `INSERT INTO sort_keys (app, collection, path, seq, arank, avalue, drank, dvalue) SELECT p.app, p.collection, p.path, ${seq}, ${keys(doc)} FROM sort_paths AS p WHERE p.app = ${app} AND p.collection = ${coll};`;

// By primary key, one lookup per indexed path (not a scan of the collection's keys).
const DELETE_KEYS = `DELETE FROM sort_keys WHERE app = OLD.app AND collection = OLD.collection AND path IN (SELECT path FROM sort_paths WHERE app = OLD.app AND collection = OLD.collection) AND seq = OLD.seq;`;

export const SORT_INDEX_SCHEMA = `
CREATE TABLE IF NOT EXISTS sort_paths (
  app TEXT NOT NULL,
  collection TEXT NOT NULL,
  path TEXT NOT NULL,
  jpath TEXT NOT NULL,
  PRIMARY KEY (app, collection, path)
);
CREATE TABLE IF NOT EXISTS sort_keys (
  app TEXT NOT NULL,
  collection TEXT NOT NULL,
  path TEXT NOT NULL,
  seq INTEGER NOT NULL,
  arank INTEGER NOT NULL,
  avalue ANY,
  drank INTEGER NOT NULL,
  dvalue ANY,
  PRIMARY KEY (app, collection, path, seq)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS sort_keys_asc ON sort_keys (app, collection, path, arank, avalue, seq);
CREATE INDEX IF NOT EXISTS sort_keys_desc ON sort_keys (app, collection, path, drank DESC, dvalue DESC, seq);
CREATE TRIGGER IF NOT EXISTS sort_keys_insert AFTER INSERT ON documents BEGIN
  ${insertKeys('NEW.doc', 'NEW.seq', 'NEW.app', 'NEW.collection')}
END;
CREATE TRIGGER IF NOT EXISTS sort_keys_update AFTER UPDATE OF doc ON documents BEGIN
  ${DELETE_KEYS}
  ${insertKeys('NEW.doc', 'NEW.seq', 'NEW.app', 'NEW.collection')}
END;
CREATE TRIGGER IF NOT EXISTS sort_keys_delete AFTER DELETE ON documents BEGIN
  ${DELETE_KEYS}
END;
`;

/**
 * Makes sure `path` (dotted, as the SDK names it) of the collection has a sort index; false when
 * the collection already has MAX_SORT_PATHS of them (the find then sorts without one).
 */
export function ensureSortIndex(db: Database, app: string, collection: string, path: string, jpath: string): boolean {
  const have = db.prepare('SELECT path FROM sort_paths WHERE app = ? AND collection = ?').pluck().all(app, collection) as string[];
  if (have.includes(path)) return true;
  if (have.length >= MAX_SORT_PATHS) return false;
  db.transaction(() => {
    db.prepare('INSERT INTO sort_paths (app, collection, path, jpath) VALUES (?, ?, ?, ?)').run(app, collection, path, jpath);
    db.prepare(
      `INSERT INTO sort_keys (app, collection, path, seq, arank, avalue, drank, dvalue)
       SELECT p.app, p.collection, p.path, d.seq, ${keys('d.doc')} FROM documents AS d JOIN sort_paths AS p ON p.app = d.app AND p.collection = d.collection AND p.path = ?
       WHERE d.app = ? AND d.collection = ?`,
    ).run(path, app, collection);
  })();
  return true;
}
