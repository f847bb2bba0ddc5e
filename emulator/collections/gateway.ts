// The collections engine as the platform gateway's DataService serves it (emulator/platform/
// data-service.ts): one function per RPC. The database is opened on the first call, so that an
// app without collections never loads SQLite, and a SQLite that cannot load fails those calls
// with UNAVAILABLE and its reason instead of the emulator's start. Data is kept per app id as
// the SDK sends it (`<app>_dev` under serve, as on the platform); a runner may only name its own.
import { CollectionsEngine } from './engine';
import { dataFile } from './database';
import { DataError } from './errors';
import { dataService, DATA_SERVICE_METHODS } from './service';
import { ensureSortIndex } from './sort-index';
import { ensureEqIndex } from './eq-index';
import { jsonPath, parsePath } from './paths';

export interface GatewayCollections {
  /** For PlatformServer: RPC name → (request, the calling app) → response. */
  engine: Record<(typeof DATA_SERVICE_METHODS)[number], (req: Record<string, unknown>, app: { appId: string; name: string }) => Record<string, unknown>>;
  /** The open engine (the dashboard reads through it), opening it if needed. */
  get(): CollectionsEngine;
  /** Collections the served apps declare, under the data app id the SDK uses (`<app>_dev`). */
  declared(): Array<{ app: string; name: string; scope: string }>;
  close(): void;
}

/**
 * `declared(appId)`: the app's `app.collection(...)` declarations as its runner reports them
 * (`/_meta` collections: name, columns, sortable, filterable), if known.
 */
export function gatewayCollections(storeDir: string, declared: (appId: string) => unknown = () => undefined, appIds: () => string[] = () => []): GatewayCollections {
  let engine: CollectionsEngine | undefined;
  const get = (): CollectionsEngine => (engine ??= CollectionsEngine.open(dataFile(storeDir)));
  const handlers = dataService(get) as unknown as Record<string, (req: Record<string, unknown>) => Record<string, unknown>>;
  const applied = new Map<string, string>();
  const checked = new Map<string, number>();
  const out = {} as GatewayCollections['engine'];
  for (const m of DATA_SERVICE_METHODS) {
    out[m] = (req, app) => {
      const asked = typeof req.app_id === 'string' ? req.app_id : '';
      if (asked && asked !== app.appId && asked !== `${app.appId}_dev`) {
        throw new DataError('PERMISSION_DENIED', `app_id ${JSON.stringify(asked)} is not this runner's app (${app.appId})`);
      }
      // The declarations are looked at again at most once a second (a reload may change them).
      const now = Date.now();
      if (asked && (checked.get(asked) ?? 0) + 1000 <= now) {
        checked.set(asked, now);
        indexDeclared(get(), asked, declared(app.appId), applied);
      }
      return handlers[m]!(req);
    };
  }
  return {
    engine: out,
    get,
    declared: () =>
      appIds().flatMap((appId) => {
        const decls = declared(appId);
        if (!Array.isArray(decls)) return [];
        return (decls as Array<{ name?: unknown; scope?: unknown }>).flatMap((d) =>
          typeof d?.name === 'string' ? [{ app: `${appId}_dev`, name: d.name, scope: typeof d.scope === 'string' ? d.scope : 'app' }] : [],
        );
      }),
    close: () => {
      engine?.close();
      engine = undefined;
    },
  };
}

/**
 * Indexes what the declarations ask for, once per app and version of its declarations: a
 * `sortable=True` collection gets a sort index on each declared column, a `filterable=True` one
 * an equality index (the indexes a find would otherwise build on its first use, within their
 * caps). A column name no query could use is skipped.
 */
function indexDeclared(engine: CollectionsEngine, dataApp: string, decls: unknown, applied: Map<string, string>): void {
  if (!Array.isArray(decls)) return;
  const key = JSON.stringify(decls);
  if (applied.get(dataApp) === key) return;
  applied.set(dataApp, key);
  for (const d of decls as Array<{ name?: unknown; columns?: unknown; sortable?: unknown; filterable?: unknown }>) {
    if (typeof d?.name !== 'string' || !Array.isArray(d.columns) || (!d.sortable && !d.filterable)) continue;
    for (const c of d.columns as unknown[]) {
      const col = typeof c === 'string' ? c : typeof (c as { key?: unknown })?.key === 'string' ? (c as { key: string }).key : undefined;
      if (!col) continue;
      let jp: string;
      try {
        jp = jsonPath(parsePath(col, 'column'));
      } catch {
        continue;
      }
      if (d.sortable) ensureSortIndex(engine.db, dataApp, d.name, col, jp);
      if (d.filterable && !col.includes('.')) ensureEqIndex(engine.db, dataApp, d.name, col, jp);
    }
  }
}
