// Data handlers and endpoints, forwarded to the app's runner as the platform's gateway does, with
// identity headers. Routes: `/apps/<app>/data/<name>` → runner `/data/<name>`, and
// `/apps/<app>/endpoints/<path>` → runner `/<path>`, and `/apps/<app>/preview/<port>/<path>` →
// runner `/_capsule/preview/<port>/<path>` (the SDK's own proxy to a port the app serves on its
// machine, which `session.show_browser(port=)` shows; the web chat frames it). A browser navigating
// to a preview path is sent on to the preview's own origin (preview-origin.ts). The simulated caller is a persona chosen with
// `?as=<persona id|name|email>` or the `X-Capsule-As` header, or the user of `?session_id=`;
// without one the call is unauthenticated (so `access="authenticated"` data answers 401).
import express, { Router, type Request, type Response } from 'express';
import type { GatewayHub } from './hub-impl';
import { HttpError } from './errors';
import { findPersona } from './sessions';
import { BODY_LIMIT } from './security';
import type { PreviewOrigins } from './preview-origin';
import { declaredOnboarding, declaredPages } from '../pages/widgets';
import { checkCollectionQuery, checkCollectionWrite } from './collection-query';
import type { AppSupervisor } from '../runner/supervisor';

const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'content-encoding', 'host', 'authorization', 'cookie']);

function identity(hub: GatewayHub, req: Request): Record<string, string> {
  const d = hub.read();
  const as = (typeof req.query.as === 'string' && req.query.as) || req.get('x-capsule-as') || '';
  const sessionId = typeof req.query.session_id === 'string' ? req.query.session_id : '';
  let userId = '';
  let email = '';
  let orgId = '';
  if (as) {
    const p = findPersona(d, as);
    if (!p) throw new HttpError(404, `no persona "${as}" (personas: ${d.personas.map((x) => x.id).join(', ')})`);
    userId = p.id;
    email = p.email ?? '';
    orgId = p.orgId ?? '';
  } else if (sessionId) {
    const s = hub.sessionView(sessionId);
    if (!s) throw new HttpError(404, `unknown session "${sessionId}"`);
    const p = d.personas.find((x) => x.id === s.userId);
    userId = s.userId;
    email = p?.email ?? '';
    orgId = p?.orgId ?? '';
  }
  if (!userId) return {};
  return {
    'x-capsule-authenticated': 'true',
    'x-capsule-user-id': userId,
    'x-capsule-email': email,
    'x-capsule-org-id': orgId ? `org:${orgId}` : userId,
    ...(sessionId ? { 'x-capsule-session-id': sessionId } : {}),
  };
}

/**
 * A React page's bundle (`/apps/<app>/pages/<name>/bundle.js`): the runner's
 * `/pages/<name>/bundle.js`, for a page the app declares (`add_page(component=)`, or
 * `__onboarding__` for `add_onboarding(component=)`) and no other name. When the SDK cannot bundle
 * it (its 503 `bundle_failed`, esbuild's message), serve says so too.
 */
async function forwardBundle(hub: GatewayHub, req: Request, res: Response, app: string, name: string): Promise<void> {
  const sup = hub.pickApp(app);
  const info = hub.apps().find((a) => a.name === sup.name);
  const declarations = info?.declarations;
  const pages = declaredPages(declarations).filter((p) => p.type === 'react' && p.component);
  const onboarding = declaredOnboarding(declarations);
  const known = pages.some((p) => p.name === name) || (name === '__onboarding__' && onboarding?.type === 'react' && !!onboarding.component);
  if (!known) throw new HttpError(404, `${sup.name} declares no React page named "${name.slice(0, 80)}" (its React pages: ${pages.map((p) => p.name).join(', ') || 'none'})`);
  if (info?.runtime === 'bundled') throw new HttpError(501, `${sup.name} runs on the bundled runtime, which does not bundle React pages: run it with the real SDK (cpsl) to see ${name}`);
  const sent = await forward(hub, req, res, sup.name, `/pages/${encodeURIComponent(name)}/bundle.js`, 'endpoint');
  if (sent.status === 503) {
    let message = sent.body.toString('utf8');
    try {
      const j = JSON.parse(message) as { error?: unknown; message?: unknown };
      if (j.error === 'bundle_failed' && typeof j.message === 'string') message = j.message;
    } catch {
      // not the SDK's JSON: its text is the message
    }
    hub.events.emit({ kind: 'error', app: sup.name, summary: `${sup.name}: the React page ${name} could not be bundled: ${hub.scrubber.text(message).slice(0, 4000)}`, detail: { page: name, status: sent.status } });
  }
}

/**
 * `check(sup)` runs once the app's runner is ready (its declarations known), before anything is
 * sent to it: it throws an HttpError for a request the emulator refuses.
 */
async function forward(hub: GatewayHub, req: Request, res: Response, app: string, path: string, kind: 'data' | 'endpoint' | 'preview', check?: (sup: AppSupervisor) => void): Promise<{ status: number; body: Buffer }> {
  const sup = hub.pickApp(app);
  let runner;
  try {
    runner = await sup.ready(hub.readyTimeoutMs);
  } catch (e) {
    throw new HttpError(503, (e as Error).message);
  }
  check?.(sup);
  const ids = identity(hub, req);
  const url = new URL(runner.baseUrl + path);
  for (const [k, v] of Object.entries(req.query)) {
    if (k === 'as' || typeof v !== 'string') continue;
    url.searchParams.append(k, v);
  }
  const headers: Record<string, string> = { authorization: `Bearer ${runner.token}` };
  for (const [k, v] of Object.entries(req.headers)) {
    if (typeof v === 'string' && !HOP.has(k) && !k.startsWith('x-capsule-')) headers[k] = v;
  }
  Object.assign(headers, ids);
  const body = Buffer.isBuffer(req.body) && req.body.length ? req.body : undefined;
  const r = await fetch(url, { method: req.method, headers, body: req.method === 'GET' || req.method === 'HEAD' || !body ? undefined : new Uint8Array(body), signal: AbortSignal.timeout(120_000) });
  const buf = Buffer.from(await r.arrayBuffer());
  hub.events.emit({
    kind,
    app: sup.name,
    userId: ids['x-capsule-user-id'],
    summary: `${req.method} ${kind === 'data' ? `data ${path.slice('/data/'.length)}` : kind === 'preview' ? `preview ${path.slice('/_capsule/preview/'.length)}` : path} as ${ids['x-capsule-user-id'] ?? 'anonymous'} → ${r.status}`,
    detail: { status: r.status, path, authenticated: !!ids['x-capsule-authenticated'] },
  });
  res.status(r.status);
  const type = r.headers.get('content-type');
  if (type) res.setHeader('content-type', type);
  // A previewed page served on the emulator's origin (API clients and scripts; browsers opening a
  // page go on to the preview's own origin, preview-origin.ts): sandboxed into an opaque origin,
  // its scripts run but cannot use the signed-in browser's session against the API.
  if (kind === 'preview') res.setHeader('content-security-policy', 'sandbox allow-scripts allow-forms allow-popups allow-modals');
  // The app's answer reaches its user: text goes through the scrubber like every other answer
  // (the scrubber matches JSON-escaped and encoded forms too); binary bodies pass as they are.
  res.send(type && TEXTUAL.test(type) ? hub.scrubber.text(buf.toString('utf8')) : buf);
  return { status: r.status, body: buf };
}

const TEXTUAL = /^(text\/|application\/(json|[\w.+-]*\+json|javascript|xml|[\w.+-]*\+xml|x-www-form-urlencoded|x-ndjson))/i;

export function forwardRouter(hub: GatewayHub, previews?: PreviewOrigins): Router {
  const router = Router();
  // Only the forwarded routes (all under /apps/) read their bodies raw here; a request for any
  // other route passes through with its body unread (an upload route reads its own, under its own limit).
  const raw = express.raw({ type: () => true, limit: BODY_LIMIT });
  router.use((req, res, next) => (req.path.startsWith('/apps/') ? raw(req, res, next) : next()));
  router.all('/apps/:app/data/:name', (req, res, next) => {
    forward(hub, req, res, req.params.app!, `/data/${encodeURIComponent(req.params.name!)}`, 'data').catch(next);
  });
  router.get('/apps/:app/pages/:name/bundle.js', (req, res, next) => {
    forwardBundle(hub, req, res, req.params.app!, req.params.name!).catch(next);
  });
  // A collection's rows (the SDK's /collection/<name> query): checked here first, so that bad
  // paging, a hostile or unknown name and a scope wider than the collection's get a 4xx
  // (collection-query.ts) and the scope the SDK filters by stays the collection's own or narrower.
  // Its writes (a row's update, the columns, a delete) take the same scope: their name and scope are checked too.
  const about = (sup: AppSupervisor) => ({ name: sup.name, declared: sup.info().declarations.collections });
  router.get('/apps/:app/endpoints/collection/:name', (req, res, next) => {
    const name = req.params.name!;
    forward(hub, req, res, req.params.app!, `/collection/${encodeURIComponent(name)}`, 'endpoint', (sup) => checkCollectionQuery(about(sup), name, req)).catch(next);
  });
  router.all('/apps/:app/endpoints/collection/:name{/*rest}', (req, res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD') return next();
    const name = req.params.name!;
    const rest = req.params.rest as unknown as string[] | string | undefined;
    const tail = Array.isArray(rest) ? rest.map((x) => `/${encodeURIComponent(x)}`).join('') : rest ? `/${rest}` : '';
    forward(hub, req, res, req.params.app!, `/collection/${encodeURIComponent(name)}${tail}`, 'endpoint', (sup) => checkCollectionWrite(about(sup), name, req)).catch(next);
  });
  router.all('/apps/:app/endpoints{/*rest}', (req, res, next) => {
    const rest = req.params.rest as unknown as string[] | string | undefined;
    const path = '/' + (Array.isArray(rest) ? rest.map(encodeURIComponent).join('/') : rest ?? '');
    forward(hub, req, res, req.params.app!, path, 'endpoint').catch(next);
  });
  router.all('/apps/:app/preview/:port{/*rest}', (req, res, next) => {
    const port = Number(req.params.port);
    if (!/^\d{1,5}$/.test(req.params.port!) || port < 1 || port > 65535) return next(new HttpError(400, `"${req.params.port}" is not a port (1–65535)`));
    const rest = req.params.rest as unknown as string[] | string | undefined;
    // `..` (or `%2e%2e`) would leave the SDK's preview route for the runner's others once the URL is resolved.
    if (Array.isArray(rest) && rest.some((seg) => seg === '.' || seg === '..')) return next(new HttpError(400, 'refused: a preview path may not hold "." or ".." segments'));
    const path = Array.isArray(rest) ? rest.map(encodeURIComponent).join('/') : rest ?? '';
    // A browser opening the page (a tab, the chat's frame) goes on to the preview's own origin,
    // signed in there by a single-use link: its absolute paths then reach the app's server.
    if (previews && (req.method === 'GET' || req.method === 'HEAD') && req.get('sec-fetch-mode') === 'navigate') {
      let app: string;
      try {
        app = hub.pickApp(req.params.app!).name;
      } catch (e) {
        return next(e);
      }
      if (previews.origin(app, port)) {
        const q = req.originalUrl.indexOf('?');
        res.setHeader('cache-control', 'no-store');
        return res.redirect(303, previews.signInUrl(app, port, `/${path}${q >= 0 ? req.originalUrl.slice(q) : ''}`));
      }
    }
    forward(hub, req, res, req.params.app!, `/_capsule/preview/${port}/${path}`, 'preview').catch(next);
  });
  return router;
}
