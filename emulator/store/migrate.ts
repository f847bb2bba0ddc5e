// Brings a parsed store file up to SCHEMA_VERSION, one step at a time. A step takes the data of
// version N and returns version N+1; add one here whenever schema.ts changes shape and bump
// SCHEMA_VERSION. Files newer than this build are refused (never downgraded or overwritten).
import { SCHEMA_VERSION, emptyStore, type StoreData } from './schema';
import { corruptStore, storeTooNew } from './errors';
import { toDicts } from './dict';

export type Migration = (data: Record<string, unknown>) => Record<string, unknown>;

/** migrations[n] turns version n into version n + 1. */
export const migrations: Record<number, Migration> = {
  // Version 0: a store without `schemaVersion` (written by hand, or by a lowdb default before the
  // schema existed). Fill in every collection that is missing.
  0: (data) => {
    const filled: Record<string, unknown> = { ...emptyStore(), ...data, schemaVersion: 1 };
    if (!Array.isArray(data.personas)) filled.personas = emptyStore().personas;
    return filled;
  },
  // Version 1 held the app's data (sessions, kv, events) in store.json itself, with a journal. The
  // shape in memory is the same; the store's first commit moves the data into the database and
  // rewrites store.json with the configuration alone (store.ts).
  1: (data) => data,
};

export interface MigrationResult {
  data: StoreData;
  /** The version found in the file when it was older than SCHEMA_VERSION. */
  migratedFrom?: number;
}

export function migrate(
  file: string,
  parsed: unknown,
  steps: Record<number, Migration> = migrations,
  target: number = SCHEMA_VERSION,
): MigrationResult {
  const { data, migratedFrom } = upgrade(file, parsed, steps, target);
  // From schema 2 on store.json holds the configuration alone; the data comes from the database.
  for (const key of ['sessions', 'kv'] as const) if (data[key] === undefined) data[key] = {};
  if (data.events === undefined) data.events = [];
  if (data.eventSeq === undefined) data.eventSeq = 0;
  validateStoreShape(file, data);
  return { data: toDicts(data as unknown as StoreData), migratedFrom };
}

/** Runs the migration steps without checking the result's shape (exports carry null values). */
export function upgrade(
  file: string,
  parsed: unknown,
  steps: Record<number, Migration> = migrations,
  target: number = SCHEMA_VERSION,
): { data: Record<string, unknown>; migratedFrom?: number } {
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw corruptStore(file, 'the top level is not a JSON object');
  }
  let data = parsed as Record<string, unknown>;
  const raw = data.schemaVersion;
  if (raw !== undefined && (typeof raw !== 'number' || !Number.isInteger(raw) || raw < 0)) {
    throw corruptStore(file, `"schemaVersion" is ${JSON.stringify(raw)}, expected a whole number`);
  }
  const found = (raw as number | undefined) ?? 0;
  if (found > target) throw storeTooNew(file, found, target);
  for (let v = found; v < target; v++) {
    const step = steps[v];
    if (!step) throw corruptStore(file, `no migration from schema version ${v}`);
    data = step(data);
    data.schemaVersion = v + 1;
  }
  return { data, migratedFrom: found < target ? found : undefined };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Checks the shape the rest of the emulator relies on; names the first offending path.
 * `redacted`: secret values and credentials may be null (an export without secrets).
 */
export function validateStoreShape(file: string, d: Record<string, unknown>, redacted = false): void {
  const fail = (path: string, expected: string): never => {
    throw corruptStore(file, `"${path}" should be ${expected}`);
  };
  for (const key of ['secrets', 'channels', 'integrations', 'sessions', 'kv'] as const) {
    if (!isObject(d[key])) fail(key, 'an object');
  }
  for (const key of ['personas', 'events'] as const) {
    if (!Array.isArray(d[key])) fail(key, 'an array');
  }
  if (typeof d.eventSeq !== 'number') fail('eventSeq', 'a number');
  for (const [name, s] of Object.entries(d.secrets as Record<string, unknown>)) {
    if (!isObject(s) || !(typeof s.value === 'string' || (redacted && s.value === null))) {
      fail(`secrets.${name}.value`, redacted ? 'a string or null' : 'a string');
    }
  }
  for (const [name, c] of Object.entries(d.channels as Record<string, unknown>)) {
    if (!isObject(c) || typeof c.type !== 'string') fail(`channels.${name}.type`, 'a string');
    if (!isObject((c as Record<string, unknown>).credentials)) fail(`channels.${name}.credentials`, 'an object');
  }
  for (const [id, s] of Object.entries(d.sessions as Record<string, unknown>)) {
    if (!isObject(s) || !Array.isArray(s.history)) fail(`sessions.${id}.history`, 'an array');
  }
}
