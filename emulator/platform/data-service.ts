// DataService: collections (`app.collection`, `session.db`), settings and the KV store
// (`session.get/set/delete`, `app.get/set`), all kept by the SDK in collections. The engine
// (SQLite) is its own module; the gateway hands it here. Without it every RPC says the feature
// is not available.
import type { ServiceImpl, UnaryImpl } from './server';

/** The DataService RPCs, as capsule.proto names them. */
export const DATA_RPCS = [
  'InsertOne',
  'InsertMany',
  'FindOne',
  'Find',
  'UpdateOne',
  'DeleteOne',
  'DeleteMany',
  'Count',
  'GetCollectionSchema',
  'ListCollectionSchemas',
  'UpsertCollectionSchema',
] as const;

/** The collections engine as DataService serves it: one method per RPC, wire messages in and out. */
export type DataEngine = Record<(typeof DATA_RPCS)[number], (req: Record<string, unknown>, app: { appId: string; name: string }) => Promise<Record<string, unknown>> | Record<string, unknown>>;

/** The RPCs that write: after one succeeds, the app's open pages are told (`written`). */
const WRITES: ReadonlySet<string> = new Set(['InsertOne', 'InsertMany', 'UpdateOne', 'DeleteOne', 'DeleteMany', 'UpsertCollectionSchema']);

/** `written(app)`: a write of the app's collections succeeded (gateway/data-changes.ts). */
export function dataService(engine?: DataEngine, written?: (app: string) => void): ServiceImpl {
  if (!engine) {
    const feature = 'collections, settings and the KV store (DataService)';
    return { unary: {}, unimplemented: Object.fromEntries(DATA_RPCS.map((m) => [m, `${feature}: ${m}`])) };
  }
  const unary: Record<string, UnaryImpl> = {};
  for (const m of DATA_RPCS) {
    const run: UnaryImpl = (req, { sup }) => engine[m](req, { appId: sup.appId, name: sup.name });
    unary[m] = !written || !WRITES.has(m)
      ? run
      : async (req, caller) => {
          const out = await run(req, caller);
          written(caller.sup.name);
          return out;
        };
  }
  return { unary, unimplemented: {} };
}
