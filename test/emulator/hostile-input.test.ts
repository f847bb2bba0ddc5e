// Hostile input on every route the gateway serves, read from its own route table (express's
// router stack plus the fast lane): names that are keys of Object.prototype in every path, query
// and body position, then a seeded fuzzer over the routes' bodies. Nothing may answer 5xx, an
// unknown name is never found, and the emulator keeps working afterwards.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type RunningEmulator } from '../../emulator/gateway';
import { newChannel } from '../../emulator/store';
import { fixture } from '../support/emulator';
import { waitFor } from '../support/wait';
import { BODY_KEYS, HOSTILE_NAMES, QUERY_KEYS, probesOf, randomObject, randomValue, seeded, send, type Probe } from './route-probe';

const HOSTILE_APP = fixture('emulator', 'hostile');
const text = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));
/** Runner methods probed with the runner's own token (the others hold or replace the runner). */
const RUNNER_METHODS = ['GetSession', 'SaveSessionData', 'GetUserIntegrations', 'GetSecret', 'KvGet', 'KvSet', 'KvDelete', 'Log', 'SubmitResult', 'NotifySession'];
/**
 * Routes that restart the app (under the debugger) when their body names no other app: probed
 * with a hostile `app` in every body, so that each probe is answered without a restart.
 */
const RESTARTING = ['/api/debug', '/api/debug/stop'];
/** Routes whose path parameter names a stored thing: a hostile name there is never found. */
const LOOKUPS = ['/channels/:name', '/api/channels/:name', '/api/channels/:name/stream', '/api/dashboard/sessions/:id', '/api/webchat/sessions/:id', '/api/pages/:app/sessions/:id/data', '/api/pages/:app/integrations/:type', '/connect/:promptId', '/integrations/form/:promptId', '/integrations/pipedream/:promptId', '/webhooks/:type/:webhookId'];

describe('hostile names and bodies on every route', () => {
  let emu: RunningEmulator;
  let dir: string;
  let headers: Record<string, string>;
  const failures: string[] = [];

  const check = (what: string, r: { status: number; body: string }): void => {
    if (r.status >= 500) failures.push(`${what} → ${r.status} ${r.body.slice(0, 200)}`);
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'capsule-hostile-'));
    cpSync(HOSTILE_APP, dir, { recursive: true, filter: (p) => !p.includes('__pycache__') });
    emu = await startEmulator({ entries: ['app.py:app'], storeDir: join(dir, '.capsule'), cwd: dir, port: 0, env: { ...process.env } });
    headers = { authorization: `Bearer ${emu.token}` };
    await waitFor('the app to run', () => emu.hub.supervisors[0]?.info().status === 'running', 60_000);
    // Channel names are lowercase: `constructor` is a valid one, and is then a real channel.
    await emu.hub.update((d) => {
      d.channels['constructor'] = newChannel({ name: 'constructor', type: 'telegram', credentials: { bot_token: '7012345678:AAF-hostile-test-token' } });
    });
  });
  after(async () => {
    await emu?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the route table holds every route, the fast lane first', () => {
    const routes = emu.routes();
    assert.deepEqual(routes[0], { method: 'POST', path: '/api/chat' });
    for (const p of ['/api/chat/stream', '/api/dashboard/sessions/:id', '/api/webchat/sessions/:id', '/channels/:name', '/api/channels/:name', '/_runner/rpc/:method', '/oauth/:provider']) {
      assert.ok(routes.some((r) => r.path === p), `${p} is in the route table`);
    }
  });

  test('a hostile name in a lookup path is not found (404), never a page of it or a 5xx', async () => {
    for (const route of emu.routes().filter((r) => LOOKUPS.includes(r.path))) {
      for (const name of HOSTILE_NAMES.filter((n) => n !== 'constructor' || !route.path.includes('channels'))) {
        for (const probe of probesOf(route, () => name)) {
          if (probe.method !== 'GET') continue;
          const r = await send(emu.url, headers, probe, '');
          assert.equal(r.status, 404, `${probe.method} ${probe.path} → ${r.status} ${r.body.slice(0, 120)}`);
        }
      }
    }
    // The channel that is really called `constructor` is found.
    const real = await send(emu.url, headers, { method: 'GET', path: '/channels/constructor' }, '');
    assert.equal(real.status, 200);
  });

  test('every route, hostile names in every path, query and body position: no 5xx', async () => {
    let sent = 0;
    for (const route of emu.routes()) {
      for (const name of HOSTILE_NAMES) {
        for (const probe of probesOf(route, () => name)) {
          const query = new URLSearchParams(QUERY_KEYS.map((k) => [k, name])).toString();
          const bodies = [
            JSON.stringify(Object.fromEntries(BODY_KEYS.map((k) => [k, name]))),
            `{"${name}": "${name}", "text": "${name}", "fields": {"${name}": "${name}"}, "scopes": ["${name}"]}`,
            ...BODY_KEYS.map((k) => JSON.stringify({ text: 'hi', [k]: name })),
          ];
          for (const [q, body] of [['', undefined], [query, undefined], ...bodies.map((b) => ['', b] as const)] as Array<[string, string | undefined]>) {
            if (probe.method === 'GET' && body !== undefined) continue;
            if (RESTARTING.includes(route.path) && !(body && JSON.parse(body).app === name)) continue;
            check(`${probe.method} ${probe.path}${q ? '?…' : ''} ${body?.slice(0, 80) ?? ''}`, await send(emu.url, headers, probe, q, body));
            sent++;
          }
          if (probe.method !== 'GET' && !RESTARTING.includes(route.path)) {
            check(`${probe.method} ${probe.path} form`, await send(emu.url, headers, probe, '', new URLSearchParams(BODY_KEYS.map((k) => [k, name])).toString(), 'application/x-www-form-urlencoded'));
            sent++;
          }
        }
      }
    }
    assert.deepEqual(failures, [], `${failures.length} of ${sent} requests answered 5xx`);
  });

  test('Origin: null (a sandboxed frame, a file:// page) is refused on every route, as any foreign origin', async () => {
    const passed: string[] = [];
    let probes = 0;
    for (const route of emu.routes()) {
      for (const probe of probesOf(route, () => 'x')) {
        for (const origin of ['null', 'https://evil.example.com']) {
          const r = await send(emu.url, { ...headers, origin }, probe, '', probe.method === 'GET' ? undefined : '{"text":"hi"}');
          if (r.status !== 403) passed.push(`${origin} ${probe.method} ${probe.path} → ${r.status}`);
          probes++;
        }
      }
    }
    assert.ok(probes > 100);
    assert.deepEqual(passed, []);
    // Our own pages' origin still passes.
    const own = await send(emu.url, { ...headers, origin: emu.url }, { method: 'POST', path: '/api/chat' }, '', '{"text":"hi"}');
    assert.equal(own.status, 200);
  });

  test('the runner protocol with hostile ids, keys and secret names: no 5xx', async () => {
    const token = [...emu.hub.runners.keys()][0]!;
    const runner = { authorization: `Bearer ${token}` };
    const local: string[] = [];
    for (const method of RUNNER_METHODS) {
      for (const name of HOSTILE_NAMES) {
        const body = JSON.stringify({ session_id: name, request_id: name, user_id: name, name, scope: 'session', scope_id: name, key: name, value_json: '1', data_json: '{}', text: name, line: name });
        const r = await send(emu.url, runner, { method: 'POST', path: `/_runner/rpc/${method}` }, '', body);
        if (r.status >= 500) local.push(`${method} ${name} → ${r.status} ${r.body.slice(0, 200)}`);
      }
    }
    assert.deepEqual(local, []);
    // A key named like an Object.prototype member is an ordinary key: unset, then set, then gone.
    const kv = (method: string, extra: object) => send(emu.url, runner, { method: 'POST', path: `/_runner/rpc/${method}` }, '', JSON.stringify({ scope: 'app', scope_id: 'x', key: 'constructor', ...extra }));
    assert.deepEqual(JSON.parse((await kv('KvGet', {})).body), { found: false, value_json: '' });
    await kv('KvSet', { value_json: '"set"' });
    assert.deepEqual(JSON.parse((await kv('KvGet', {})).body), { found: true, value_json: '"set"' });
  });

  test('the app uses hostile names as keys, secret names and data keys; sessions with those ids work', async () => {
    for (const name of HOSTILE_NAMES) {
      const chat = async (text: string, extra: object = {}) => {
        const r = await send(emu.url, headers, { method: 'POST', path: '/api/chat' }, '', JSON.stringify({ text, ...extra }));
        assert.equal(r.status, 200, `${text} → ${r.status} ${r.body}`);
        return JSON.parse(r.body) as { reply: string; session_id: string };
      };
      assert.equal((await chat(`kv ${name}`)).reply, `kv ${name}: same gone same gone same gone`);
      assert.match((await chat(`secret ${name}`)).reply, new RegExp(`^secret ${name.replace(/\$/g, '\\$')}: missing`));
      assert.equal((await chat(`data ${name}`)).reply, `data ${name}: True`);
      const first = await chat('hello', { session_id: name, user: name });
      assert.equal(first.session_id, name);
      await chat('again', { session_id: name });
      const view = await send(emu.url, headers, { method: 'GET', path: `/api/dashboard/sessions/${encodeURIComponent(name)}` }, '');
      assert.equal(view.status, 200);
      const session = JSON.parse(view.body) as { id: string; history: Array<{ text: string }> };
      assert.equal(session.id, name);
      // The sweep above already talked in these sessions: the last four items are these.
      assert.deepEqual(session.history.slice(-4).map((h) => h.text), ['hello', 'echo: hello', 'again', 'echo: again']);
    }
    // A secret stored under such a name resolves to its own value.
    await emu.hub.update((d) => {
      d.secrets['toString'] = { value: 'twelve chars', createdAt: new Date().toISOString(), updatedAt: new Date().toISOString() };
    });
    const r = await send(emu.url, headers, { method: 'POST', path: '/api/chat' }, '', JSON.stringify({ text: 'secret toString' }));
    assert.equal(JSON.parse(r.body).reply, 'secret toString: 12 characters');
  });

  test('a seeded fuzzer over the routes\' bodies (2,000 requests): no 5xx, and the emulator keeps working', async () => {
    const rnd = seeded(20261204);
    const routes = emu.routes().flatMap((route) => probesOf(route, () => 'x')).map((p) => p.path);
    const table = emu.routes();
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    const fuzzFailures: string[] = [];
    for (let i = 0; i < 2000; i++) {
      const route = pick(table);
      const param = () => text(rnd() < 0.5 ? pick(HOSTILE_NAMES) : randomValue(rnd));
      const probes: Probe[] = probesOf(route, param);
      const probe = pick(probes);
      let body = rnd() < 0.9 ? JSON.stringify(rnd() < 0.8 ? randomObject(rnd) : randomValue(rnd)) : '{"text": ';
      if (RESTARTING.includes(route.path)) body = JSON.stringify({ ...randomObject(rnd), app: pick(HOSTILE_NAMES) });
      const query = rnd() < 0.3 ? new URLSearchParams(QUERY_KEYS.filter(() => rnd() < 0.3).map((k) => [k, text(randomValue(rnd))])).toString() : '';
      const r = await send(emu.url, headers, probe, query, body);
      if (r.status >= 500) fuzzFailures.push(`#${i} ${probe.method} ${probe.path.slice(0, 80)}?${query.slice(0, 80)} ${body.slice(0, 160)} → ${r.status} ${r.body.slice(0, 200)}`);
    }
    assert.ok(routes.length > 40);
    assert.deepEqual(fuzzFailures, [], `${fuzzFailures.length} of 2000 fuzzed requests answered 5xx`);
    // Afterwards: a message is answered and an integration prompt still opens and is answered.
    const hi = await send(emu.url, headers, { method: 'POST', path: '/api/chat' }, '', JSON.stringify({ text: 'still here' }));
    assert.equal(hi.status, 200, hi.body);
    const turn = send(emu.url, headers, { method: 'POST', path: '/api/chat' }, '', JSON.stringify({ text: 'aws', user: 'fuzz-after' }));
    const prompt = await waitFor('the aws prompt', async () => {
      const list = JSON.parse((await send(emu.url, headers, { method: 'GET', path: '/api/prompts' }, '')).body) as Array<{ id: string; type: string; user: string }>;
      return list.find((p) => p.type === 'aws' && p.user === 'user_fuzz_after');
    });
    const answer = await send(emu.url, headers, { method: 'POST', path: `/api/prompts/${prompt.id}/answer` }, '', JSON.stringify({ allow: true, fields: { access_key_id: 'AKIAFUZZ', secret_access_key: 'fuzz', region: 'eu-west-1' } }));
    assert.equal(answer.status, 200, answer.body);
    const done = await turn;
    assert.equal(done.status, 200, done.body);
    assert.match(JSON.parse(done.body).reply, /aws fields access_key_id region secret_access_key$/);
  });

  // Each clock move, in order, and what it must answer; afterwards a prompt still works.
  const CLOCK_MOVES: Array<[string, object, number]> = [
    ['/api/clock/advance', { ms: 1e308 }, 422],
    ['/api/clock/advance', { ms: Number.MAX_SAFE_INTEGER }, 422],
    ['/api/clock/advance', { ms: -1 }, 400],
    ['/api/clock/advance', { ms: '1000' }, 400],
    ['/api/clock/advance', { ms: 10 * 365 * 24 * 3600 * 1000 + 1 }, 422],
    ['/api/integrations/clock/advance', { seconds: 1e308 }, 422],
    ['/api/integrations/clock/advance', { seconds: 'x' }, 400],
    ['/api/clock/advance', { ms: 1000 }, 200],
    ...Array.from({ length: 9 }, (): [string, object, number] => ['/api/integrations/clock/advance', { seconds: 10 * 365 * 24 * 3600 }, 200]),
    // Ninety years ahead now: the next ten-year move would pass a hundred.
    ['/api/integrations/clock/advance', { seconds: 10 * 365 * 24 * 3600 }, 422],
    ['/api/clock/advance', { ms: 10 * 365 * 24 * 3600 * 1000 }, 422],
  ];

  test('every clock move is bounded; a refused one changes nothing and prompts keep working', async () => {
    for (const [path, body, want] of CLOCK_MOVES) {
      const before = emu.hub.clock.now();
      const r = await send(emu.url, headers, { method: 'POST', path }, '', JSON.stringify(body));
      assert.equal(r.status, want, `${path} ${JSON.stringify(body)} → ${r.status} ${r.body}`);
      if (want !== 200) {
        assert.match(JSON.parse(r.body).error, /clock|ms|seconds/);
        assert.ok(emu.hub.clock.now() - before < 60_000, 'a refused move leaves the clock where it was');
      }
    }
    const turn = send(emu.url, headers, { method: 'POST', path: '/api/chat' }, '', JSON.stringify({ text: 'aws', user: 'clock-after' }));
    const prompt = await waitFor('the aws prompt', async () => {
      const list = JSON.parse((await send(emu.url, headers, { method: 'GET', path: '/api/prompts' }, '')).body) as Array<{ id: string; type: string; user: string }>;
      return list.find((p) => p.type === 'aws' && p.user === 'user_clock_after');
    });
    const answer = await send(emu.url, headers, { method: 'POST', path: `/api/prompts/${prompt.id}/answer` }, '', JSON.stringify({ allow: true, fields: { access_key_id: 'AKIACLOCK', secret_access_key: 'c', region: 'us-east-2' } }));
    assert.equal(answer.status, 200, answer.body);
    const done = await turn;
    assert.equal(done.status, 200, done.body);
    assert.match(JSON.parse(done.body).reply, /aws fields access_key_id region secret_access_key$/);
  });
});
