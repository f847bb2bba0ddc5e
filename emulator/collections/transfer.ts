// Collections in `capsule-local export`, `import` and `reset`. An export carries every document
// as its stored JSON text (so 10.0 stays a float and big integers stay whole), grouped by app and
// collection, and the dynamic column schemas. Import checks every document as an insert would
// (before changing anything) and then, in one transaction, replaces documents with the same _id
// (merge) or empties the collections first (replace).
import { invalid } from './errors';
import type { CollectionsEngine, SchemaRecord } from './engine';
import { checkNames } from './engine';
import { checkFieldNames, kind, parseObject } from './input';
import { isPlainObject, type Json } from './values';

export interface CollectionsExport {
  /** app id → collection → documents (JSON text each), in insertion order. */
  documents: Record<string, Record<string, string[]>>;
  schemas: Array<SchemaRecord & { app: string }>;
}

export function exportCollections(engine: CollectionsEngine): CollectionsExport {
  const documents: CollectionsExport['documents'] = {};
  for (const d of engine.allDocuments()) ((documents[d.app] ??= {})[d.collection] ??= []).push(d.doc);
  return { documents, schemas: engine.allSchemas() };
}

export const documentCount = (exp: CollectionsExport | undefined): number =>
  Object.values(exp?.documents ?? {}).reduce((n, byName) => n + Object.values(byName).reduce((m, docs) => m + docs.length, 0), 0);

/** Checks an export's `collections` section; what is wrong names the place, nothing is imported. */
export function parseCollectionsExport(v: unknown): CollectionsExport | undefined {
  if (v === undefined) return undefined;
  if (!isPlainObject(v as Json)) throw invalid(`"collections" must be an object, not ${kind(v as Json)}`);
  const o = v as { documents?: unknown; schemas?: unknown };
  const documents: CollectionsExport['documents'] = {};
  if (!isPlainObject((o.documents ?? {}) as Json)) throw invalid('"collections.documents" must be an object of apps');
  for (const [app, byName] of Object.entries((o.documents ?? {}) as Record<string, unknown>)) {
    if (!isPlainObject(byName as Json)) throw invalid(`"collections.documents.${app}" must be an object of collections`);
    for (const [name, docs] of Object.entries(byName as Record<string, unknown>)) {
      checkNames(app, name);
      if (!Array.isArray(docs)) throw invalid(`"collections.documents.${app}.${name}" must be an array of documents`);
      docs.forEach((d, i) => {
        const where = `collections.documents.${app}.${name}[${i}]`;
        if (typeof d !== 'string') throw invalid(`${where} must be the document's JSON text`);
        const { value } = parseObject(d, where);
        checkFieldNames(value, where);
        if (typeof value._id !== 'string' && typeof value._id !== 'number') throw invalid(`${where} has no _id (a string or a number)`);
      });
      ((documents[app] ??= {})[name] = docs as string[]);
    }
  }
  if (o.schemas !== undefined && !Array.isArray(o.schemas)) throw invalid('"collections.schemas" must be an array');
  const schemas = ((o.schemas ?? []) as unknown[]).map((s, i) => {
    const r = s as Partial<SchemaRecord & { app: string }>;
    if (!isPlainObject(s as Json) || typeof r.app !== 'string' || typeof r.name !== 'string' || !Array.isArray(r.columns)) throw invalid(`collections.schemas[${i}] needs app, name and columns`);
    return { app: r.app, name: r.name, scope: String(r.scope ?? 'app'), columns: r.columns, user_id: String(r.user_id ?? ''), owner_id: String(r.owner_id ?? ''), session_id: String(r.session_id ?? '') };
  });
  return { documents, schemas };
}

export interface CollectionsImportReport {
  documents: number;
  collections: number;
  schemas: number;
}

export function importCollections(engine: CollectionsEngine, exp: CollectionsExport, mode: 'merge' | 'replace'): CollectionsImportReport {
  const report: CollectionsImportReport = { documents: 0, collections: 0, schemas: 0 };
  const db = engine.db;
  db.transaction(() => {
    if (mode === 'replace') engine.reset();
    const del = db.prepare('DELETE FROM documents WHERE app = ? AND collection = ? AND id = ?');
    // A delete then an insert (not INSERT OR REPLACE, whose implicit delete skips the triggers
    // that keep the sort indexes).
    const ins = db.prepare('INSERT INTO documents (app, collection, id, doc) VALUES (?, ?, ?, jsonb(?))');
    for (const [app, byName] of Object.entries(exp.documents)) {
      for (const [name, docs] of Object.entries(byName)) {
        report.collections++;
        for (const text of docs) {
          const id = JSON.stringify((JSON.parse(text) as { _id: string | number })._id);
          del.run(app, name, id);
          ins.run(app, name, id, text);
          report.documents++;
        }
      }
    }
    for (const s of exp.schemas) {
      engine.upsertSchema(s.app, s);
      report.schemas++;
    }
  })();
  return report;
}
