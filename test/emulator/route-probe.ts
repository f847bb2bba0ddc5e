// Sends requests to every route of a running gateway, from its own route table: path parameters,
// query values and body fields filled with chosen values. Used by the hostile-input tests.
import type { RouteEntry } from '../../emulator/gateway/routes';

/** Ids and names that are keys of Object.prototype: an object used as a map must not see them. */
export const HOSTILE_NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__'];

/** Query parameters any route reads (a route ignores the ones it does not know). */
export const QUERY_KEYS = ['user', 'app', 'entry', 'since', 'limit', 'after', 'as', 'session_id', 'code', 'next', 'account', 'id', 'name', 'type', 'persona'];

/** Body fields any route reads. */
export const BODY_KEYS = ['text', 'session_id', 'user', 'app', 'id', 'name', 'email', 'persona', 'type', 'account', 'scopes', 'fields', 'allow', 'ms', 'seconds', 'handshake', 'body', 'request_id', 'scope', 'scope_id', 'key', 'value_json', 'data_json', 'enabled'];

/** A sample path for each RegExp route (a new one fails the test until it is added here). */
const REGEX_SAMPLES: Record<string, (v: string) => string> = {
  '/^\\/media\\/(.+)$/': (v) => `/media/${v}`,
};

/** Paths under a `USE` mount point whose handler routes by itself: the simulated OAuth servers. */
const MOUNT_SUFFIXES: Record<string, Array<[string, string]>> = {
  '/oauth/:provider': [
    ['GET', '/.well-known/oauth-authorization-server'],
    ['GET', '/authorize'],
    ['GET', '/consent/:id'],
    ['POST', '/consent'],
    ['POST', '/accounts'],
    ['POST', '/token'],
    ['POST', '/revoke'],
    ['GET', '/userinfo'],
  ],
};

export interface Probe {
  method: string;
  path: string;
}

/** The concrete method and path of `route` with every parameter set to `value` (URL-encoded). */
export function probesOf(route: RouteEntry, value: (param: string) => string): Probe[] {
  // A lone surrogate cannot be percent-encoded; its replacement character can.
  const encodeURIComponent = (v: string): string => globalThis.encodeURIComponent(Buffer.from(v, 'utf8').toString('utf8'));
  const fill = (p: string): string =>
    p
      .replace(/\{\/\*(\w+)\}/g, (_m, n: string) => `/${encodeURIComponent(value(n))}`)
      .replace(/[:*](\w+)/g, (_m, n: string) => encodeURIComponent(value(n)));
  if (route.path.startsWith('/^')) {
    const sample = REGEX_SAMPLES[route.path];
    if (!sample) throw new Error(`no sample path for the RegExp route ${route.method} ${route.path}: add one to REGEX_SAMPLES`);
    return [{ method: route.method, path: sample(encodeURIComponent(value('file'))) }];
  }
  if (route.method === 'USE') {
    const suffixes = MOUNT_SUFFIXES[route.path];
    if (!suffixes) throw new Error(`no sub-paths for the mount point ${route.path}: add them to MOUNT_SUFFIXES`);
    return suffixes.map(([method, suffix]) => ({ method, path: fill(route.path + suffix) }));
  }
  const methods = route.method === 'ALL' ? ['GET', 'POST'] : [route.method];
  return methods.map((method) => ({ method, path: fill(route.path) }));
}

export interface ProbeResult {
  status: number;
  contentType: string;
  body: string;
}

/**
 * One request. Event streams (SSE, NDJSON of a live log) never end: their status and type are
 * what counts, the body is left unread.
 */
export async function send(baseUrl: string, headers: Record<string, string>, probe: Probe, query: string, body?: string, contentType = 'application/json'): Promise<ProbeResult> {
  const ctrl = new AbortController();
  const url = `${baseUrl}${probe.path}${query ? `?${query}` : ''}`;
  const withBody = probe.method !== 'GET' && probe.method !== 'HEAD' && body !== undefined;
  const r = await fetch(url, {
    method: probe.method,
    headers: { ...headers, ...(withBody ? { 'content-type': contentType } : {}) },
    body: withBody ? body : undefined,
    redirect: 'manual',
    signal: ctrl.signal,
  });
  const type = r.headers.get('content-type') ?? '';
  if (/text\/event-stream/.test(type)) {
    ctrl.abort();
    return { status: r.status, contentType: type, body: '' };
  }
  return { status: r.status, contentType: type, body: await r.text() };
}

/** A small seeded generator (mulberry32): the same seed gives the same requests. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ODD_STRINGS = [
  ...HOSTILE_NAMES,
  '',
  ' ',
  '../../etc/passwd',
  '%00',
  '\u0000',
  '\ud800',
  '😀'.repeat(50),
  '<script>alert(1)</script>',
  'a'.repeat(300),
  'x'.repeat(20_000),
  'user_dev',
  'echo',
  'hostile',
  'kv __proto__',
  'data constructor',
  'secret toString',
  'null',
  '1e308',
  '-1',
];
const ODD_NUMBERS = [0, -1, 1, 1e308, -1e308, 2 ** 53, 0.5, 8.64e15, 315_360_000_000, 1e-300];

/** A random JSON value: odd strings and numbers, nested objects and arrays, hostile keys. */
export function randomValue(rnd: () => number, depth = 0): unknown {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const r = rnd();
  if (r < 0.35) return pick(ODD_STRINGS);
  if (r < 0.55) return pick(ODD_NUMBERS);
  if (r < 0.62) return rnd() < 0.5;
  if (r < 0.66) return null;
  if (depth > 2) return pick(ODD_STRINGS);
  if (r < 0.8) return Array.from({ length: Math.floor(rnd() * 4) }, () => randomValue(rnd, depth + 1));
  return randomObject(rnd, depth + 1);
}

export function randomObject(rnd: () => number, depth = 0): Record<string, unknown> {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const o: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  const n = Math.floor(rnd() * 5);
  for (let i = 0; i < n; i++) o[rnd() < 0.7 ? pick(BODY_KEYS) : pick(HOSTILE_NAMES)] = randomValue(rnd, depth);
  return o;
}
