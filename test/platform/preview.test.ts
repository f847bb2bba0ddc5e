// session.show_browser(port=) on the real SDK: the block names a port the app serves on its own
// machine, and /apps/<app>/preview/<port>/<path> reaches it through the SDK's own preview proxy
// (`/_capsule/preview/{port}/{path}` on the runner's loopback server), signed in, sandboxed.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { emulatorForSuite, type RunningEmulator } from '../support/emulator';
import { chat } from '../emulator/helpers';

describe('browser previews', () => {
  let emu: RunningEmulator;
  emulatorForSuite({ app: join(__dirname, 'fixtures', 'preview') }, (e) => (emu = e));

  test("the block names the app's port; its page, paths, queries and posts come through the preview route, sandboxed", async () => {
    const r = await chat(emu, 'open');
    assert.equal(r.body.reply, 'opened');
    const block = (r.body.blocks as Array<{ type: string; payload: { port: number; title: string; path: string } }>).find((b) => b.type === 'browser_preview');
    assert.ok(block, JSON.stringify(r.body.blocks));
    assert.equal(block.payload.title, 'Preview');
    const port = block.payload.port;
    const page = await emu.api(`/apps/preview/preview/${port}/`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /served by the app/);
    assert.match(page.headers.get('content-security-policy') ?? '', /^sandbox allow-scripts/, 'its own origin: no use of the signed-in session');
    const echo = await emu.api(`/apps/preview/preview/${port}/echo/a%20b?x=1&y=2`);
    assert.deepEqual(await echo.json(), { path: '/echo/a%20b?x=1&y=2' });
    const posted = await emu.api(`/apps/preview/preview/${port}/form`, { method: 'POST', body: 'k=v', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.deepEqual(await posted.json(), { posted: 'k=v' });
  });

  test('a URL preview is the URL itself (the browser loads it directly)', async () => {
    const r = await chat(emu, 'url');
    const block = (r.body.blocks as Array<{ type: string; payload: Record<string, unknown> }>).find((b) => b.type === 'browser_preview');
    assert.deepEqual(block?.payload, { title: 'Docs', path: '/', mode: 'split', url: 'https://example.invalid/docs' });
  });

  test('refused: not signed in, not a port, an unknown app; a port nothing listens on gets the SDK\'s answer', async () => {
    const anonymous = await fetch(`${emu.url}/apps/preview/preview/8765/`, { redirect: 'manual' });
    assert.ok([302, 303, 401].includes(anonymous.status), String(anonymous.status));
    for (const bad of ['abc', '0', '70000', '123456', '__proto__']) {
      const res = await emu.api(`/apps/preview/preview/${bad}/`);
      assert.equal(res.status, 400, bad);
    }
    const unknown = await emu.api('/apps/nope/preview/8765/');
    assert.equal(unknown.status, 404);
    // A port the app does not serve (1 is privileged and free on a test machine).
    const closed = await emu.api('/apps/preview/preview/1/');
    assert.equal(closed.status, 503);
    assert.deepEqual(await closed.json(), { error: 'port_not_ready', port: 1 });
  });
});
