// What arrives from the SDK as JSON bytes (documents, filters, updates, sorts): decoded, size- and
// depth-checked before parsing, and parsed. The limits are the platform's (MongoDB's): 16 MiB per
// document, 100 levels of nesting.
import { invalid, DataError } from './errors';
import { isPlainObject, type Json } from './values';

export const MAX_DOCUMENT_BYTES = 16 * 1024 * 1024;
export const MAX_DEPTH = 100;

const utf8 = new TextDecoder('utf-8', { fatal: true });

export type Bytes = Uint8Array | string | null | undefined;

/** The request field as text ('' for an empty or absent field). */
export function text(b: Bytes, field: string): string {
  if (b === null || b === undefined) return '';
  if (typeof b === 'string') return b;
  try {
    return utf8.decode(b);
  } catch {
    throw invalid(`${field} is not valid UTF-8`);
  }
}

/** Parses one JSON field; `empty` is what an empty field means (undefined: an error). */
export function parseJson(b: Bytes, field: string, empty?: Json): { value: Json; text: string } {
  const t = text(b, field);
  if (t.trim() === '') {
    if (empty === undefined) throw invalid(`${field} is empty`);
    return { value: empty, text: JSON.stringify(empty) };
  }
  if (Buffer.byteLength(t, 'utf8') > MAX_DOCUMENT_BYTES) {
    throw new DataError('RESOURCE_EXHAUSTED', `${field} is ${(Buffer.byteLength(t, 'utf8') / 1048576).toFixed(1)} MiB; the limit is 16 MiB per document (as on the platform)`);
  }
  const depth = nesting(t);
  if (depth > MAX_DEPTH) throw invalid(`${field} is nested ${depth} levels deep; the limit is ${MAX_DEPTH} (as on the platform)`);
  try {
    return { value: JSON.parse(t) as Json, text: t };
  } catch (e) {
    throw invalid(`${field} is not valid JSON (${(e as Error).message})`);
  }
}

export function parseObject(b: Bytes, field: string, empty?: Json): { value: Record<string, Json>; text: string } {
  const r = parseJson(b, field, empty);
  if (!isPlainObject(r.value)) throw invalid(`${field} must be a JSON object, not ${kind(r.value)}`);
  return r as { value: Record<string, Json>; text: string };
}

export function kind(v: Json | undefined): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/** The deepest bracket nesting of a JSON text, ignoring brackets inside strings. */
function nesting(t: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > max) max = depth;
    } else if (c === 125 || c === 93) depth--;
  }
  return max;
}

/**
 * Field names a stored document may have: not starting with '$', no '.', no NUL (the platform
 * refuses them too, and a query could not name them). Checked at every level.
 */
export function checkFieldNames(v: Json, where: string): void {
  const stack: Json[] = [v];
  while (stack.length) {
    const x = stack.pop()!;
    if (Array.isArray(x)) {
      for (const y of x) if (typeof y === 'object' && y !== null) stack.push(y);
    } else if (isPlainObject(x)) {
      for (const k of Object.keys(x)) {
        if (k.startsWith('$')) throw invalid(`${where}: field name ${JSON.stringify(k)} starts with '$' (reserved for operators)`);
        if (k.includes('.')) throw invalid(`${where}: field name ${JSON.stringify(k)} contains '.' (dots separate the parts of a path; nest an object instead)`);
        if (k.includes('\0')) throw invalid(`${where}: a field name contains a NUL character`);
        const y = x[k];
        if (typeof y === 'object' && y !== null) stack.push(y);
      }
    }
  }
}
