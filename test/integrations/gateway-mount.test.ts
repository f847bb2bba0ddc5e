// The integrations module mounted on the real gateway (in process, no app): provider pages are
// public, everything else needs the session token, and the refresh seam is installed.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type RunningEmulator } from '../../emulator/gateway';

describe('integrations on the gateway', () => {
  let emu: RunningEmulator;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'capsule-int-gw-'));
    emu = await startEmulator({ entries: [], storeDir: join(dir, '.capsule'), cwd: dir, port: 0, env: {} });
  });
  after(async () => {
    await emu?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const bearer = () => ({ authorization: `Bearer ${emu.token}` });

  test('provider endpoints are public; the callback checks state instead of the session token', async () => {
    const meta = await fetch(`${emu.url}/oauth/github/.well-known/oauth-authorization-server`);
    assert.equal(meta.status, 200);
    assert.equal(((await meta.json()) as { issuer: string }).issuer, `${emu.url}/oauth/github`);
    const cb = await fetch(`${emu.url}/integrations/callback?code=x&state=forged`);
    assert.equal(cb.status, 400);
    assert.match(await cb.text(), /invalid_state/);
    const unknown = await fetch(`${emu.url}/oauth/nosuchprovider/authorize`);
    assert.equal(unknown.status, 401, 'no provider is simulated for an undeclared type: the path falls through to the token-protected routes');
  });

  test('the panel, its API and /connect need the session token', async () => {
    for (const path of ['/integrations', '/api/integrations', '/connect/prm_nope', '/integrations/form/prm_nope']) {
      const r = await fetch(`${emu.url}${path}`, { redirect: 'manual' });
      assert.ok(r.status === 401 || r.status === 403, `${path} without a token: ${r.status}`);
    }
    const page = await fetch(`${emu.url}/integrations`, { headers: bearer() });
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    const api = await fetch(`${emu.url}/api/integrations`, { headers: bearer() });
    assert.equal(api.status, 200);
    const state = (await api.json()) as { redirectUri: string; providers: Array<{ id: string }> };
    assert.equal(state.redirectUri, `${emu.url}/integrations/callback`);
    assert.deepEqual(state.providers.map((p) => p.id).sort(), ['github', 'google', 'linear', 'microsoft']);
    const gone = await fetch(`${emu.url}/connect/prm_nope`, { headers: bearer() });
    assert.equal(gone.status, 404);
    assert.match(await gone.text(), /no longer pending/);
  });

  test('the gateway calls the refresh seam the module installed', () => {
    assert.equal(typeof emu.hub.refreshIntegrations, 'function');
  });
});
