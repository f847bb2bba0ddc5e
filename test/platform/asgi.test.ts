// @app.asgi on the real SDK: the SDK's runner mounts the ASGI app under its prefix, and the
// emulator's endpoint route reaches it (`/apps/<app>/endpoints/<prefix>/...`), behind the same
// session-token check as every endpoint.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startEmulator } from '../support/emulator';

test('an ASGI app is served under its prefix through the endpoint route', async () => {
  const emu = await startEmulator({ app: join(__dirname, 'fixtures', 'asgi') });
  try {
    const r = await emu.api('/apps/asgi/endpoints/api/hello?as=user_dev');
    assert.equal(r.status, 200);
    assert.equal(await r.text(), 'asgi ok GET /hello');
    const posted = await emu.api('/apps/asgi/endpoints/api/items/__proto__', { method: 'POST', body: '{}' });
    assert.equal(await posted.text(), 'asgi ok POST /items/__proto__');
    const anonymous = await fetch(`${emu.url}/apps/asgi/endpoints/api/hello`);
    assert.equal(anonymous.status, 401, 'the emulator asks for its session token first');
  } finally {
    await emu.stop();
    emu.cleanup();
  }
});
