// Pipedream integrations on the real SDK (fixtures/pipedream): the app's session.require_integration
// prompts, the developer connects an account on the local Connect page (the upstream API's token
// and base URL), and `session.pipedream("github")` calls reach a loopback upstream with
// `Authorization: Bearer <token>`. Then what goes wrong, said clearly: not connected, an origin
// other than the account's, a redirect (not followed), an answer over the gateway's message limit,
// a declined and a headless connection, the upstream gone; and the planted token in no sink.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { startEmulator, type RunningEmulator } from '../support/emulator';
import { chat, events, json, waitForPrompt } from '../emulator/helpers';

const APP = join(__dirname, 'fixtures', 'pipedream');
/** The upstream token, planted: it must reach the upstream and nothing else. */
const TOKEN = 'ghp_Pd-planted+Tok3n/value=42';
const ACME_TOKEN = 'acme-Planted-token-7Qx';
const BIG = 17 * 1024 * 1024;

interface Seen {
  method: string;
  url: string;
  authorized: boolean;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A loopback API: /user and /repos/... for GitHub's token, /acme/... for Acme's, /big, /redirect. */
function upstream(): Promise<{ server: Server; url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = req.url ?? '';
      const acme = url.startsWith('/acme/');
      const authorized = req.headers.authorization === `Bearer ${acme ? ACME_TOKEN : TOKEN}`;
      seen.push({ method: req.method ?? '', url, authorized, headers: req.headers, body: Buffer.concat(chunks).toString() });
      const send = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(body));
      };
      if (!authorized) return send(401, { message: 'Bad credentials' });
      if (url.startsWith('/user')) return send(200, { login: 'octocat', path: url });
      if (url.startsWith('/repos/')) return send(201, { created: JSON.parse(Buffer.concat(chunks).toString()), trace: req.headers['x-trace'] });
      if (url.startsWith('/acme/accounts')) return send(200, { accounts: ['Initech'] });
      if (url === '/redirect') return send(302, {}, { location: 'https://evil.example/collect' });
      if (url === '/big') {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        return res.end(Buffer.alloc(BIG, 0x61));
      }
      send(404, { message: 'Not Found' });
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen })));
}

/** Every form the token may take in text: raw, JSON-escaped, URL-encoded, base64. */
function formsOf(v: string): Record<string, string> {
  const b64 = Buffer.from(v).toString('base64').replace(/=+$/, '');
  return { raw: v, json: JSON.stringify(v).slice(1, -1), url: encodeURIComponent(v), b64, b64url: b64.replace(/\+/g, '-').replace(/\//g, '_') };
}

describe('Pipedream integrations on the real SDK', () => {
  let api: Awaited<ReturnType<typeof upstream>>;
  let emu: RunningEmulator;
  const replies: string[] = [];
  const say = async (text: string): Promise<string> => {
    const r = await chat(emu, text);
    replies.push(JSON.stringify(r.body));
    assert.equal(r.status, 200, `${text}: ${JSON.stringify(r.body)}`);
    return r.body.reply;
  };
  const page = (path: string, init: RequestInit = {}): Promise<Response> => emu.api(path, { redirect: 'manual', ...init });
  const submit = (path: string, fields: Record<string, string>): Promise<Response> =>
    page(path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });

  before(async () => {
    api = await upstream();
    emu = await startEmulator({ app: APP, env: { UPSTREAM_URL: api.url } });
  });
  after(async () => {
    api?.server.close();
    await emu?.stop();
    emu?.cleanup();
  });

  test('before any connection, session.pipedream says the integration is not connected, for whom', async () => {
    const reply = await say('call github /user');
    assert.match(reply, /^FAILED_PRECONDITION: github is not connected for user_dev in pd-demo: .*session\.require_integration\("github"\)/);
    assert.equal(api.seen.length, 0, 'nothing reached the upstream');
  });

  test('connect on the local page: the prompt goes to the Pipedream page, the token is required, then the call reaches the API with it', async () => {
    const answer = chat(emu, 'whoami');
    const prompt = await waitForPrompt(emu, 'github');
    assert.equal(prompt.mode, 'pipedream');
    const start = await page(`/connect/${prompt.id}`);
    assert.equal(start.status, 302);
    assert.equal(start.headers.get('location'), `/integrations/pipedream/${prompt.id}`);
    const form = await page(`/integrations/pipedream/${prompt.id}`);
    assert.equal(form.status, 200);
    const html = await form.text();
    assert.match(html, /<h1>Connect GitHub<\/h1>/);
    assert.ok(html.includes(`value="${api.url}"`), 'the base URL comes prefilled from api_base_url=');
    assert.match(html, /From the app&#39;s declaration|From the app&#x27;s declaration/);
    assert.match(html, /GitHub is needed to read your profile\./);

    const missing = await submit(`/integrations/pipedream/${prompt.id}`, { access_token: '', api_base_url: api.url });
    assert.equal(missing.status, 400);
    assert.match(await missing.text(), /Access token is required/);
    const done = await submit(`/integrations/pipedream/${prompt.id}`, { access_token: TOKEN, api_base_url: `${api.url}/`, account_name: 'octocat' });
    assert.equal(done.status, 200);
    assert.match(await done.text(), /GitHub connected/);

    const r = await answer;
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.reply.split('\n').at(-1), `200 octocat via /user?access_token=in-query&page=2; token type Bearer; token length ${TOKEN.length}; fields ['access_token', 'account_id', 'account_name', 'api_base_url', 'app_slug', 'expires_at', 'provider', 'token_type']`);
    const call = api.seen.at(-1)!;
    assert.ok(call.authorized, 'the upstream got Authorization: Bearer <token>');
    assert.equal(call.method, 'GET');

    // The account's description reaches the app as the platform's fields do.
    assert.equal(await say('fields'), `app_slug=github provider=pipedream api_base_url=${api.url} account_id=apn_local_`);
  });

  test('a POST with JSON and the app\'s own headers is forwarded; the app cannot replace the injected token', async () => {
    const reply = await say('post');
    assert.equal(reply, '201 {"created":{"title":"Bug","n":1},"trace":"t-1"} content-type application/json');
    const call = api.seen.at(-1)!;
    assert.equal(call.url, '/repos/octo/hello/issues', 'a relative URL is appended to the base URL');
    assert.equal(call.headers['content-type'], 'application/json');
    assert.equal(call.body, '{"title":"Bug","n":1}');
    assert.ok(call.authorized);
  });

  // [url, what the app gets back]: the token is only ever sent to the account's origin.
  const REFUSED: Array<[string, RegExp]> = [
    ['https://evil.example/steal', /^PERMISSION_DENIED: the github proxy refuses GET https:\/\/evil\.example\/steal: it is not on the account's API origin http:\/\/127\.0\.0\.1:\d+; the account's token is only sent to http:\/\/127\.0\.0\.1:\d+\.$/],
    ['http://127.0.0.1:1/user?key=abc', /^PERMISSION_DENIED: the github proxy refuses GET http:\/\/127\.0\.0\.1:1\/user\?key=…: it is not on the account's API origin/],
    ['//evil.example/x?k=v', /^INVALID_ARGUMENT: the github proxy cannot send GET: "\/\/evil\.example\/x\?…" has no scheme: give a path relative to http:\/\/127\.0\.0\.1:\d+, or an absolute URL on/],
  ];
  test('a URL off the account\'s origin is refused before anything is sent; a redirect is handed back, not followed', async () => {
    const before = api.seen.length;
    for (const [url, want] of REFUSED) assert.match(await say(`call github ${url}`), want, url);
    assert.equal(api.seen.length, before, 'the upstream saw none of them');
    // The same origin given absolutely is fine.
    assert.match(await say(`call github ${api.url}/user`), /^200 \{"login":"octocat"/);
    assert.equal(await say('call github /redirect'), '302 {}');
    assert.equal(api.seen.at(-1)!.url, '/redirect');
  });

  test('an answer over the gateway\'s message limit is refused with the limit, not cut', async () => {
    assert.match(await say('call github /big'), /^RESOURCE_EXHAUSTED: the answer of http:\/\/127\.0\.0\.1:\d+\/big \(200\) is larger than \d+ bytes, more than one gateway message carries/);
  });

  test('an app with no known API: the base URL is required; Deny declines; a headless answer connects', async () => {
    const declined = chat(emu, 'acme');
    const prompt = await waitForPrompt(emu, 'acme_crm');
    const html = await (await page(`/integrations/pipedream/${prompt.id}`)).text();
    assert.ok(html.includes('name="api_base_url" type="url"') && html.includes('value=""'), 'nothing to prefill');
    const noBase = await submit(`/integrations/pipedream/${prompt.id}`, { access_token: ACME_TOKEN, api_base_url: '' });
    assert.equal(noBase.status, 400);
    assert.match(await noBase.text(), /API base URL is required/);
    const deny = await submit(`/integrations/pipedream/${prompt.id}/deny`, {});
    assert.equal(deny.status, 200);
    assert.match(await deny.text(), /You declined/);
    assert.equal((await declined).body.reply.split('\n').at(-1), "IntegrationDeclined: user did not connect 'acme_crm'");

    const connected = chat(emu, 'acme');
    const again = await waitForPrompt(emu, 'acme_crm');
    const bad = await json(emu, `/api/prompts/${again.id}/answer`, { allow: true, fields: { access_token: ACME_TOKEN } });
    assert.equal(bad.status, 400);
    assert.match(JSON.stringify(bad.body), /API base URL is required/);
    const ok = await json(emu, `/api/prompts/${again.id}/answer`, { allow: true, fields: { access_token: ACME_TOKEN, api_base_url: `${api.url}/acme` } });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal((await connected).body.reply.split('\n').at(-1), '200 {"accounts":["Initech"]}');
    assert.equal(api.seen.at(-1)!.url, '/acme/accounts');
    assert.ok(api.seen.at(-1)!.authorized);
  });

  test('every call is an event: method, URL without query values, status; refusals too', async () => {
    const all = (await events(emu)).filter((e) => e.kind === 'pipedream');
    const summaries = all.map((e) => e.summary.replace(/127\.0\.0\.1:\d+/g, 'UP'));
    for (const want of [
      'github: GET http://UP/user?access_token=…&page=… → 200',
      'github: POST http://UP/repos/octo/hello/issues → 201',
      'github: GET http://UP/redirect → 302',
      'acme_crm: GET http://UP/acme/accounts → 200',
    ]) {
      assert.ok(summaries.includes(want), `${want} in ${JSON.stringify(summaries, null, 1)}`);
    }
    assert.ok(summaries.some((s) => s.startsWith('github: GET refused: github is not connected for user_dev')));
    assert.ok(summaries.some((s) => s.startsWith('github: GET refused: the github proxy refuses GET https://evil.example/steal')));
    const ok = all.find((e) => e.summary.includes('/user?access_token'))!;
    assert.equal(ok.detail?.status, 200);
    assert.equal(typeof ok.detail?.durationMs, 'number');
    assert.ok(!JSON.stringify(all).includes('in-query'), 'no query value is recorded');
  });

  test('the planted tokens appear in no sink, in no form: replies, console, events, state, export, store files', async () => {
    const leaked = await say('leak');
    assert.equal(leaked, 'token: [secret]');
    const sinks: Record<string, string> = { 'chat answers': replies.join('\n') };
    const get = async (path: string): Promise<string> => {
      const r = await emu.api(path);
      return `${r.status} ${await r.text()}`;
    };
    for (const path of ['/api/events/log?limit=5000', '/api/state', '/api/integrations', '/api/prompts', '/api/dashboard/state']) sinks[path] = await get(path);
    const dash = JSON.parse(sinks['/api/dashboard/state']!.slice(4)) as { sessions: Array<{ id: string }> };
    for (const s of dash.sessions) sinks[`session ${s.id}`] = await get(`/api/dashboard/sessions/${s.id}`);
    const exported = await emu.cli(['export', '-']);
    assert.equal(exported.status, 0, exported.stderr);
    sinks['export without --include-secrets'] = exported.stdout + exported.stderr;
    assert.match(sinks['/api/events/log?limit=5000']!, /the token is \[secret\]/, 'the app printed it: masked in the log');
    await emu.stop();
    sinks["serve's console"] = emu.output();
    for (const f of readdirSync(emu.storeDir, { recursive: true }) as string[]) {
      let text: string;
      try {
        text = readFileSync(join(emu.storeDir, f), 'utf8');
      } catch {
        continue;
      }
      // store.json's integrations are where the token is meant to live.
      if (f.startsWith('store.json')) text = JSON.stringify({ ...(JSON.parse(text) as object), integrations: undefined });
      sinks[`store folder: ${f}`] = text;
    }
    const hits: string[] = [];
    for (const [sink, text] of Object.entries(sinks)) {
      for (const value of [TOKEN, ACME_TOKEN]) {
        for (const [form, needle] of Object.entries(formsOf(value))) if (text.includes(needle)) hits.push(`${sink}: ${form} of ${value.slice(0, 6)}…`);
      }
    }
    assert.deepEqual(hits, []);
    // Restarted for the last case.
    emu = await startEmulator({ app: APP, workspace: emu.workspace, env: { UPSTREAM_URL: api.url } });
  });

  test('the upstream gone: a 502 answer saying it could not be reached', async () => {
    const closed = new Promise<void>((resolve) => api.server.close(() => resolve()));
    api.server.closeAllConnections();
    await closed;
    const reply = await say('call github /user');
    assert.match(reply, /^502 \{"error":\{"type":"upstream_unreachable","message":"Capsule Local's Pipedream proxy: http:\/\/127\.0\.0\.1:\d+\/user could not be reached \(ECONNREFUSED\)\."\}\}$/);
  });
});
