// The collections engine: the platform's document collections (what `app.collection(...)`,
// `self.db.<name>`, `session.db.<name>` and the key-value store `_kv` use) over one SQLite
// database. Documents are stored as JSONB, one row each, keyed by (app, collection, _id); the
// filter, sort and update compilers turn the SDK's MongoDB-style JSON into SQL over them.
// Every method takes and returns JSON text, as the wire does; each call is one transaction.
import type { Statement } from 'better-sqlite3';
import { DataError, invalid } from './errors';
import { openDatabase, type Database, type OpenOptions } from './database';
import { compileFilter, type EqualityHint } from './filter';
import { ensureEqIndex, eqKey } from './eq-index';
import { compileSort } from './sort';
import { ensureSortIndex } from './sort-index';
import { checkUpdate, compileUpdate } from './update';
import { newObjectId } from './ids';
import { MAX_DOCUMENT_BYTES, checkFieldNames, kind, parseJson, parseObject, type Bytes } from './input';
import { sql, raw, join, type Sql } from './sql';
import { isPlainObject, type Json } from './values';
import { jsonPath, parsePath } from './paths';

export interface FindOptions {
  limit?: number;
  skip?: number;
  sort?: Bytes;
}

export interface UpdateResult {
  matched: number;
  modified: number;
  /** The new document's id when an upsert inserted one. */
  upsertedId?: string;
}

export interface CollectionSummary {
  app: string;
  name: string;
  count: number;
  /** Documents carrying each scope field the SDK adds (`_user_id`, `_team_id`, `_session_id`). */
  scoped: { user: number; owner: number; session: number };
}

export interface ColumnSpec {
  key: string;
  type: string;
  label: string;
  format: string;
}

export interface SchemaRecord {
  name: string;
  scope: string;
  columns: ColumnSpec[];
  user_id: string;
  owner_id: string;
  session_id: string;
}

const SCOPES = ['app', 'user', 'owner', 'session'];

export class CollectionsEngine {
  private readonly statements = new Map<string, Statement>();
  now: () => Date = () => new Date();

  constructor(readonly db: Database) {}

  static open(file: string, options?: OpenOptions): CollectionsEngine {
    return new CollectionsEngine(openDatabase(file, options));
  }

  close(): void {
    this.statements.clear();
    if (this.db.open) this.db.close();
  }

  private stmt(text: string): Statement {
    let s = this.statements.get(text);
    if (!s) {
      s = this.db.prepare(text);
      if (this.statements.size > 300) this.statements.clear();
      this.statements.set(text, s);
    }
    return s;
  }

  /**
   * The condition for a filter over `d`. `ordered`: the find walks a sort index, which a long list
   * of candidates would only slow down (the walk stops at the page's end).
   */
  private where(app: string, collection: string, filter: Bytes, ordered = false): Sql {
    checkNames(app, collection);
    const f = parseObject(filter, 'filter', {}).value;
    const hints: EqualityHint[] = [];
    const cond = compileFilter(f, undefined, true, undefined, hints);
    // Candidates from an equality index (eq-index.ts): the equality with the fewest (counted up
    // to a cap, by the index), so that `{"_key": k, "_session_id": s}` starts from the session.
    // The exact condition still decides.
    let best: { sql: Sql; n: number } | undefined;
    for (const h of hints) {
      if (!ensureEqIndex(this.db, app, collection, h.field, h.jpath)) continue;
      const k = eqKey(h.value);
      const n = this.stmt('SELECT count(*) FROM (SELECT 1 FROM eq_keys WHERE app = ? AND collection = ? AND path = ? AND rank = ? AND value = ? LIMIT 256)')
        .pluck()
        .get(app, collection, h.field, k.rank, k.value) as number;
      if (ordered && n >= 256) continue;
      if (!best || n < best.n) best = { n, sql: sql` AND d.seq IN (SELECT seq FROM eq_keys WHERE app = ${app} AND collection = ${collection} AND path = ${h.field} AND rank = ${k.rank} AND value = ${k.value})` };
    }
    return sql`d.app = ${app} AND d.collection = ${collection}${best?.sql ?? raw('')} AND (${cond})`;
  }

  // -- writes ---------------------------------------------------------------------------------

  insertOne(app: string, collection: string, document: Bytes): string {
    checkNames(app, collection);
    const prepared = this.prepareDocument(document, 'document_json');
    return this.db.transaction(() => this.insertPrepared(app, collection, prepared, 'document_json'))();
  }

  insertMany(app: string, collection: string, documents: Bytes[]): string[] {
    checkNames(app, collection);
    const prepared = documents.map((d, i) => this.prepareDocument(d, `documents_json[${i}]`));
    // All or nothing: a refused document leaves the collection as it was.
    return this.db.transaction(() => prepared.map((p, i) => this.insertPrepared(app, collection, p, `documents_json[${i}]`)))();
  }

  private prepareDocument(document: Bytes, field: string): { id: string; idKey: string; text: string } {
    const { value, text } = parseObject(document, field);
    checkFieldNames(value, field);
    if (Object.hasOwn(value, '_id')) {
      const id = normalizeId(value._id!, field);
      // An extended-JSON {"$oid": ...} id is stored as the plain string the SDK normalises it to.
      const body = typeof value._id === 'object' ? JSON.stringify({ ...value, _id: id }) : text;
      return { id: String(id), idKey: JSON.stringify(id), text: body };
    }
    const id = newObjectId(this.now().getTime());
    const rest = text.trim().slice(1).trimStart();
    return { id, idKey: JSON.stringify(id), text: `{"_id":${JSON.stringify(id)}${rest.startsWith('}') ? '' : ','}${rest}` };
  }

  private insertPrepared(app: string, collection: string, p: { id: string; idKey: string; text: string }, field: string): string {
    try {
      this.stmt('INSERT INTO documents (app, collection, id, doc) VALUES (?, ?, ?, jsonb(?))').run(app, collection, p.idKey, p.text);
    } catch (e) {
      if ((e as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
        throw new DataError('ALREADY_EXISTS', `${field}: a document with _id ${p.idKey} already exists in collection ${JSON.stringify(collection)}`);
      }
      throw e;
    }
    return p.id;
  }

  updateOne(app: string, collection: string, filter: Bytes, update: Bytes, upsert = false): UpdateResult {
    const where = this.where(app, collection, filter);
    const { value: upd, text: updText } = parseObject(update, 'update_json');
    checkUpdate(upd);
    return this.db.transaction((): UpdateResult => {
      const row = this.stmt(`SELECT d.seq AS seq, json(d.doc) AS doc FROM documents AS d WHERE ${where.text} ORDER BY d.seq LIMIT 1`).get(...where.params) as
        | { seq: number; doc: string }
        | undefined;
      if (row) {
        const next = this.applyUpdate(upd, updText, row.doc, false);
        if (next === row.doc) return { matched: 1, modified: 0 };
        this.stmt('UPDATE documents SET doc = jsonb(?) WHERE seq = ?').run(next, row.seq);
        return { matched: 1, modified: 1 };
      }
      if (!upsert) return { matched: 0, modified: 0 };
      const base = upsertBase(parseObject(filter, 'filter', {}).value);
      const id = Object.hasOwn(base, '_id') ? normalizeId(base._id!, 'filter') : newObjectId(this.now().getTime());
      const start = JSON.stringify({ _id: id, ...withoutId(base) });
      const doc = this.applyUpdate(upd, updText, start, true);
      const parsed = JSON.parse(doc) as Json;
      checkFieldNames(parsed, 'the upserted document');
      this.insertPrepared(app, collection, { id: String(id), idKey: JSON.stringify(id), text: doc }, 'upsert');
      return { matched: 0, modified: 0, upsertedId: String(id) };
    })();
  }

  private applyUpdate(update: Record<string, Json>, updText: string, currentText: string, inserting: boolean): string {
    const current = JSON.parse(currentText) as Record<string, Json>;
    const first = compileUpdate({ update, current, inserting, now: this.now });
    let pulled: number[][] | undefined;
    if (first.pulls.length) {
      pulled = first.pulls.map(({ path, cond }) => {
        const q = sql`SELECT p.key AS k FROM json_each(@cur, ${raw(`'${jsonPath(path).replace(/'/g, "''")}'`)}) AS p WHERE ${cond}`;
        return (this.stmt(q.text).all(...q.params, { cur: currentText, upd: updText }) as Array<{ k: number }>).map((r) => r.k);
      });
    }
    const compiled = pulled ? compileUpdate({ update, current, inserting, now: this.now, pulled }) : first;
    const expr = compiled.apply(raw('json(@cur)'));
    const out = this.stmt(`SELECT json(${expr.text}) AS doc`).get(...expr.params, { cur: currentText, upd: updText }) as { doc: string };
    if (Buffer.byteLength(out.doc, 'utf8') > MAX_DOCUMENT_BYTES) {
      throw new DataError('RESOURCE_EXHAUSTED', 'update: the document would grow past 16 MiB (the limit per document, as on the platform); it was left as it was');
    }
    return out.doc;
  }

  deleteOne(app: string, collection: string, filter: Bytes): number {
    const where = this.where(app, collection, filter);
    const q = `DELETE FROM documents WHERE seq = (SELECT d.seq FROM documents AS d WHERE ${where.text} ORDER BY d.seq LIMIT 1)`;
    return this.stmt(q).run(...where.params).changes;
  }

  deleteMany(app: string, collection: string, filter: Bytes): number {
    const where = this.where(app, collection, filter);
    return this.stmt(`DELETE FROM documents WHERE seq IN (SELECT d.seq FROM documents AS d WHERE ${where.text})`).run(...where.params).changes;
  }

  // -- reads ----------------------------------------------------------------------------------

  find(app: string, collection: string, filter: Bytes, options: FindOptions = {}): string[] {
    checkNames(app, collection);
    const sort = compileSort(parseJson(options.sort, 'sort_json', {}).value);
    const limit = count(options.limit, 'limit');
    const skip = count(options.skip, 'skip');
    const page = sql`LIMIT ${limit === 0 ? -1 : limit} OFFSET ${skip}`;
    const f = sort.first;
    const indexed = f !== undefined && ensureSortIndex(this.db, app, collection, f.field, f.jpath);
    const where = this.where(app, collection, filter, indexed);
    if (f && indexed) {
      // Through the sort index, in its order (CROSS JOIN keeps it the outer loop): the walk stops
      // once the page is full.
      const head = f.dir === 1 ? raw('k.arank ASC, k.avalue ASC') : raw('k.drank DESC, k.dvalue DESC');
      const order = sort.rest.text === 'd.seq ASC' ? sql`${head}, k.seq ASC` : sql`${head}, ${sort.rest}`;
      const q = sql`SELECT json(d.doc) AS doc FROM sort_keys AS k CROSS JOIN documents AS d ON d.seq = k.seq
        WHERE k.app = ${app} AND k.collection = ${collection} AND k.path = ${f.field} AND ${where} ORDER BY ${order} ${page}`;
      return this.stmt(q.text).pluck().all(...q.params) as string[];
    }
    const q = sql`SELECT json(d.doc) AS doc FROM documents AS d WHERE ${where} ORDER BY ${sort.order} ${page}`;
    return this.stmt(q.text).pluck().all(...q.params) as string[];
  }

  findOne(app: string, collection: string, filter: Bytes): string | undefined {
    return this.find(app, collection, filter, { limit: 1 })[0];
  }

  count(app: string, collection: string, filter: Bytes): number {
    const where = this.where(app, collection, filter);
    return this.stmt(`SELECT count(*) FROM documents AS d WHERE ${where.text}`).pluck().get(...where.params) as number;
  }

  // -- schemas (dynamic columns: `collection.set_columns`, `session.collections`) -------------

  getSchema(app: string, name: string, scope: string, ids: Identity): SchemaRecord | undefined {
    checkNames(app, name);
    const s = normScope(scope);
    const row = this.stmt('SELECT name, scope, columns, user_id, owner_id, session_id FROM collection_schemas WHERE app = ? AND name = ? AND scope = ? AND identity = ?').get(app, name, s, identityKey(s, ids)) as
      | (Omit<SchemaRecord, 'columns'> & { columns: string })
      | undefined;
    return row && { ...row, columns: JSON.parse(row.columns) as ColumnSpec[] };
  }

  listSchemas(app: string, scope: string, ids: Identity): SchemaRecord[] {
    if (!app) throw invalid('app_id is empty');
    const rows = (scope
      ? this.stmt('SELECT name, scope, columns, user_id, owner_id, session_id FROM collection_schemas WHERE app = ? AND scope = ? AND identity = ? ORDER BY name').all(app, normScope(scope), identityKey(normScope(scope), ids))
      : this.stmt('SELECT name, scope, columns, user_id, owner_id, session_id FROM collection_schemas WHERE app = ? ORDER BY name, scope').all(app)) as Array<Omit<SchemaRecord, 'columns'> & { columns: string }>;
    return rows.map((r) => ({ ...r, columns: JSON.parse(r.columns) as ColumnSpec[] }));
  }

  upsertSchema(app: string, schema: SchemaRecord): SchemaRecord {
    checkNames(app, schema.name);
    const s = normScope(schema.scope);
    const seen = new Set<string>();
    const columns = schema.columns.map((c, i) => {
      if (!c.key || c.key.startsWith('$') || c.key.includes('.') || c.key.includes('\0')) throw invalid(`schema.columns[${i}]: invalid column key ${JSON.stringify(c.key)}`);
      if (seen.has(c.key)) throw invalid(`schema.columns[${i}]: duplicate column key ${JSON.stringify(c.key)}`);
      seen.add(c.key);
      return { key: c.key, type: c.type || 'text', label: c.label ?? '', format: c.format ?? '' };
    });
    const ids = { user_id: schema.user_id ?? '', owner_id: schema.owner_id ?? '', session_id: schema.session_id ?? '' };
    const record = { name: schema.name, scope: s, columns, ...ids };
    this.stmt(
      'INSERT INTO collection_schemas (app, name, scope, identity, columns, user_id, owner_id, session_id, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ' +
        'ON CONFLICT (app, name, scope, identity) DO UPDATE SET columns = excluded.columns, user_id = excluded.user_id, owner_id = excluded.owner_id, session_id = excluded.session_id, updated_at = excluded.updated_at',
    ).run(app, schema.name, s, identityKey(s, ids), JSON.stringify(columns), ids.user_id, ids.owner_id, ids.session_id, this.now().toISOString());
    return record;
  }

  // -- the dashboard, export, import, reset ---------------------------------------------------

  collections(): CollectionSummary[] {
    const rows = this.stmt(
      `SELECT app, collection AS name, count(*) AS count,
         sum(json_type(doc, '$._user_id') IS NOT NULL) AS user,
         sum(json_type(doc, '$._team_id') IS NOT NULL) AS owner,
         sum(json_type(doc, '$._session_id') IS NOT NULL) AS session
       FROM documents GROUP BY app, collection ORDER BY app, collection`,
    ).all() as Array<{ app: string; name: string; count: number; user: number; owner: number; session: number }>;
    return rows.map((r) => ({ app: r.app, name: r.name, count: r.count, scoped: { user: r.user, owner: r.owner, session: r.session } }));
  }

  /** Every document of every collection, in insertion order, as JSON text. */
  *allDocuments(): Generator<{ app: string; collection: string; doc: string }> {
    for (const r of this.db.prepare('SELECT app, collection, json(doc) AS doc FROM documents ORDER BY seq').iterate()) yield r as { app: string; collection: string; doc: string };
  }

  allSchemas(): Array<SchemaRecord & { app: string }> {
    return (this.db.prepare('SELECT app, name, scope, columns, user_id, owner_id, session_id FROM collection_schemas ORDER BY app, name').all() as Array<Omit<SchemaRecord, 'columns'> & { app: string; columns: string }>).map((r) => ({
      ...r,
      columns: JSON.parse(r.columns) as ColumnSpec[],
    }));
  }

  /** Empties every collection and schema; the number of documents removed. */
  reset(): number {
    return this.db.transaction(() => {
      const n = this.db.prepare('DELETE FROM documents').run().changes;
      this.db.prepare('DELETE FROM collection_schemas').run();
      this.db.prepare('DELETE FROM sort_paths').run();
      this.db.prepare('DELETE FROM sort_keys').run();
      this.db.prepare('DELETE FROM eq_paths').run();
      this.db.prepare('DELETE FROM eq_keys').run();
      return n;
    })();
  }
}

export type Identity = { user_id?: string; owner_id?: string; session_id?: string };

function normScope(scope: string): string {
  const s = scope || 'app';
  if (!SCOPES.includes(s)) throw invalid(`scope must be one of ${SCOPES.join(', ')}, not ${JSON.stringify(scope)}`);
  return s;
}

/** The identity a scoped schema belongs to, as the SDK scopes documents (owner falls back to the user). */
function identityKey(scope: string, ids: Identity): string {
  if (scope === 'user') return ids.user_id ?? '';
  if (scope === 'owner') return ids.owner_id || ids.user_id || '';
  if (scope === 'session') return ids.session_id ?? '';
  return '';
}

export function checkNames(app: string, collection: string): void {
  if (typeof app !== 'string' || !app) throw invalid('app_id is empty');
  if (typeof collection !== 'string' || !collection) throw invalid('the collection name is empty');
  if (collection.length > 200) throw invalid('the collection name is longer than 200 characters');
  if (collection.includes('\0') || collection.includes('$')) throw invalid(`the collection name ${JSON.stringify(collection.slice(0, 80))} contains '$' or a NUL character`);
}

function count(v: number | undefined, field: string): number {
  const n = v ?? 0;
  if (!Number.isInteger(n) || n < 0) throw invalid(`${field} must be a non-negative integer, not ${n}`);
  return n;
}

function normalizeId(id: Json, field: string): string | number {
  if (typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id))) return id;
  if (isPlainObject(id) && typeof id.$oid === 'string' && Object.keys(id).length === 1) return id.$oid;
  throw invalid(`${field}: _id must be a string or a number, not ${kind(id)}`);
}

const withoutId = (o: Record<string, Json>): Record<string, Json> => {
  const { _id, ...rest } = o;
  void _id;
  return rest;
};

/**
 * The fields an upsert's new document starts with: the filter's equalities (`{"f": v}`,
 * `{"f": {"$eq": v}}`, also inside `$and`), dotted paths as nested objects, as on the platform.
 */
function upsertBase(filter: Record<string, Json>): Record<string, Json> {
  const out: Record<string, Json> = {};
  const put = (field: string, v: Json): void => {
    const path = parsePath(field, 'filter');
    let o: Record<string, Json> = out;
    for (const seg of path.slice(0, -1)) {
      const next = Object.hasOwn(o, seg) ? o[seg] : undefined;
      if (!isPlainObject(next)) defineOwn(o, seg, {});
      o = o[seg] as Record<string, Json>;
    }
    defineOwn(o, path[path.length - 1]!, v);
  };
  const walk = (f: Record<string, Json>): void => {
    for (const [k, v] of Object.entries(f)) {
      if (k === '$and' && Array.isArray(v)) {
        for (const sub of v) if (isPlainObject(sub)) walk(sub);
      } else if (k.startsWith('$')) continue;
      else if (isPlainObject(v) && Object.keys(v).some((x) => x.startsWith('$'))) {
        if (Object.hasOwn(v, '$eq')) put(k, v.$eq!);
        else if (k === '_id' && typeof v.$oid === 'string') put(k, v.$oid);
      } else put(k, v);
    }
  };
  walk(filter);
  return out;
}

/** Sets an own property, also one named `__proto__` (plain assignment would set the prototype). */
function defineOwn(o: Record<string, Json>, key: string, value: Json): void {
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
}

export { join };
