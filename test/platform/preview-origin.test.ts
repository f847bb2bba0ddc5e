// Browser previews on an origin of their own (`<port>-<app>.preview.localhost:<emulator port>`),
// over plain HTTP: the Host routes ahead of every emulator route, a single-use sign-in link from the
// signed-in main origin is the only way in, and bad Hosts, ports and apps are refused clearly.
// Node's fetch does not resolve `*.localhost`, so these requests go to 127.0.0.1 with the preview's
// Host header (as a browser resolving the name itself sends them).
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { join } from 'node:path';
import { emulatorForSuite, loginUrl, type RunningEmulator } from '../support/emulator';
import { chat } from '../emulator/helpers';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A request to the emulator's socket with a chosen Host header. */
function raw(emu: RunningEmulator, path: string, host: string, headers: Record<string, string> = {}, opts: { method?: string; body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    // `path` goes out as it is (dot segments, `//`, an absolute URL): the request line a client chose.
    const req = request({ host: '127.0.0.1', port: emu.port, path, method: opts.method ?? 'GET', headers: { ...headers, host } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    if (opts.body) req.write(opts.body);
    req.end();
  });
}

/** The WebSocket handshake's first answer line: upgrades are not proxied to previews. */
function upgrade(emu: RunningEmulator, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(`${emu.url}/hmr`, { headers: { host, connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' } });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve(`${res.statusCode} ${body}`));
    });
    req.on('upgrade', () => resolve('upgraded'));
    req.on('error', reject);
    req.end();
  });
}

describe('browser previews on their own origin', () => {
  let emu: RunningEmulator;
  let port: number;
  let host: string;
  emulatorForSuite({ app: join(__dirname, 'fixtures', 'preview') }, (e) => (emu = e));

  before(async () => {
    const r = await chat(emu, 'page');
    const block = (r.body.blocks as Array<{ type: string; payload: { port: number } }>).find((b) => b.type === 'browser_preview');
    assert.ok(block, JSON.stringify(r.body.blocks));
    port = block.payload.port;
    host = `${port}-preview.preview.localhost:${emu.port}`;
  });

  /** A sign-in link handed out by the main origin (bearer token), as `{origin, url}`. */
  async function link(previewPort = port, path = '/page'): Promise<{ origin: string; url: string }> {
    const r = await emu.api('/api/previews', { method: 'POST', body: JSON.stringify({ app: 'preview', port: previewPort, path }) });
    assert.equal(r.status, 200);
    return (await r.json()) as { origin: string; url: string };
  }

  /** Signs in through a fresh link; the preview host's cookie as a Cookie header. */
  async function signIn(previewPort = port): Promise<string> {
    const { url } = await link(previewPort);
    const u = new URL(url);
    const r = await raw(emu, u.pathname + u.search, u.host);
    assert.equal(r.status, 200, r.body);
    const set = r.headers['set-cookie'] as string[];
    return set[0]!.split(';')[0]!;
  }

  test('the main origin hands out a single-use sign-in link; the preview host exchanges it for a host-only cookie and drops it from the URL', async () => {
    const { origin, url } = await link();
    assert.equal(origin, `http://${host}`);
    const u = new URL(url);
    assert.equal(u.host, host);
    assert.equal(u.pathname, '/__capsule/preview-sign-in');
    assert.equal(u.searchParams.get('next'), '/page');
    const first = await raw(emu, u.pathname + u.search, host, { accept: 'text/html', 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate' });
    assert.equal(first.status, 200);
    const cookie = (first.headers['set-cookie'] as string[])[0]!;
    assert.match(cookie, new RegExp(`^capsule_preview_${emu.port}=[\\w-]+; HttpOnly; Secure; SameSite=None; Partitioned; Path=/$`));
    assert.doesNotMatch(cookie, /Domain=/i, 'host-only: never sent to the main origin or another preview');
    // The browser goes on by itself: the code leaves the address bar, the navigation is the preview's own.
    assert.match(first.body, /<meta http-equiv="refresh" content="0;url=\/page">/);
    assert.equal(first.headers['referrer-policy'], 'no-referrer');
    assert.equal(first.headers['cache-control'], 'no-store');
    // Used once: the same link again, without the cookie, is refused.
    const again = await raw(emu, u.pathname + u.search, host);
    assert.equal(again.status, 401);
    assert.match(JSON.parse(again.body).error, /already used, has expired or is for another preview/);
  });

  test("signed in, every path is the app's: its page, /static/x.js, /api/ping, and the emulator's own paths too", async () => {
    const cookie = await signIn();
    const page = await raw(emu, '/page', host, { cookie });
    assert.equal(page.status, 200);
    assert.match(page.body, /<script src='\/static\/x\.js'>/);
    assert.match(String(page.headers['content-security-policy']), new RegExp(`^frame-ancestors 'self' http://127\\.0\\.0\\.1:${emu.port} `));
    assert.doesNotMatch(String(page.headers['content-security-policy']), /sandbox/);
    const script = await raw(emu, '/static/x.js', host, { cookie, 'sec-fetch-site': 'same-origin' });
    assert.equal(script.status, 200);
    assert.match(script.body, /script from \/static\/x\.js/);
    // The app's own cookies reach it; the preview's sign-in cookie does not.
    const ping = await raw(emu, '/api/ping', host, { cookie: `${cookie}; theirs=1`, 'sec-fetch-site': 'same-origin', origin: `http://${host}` });
    assert.equal(ping.status, 200);
    assert.deepEqual(JSON.parse(ping.body), { pong: true, cookie: 'theirs=1' });
    const echo = await raw(emu, '/echo/a%20b?x=1&x=2&as=dev', host, { cookie });
    assert.deepEqual(JSON.parse(echo.body), { path: '/echo/a%20b?x=1&x=2&as=dev' }, 'the query is the page\'s, passed as it is');
    const posted = await raw(emu, '/form', host, { cookie, 'content-type': 'application/x-www-form-urlencoded' }, { method: 'POST', body: 'k=v' });
    assert.deepEqual(JSON.parse(posted.body), { posted: 'k=v' });
    // Nothing of the emulator answers on a preview host: these are the app's pages.
    for (const path of ['/api/state', '/chat', '/dashboard', '/login?code=x', '/media/common.css', '/_runner/rpc/register', '/']) {
      const r = await raw(emu, path, host, { cookie, authorization: `Bearer ${emu.token}` });
      assert.equal(r.status, 200, path);
      assert.match(r.body, /served by the app/, path);
    }
    const fast = await raw(emu, '/api/chat', host, { cookie, authorization: `Bearer ${emu.token}`, 'content-type': 'application/json' }, { method: 'POST', body: '{"text":"hi"}' });
    assert.deepEqual(JSON.parse(fast.body), { posted: '{"text":"hi"}' }, 'not the fast lane: the app got the post');
  });

  test("dot segments and odd request lines stay inside the preview: never the runner's other routes", async () => {
    const cookie = await signIn();
    // The runner's own /health answers {"ok": true}; the app's server answers its page.
    for (const path of ['/%2e%2e/%2e%2e/health', '/../../health', '/a/%2E%2E/%2e%2e/%2e%2e/health', '//health', `http://127.0.0.1:${emu.port}/../health`]) {
      const r = await raw(emu, path, host, { cookie });
      assert.equal(r.status, 200, path);
      assert.match(r.body, /served by the app/, path);
    }
    const main = `127.0.0.1:${emu.port}`;
    for (const path of [`/apps/preview/preview/${port}/%2e%2e/%2e%2e/%2e%2e/health`, `/apps/preview/preview/${port}/a/%2E%2E/%2e%2e/%2e%2e/%2e%2e/health`]) {
      const r = await raw(emu, path, main, { authorization: `Bearer ${emu.token}` });
      assert.equal(r.status, 400, path);
    }
  });

  test('refused without the preview cookie: no cookie, a forged one, the main session token, another preview\'s cookie', async () => {
    const none = await raw(emu, '/page', host, { accept: 'text/html' });
    assert.equal(none.status, 401);
    assert.match(none.body, /Preview not signed in/);
    assert.doesNotMatch(none.body, /<link|<script/, 'self-contained: an asset would be the app\'s');
    const forged = await raw(emu, '/page', host, { cookie: `capsule_preview_${emu.port}=forged` });
    assert.equal(forged.status, 401);
    const bearer = await raw(emu, '/page', host, { authorization: `Bearer ${emu.token}`, cookie: `capsule_session_${emu.port}=${emu.token}` });
    assert.equal(bearer.status, 401, 'the main origin\'s credentials do not open a preview');
    const other = await signIn(1);
    const crossed = await raw(emu, '/page', host, { cookie: other });
    assert.equal(crossed.status, 401, 'a cookie is for one preview host');
    const anonymousLink = await fetch(`${emu.url}/api/previews`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ port }) });
    assert.equal(anonymousLink.status, 401, 'only a signed-in main origin hands out links');
  });

  test('a sign-in code is for one preview host, spent by its first use, and expires', async () => {
    const { url } = await link(1);
    const u = new URL(url);
    const wrongHost = await raw(emu, u.pathname + u.search, host);
    assert.equal(wrongHost.status, 401);
    const spent = await raw(emu, u.pathname + u.search, u.host);
    assert.equal(spent.status, 401, 'spent by the attempt on another host');
    const made = await raw(emu, '/__capsule/preview-sign-in?code=made-up&next=/page', host);
    assert.equal(made.status, 401);
    const noCode = await raw(emu, '/__capsule/preview-sign-in', host);
    assert.equal(noCode.status, 401);
    const post = await raw(emu, '/__capsule/preview-sign-in', host, {}, { method: 'POST', body: 'code=x' });
    assert.equal(post.status, 405);
    // `next` stays on the preview host.
    const off = await link(port, '//evil.example/x');
    const offU = new URL(off.url);
    const r = await raw(emu, offU.pathname + offU.search, host);
    assert.match(r.body, /content="0;url=\/"/);
  });

  test('requests a browser marks as from another site or another preview are refused, even with the cookie', async () => {
    const cookie = await signIn();
    for (const site of ['cross-site', 'same-site']) {
      const r = await raw(emu, '/api/ping', host, { cookie, 'sec-fetch-site': site });
      assert.equal(r.status, 403, site);
    }
    for (const origin of ['http://evil.example', 'null', `http://1-preview.preview.localhost:${emu.port}`, `http://127.0.0.1:${emu.port}`]) {
      const r = await raw(emu, '/form', host, { cookie, origin }, { method: 'POST', body: 'k=v' });
      assert.equal(r.status, 403, origin);
    }
    const typed = await raw(emu, '/api/ping', host, { cookie, 'sec-fetch-site': 'none' });
    assert.equal(typed.status, 200, 'a typed or bookmarked address is the person\'s own');
  });

  test('bad Hosts under preview.localhost are answered there with 4xx; other foreign Hosts get the gateway\'s 403', async () => {
    const cookie = await signIn();
    const cases: Array<[string, number]> = [
      [`x.preview.localhost:${emu.port}`, 400],
      [`preview.localhost:${emu.port}`, 400],
      [`${port}-nope.preview.localhost:${emu.port}`, 404],
      [`${port}-__proto__.preview.localhost:${emu.port}`, 400],
      [`${port}-constructor.preview.localhost:${emu.port}`, 404],
      [`0-preview.preview.localhost:${emu.port}`, 400],
      [`70000-preview.preview.localhost:${emu.port}`, 400],
      [`123456-preview.preview.localhost:${emu.port}`, 400],
      [`0${port}-preview.preview.localhost:${emu.port}`, 400],
      [`${port}-preview.preview.localhost:1`, 400],
      [`${port}-preview.preview.localhost`, 400],
      [`${port}-preview.preview.localhost.:${emu.port}`, 400],
      [`a.${port}-preview.preview.localhost:${emu.port}`, 400],
      [`${port}-preview-.preview.localhost:${emu.port}`, 400],
      [`${port}-preview.preview.localhost:${emu.port}:1`, 400],
      [`${port}-preview.preview.localhost.evil.example:${emu.port}`, 403],
      [`${port}-preview.localhost:${emu.port}`, 403],
    ];
    for (const [h, status] of cases) {
      const r = await raw(emu, '/page', h, { cookie });
      assert.equal(r.status, status, h);
      assert.ok(JSON.parse(r.body).error, h);
    }
    // Case does not matter in a host name.
    const upper = await raw(emu, '/page', host.toUpperCase(), { cookie });
    assert.equal(upper.status, 200);
  });

  test("a port nothing listens on gets the SDK's 503 port_not_ready; websockets are refused with 501", async () => {
    const cookie = await signIn(1);
    const closed = await raw(emu, '/', `1-preview.preview.localhost:${emu.port}`, { cookie });
    assert.equal(closed.status, 503);
    assert.deepEqual(JSON.parse(closed.body), { error: 'port_not_ready', port: 1 });
    const ws = await upgrade(emu, host);
    assert.match(ws, /^501 .*forwards plain HTTP requests only/);
  });

  test("/api/previews checks its input; an unknown or hostile app is a 404", async () => {
    for (const body of [{ port: 0 }, { port: 70000 }, { port: '80' }, { port: 1.5 }, { port: 80, path: 3 }, { port: 80, app: 7 }]) {
      const r = await emu.api('/api/previews', { method: 'POST', body: JSON.stringify(body) });
      assert.equal(r.status, 400, JSON.stringify(body));
    }
    for (const app of ['nope', '__proto__', 'constructor']) {
      const r = await emu.api('/api/previews', { method: 'POST', body: JSON.stringify({ app, port: 80 }) });
      assert.equal(r.status, 404, app);
    }
  });

  test('the preview path on the main origin sends a browser opening a page on to the preview origin; other callers get it proxied, sandboxed', async () => {
    // (fetch sets Sec-Fetch-Mode itself: the browser's headers go out raw.)
    const main = `127.0.0.1:${emu.port}`;
    const navigate = { 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'iframe', 'sec-fetch-site': 'same-origin' };
    const nav = await raw(emu, `/apps/preview/preview/${port}/page?q=1`, main, { ...navigate, authorization: `Bearer ${emu.token}` });
    assert.equal(nav.status, 303);
    assert.equal(nav.headers['cache-control'], 'no-store');
    const to = new URL(String(nav.headers.location));
    assert.equal(to.host, host);
    assert.equal(to.pathname, '/__capsule/preview-sign-in');
    assert.equal(to.searchParams.get('next'), '/page?q=1');
    const signed = await raw(emu, to.pathname + to.search, host);
    assert.equal(signed.status, 200);
    const proxied = await emu.api(`/apps/preview/preview/${port}/page`);
    assert.equal(proxied.status, 200);
    assert.match(proxied.headers.get('content-security-policy') ?? '', /^sandbox allow-scripts/);
    const anonymous = await raw(emu, `/apps/preview/preview/${port}/page`, main, navigate);
    assert.equal(anonymous.status, 401, 'no link without the main origin\'s session');
    const unknown = await raw(emu, `/apps/nope/preview/${port}/`, main, { ...navigate, authorization: `Bearer ${emu.token}` });
    assert.equal(unknown.status, 404);
    const hostile = await raw(emu, `/apps/__proto__/preview/${port}/`, main, { ...navigate, authorization: `Bearer ${emu.token}` });
    assert.equal(hostile.status, 404);
  });

  test("the main origin's session cookie is host-only: a preview host never gets it", async () => {
    const r = await fetch(await loginUrl(emu, '/chat'), { redirect: 'manual' });
    const set = r.headers.get('set-cookie') ?? '';
    assert.match(set, new RegExp(`^capsule_session_${emu.port}=`));
    assert.doesNotMatch(set, /Domain=/i);
    assert.match(set, /SameSite=Strict/);
  });
});
