// The platform's (MongoDB's) order of JSON values, in JavaScript, for the update operators that
// compare ($min, $max, $addToSet, $pull): null < numbers < strings < objects < arrays < booleans.
// The SQL side (filter.ts, sort.ts) ranks values the same way.

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export function rank(v: Json | undefined): number {
  if (v === null || v === undefined) return 1;
  if (typeof v === 'number') return 2;
  if (typeof v === 'string') return 3;
  if (typeof v === 'boolean') return 8;
  return Array.isArray(v) ? 5 : 4;
}

export function compare(a: Json | undefined, b: Json | undefined): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  if (a === null || a === undefined || b === null || b === undefined) return 0;
  if (typeof a === 'number' || typeof a === 'boolean') return a === b ? 0 : (a as number) < (b as number) ? -1 : 1;
  if (typeof a === 'string') return compareBytes(a, b as string);
  if (Array.isArray(a)) {
    const bb = b as Json[];
    for (let i = 0; i < Math.min(a.length, bb.length); i++) {
      const c = compare(a[i], bb[i]);
      if (c) return c;
    }
    return a.length - bb.length === 0 ? 0 : a.length < bb.length ? -1 : 1;
  }
  // Objects: field by field, in order (name, then value), as the platform compares documents.
  const ea = Object.entries(a as Record<string, Json>);
  const eb = Object.entries(b as Record<string, Json>);
  for (let i = 0; i < Math.min(ea.length, eb.length); i++) {
    const c = compareBytes(ea[i]![0], eb[i]![0]) || compare(ea[i]![1], eb[i]![1]);
    if (c) return c;
  }
  return ea.length === eb.length ? 0 : ea.length < eb.length ? -1 : 1;
}

export const equal = (a: Json | undefined, b: Json | undefined): boolean => rank(a) === rank(b) && compare(a, b) === 0;

/** UTF-8 byte order (what SQLite's BINARY collation and the platform use), not UTF-16's. */
function compareBytes(a: string, b: string): number {
  if (a === b) return 0;
  const ba = Buffer.from(a, 'utf8');
  const bb = Buffer.from(b, 'utf8');
  return Buffer.compare(ba, bb);
}

export const isPlainObject = (v: unknown): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);
