// Browser previews on an origin of their own: `http://<port>-<app>.preview.localhost:<emulator
// port>/<path>` serves the port `<port>` of app `<app>` at its root, through the SDK's own preview
// proxy (`/_capsule/preview/<port>/<path>` on the runner's loopback server), so a page that links
// `/static/app.js` or fetches `/api/x` by absolute path reaches its own server, as on the platform.
// Browsers resolve `*.localhost` to loopback by themselves (Chromium, Firefox, curl); Node's fetch
// does not, so Node clients connect to 127.0.0.1 and send the preview's Host header.
//
// Security. The Host decides, ahead of every other route (the fast lane, express, the runner
// link): on a preview host every path goes to that preview and nothing else of the emulator is
// served. Only the exact shape `<port>-<label>.preview.localhost:<emulator port>` is accepted, with
// a port 1–65535 and the label of an app this emulator serves; anything else under
// `.preview.localhost` is a 400/404 (other foreign Hosts get security.ts's 403). A preview host is
// reached only with the signed-in user's consent: the main origin (signed in) hands out a sign-in
// link with a single-use code valid for a minute, bound to that one preview host; the preview host
// exchanges it for a host-only cookie and drops the code from the URL. The main origin's session
// cookie is host-only (no Domain): it is never sent to a preview host, and the preview's cookie
// never to the main origin or to another preview. The preview cookie is `SameSite=None; Secure;
// Partitioned` so it works in the chat's frame (a cross-site frame: 127.0.0.1 is another site;
// browsers treat `*.localhost` as a secure context, so `Secure` holds over plain HTTP), and the
// server itself refuses requests a browser marks as coming from another site or another preview
// (`Sec-Fetch-Site` other than same-origin or none, or a foreign Origin), which is what
// `SameSite=Strict` would do. Responses carry `frame-ancestors` naming the preview itself and the
// main origin only. No `CSP: sandbox` here: the page already has an origin of its own, and a
// sandbox would make it opaque again (its own `/api/x` calls would be cross-origin).
import { createHmac, randomBytes } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import type { GatewayHub } from './hub-impl';
import { HttpError } from './errors';
import { BODY_LIMIT_BYTES, sameToken } from './security';

export const PREVIEW_DOMAIN = 'preview.localhost';
/** The one path of a preview host that is not the app's: the exchange of a sign-in code. */
export const PREVIEW_SIGN_IN_PATH = '/__capsule/preview-sign-in';
const CODE_TTL_MS = 60_000;
const MAX_CODES = 1000;
/** A preview host: `<port>-<label>.preview.localhost` and the emulator's port (checked apart). */
const PREVIEW_HOST = /^([1-9]\d{0,4})-([a-z0-9](?:[a-z0-9-]{0,50}[a-z0-9])?)\.preview\.localhost(?::(\d{1,5}))?$/;
/** Any name at or under preview.localhost (so a malformed one is answered here, never elsewhere). */
const UNDER_PREVIEW = /^(?:[^:/\s]*\.)?preview\.localhost\.?(?::.*)?$/i;
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,50}[a-z0-9])?$/;
const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'content-encoding', 'host', 'authorization', 'proxy-authorization', 'te', 'trailer', 'upgrade']);
const TEXTUAL = /^(text\/|application\/(json|[\w.+-]*\+json|javascript|xml|[\w.+-]*\+xml|x-www-form-urlencoded|x-ndjson))/i;

/** The host label of an app's previews (its name in lower case), or undefined when a name cannot be one. */
export function previewLabel(app: string): string | undefined {
  const label = app.toLowerCase();
  return LABEL.test(label) ? label : undefined;
}

function validPort(s: string): number | undefined {
  if (!/^[1-9]\d{0,4}$/.test(s)) return undefined;
  const n = Number(s);
  return n <= 65535 ? n : undefined;
}

/** Whether a Host header names something under preview.localhost (well-formed or not). */
export function isUnderPreviewDomain(host: string | undefined): boolean {
  return !!host && UNDER_PREVIEW.test(host);
}

export interface PreviewTarget {
  port: number;
  label: string;
  /** The app's name as the emulator knows it. */
  app: string;
}

export class PreviewOrigins {
  /** Codes handed out by the main origin: code → the preview host it signs in to, and until when. */
  private readonly codes = new Map<string, { host: string; until: number }>();
  /** The emulator's port, known once it listens. */
  emulatorPort = 0;

  constructor(
    private readonly hub: GatewayHub,
    /** The workspace's session token: the preview cookies are derived from it. */
    private readonly token: string,
  ) {}

  get cookieName(): string {
    return `capsule_preview_${this.emulatorPort}`;
  }

  /** `http://<port>-<label>.preview.localhost:<emulator port>`, or undefined when the app's name cannot be a label. */
  origin(app: string, port: number): string | undefined {
    const label = previewLabel(app);
    if (!label || !Number.isInteger(port) || port < 1 || port > 65535) return undefined;
    return `http://${this.hostName(port, label)}`;
  }

  private hostName(port: number, label: string): string {
    return `${port}-${label}.${PREVIEW_DOMAIN}:${this.emulatorPort}`;
  }

  /**
   * A sign-in link to the preview of `port` of `app`, opening at `path` (a path of the app's page,
   * with its query). Only the main origin, signed in, calls this: the link is the user's consent.
   */
  signInUrl(app: string, port: number, path = '/'): string {
    const origin = this.origin(app, port);
    if (!origin) throw new HttpError(400, `the app name "${app}" cannot be a host name: its previews are served at /apps/<app>/preview/<port>/ only`);
    const now = Date.now();
    if (this.codes.size >= MAX_CODES) {
      for (const [c, v] of this.codes) if (v.until < now) this.codes.delete(c);
      // Still full: the oldest go first (a Map iterates in insertion order).
      for (const c of this.codes.keys()) {
        if (this.codes.size < MAX_CODES) break;
        this.codes.delete(c);
      }
    }
    const code = randomBytes(18).toString('base64url');
    this.codes.set(code, { host: this.hostName(port, previewLabel(app)!), until: now + CODE_TTL_MS });
    return `${origin}${PREVIEW_SIGN_IN_PATH}?code=${encodeURIComponent(code)}&next=${encodeURIComponent(safeNext(path))}`;
  }

  /** The name of a served app (`name` as the hub picks it: 404 for an unknown one). */
  appName(name: string | undefined): string {
    return this.hub.pickApp(name).name;
  }

  /** The preview host a Host header names, or the status and reason it is refused. */
  target(host: string | undefined): PreviewTarget | { status: number; error: string } {
    const h = (host ?? '').toLowerCase();
    const m = PREVIEW_HOST.exec(h);
    if (!m) return { status: 400, error: `refused: Host "${clip(host)}" is not a preview host (<port>-<app>.${PREVIEW_DOMAIN}:${this.emulatorPort})` };
    const port = validPort(m[1]!);
    if (port === undefined) return { status: 400, error: `refused: "${m[1]}" is not a port (1–65535)` };
    const hostPort = m[3] ?? '80';
    if (Number(hostPort) !== this.emulatorPort) return { status: 400, error: `refused: Host "${clip(host)}" names port ${hostPort}, not this emulator's ${this.emulatorPort}` };
    const label = m[2]!;
    const apps = this.hub.supervisors.filter((s) => previewLabel(s.name) === label);
    if (apps.length !== 1) {
      const served = this.hub.supervisors.map((s) => s.name).join(', ') || 'none';
      return { status: 404, error: apps.length ? `several apps answer to "${label}" (${served}): their previews are served at /apps/<app>/preview/<port>/ only` : `no app "${label}" is served here (served: ${served})` };
    }
    return { port, label, app: apps[0]!.name };
  }

  /** The cookie value of one preview host: derived from the session token, so it outlives restarts and dies with the token. */
  private cookieValue(host: string): string {
    return createHmac('sha256', this.token).update(`preview-origin:${host}`).digest('base64url');
  }

  private signedIn(req: IncomingMessage, host: string): boolean {
    return sameToken(cookieOf(req, this.cookieName), this.cookieValue(host));
  }

  /** Every request whose Host is under preview.localhost: nothing else of the emulator answers it. */
  handle: RequestListener = (req, res) => {
    this.serve(req, res).catch((e: unknown) => {
      const err = e as { status?: number; message?: string };
      const status = typeof err.status === 'number' && err.status >= 400 && err.status < 600 ? err.status : 502;
      plain(req, res, status, status === 502 ? `the preview could not be reached: ${err.message ?? String(e)}` : err.message ?? 'error');
    });
  };

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.on('error', () => undefined);
    const t = this.target(req.headers.host);
    if ('status' in t) return plain(req, res, t.status, t.error);
    const host = this.hostName(t.port, t.label);
    const url = requestUrl(req.url);
    // A page, its scripts and styles, framed by the main origin or the preview itself, nothing else.
    res.setHeader('content-security-policy', `frame-ancestors 'self' ${this.mainOrigins()}`);
    res.setHeader('x-content-type-options', 'nosniff');
    if (url.pathname === PREVIEW_SIGN_IN_PATH) return this.signIn(req, res, url, host, t);
    const refused = foreignRequest(req, `http://${host}`);
    if (refused) return plain(req, res, 403, refused);
    if (!this.signedIn(req, host)) {
      return plain(req, res, 401, `This preview is not signed in in this browser. Open it from the web chat's preview card, or through ${this.hub.url}/apps/${encodeURIComponent(t.app)}/preview/${t.port}${url.pathname} in a browser signed in to the emulator.`, 'Preview not signed in');
    }
    await this.proxy(req, res, t, url);
  }

  private mainOrigins(): string {
    const p = this.emulatorPort;
    return `http://127.0.0.1:${p} http://localhost:${p} http://[::1]:${p}`;
  }

  private signIn(req: IncomingMessage, res: ServerResponse, url: URL, host: string, t: PreviewTarget): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') return plain(req, res, 405, `${PREVIEW_SIGN_IN_PATH} takes GET`);
    res.setHeader('cache-control', 'no-store');
    res.setHeader('referrer-policy', 'no-referrer');
    const code = url.searchParams.get('code') ?? '';
    const next = safeNext(url.searchParams.get('next') ?? '/');
    const given = this.codes.get(code);
    // Single use: a code is spent by the first attempt, whichever host it names.
    if (code) this.codes.delete(code);
    const valid = !!given && given.host === host && given.until >= Date.now();
    if (!valid) {
      // A used link opened again in the browser it signed in (a reload of the frame) just goes on.
      if (this.signedIn(req, host) && !foreignRequest(req, `http://${host}`)) return continueTo(res, next);
      return plain(req, res, 401, `This preview link was already used, has expired or is for another preview. Open the preview again from the web chat, or through ${this.hub.url}/apps/${encodeURIComponent(t.app)}/preview/${t.port}/ in a browser signed in to the emulator.`, 'Preview link used or expired');
    }
    res.setHeader('set-cookie', `${this.cookieName}=${this.cookieValue(host)}; HttpOnly; Secure; SameSite=None; Partitioned; Path=/`);
    continueTo(res, next);
  }

  private async proxy(req: IncomingMessage, res: ServerResponse, t: PreviewTarget, url: URL): Promise<void> {
    const sup = this.hub.pickApp(t.app);
    let runner;
    try {
      runner = await sup.ready(this.hub.readyTimeoutMs);
    } catch (e) {
      throw new HttpError(503, (e as Error).message);
    }
    const body = req.method === 'GET' || req.method === 'HEAD' ? undefined : await readBody(req, BODY_LIMIT_BYTES);
    const path = url.pathname.replace(/^\/+/, '');
    const prefix = `/_capsule/preview/${t.port}/`;
    const target = new URL(`${runner.baseUrl}${prefix}${path}${url.search}`);
    // Dot segments were resolved when the request's path was read: nothing leaves the SDK's proxy route.
    if (!target.pathname.startsWith(prefix)) throw new HttpError(400, `refused: the path "${clip(url.pathname)}" leaves the preview`);
    const headers: Record<string, string> = { authorization: `Bearer ${runner.token}` };
    for (const [k, v] of Object.entries(req.headers)) {
      if (typeof v !== 'string' || HOP.has(k) || k.startsWith('x-capsule-')) continue;
      if (k === 'cookie') {
        // The app's own cookies go on to it; the preview's sign-in cookie stays here.
        const rest = v.split(';').map((s) => s.trim()).filter((s) => s && !s.startsWith(`${this.cookieName}=`));
        if (rest.length) headers.cookie = rest.join('; ');
        continue;
      }
      headers[k] = v;
    }
    const r = await fetch(target, {
      method: req.method,
      headers,
      body: body && body.length ? new Uint8Array(body) : undefined,
      redirect: 'manual',
      signal: AbortSignal.timeout(120_000),
    });
    const buf = Buffer.from(await r.arrayBuffer());
    this.hub.events.emit({
      kind: 'preview',
      app: sup.name,
      summary: `${req.method} preview ${t.port}${url.pathname} on its own origin → ${r.status}`,
      detail: { status: r.status, port: t.port, path: url.pathname, origin: `http://${this.hostName(t.port, t.label)}` },
    });
    res.statusCode = r.status;
    r.headers.forEach((v, k) => {
      const key = k.toLowerCase();
      if (HOP.has(key) || key === 'set-cookie' || key === 'x-content-type-options') return;
      // The app's own policy applies too, beside ours (a browser enforces every policy it gets).
      if (key === 'content-security-policy') res.setHeader(key, [String(res.getHeader(key) ?? ''), v].filter(Boolean));
      else res.setHeader(key, v);
    });
    const cookies = r.headers.getSetCookie().filter((c) => !c.trim().startsWith(`${this.cookieName}=`));
    if (cookies.length) res.setHeader('set-cookie', cookies);
    const type = r.headers.get('content-type');
    // The app's answer reaches its user: text goes through the scrubber like every other answer.
    const out = type && TEXTUAL.test(type) ? Buffer.from(this.hub.scrubber.text(buf.toString('utf8')), 'utf8') : buf;
    if (req.method === 'HEAD') return void res.end();
    res.setHeader('content-length', String(out.length));
    res.end(out);
  }
}

/**
 * Why a browser request comes from elsewhere (another site, another preview, an opaque origin),
 * or undefined when it is the preview's own or a person's (typed, bookmarked) or not a browser's.
 */
function foreignRequest(req: IncomingMessage, origin: string): string | undefined {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return `refused: a ${site} request to a preview (only the preview's own pages may call it; open it from the web chat)`;
  const o = req.headers.origin;
  if (o !== undefined && o !== origin) return `refused: requests from origin ${clip(o)} are not allowed on this preview`;
  return undefined;
}

/**
 * The request's path and query, its dot segments (`..`, `%2e%2e`) resolved as a browser would
 * (the request line may also hold an absolute URL, or a path starting `//`).
 */
function requestUrl(target: string | undefined): URL {
  const t = target ?? '/';
  if (t.startsWith('/')) return new URL(`http://preview.invalid${t}`);
  try {
    const u = new URL(t);
    return new URL(`http://preview.invalid${u.pathname}${u.search}`);
  } catch {
    return new URL('http://preview.invalid/');
  }
}

/** A path on the preview host to go on to: absolute, on the same host, or `/`. */
function safeNext(path: string): string {
  const p = path.startsWith('/') ? path : `/${path}`;
  return /^\/(?!\/)[^\\\s]*$/.test(p) && !p.startsWith(PREVIEW_SIGN_IN_PATH) ? p : '/';
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function clip(s: string | undefined): string {
  return (s ?? '').slice(0, 120);
}

/**
 * The page after the sign-in: the browser goes on to `next` by itself (a client redirect, so the
 * navigation is the preview's own and the code leaves the address bar and the history).
 */
function continueTo(res: ServerResponse, next: string): void {
  const href = esc(next);
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=${href}"><title>Opening the preview</title></head><body><p>Opening the preview… <a href="${href}">continue</a></p></body></html>`;
  res.statusCode = 200;
  res.setHeader('content-type', 'text/html; charset=utf-8');
  res.end(html);
}

/** An answer of the preview host itself: self-contained (any asset it linked would be the app's). */
function plain(req: IncomingMessage, res: ServerResponse, status: number, message: string, title?: string): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.statusCode = status;
  res.setHeader('cache-control', 'no-store');
  const accept = String(req.headers.accept ?? '');
  if (/text\/html/.test(accept) && !/application\/json/.test(accept)) {
    const t = title ?? (status === 401 ? 'Preview not signed in' : `Error ${status}`);
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(t)} — Capsule Local</title></head><body><main style="max-width:640px;margin:48px auto;padding:0 16px;font-family:system-ui,sans-serif"><h1>${esc(t)}</h1><p role="alert">${esc(message)}</p></main></body></html>`);
    return;
  }
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.end(JSON.stringify({ error: message }));
}

function cookieOf(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        // Read on and drop the rest, so the 413 reaches the client.
        if (!over) {
          over = true;
          chunks.length = 0;
          reject(new HttpError(413, `request body too large: the limit is ${Math.round(limit / 1024)} KiB`));
        }
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Requests under preview.localhost go to the previews, ahead of `next` (the emulator's own routes). */
export function withPreviewHosts(next: RequestListener, previews: PreviewOrigins): RequestListener {
  return (req, res) => (isUnderPreviewDomain(req.headers.host) ? previews.handle(req, res) : next(req, res));
}

/**
 * `POST /api/previews` `{app, port, path?}` (behind the session token): `{origin, url}`, the
 * preview's origin and a single-use sign-in link to it (for clients that open previews themselves).
 */
export function previewLinkHandler(previews: PreviewOrigins): RequestHandler {
  return (req, res, next) => {
    try {
      const body = (req.body && typeof req.body === 'object' ? req.body : {}) as Record<string, unknown>;
      const port = typeof body.port === 'number' ? body.port : Number.NaN;
      if (!Number.isInteger(port) || port < 1 || port > 65535) throw new HttpError(400, '"port" must be a port number (1–65535)');
      if (body.path !== undefined && typeof body.path !== 'string') throw new HttpError(400, '"path" must be a string');
      if (body.app !== undefined && typeof body.app !== 'string') throw new HttpError(400, '"app" must be a string');
      const app = previews.appName(body.app as string | undefined);
      res.json({ origin: previews.origin(app, port), url: previews.signInUrl(app, port, (body.path as string | undefined) ?? '/') });
    } catch (e) {
      next(e);
    }
  };
}
