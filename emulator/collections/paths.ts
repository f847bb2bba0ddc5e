// Field paths ("a.b.0") as the SDK sends them in filters, sorts and updates, and their SQLite JSON
// path form. A numeric segment indexes an array (`$."a"[0]`); every other segment is a quoted
// object key, so keys such as `__proto__` or `constructor` are ordinary names here.
import { invalid } from './errors';

export type Path = string[];

const MAX_PATH_DEPTH = 100;

export function parsePath(field: string, where: string): Path {
  if (field === '') throw invalid(`${where}: an empty field name`);
  const segs = field.split('.');
  if (segs.length > MAX_PATH_DEPTH) throw invalid(`${where}: field path ${quote(field)} is deeper than ${MAX_PATH_DEPTH} levels`);
  for (const s of segs) {
    if (s === '') throw invalid(`${where}: field path ${quote(field)} has an empty segment`);
    if (s.startsWith('$')) throw invalid(`${where}: field path ${quote(field)} has a segment starting with '$' (operators go inside the field's object, e.g. {"price": {"$gt": 5}})`);
    // SQLite's JSON path has no escape for a double quote inside a quoted key.
    if (s.includes('"') || s.includes('\\') || /[\x00-\x1f]/.test(s)) throw invalid(`${where}: field name ${quote(field)} contains a quote, backslash or control character and cannot be used in a query`);
  }
  return segs;
}

export const isIndex = (seg: string): boolean => /^(0|[1-9]\d{0,8})$/.test(seg);

/** `$."a"[0]."b"` for ['a', '0', 'b']. */
export function jsonPath(path: Path): string {
  let out = '$';
  for (const s of path) out += isIndex(s) ? `[${s}]` : `."${s}"`;
  return out;
}

/** A field name for messages: JSON-quoted and cut to a readable length. */
export function quote(name: string): string {
  const q = JSON.stringify(name.length > 80 ? `${name.slice(0, 77)}...` : name);
  return q;
}
