// The collections engine as the platform gateway's DataService serves it (emulator/platform/
// data-service.ts): one function per RPC. The database is opened on the first call, so that an
// app without collections never loads SQLite, and a SQLite that cannot load fails those calls
// with UNAVAILABLE and its reason instead of the emulator's start. Data is kept per app id as
// the SDK sends it (`<app>_dev` under serve, as on the platform); a runner may only name its own.
import { CollectionsEngine } from './engine';
import { dataFile } from './database';
import { DataError } from './errors';
import { dataService, DATA_SERVICE_METHODS } from './service';

export interface GatewayCollections {
  /** For PlatformServer: RPC name → (request, the calling app) → response. */
  engine: Record<(typeof DATA_SERVICE_METHODS)[number], (req: Record<string, unknown>, app: { appId: string; name: string }) => Record<string, unknown>>;
  /** The open engine (the dashboard reads through it), opening it if needed. */
  get(): CollectionsEngine;
  close(): void;
}

export function gatewayCollections(storeDir: string): GatewayCollections {
  let engine: CollectionsEngine | undefined;
  const get = (): CollectionsEngine => (engine ??= CollectionsEngine.open(dataFile(storeDir)));
  const handlers = dataService(get) as unknown as Record<string, (req: Record<string, unknown>) => Record<string, unknown>>;
  const out = {} as GatewayCollections['engine'];
  for (const m of DATA_SERVICE_METHODS) {
    out[m] = (req, app) => {
      const asked = typeof req.app_id === 'string' ? req.app_id : '';
      if (asked && asked !== app.appId && asked !== `${app.appId}_dev`) {
        throw new DataError('PERMISSION_DENIED', `app_id ${JSON.stringify(asked)} is not this runner's app (${app.appId})`);
      }
      return handlers[m]!(req);
    };
  }
  return {
    engine: out,
    get,
    close: () => {
      engine?.close();
      engine = undefined;
    },
  };
}
