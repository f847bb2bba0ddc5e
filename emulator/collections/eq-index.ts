// Equality indexes: for a (collection, top-level field) that a filter has compared for equality
// with a string, number or boolean, every document's values of that field (the value, or each
// scalar element of an array, as the platform's multikey indexes) are kept in `eq_keys` by
// triggers on `documents`. A filter with such an equality then looks its candidates up instead
// of evaluating every document (the exact condition still decides). This is what keeps the
// SDK's KV store (`{"_key": k, "_session_id": s}` on `_kv`) at index speed: measured at 50,000
// entries, a get took ≈ 40 ms by evaluating them all.
import type { Database } from './database';

/** At most this many indexed equality fields per collection (each costs every write to it). */
export const MAX_EQ_PATHS = 8;

const RANK = `(CASE t WHEN 'integer' THEN 2 WHEN 'real' THEN 2 WHEN 'text' THEN 3 ELSE 8 END)`;
const SCALARS = `('integer', 'real', 'text', 'true', 'false')`;
const insertKeys = (doc: string, seq: string, app: string, coll: string): string => `
  INSERT OR IGNORE INTO eq_keys (app, collection, path, rank, value, seq)
    SELECT p.app, p.collection, p.path, ${RANK.replace(/\bt\b/, `json_type(${doc}, p.jpath)`)}, json_extract(${doc}, p.jpath), ${seq}
    FROM eq_paths AS p WHERE p.app = ${app} AND p.collection = ${coll} AND json_type(${doc}, p.jpath) IN ${SCALARS};
  INSERT OR IGNORE INTO eq_keys (app, collection, path, rank, value, seq)
    SELECT p.app, p.collection, p.path, ${RANK.replace(/\bt\b/, 'e.type')}, e.value, ${seq}
    FROM eq_paths AS p, json_each(${doc}, p.jpath) AS e
    WHERE p.app = ${app} AND p.collection = ${coll} AND json_type(${doc}, p.jpath) = 'array' AND e.type IN ${SCALARS};`;
const deleteKeys = `DELETE FROM eq_keys WHERE app = OLD.app AND collection = OLD.collection AND seq = OLD.seq;`;

export const EQ_INDEX_SCHEMA = `
CREATE TABLE IF NOT EXISTS eq_paths (
  app TEXT NOT NULL,
  collection TEXT NOT NULL,
  path TEXT NOT NULL,
  jpath TEXT NOT NULL,
  PRIMARY KEY (app, collection, path)
);
CREATE TABLE IF NOT EXISTS eq_keys (
  app TEXT NOT NULL,
  collection TEXT NOT NULL,
  path TEXT NOT NULL,
  rank INTEGER NOT NULL,
  value ANY,
  seq INTEGER NOT NULL,
  PRIMARY KEY (app, collection, path, rank, value, seq)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS eq_keys_seq ON eq_keys (app, collection, seq);
CREATE TRIGGER IF NOT EXISTS eq_keys_insert AFTER INSERT ON documents BEGIN ${insertKeys('NEW.doc', 'NEW.seq', 'NEW.app', 'NEW.collection')}
END;
CREATE TRIGGER IF NOT EXISTS eq_keys_update AFTER UPDATE OF doc ON documents BEGIN
  ${deleteKeys}${insertKeys('NEW.doc', 'NEW.seq', 'NEW.app', 'NEW.collection')}
END;
CREATE TRIGGER IF NOT EXISTS eq_keys_delete AFTER DELETE ON documents BEGIN ${deleteKeys} END;
`;

/** The index key of a scalar filter value: its type rank and SQL value. */
export function eqKey(v: string | number | boolean): { rank: number; value: string | number } {
  if (typeof v === 'string') return { rank: 3, value: v };
  if (typeof v === 'number') return { rank: 2, value: v };
  return { rank: 8, value: v ? 1 : 0 };
}

/** Makes sure `field` (top level) of the collection has an equality index; false past the cap. */
export function ensureEqIndex(db: Database, app: string, collection: string, field: string, jpath: string): boolean {
  const have = db.prepare('SELECT path FROM eq_paths WHERE app = ? AND collection = ?').pluck().all(app, collection) as string[];
  if (have.includes(field)) return true;
  if (have.length >= MAX_EQ_PATHS) return false;
  db.transaction(() => {
    db.prepare('INSERT INTO eq_paths (app, collection, path, jpath) VALUES (?, ?, ?, ?)').run(app, collection, field, jpath);
    const fill = insertKeys('d.doc', 'd.seq', 'd.app', 'd.collection')
      .split(';')
      .map((q) => q.trim())
      .filter(Boolean)
      .map((q) => q.replace(/FROM eq_paths AS p/, 'FROM documents AS d JOIN eq_paths AS p ON p.app = d.app AND p.collection = d.collection AND p.path = @field') + ' AND d.app = @app AND d.collection = @collection');
    for (const q of fill) db.prepare(q).run({ field, app, collection });
  })();
  return true;
}
