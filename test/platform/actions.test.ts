// Component actions (@app.action) and named-session starts (@app.session) on the real SDK: the
// gateway delivers them on the runner's Recv stream as the platform does (`action_name`, the
// payload as JSON, the session's user), the handler's replies land in the session's history, an
// action the app lacks is the SDK's own "Unknown action ..." error, and bad input is refused before
// anything reaches the app. The bundled runtime refuses them by name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startEmulator, type RunningEmulator } from '../support/emulator';
import { chat, json } from '../emulator/helpers';

type Answer = { session_id: string; reply: string; blocks: unknown[]; error?: string; app?: string; action?: string; session?: string };
type History = { history: Array<{ text: string; sender: string }>; data: string };

const APP = join(__dirname, 'fixtures', 'actions');

async function history(emu: RunningEmulator, sessionId: string): Promise<History> {
  const r = await json<History>(emu, `/api/dashboard/sessions/${encodeURIComponent(sessionId)}`, undefined, 'GET');
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

// A payload with what a JSON round trip could lose: nesting, unicode, numbers, null, an empty key.
const PAYLOAD = { id: 42, note: 'naïve — 日本語 "quoted"', nested: { list: [1, 2.5, null, true], '': 'empty key' } };

test('actions and named sessions run on the real SDK over the API; replies land in the session', async () => {
  const emu = await startEmulator({ app: APP });
  try {
    const started = await json<Answer>(emu, '/api/sessions/start', { name: 'support', user: 'dana' });
    assert.equal(started.status, 200, JSON.stringify(started.body));
    assert.equal(started.body.reply, 'Hi, this is support. How can we help?');
    assert.equal(started.body.session, 'support');
    const sid = started.body.session_id;

    const approved = await json<Answer>(emu, '/api/actions/run', { name: 'approve', payload: PAYLOAD, session_id: sid });
    assert.equal(approved.status, 200, JSON.stringify(approved.body));
    assert.equal(approved.body.session_id, sid);
    const canonical = JSON.stringify(PAYLOAD, Object.keys(PAYLOAD).sort());
    const echoed = approved.body.reply.replace(/^approved approve: /, '');
    assert.deepEqual(JSON.parse(echoed), PAYLOAD, `the payload arrives intact (${canonical})`);

    // The action name defaults to the function's; the session's user is the one who acts.
    const archived = await json<Answer>(emu, '/api/actions/run', { name: 'archive', session_id: sid });
    assert.equal(archived.body.reply, `archived in ${sid} for user_dana`);

    // What the initializer and the action wrote to session.data is what the next message sees.
    assert.equal((await chat(emu, 'state?', { session_id: sid })).body.reply, 'kind=support approved=42');

    const h = await history(emu, sid);
    assert.deepEqual(h.history.map((x) => [x.sender, x.text.replace(/: \{.*$/, ': {…}')]), [
      ['app', 'Hi, this is support. How can we help?'],
      ['app', 'approved approve: {…}'],
      ['app', `archived in ${sid} for user_dana`],
      ['user', 'state?'],
      ['app', 'kind=support approved=42'],
    ], 'actions add the handler\'s replies, never a user message');

    // Without a session: a new one, answered the same way.
    const fresh = await json<Answer>(emu, '/api/actions/run', { name: 'archive' });
    assert.equal(fresh.status, 200);
    assert.notEqual(fresh.body.session_id, sid);
    assert.match(fresh.body.reply, new RegExp(`^archived in ${fresh.body.session_id} for user_`));

    // An action the app lacks: the SDK's own words, naming what it has.
    for (const name of ['nope', '__proto__', 'constructor']) {
      const r = await json<Answer>(emu, '/api/actions/run', { name, session_id: sid });
      assert.equal(r.status, 404, `${name}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error, `Unknown action '${name}'. Available app actions: approve, archive, explode.`);
    }
    // A handler that raises: 422 with the exception.
    const failed = await json<Answer>(emu, '/api/actions/run', { name: 'explode', session_id: sid });
    assert.equal(failed.status, 422);
    assert.equal(failed.body.error, 'the action failed on purpose');

    const events = (await json<Array<{ kind: string; summary: string }>>(emu, '/api/events/log', undefined, 'GET')).body.filter((e) => e.kind === 'action');
    assert.ok(events.some((e) => e.summary === 'api user_dana: starts session support'), JSON.stringify(events));
    assert.ok(events.some((e) => e.summary.startsWith('api user_dana: action approve {"id":42')), JSON.stringify(events));
  } finally {
    await emu.stop();
    emu.cleanup();
  }
});

// Refused before the app sees them: [path, body, status, what the error says].
const REFUSED: Array<[string, unknown, number, RegExp]> = [
  ['/api/actions/run', {}, 400, /"name".*required/],
  ['/api/actions/run', { name: 7 }, 400, /"name".*string/],
  ['/api/actions/run', { name: 'approve', payload: [1, 2] }, 400, /"payload" must be a JSON object/],
  ['/api/actions/run', { name: 'approve', payload: 'x' }, 400, /"payload" must be a JSON object/],
  ['/api/actions/run', { name: 'approve', payload: null }, 400, /"payload" must be a JSON object/],
  ['/api/actions/run', { name: 'approve', session_id: 5 }, 400, /"session_id" must be a string/],
  ['/api/actions/run', { name: 'approve', session_id: 'bad id!' }, 400, /invalid session id/],
  ['/api/actions/run', { name: 'approve', app: 'nope' }, 404, /no app named "nope"/],
  ['/api/actions/run', { name: '__session_init__' }, 400, /reserved by the platform: start a named session/],
  ['/api/actions/run', { name: '__session_set__' }, 400, /reserved by the platform/],
  ['/api/actions/run', [1], 400, /JSON object/],
  ['/api/sessions/start', {}, 400, /"name".*required/],
  ['/api/sessions/start', { name: 'sales' }, 404, /declares no @app.session named "sales" \(declared: support\)/],
  ['/api/sessions/start', { name: '__proto__' }, 404, /declares no @app.session named "__proto__"/],
  ['/api/sessions/start', { name: 'support', app: '__proto__' }, 404, /no app named "__proto__"/],
];

test('bad action and session-start requests are refused with a status and a reason', async () => {
  const emu = await startEmulator({ app: APP });
  try {
    const before = (await json<{ sessions: unknown[] }>(emu, '/api/state', undefined, 'GET')).body.sessions.length;
    for (const [path, body, status, says] of REFUSED) {
      const r = await json<{ error: string }>(emu, path, body);
      assert.equal(r.status, status, `${path} ${JSON.stringify(body)}: ${JSON.stringify(r.body)}`);
      assert.match(r.body.error, says, `${path} ${JSON.stringify(body)}`);
    }
    // A named session starts only when it is created.
    const first = await json<Answer>(emu, '/api/sessions/start', { name: 'support', session_id: 'ses_named' });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(first.body.session_id, 'ses_named');
    const again = await json<{ error: string }>(emu, '/api/sessions/start', { name: 'support', session_id: 'ses_named' });
    assert.equal(again.status, 409);
    assert.match(again.body.error, /session ses_named exists already/);
    const after = (await json<{ sessions: unknown[] }>(emu, '/api/state', undefined, 'GET')).body.sessions.length;
    assert.equal(after, before + 1, 'no refused request created a session');
  } finally {
    await emu.stop();
    emu.cleanup();
  }
});

test('the CLI runs actions and starts named sessions', async () => {
  const emu = await startEmulator({ app: APP });
  try {
    const started = await emu.cli(['session', 'start', 'support', '--json']);
    assert.equal(started.status, 0, started.stderr);
    const s = JSON.parse(started.stdout) as Answer;
    assert.equal(s.reply, 'Hi, this is support. How can we help?');

    const ran = await emu.cli(['action', 'approve', '--session', s.session_id, '--payload', JSON.stringify(PAYLOAD)]);
    assert.equal(ran.status, 0, ran.stderr);
    assert.deepEqual(JSON.parse(ran.stdout.trim().replace(/^approved approve: /, '')), PAYLOAD);
    assert.equal(ran.stderr.trim(), `session ${s.session_id}`);

    const asJson = await emu.cli(['action', 'archive', '--json']);
    assert.equal(asJson.status, 0, asJson.stderr);
    const a = JSON.parse(asJson.stdout) as Answer;
    assert.equal(a.action, 'archive');
    assert.equal(a.reply, `archived in ${a.session_id} for user_dev`);

    const unknown = await emu.cli(['action', 'nope']);
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /Unknown action 'nope'\. Available app actions: approve, archive, explode\./);
    const failed = await emu.cli(['action', 'explode']);
    assert.equal(failed.status, 1);
    assert.match(failed.stderr, /the handler failed: the action failed on purpose/);
    const badJson = await emu.cli(['action', 'approve', '--payload', '{nope']);
    assert.equal(badJson.status, 2);
    assert.match(badJson.stderr, /--payload is not JSON/);
    const notObject = await emu.cli(['action', 'approve', '--payload', '[1]']);
    assert.equal(notObject.status, 1);
    assert.match(notObject.stderr, /"payload" must be a JSON object/);
    const noSuchSession = await emu.cli(['session', 'start', 'sales']);
    assert.equal(noSuchSession.status, 1);
    assert.match(noSuchSession.stderr, /declares no @app.session named "sales" \(declared: support\)/);
  } finally {
    await emu.stop();
    emu.cleanup();
  }
});

test('the bundled runtime refuses actions and session starts, naming the feature', async () => {
  const emu = await startEmulator({ app: APP, runtime: 'bundled' });
  try {
    for (const [path, feature] of [['/api/actions/run', '@app.action'], ['/api/sessions/start', '@app.session']] as const) {
      const r = await json<{ error: string }>(emu, path, { name: feature === '@app.action' ? 'approve' : 'support' });
      assert.equal(r.status, 409, JSON.stringify(r.body));
      assert.equal(r.body.error, `${feature} handlers run on the real SDK only: actions runs on the bundled runtime (no interpreter with the cpsl package was found)`);
    }
  } finally {
    await emu.stop();
    emu.cleanup();
  }
});
