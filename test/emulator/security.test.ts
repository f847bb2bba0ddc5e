// Security probes against a running emulator: token on every route, loopback Host only, no CORS,
// body limits, malformed JSON, the one-time login link, the discovery file.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { existsSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { emulatorForSuite, startEmulator, loginUrl, type RunningEmulator } from '../support/emulator';
import { ECHO_APP, chat } from './helpers';

/**
 * A raw request: a chosen Host header (fetch does not let us forge it), a body sent in pieces
 * (chunked, without a Content-Length).
 */
function rawRequest(
  url: string,
  headers: Record<string, string>,
  { method = 'GET', pieces = [] as string[] } = {},
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    for (const piece of pieces) req.write(piece);
    req.end();
  });
}

const rawGet = (url: string, headers: Record<string, string>) => rawRequest(url, headers);

describe('gateway security', () => {
  let emu: RunningEmulator;
  emulatorForSuite({ app: ECHO_APP }, (e) => (emu = e));

  test('the emulator listens on 127.0.0.1 only', () => {
    assert.match(emu.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  });

  test('no token → 401 on APIs, pages and forwarding; a wrong token too', async () => {
    for (const path of ['/api/state', '/api/prompts', '/api/events/log', '/chat', '/dashboard', '/apps/echo/data/public_info']) {
      const r = await fetch(emu.url + path);
      assert.equal(r.status, 401, path);
    }
    for (const path of ['/api/chat', '/api/debug', '/api/debug/stop']) {
      const post = await fetch(emu.url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"text":"hi"}' });
      assert.equal(post.status, 401, path);
    }
    const wrong = await fetch(emu.url + '/api/state', { headers: { authorization: 'Bearer nope' } });
    assert.equal(wrong.status, 401);
    const body = (await wrong.json()) as { error: string };
    assert.match(body.error, /session token/);
  });

  test('a foreign Host header is refused with 403 even with the token; loopback names pass', async () => {
    const bad = await rawGet(emu.url + '/api/state', { host: 'evil.example.com', authorization: `Bearer ${emu.token}` });
    assert.equal(bad.status, 403);
    assert.match(bad.body, /not a loopback name/);
    const rebinding = await rawGet(emu.url + '/api/state', { host: `attacker.test:${emu.port}`, authorization: `Bearer ${emu.token}` });
    assert.equal(rebinding.status, 403);
    for (const host of [`localhost:${emu.port}`, `127.0.0.1:${emu.port}`, `[::1]:${emu.port}`, 'localhost']) {
      const ok = await rawGet(emu.url + '/api/state', { host, authorization: `Bearer ${emu.token}` });
      assert.equal(ok.status, 200, host);
    }
    const publicRoute = await rawGet(emu.url + '/login?code=x', { host: 'evil.example.com' });
    assert.equal(publicRoute.status, 403, 'public routes check the Host too');
  });

  test('no CORS headers, and cross-origin requests are refused', async () => {
    const r = await emu.api('/api/state', { headers: { origin: 'https://evil.example.com' } });
    assert.equal(r.status, 403);
    assert.equal(r.headers.get('access-control-allow-origin'), null);
    const pre = await fetch(emu.url + '/api/chat', { method: 'OPTIONS', headers: { origin: `http://localhost:${emu.port}`, 'access-control-request-method': 'POST' } });
    assert.equal(pre.headers.get('access-control-allow-origin'), null);
    const ok = await emu.api('/api/state');
    ok.headers.forEach((_v, k) => assert.ok(!k.startsWith('access-control-'), `unexpected header ${k}`));
    assert.equal(ok.headers.get('x-powered-by'), null);
  });

  test('oversized body → 413, malformed JSON → 400, both with a clear message; the emulator keeps going', async () => {
    const big = await emu.api('/api/chat', { method: 'POST', body: JSON.stringify({ text: 'x'.repeat(1_100_000) }) });
    assert.equal(big.status, 413);
    assert.match(((await big.json()) as { error: string }).error, /too large/);
    const bad = await emu.api('/api/chat', { method: 'POST', body: '{"text": "hi",' });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: string }).error, /malformed JSON/);
    const notObject = await emu.api('/api/clock/advance', { method: 'POST', body: '"string"' });
    assert.equal(notObject.status, 400);
    const weird = await emu.api('/api/prompts/%E0%A4%A/answer', { method: 'POST', body: '{}' });
    assert.ok(weird.status >= 400 && weird.status < 500, `bad percent-encoding gives ${weird.status}`);
    const runnerRpc = await fetch(emu.url + '/_runner/rpc/GetSecret', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"ECHO_TOKEN"}' });
    assert.equal(runnerRpc.status, 401, 'runner RPC needs the per-run token');
    const stillUp = await chat(emu, 'alive?');
    assert.equal(stillUp.body.reply, 'echo: alive?');
  });

  test('POST /api/chat answers alike on its fast lane and through express', async () => {
    // `/api/chat?via=express` is not taken by the fast lane (fast-lane.ts): the same route, the other way.
    const cases: Array<[string, string, Record<string, string>?]> = [
      ['a message', '{"text":"hi"}'],
      ['malformed JSON', '{"text": "hi",'],
      ['no text', '{"user":"dana"}'],
      ['not an object', '[1,2]'],
      ['an empty body', ''],
      ['an unknown app', '{"text":"hi","app":"nope"}'],
      ['a bad session id', '{"text":"hi","session_id":"no spaces allowed"}'],
      ['a handler error', '{"text":"boom"}'],
      ['JSON with a charset', '{"text":"hi"}', { 'content-type': 'application/json; charset=utf-8' }],
    ];
    for (const [name, body, headers] of cases) {
      const send = async (path: string) => {
        const r = await emu.api(path, { method: 'POST', body, headers });
        const b = (await r.json()) as Record<string, unknown>;
        delete b.session_id; // a new session each time
        return { status: r.status, type: r.headers.get('content-type'), body: b };
      };
      assert.deepEqual(await send('/api/chat'), await send('/api/chat?via=express'), name);
    }
    // A body over the limit without a Content-Length (chunked): refused while it is read.
    const chunked = await rawRequest(emu.url + '/api/chat', { 'content-type': 'application/json', authorization: `Bearer ${emu.token}` }, {
      method: 'POST',
      pieces: ['{"text":"', ...Array.from({ length: 12 }, () => 'x'.repeat(100_000)), '"}'],
    });
    assert.equal(chunked.status, 413);
    assert.match(chunked.body, /too large: the limit is 1024 KiB/);
    // Requests the lane does not take go to express with their checks.
    const plain = await emu.api('/api/chat', { method: 'POST', body: 'hi', headers: { 'content-type': 'text/plain' } });
    assert.equal(plain.status, 400);
    const foreign = await emu.api('/api/chat', { method: 'POST', body: '{"text":"hi"}', headers: { origin: 'https://evil.example.com' } });
    assert.equal(foreign.status, 403);
    const rebound = (
      await rawRequest(emu.url + '/api/chat', { host: 'evil.example.com', 'content-type': 'application/json', authorization: `Bearer ${emu.token}` }, {
        method: 'POST',
        pieces: ['{"text":"hi"}'],
      })
    ).status;
    assert.equal(rebound, 403, 'a foreign Host is refused on the fast lane too');
    assert.equal((await chat(emu, 'still here')).body.reply, 'echo: still here');
  });

  test('the one-time login link sets an HttpOnly SameSite=Strict cookie and works once', async () => {
    const url = await loginUrl(emu, '/api/state');
    const first = await fetch(url, { redirect: 'manual' });
    assert.equal(first.status, 303);
    assert.equal(first.headers.get('location'), '/api/state');
    const cookie = first.headers.get('set-cookie') ?? '';
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    const withCookie = await fetch(emu.url + '/api/state', { headers: { cookie: cookie.split(';')[0]! } });
    assert.equal(withCookie.status, 200);
    const second = await fetch(url, { redirect: 'manual' });
    assert.equal(second.status, 401, 'a login code works once');
    const offsite = await fetch(await loginUrl(emu, '//evil.example.com'), { redirect: 'manual' });
    assert.equal(offsite.status, 303);
    assert.equal(offsite.headers.get('location'), '/chat', 'never redirects off the emulator');
  });

  test('the discovery file is 0600, names this process, and holds the token', () => {
    const file = join(emu.storeDir, 'emulator.json');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const d = JSON.parse(readFileSync(file, 'utf8')) as { url: string; port: number; pid: number; token: string };
    assert.equal(d.url, emu.url);
    assert.equal(d.pid, emu.pid);
    assert.equal(d.token, emu.token);
  });
});

test('the discovery file is removed on a clean exit; a stale one is replaced; a live one refuses a second emulator', async () => {
  const first = await startEmulator({ app: ECHO_APP });
  const file = join(first.storeDir, 'emulator.json');
  try {
    const second = await first.cli(['serve', first.entry, '--no-open', '--port', '0']);
    assert.equal(second.status, 1);
    assert.match(second.stderr, /already serves this store/);
  } finally {
    assert.equal(await first.stop(), 0);
  }
  assert.ok(!existsSync(file), 'removed on a clean exit');
  mkdirSync(first.storeDir, { recursive: true });
  writeFileSync(file, JSON.stringify({ url: 'http://127.0.0.1:1', port: 1, pid: 2 ** 22 + 7, token: 'stale' }));
  const chatStale = await first.cli(['chat', 'hi']);
  assert.equal(chatStale.status, 1);
  assert.match(chatStale.stderr, /no longer running/);
  const again = await startEmulator({ app: ECHO_APP, workspace: first.workspace, entry: first.entry });
  try {
    assert.equal(JSON.parse(readFileSync(file, 'utf8')).pid, again.pid);
  } finally {
    await again.stop();
    again.cleanup();
    first.cleanup();
  }
});
