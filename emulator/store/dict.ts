// Every id-keyed map of the store (and of the gateway's in-memory state) is an object without a
// prototype: an id, name or key a user chooses (`__proto__`, `constructor`, `toString`, ...) is
// then an entry like any other, never a property inherited from Object.prototype. JSON
// serialises these objects as usual, so the files keep their shape.
import type { StoreData } from './schema';

export type Dict<T> = Record<string, T>;

/** A prototype-less map, with `from`'s own entries copied in (`__proto__` included). */
export function dict<T>(from?: Record<string, T> | null): Dict<T> {
  const d = Object.create(null) as Dict<T>;
  // On a prototype-less object `d.__proto__ = v` defines an own entry: there is no setter to hit.
  if (from) for (const k of Object.keys(from)) d[k] = from[k]!;
  return d;
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `v` as a prototype-less map (itself when it is one already); anything else is left as it is. */
function asDict<T>(v: T): T {
  if (!isMap(v) || Object.getPrototypeOf(v) === null) return v;
  return dict(v) as T;
}

/**
 * Makes every id-keyed map of `data` prototype-less, in place: the collections and the maps inside
 * their entries (a user's integrations, a scope's keys, a channel's credentials, an integration's
 * fields). Cheap when they already are; called wherever data enters memory (load, import, reset).
 */
export function toDicts(data: StoreData): StoreData {
  const d = data as unknown as Record<string, unknown>;
  for (const key of ['secrets', 'channels', 'integrations', 'sessions', 'kv'] as const) d[key] = asDict(d[key]);
  for (const c of Object.values(data.channels ?? {})) if (isMap(c)) c.credentials = asDict(c.credentials);
  for (const user of Object.keys(data.integrations ?? {})) {
    const byType = asDict(data.integrations[user]!);
    data.integrations[user] = byType;
    for (const i of Object.values(byType)) if (isMap(i)) i.fields = asDict(i.fields);
  }
  for (const scope of Object.keys(data.kv ?? {})) data.kv[scope] = asDict(data.kv[scope]!);
  return data;
}
