// The platform's DataService (capsule.proto, as the SDK's generated client `cpsl.clients.capsule`
// defines it) as plain functions: a decoded request object, with the wheel's field names
// (snake_case; bytes as Uint8Array/Buffer), to a response object. The gRPC server registers one
// line per RPC; a DataError thrown here carries its gRPC status (`code`) and message (`details`).
import type { CollectionsEngine, SchemaRecord } from './engine';
import type { Bytes } from './input';
import { invalid } from './errors';

type Req<T> = Partial<T> & { app_id?: string };

export interface CollectionRequest {
  app_id: string;
  collection: string;
}

export interface SchemaMessage {
  name: string;
  scope: string;
  columns: Array<{ key: string; type: string; label: string; format: string }>;
  user_id: string;
  owner_id: string;
  session_id: string;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const buf = (s: string): Buffer => Buffer.from(s, 'utf8');
const int = (v: unknown, field: string): number => {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v !== '' ? Number(v) : 0;
  if (!Number.isFinite(n)) throw invalid(`${field} is not a number`);
  return n;
};

/** The DataService handlers over `engine` (or over the engine `get()` returns at each call). */
export function dataService(engine: CollectionsEngine | (() => CollectionsEngine)) {
  const e = typeof engine === 'function' ? engine : () => engine;
  const schemaOut = (s: SchemaRecord): SchemaMessage => ({ ...s, columns: s.columns.map((c) => ({ ...c })) });
  return {
    InsertOne: (r: Req<CollectionRequest & { document_json: Bytes }>) => ({ id: e().insertOne(str(r.app_id), str(r.collection), r.document_json) }),
    InsertMany: (r: Req<CollectionRequest & { documents_json: Bytes[] }>) => ({ ids: e().insertMany(str(r.app_id), str(r.collection), r.documents_json ?? []) }),
    FindOne: (r: Req<CollectionRequest & { filter_json: Bytes }>) => {
      const doc = e().findOne(str(r.app_id), str(r.collection), r.filter_json);
      // No document: an empty document_json, which the SDK reads as None.
      return { document_json: doc === undefined ? Buffer.alloc(0) : buf(doc) };
    },
    Find: (r: Req<CollectionRequest & { filter_json: Bytes; limit: number; skip: number; sort_json: Bytes }>) => ({
      documents_json: e()
        .find(str(r.app_id), str(r.collection), r.filter_json, { limit: int(r.limit, 'limit'), skip: int(r.skip, 'skip'), sort: r.sort_json })
        .map(buf),
    }),
    UpdateOne: (r: Req<CollectionRequest & { filter_json: Bytes; update_json: Bytes; upsert: boolean }>) => {
      const res = e().updateOne(str(r.app_id), str(r.collection), r.filter_json, r.update_json, r.upsert === true);
      return { matched: res.matched, modified: res.modified };
    },
    DeleteOne: (r: Req<CollectionRequest & { filter_json: Bytes }>) => ({ deleted: e().deleteOne(str(r.app_id), str(r.collection), r.filter_json) }),
    DeleteMany: (r: Req<CollectionRequest & { filter_json: Bytes }>) => ({ deleted: e().deleteMany(str(r.app_id), str(r.collection), r.filter_json) }),
    Count: (r: Req<CollectionRequest & { filter_json: Bytes }>) => ({ count: e().count(str(r.app_id), str(r.collection), r.filter_json) }),
    GetCollectionSchema: (r: Req<{ name: string; scope: string; user_id: string; owner_id: string; session_id: string }>) => {
      const s = e().getSchema(str(r.app_id), str(r.name), str(r.scope), { user_id: str(r.user_id), owner_id: str(r.owner_id), session_id: str(r.session_id) });
      return s ? { found: true, schema: schemaOut(s) } : { found: false };
    },
    ListCollectionSchemas: (r: Req<{ scope: string; user_id: string; owner_id: string; session_id: string }>) => ({
      schemas: e().listSchemas(str(r.app_id), str(r.scope), { user_id: str(r.user_id), owner_id: str(r.owner_id), session_id: str(r.session_id) }).map(schemaOut),
    }),
    UpsertCollectionSchema: (r: Req<{ schema: Partial<SchemaMessage> }>) => {
      const s = r.schema;
      if (!s) throw invalid('schema is missing');
      const saved = e().upsertSchema(str(r.app_id), {
        name: str(s.name),
        scope: str(s.scope),
        columns: (s.columns ?? []).map((c) => ({ key: str(c?.key), type: str(c?.type), label: str(c?.label), format: str(c?.format) })),
        user_id: str(s.user_id),
        owner_id: str(s.owner_id),
        session_id: str(s.session_id),
      });
      return { schema: schemaOut(saved) };
    },
  };
}

export type DataServiceHandlers = ReturnType<typeof dataService>;
/** The RPC names of capsule.DataService, in the proto's order. */
export const DATA_SERVICE_METHODS = ['InsertOne', 'InsertMany', 'FindOne', 'Find', 'UpdateOne', 'DeleteOne', 'DeleteMany', 'Count', 'GetCollectionSchema', 'ListCollectionSchemas', 'UpsertCollectionSchema'] as const;
