// File URIs <-> file system paths, and the workspace-relative posix paths the analysis keys files
// by (module names are derived from them, so they must not carry the folder's own location).
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isAbsolute, relative, resolve, sep } from 'node:path';

export function uriToPath(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}

export function pathToUri(path: string): string {
  return pathToFileURL(path).href;
}

/** `a/b.py` for `<root>/a/b.py`; undefined when `abs` is outside `root`. */
export function relativeTo(root: string, abs: string): string | undefined {
  const rel = relative(root, abs);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return undefined;
  return sep === '/' ? rel : rel.split(sep).join('/');
}

export function absoluteIn(root: string, rel: string): string {
  return resolve(root, ...rel.split('/'));
}

/** Normalises a URI so that the same file always gives the same key (clients differ on %3A etc.). */
export function normalizeUri(uri: string): string {
  const p = uriToPath(uri);
  return p === undefined ? uri : pathToUri(p);
}
