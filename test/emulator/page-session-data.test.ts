// A React page's session data (emulator/pages/session-data.ts, @capsule/page useSession's set,
// publish and initialData): what the page writes is the session's data the app's Python
// `session.data` sees on its next message; pages following the data changes are told which
// session changed; a session is found or created per viewer, session name and thread key (the
// same one useSession's thread finds) with its creation-time data. Every bad request is a 4xx that
// changes nothing: an unknown or hostile session id or app (404), another viewer's session (403),
// the platform's own keys, a missing key or value, a body over the limit (413).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ECHO_APP, chat, json } from './helpers';
import { emulatorForSuite, type RunningEmulator } from '../support/emulator';

const SESSIONS = '/api/pages/echo/sessions';

/** The next data-changed notice of the app's change feed (GET /api/pages/<app>/changes) after `act`. */
async function noticeAfter(emu: RunningEmulator, act: () => Promise<unknown>): Promise<{ sessions: string[] | null; collections: boolean }> {
  const ctl = new AbortController();
  const r = await emu.api('/api/pages/echo/changes', { signal: ctl.signal, headers: { accept: 'text/event-stream' } });
  assert.equal(r.status, 200);
  const reader = r.body!.getReader();
  // The stream is open (its first bytes came) before the write.
  let text = new TextDecoder().decode((await reader.read()).value);
  await act();
  try {
    for (;;) {
      const m = /event: data-changed\ndata: (.*)\n/.exec(text);
      if (m) return JSON.parse(m[1]!);
      const { value, done } = await reader.read();
      if (done) throw new Error('the change feed ended');
      text += new TextDecoder().decode(value);
    }
  } finally {
    ctl.abort();
  }
}

describe("a page's session data", () => {
  let emu: RunningEmulator;
  emulatorForSuite({ app: ECHO_APP, env: { ECHO_TOKEN: 'echo-token-value-1234' } }, (e) => (emu = e));

  let viewer = '';
  let other = '';
  let mine = '';
  let theirs = '';

  test('a write is what the app sees on its next message; the change feed names the session', async () => {
    const state = await json<{ personas: Array<{ id: string }> }>(emu, '/api/state');
    viewer = state.body.personas[0]!.id;
    other = (await json<{ id: string }>(emu, '/api/webchat/personas', { name: 'Bea' })).body.id;
    const first = await chat(emu, 'count', { user: viewer });
    assert.equal(first.body.reply, 'count 1');
    mine = first.body.session_id;
    theirs = (await chat(emu, 'count', { user: other })).body.session_id;

    let wrote: { status: number; body: Record<string, unknown> } | undefined;
    const notice = await noticeAfter(emu, async () => (wrote = await json(emu, `${SESSIONS}/${mine}/data`, { user: viewer, key: 'n', value: 41 })));
    assert.equal(wrote!.status, 200, JSON.stringify(wrote!.body));
    assert.equal(wrote!.body.value, 41);
    assert.deepEqual(wrote!.body.data, { n: 41 });
    assert.deepEqual(notice, { sessions: [mine], collections: false, tasks: [] });

    // The app's next message in that session reads the page's value (GetSession's data_json).
    assert.equal((await chat(emu, 'count', { session_id: mine })).body.reply, 'count 42');
    const read = await json<{ data: Record<string, unknown>; revision: number }>(emu, `${SESSIONS}/${mine}/data?as=${viewer}`);
    assert.equal(read.status, 200);
    assert.deepEqual(read.body.data, { n: 42 });
    assert.ok(read.body.revision >= 2, `the revision went up with each commit (${read.body.revision})`);

    // Any JSON value, null included (None in Python); a key named like Object.prototype's is a key.
    const nested = await json(emu, `${SESSIONS}/${mine}/data`, { user: viewer, key: 'filters', value: { status: ['open'], owner: null } });
    assert.deepEqual(nested.body.value, { status: ['open'], owner: null });
    for (const key of ['__proto__', 'constructor', 'toString']) {
      const r = await json(emu, `${SESSIONS}/${mine}/data`, { user: viewer, key, value: { polluted: true } });
      assert.equal(r.status, 200, `${key}: ${JSON.stringify(r.body)}`);
    }
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    const stored = await json<{ data: string }>(emu, `/api/dashboard/sessions/${mine}`);
    const data = JSON.parse(stored.body.data) as Record<string, unknown>;
    assert.deepEqual(Object.keys(data).sort(), ['__proto__', 'constructor', 'filters', 'n', 'toString']);
    assert.deepEqual(Object.getOwnPropertyDescriptor(data, '__proto__')?.value, { polluted: true });
    assert.equal((await chat(emu, 'count', { session_id: mine })).body.reply, 'count 43', 'the app still reads its data');
  });

  test("useSession's session: found or created per viewer, name and thread key, with its creation-time data", async () => {
    const created = await json<{ sessionId: string; created: boolean; data: Record<string, unknown> }>(emu, SESSIONS, { user: viewer, name: 'desk', threadKey: 'k1', initialData: { n: 9, topic: 'printers' } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.created, true);
    assert.deepEqual(created.body.data, { n: 9, topic: 'printers' });
    const thread = await json<{ sessionId: string; exists: boolean }>(emu, '/api/webchat/threads', { app: 'echo', userId: viewer, chatName: 'session:desk', threadKey: 'k1' });
    assert.equal(thread.body.sessionId, created.body.sessionId, "the same session useSession's thread finds");
    assert.equal(thread.body.exists, true);
    // Found again: its data is kept, the new initialData is not applied (creation-time only).
    const again = await json<{ sessionId: string; created: boolean; data: Record<string, unknown> }>(emu, SESSIONS, { user: viewer, name: 'desk', threadKey: 'k1', initialData: { n: 0 } });
    assert.equal(again.status, 200);
    assert.equal(again.body.created, false);
    assert.deepEqual(again.body.data, { n: 9, topic: 'printers' });
    assert.equal((await chat(emu, 'count', { session_id: created.body.sessionId })).body.reply, 'count 10');
    // Another viewer's thread of the same name and key is another session.
    const bea = await json<{ sessionId: string }>(emu, SESSIONS, { user: other, name: 'desk', threadKey: 'k1' });
    assert.notEqual(bea.body.sessionId, created.body.sessionId);
  });

  test('bad requests: 4xx, nothing written', async () => {
    const write = (id: string, body: unknown, app = 'echo') => json(emu, `/api/pages/${app}/sessions/${id}/data`, body);
    const cases: Array<[string, () => Promise<{ status: number; body: Record<string, unknown> }>, number, RegExp]> = [
      ['an unknown session', () => write('ses_nothing_here', { user: viewer, key: 'n', value: 1 }), 404, /echo has no session ses_nothing_here/],
      ['another viewer\'s session', () => write(theirs, { user: viewer, key: 'n', value: 1 }), 403, /is another viewer's/],
      ['another viewer\'s session, read', () => json(emu, `${SESSIONS}/${theirs}/data?as=${viewer}`), 403, /is another viewer's/],
      ['an app not served here', () => write(mine, { user: viewer, key: 'n', value: 1 }, 'nope'), 404, /no app "nope"/],
      ['an unknown persona', () => write(mine, { user: 'user_nobody', key: 'n', value: 1 }), 400, /no persona user_nobody/],
      ['no key', () => write(mine, { user: viewer, value: 1 }), 400, /"key" is required/],
      ['a key that is no string', () => write(mine, { user: viewer, key: 7, value: 1 }), 400, /"key" must be a string/],
      ['a key longer than a name', () => write(mine, { user: viewer, key: 'k'.repeat(129), value: 1 }), 400, /at most 128 characters/],
      ['the platform\'s revision key', () => write(mine, { user: viewer, key: '__cpsl_session_rev', value: 99 }), 400, /the platform's own key/],
      ['the platform\'s checksum key', () => write(mine, { user: viewer, key: '__cpsl_session_checksum', value: 'x' }), 400, /the platform's own key/],
      ['no value', () => write(mine, { user: viewer, key: 'n' }), 400, /"value" is required/],
      ['a body that is no object', () => json(emu, `${SESSIONS}/${mine}/data`, [1, 2]), 400, /must be a JSON object/],
      ['a body over the limit', () => write(mine, { user: viewer, key: 'big', value: 'x'.repeat(1024 * 1024 + 1) }), 413, /request body too large/],
      ['initialData that is no object', () => json(emu, SESSIONS, { user: viewer, name: 'desk', threadKey: 'k2', initialData: [1] }), 400, /"initialData" must be an object/],
      ['initialData with the platform\'s keys', () => json(emu, SESSIONS, { user: viewer, name: 'desk', threadKey: 'k3', initialData: { __cpsl_session_rev: 5 } }), 400, /platform's own keys/],
      ['a session without a name', () => json(emu, SESSIONS, { user: viewer, threadKey: 'k4' }), 400, /"name" is required/],
      ['creating in an app not served here', () => json(emu, '/api/pages/nope/sessions', { user: viewer, name: 'desk' }), 404, /no app "nope"/],
    ];
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'ses%00x', 'ses%2F..%2Fx']) {
      cases.push([`the hostile session id ${name}`, () => write(name, { user: viewer, key: 'n', value: 1 }), 404, /has no session/]);
      cases.push([`the hostile session id ${name}, read`, () => json(emu, `${SESSIONS}/${name}/data?as=${viewer}`), 404, /has no session/]);
      cases.push([`the hostile app ${name}`, () => write(mine, { user: viewer, key: 'n', value: 1 }, name), 404, /no app/]);
    }
    const before = await json<{ data: string }>(emu, `/api/dashboard/sessions/${mine}`);
    const theirsBefore = await json<{ data: string }>(emu, `/api/dashboard/sessions/${theirs}`);
    for (const [what, run, status, message] of cases) {
      const r = await run();
      assert.equal(r.status, status, `${what}: ${JSON.stringify(r.body).slice(0, 300)}`);
      assert.match(String(r.body.error), message, what);
    }
    assert.equal((await json<{ data: string }>(emu, `/api/dashboard/sessions/${mine}`)).body.data, before.body.data, 'nothing was written');
    assert.equal((await json<{ data: string }>(emu, `/api/dashboard/sessions/${theirs}`)).body.data, theirsBefore.body.data);
    // Without the session token, nothing is answered.
    const r = await fetch(`${emu.url}${SESSIONS}/${mine}/data`, { method: 'POST', body: JSON.stringify({ key: 'n', value: 1 }), headers: { 'content-type': 'application/json' } });
    assert.equal(r.status, 401);
  });
});
