// The query of a collection's rows a page, a chat table or a React page's useCollection sends
// (`GET /apps/<app>/endpoints/collection/<name>?page=&per_page=&sort=&sort_dir=&scope=&filter=`),
// checked before it reaches the SDK's runner (cpsl/runner/routes.py `_wrap_collection_query`),
// which reads it with the SDK's semantics: `page` from 1, `per_page` (50 by default; the SDK caps
// it at MAX_PAGE_SIZE itself), `sort` a field, `sort_dir` "asc" or "desc", a `filter` it ignores
// unless it is a JSON object, and the scope filter it adds from the identity headers the gateway
// sets (forward.ts). What the SDK answers itself passes unchanged: a larger per_page (capped), a
// filter that is no object (ignored), a collection neither declared nor stored (a dynamic one:
// no rows). Where the SDK would fail with a 500 (a page or per_page that is not a number, a page 0
// skipping backwards, a name starting with "_" such as `__proto__`, which its `db.<name>`
// refuses) or widen what the caller sees (a `scope` broader than the collection's declared one:
// `scope=app` over a session-scoped collection would lift the scope filter), the emulator answers
// 4xx naming why, and nothing reaches the runner. The SDK's other collection routes (PATCH
// /collection/<name>/<row id>, PUT /collection/<name>/columns, DELETE /collection/<name>) take
// the same `scope` parameter for their filter: their name and scope are checked the same way
// (checkCollectionWrite).
import type { Request } from 'express';
import { HttpError } from './errors';
import { DataError } from '../collections/errors';
import { parsePath } from '../collections/paths';

/** cpsl/constants.py: DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE. */
export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;
/** FindRequest.skip is an int32 (capsule.proto): no page may skip past it. */
const MAX_SKIP = 2 ** 31 - 1;
const MAX_NAME = 128;
/** The SDK's collection scopes, narrowest last: a query may narrow a collection's scope, never widen it. */
const SCOPE_RANK: Record<string, number> = { app: 0, owner: 1, user: 2, session: 3 };

export interface CollectionQueryApp {
  name: string;
  /** `app.collection(...)` declarations as the runner reports them (/_meta `collections`). */
  declared: unknown;
}

const shown = (s: string): string => JSON.stringify(s.length > 80 ? `${s.slice(0, 77)}...` : s);

/** One query parameter: absent, or one string (given twice it is refused). */
function param(req: Request, key: string): string | undefined {
  const v = (req.query as Record<string, unknown>)[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new HttpError(400, `${key} is given more than once, or not as one value`);
  return v;
}

/** A whole number in [min, max] written in decimal digits, or a 400 saying what it must be. */
function whole(key: string, raw: string, min: number, max: number, why = ''): number {
  if (!/^\d{1,16}$/.test(raw)) throw new HttpError(400, `${key} must be a whole number from ${min} to ${max}, not ${shown(raw)}`);
  const n = Number(raw);
  if (n < min || n > max) throw new HttpError(400, `${key} must be a whole number from ${min} to ${max}${why}, not ${raw}`);
  return n;
}

/** The declared collection `name` of the app ({name, scope, ...}), if declared. */
function declaration(declared: unknown, name: string): { scope: string } | undefined {
  if (!Array.isArray(declared)) return undefined;
  for (const d of declared as unknown[]) {
    if (d && typeof d === 'object' && (d as { name?: unknown }).name === name) {
      const scope = (d as { scope?: unknown }).scope;
      return { scope: typeof scope === 'string' ? scope : 'app' };
    }
  }
  return undefined;
}

function checkName(name: string): void {
  if (!name || name.length > MAX_NAME) throw new HttpError(400, `a collection name has 1 to ${MAX_NAME} characters`);
  if (name.startsWith('_')) throw new HttpError(400, `${shown(name)} is not a collection a page can read: names starting with "_" are the SDK's own (db.<name> refuses them)`);
  if (/[\x00-\x1f\x7f/\\]/.test(name)) throw new HttpError(400, `${shown(name)} is not a collection name: it holds a slash, backslash or control character`);
}

/** Checks a GET of `/collection/<name>`; throws an HttpError (4xx) for what the emulator refuses. */
export function checkCollectionQuery(app: CollectionQueryApp, name: string, req: Request): void {
  checkName(name);

  const perRaw = param(req, 'per_page');
  if (perRaw !== undefined && !/^\d+$/.test(perRaw)) throw new HttpError(400, `per_page must be a whole number from 1 (the SDK reads at most ${MAX_PAGE_SIZE}), not ${shown(perRaw)}`);
  if (perRaw !== undefined && !/[1-9]/.test(perRaw)) throw new HttpError(400, `per_page must be a whole number from 1 (the SDK reads at most ${MAX_PAGE_SIZE}), not ${perRaw}`);
  const perPage = perRaw === undefined ? DEFAULT_PAGE_SIZE : Math.min(Number(perRaw), MAX_PAGE_SIZE);
  const pageRaw = param(req, 'page');
  const lastPage = Math.floor(MAX_SKIP / perPage) + 1;
  if (pageRaw !== undefined) whole('page', pageRaw, 1, lastPage, ` at ${perPage} rows a page`);
  const sort = param(req, 'sort');
  if (sort !== undefined && sort !== '') {
    if (sort.length > 200) throw new HttpError(400, 'sort names a field of at most 200 characters');
    try {
      parsePath(sort, 'sort');
    } catch (e) {
      throw new HttpError(400, e instanceof DataError ? e.message : String(e));
    }
  }
  const dir = param(req, 'sort_dir');
  if (dir !== undefined && dir !== 'asc' && dir !== 'desc') throw new HttpError(400, `sort_dir must be "asc" or "desc", not ${shown(dir)}`);
  // A filter that is no JSON object is the SDK's to ignore (it reads no filter then).
  param(req, 'filter');

  checkKnownAndScope(app, name, req);
}

/** Checks a write of `/collection/<name>[/...]` (PATCH, PUT, DELETE): its name and its scope. */
export function checkCollectionWrite(app: CollectionQueryApp, name: string, req: Request): void {
  checkName(name);
  checkKnownAndScope(app, name, req);
}

function checkKnownAndScope(app: CollectionQueryApp, name: string, req: Request): void {
  // A name neither declared nor stored is a dynamic collection to the SDK (db.<name>): no rows yet.
  const decl = declaration(app.declared, name);
  const scope = param(req, 'scope');
  if (scope !== undefined && scope !== '') {
    if (!Object.prototype.hasOwnProperty.call(SCOPE_RANK, scope)) throw new HttpError(400, `scope must be one of ${Object.keys(SCOPE_RANK).join(', ')}, not ${shown(scope)}`);
    const own = decl?.scope ?? 'app';
    if (decl && Object.prototype.hasOwnProperty.call(SCOPE_RANK, own) && SCOPE_RANK[scope]! < SCOPE_RANK[own]!) {
      throw new HttpError(403, `${shown(name)} is scoped "${own}": a query with scope "${scope}" would show rows of other ${own === 'session' ? 'sessions' : own === 'user' ? 'users' : 'owners'}`);
    }
  }
}
