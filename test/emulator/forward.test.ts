// Data handlers and endpoints forwarded to the app with identity headers, with the platform's
// access rules: `access="authenticated"` data and `authorized=True` endpoints answer 401 without a
// signed-in user.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { emulatorForSuite, type RunningEmulator } from '../support/emulator';
import { ECHO_APP, chat, json, waitForEvent } from './helpers';

describe('data and endpoint forwarding', () => {
  let emu: RunningEmulator;
  emulatorForSuite({ app: ECHO_APP }, (e) => (emu = e));

  test('public data answers anyone; authenticated data needs a persona or a session', async () => {
    const pub = await json(emu, '/apps/echo/data/public_info');
    assert.equal(pub.status, 200);
    assert.deepEqual(pub.body, { public: true });
    const anon = await json(emu, '/apps/echo/data/whoami');
    assert.equal(anon.status, 401);
    assert.deepEqual(anon.body, { error: 'authentication_required' });
    const asDev = await json(emu, '/apps/echo/data/whoami?as=user_dev');
    assert.equal(asDev.status, 200);
    assert.deepEqual(asDev.body, { user: 'user_dev', email: 'dev@localhost' });
    const byHeader = await emu.api('/apps/echo/data/whoami', { headers: { 'x-capsule-as': 'Dev' } });
    assert.equal(byHeader.status, 200);
    const s = await chat(emu, 'hi', { user: 'gina' });
    const bySession = await json(emu, `/apps/echo/data/whoami?session_id=${s.body.session_id}`);
    assert.deepEqual(bySession.body, { user: 'user_gina', email: 'gina@localhost' });
    const nobody = await json(emu, '/apps/echo/data/whoami?as=nobody');
    assert.equal(nobody.status, 404);
    await waitForEvent(emu, 'a data event', (e) => e.kind === 'data' && /whoami/.test(e.summary));
  });

  test('authorized endpoints answer 401 without a user; open ones answer anyone', async () => {
    const anon = await json(emu, '/apps/echo/endpoints/ping');
    assert.equal(anon.status, 401);
    assert.deepEqual(anon.body, { error: 'unauthorized' });
    const signed = await json(emu, '/apps/echo/endpoints/ping?as=user_dev');
    assert.equal(signed.status, 200);
    assert.deepEqual(signed.body, { pong: 'user_dev' });
    const open = await json(emu, '/apps/echo/endpoints/open');
    assert.equal(open.status, 200);
    assert.deepEqual(open.body, { open: true });
  });

  test('identity headers sent by the caller are not passed through (no spoofing)', async () => {
    const r = await emu.api('/apps/echo/data/whoami', { headers: { 'x-capsule-authenticated': 'true', 'x-capsule-user-id': 'admin' } });
    assert.equal(r.status, 401);
  });

  test('the forwarding routes need the session token like every other route', async () => {
    const r = await fetch(`${emu.url}/apps/echo/data/public_info`);
    assert.equal(r.status, 401);
  });
});
