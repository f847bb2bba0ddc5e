// Signing in, as a browser and the CLI meet it: the workspace's session token is kept in the store
// (mode 0600), so a restart signs no one out; a used link opened again in its browser goes on; a
// signed-out browser gets a page that says how to get a link (`capsule-local open` prints one), and
// error pages are HTML for a browser while API clients keep their JSON.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { launchBrowser } from '../support/browser';
import { loginUrl, startEmulator } from '../support/emulator';
import { ECHO_APP } from './helpers';

const T = 20_000;

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolvePort(port));
    });
  });
}

test('a restart keeps the token and the browser signed in; signed out, a page says how to get a link', async () => {
  const port = await freePort();
  const first = await startEmulator({ app: ECHO_APP, args: ['--port', String(port)] });
  const { browser, close } = await launchBrowser();
  let second: Awaited<ReturnType<typeof startEmulator>> | undefined;
  try {
    const tokenFile = join(first.storeDir, 'session-token');
    assert.equal(statSync(tokenFile).mode & 0o777, 0o600, 'the kept token is readable by its owner only');
    const page = await browser.newPage();
    const link = await loginUrl(first, '/dashboard');
    await page.goto(link);
    await page.locator('#apps tr', { hasText: 'echo' }).waitFor({ timeout: T });
    // The same link again in the browser it signed in: it just goes on.
    await page.goto(link);
    assert.equal(new URL(page.url()).pathname, '/dashboard');

    await first.stop();
    second = await startEmulator({ app: ECHO_APP, workspace: first.workspace, entry: first.entry, args: ['--port', String(port)] });
    assert.equal(second.token, first.token, 'the same token after a restart');
    await page.reload();
    await page.locator('#apps tr', { hasText: 'echo' }).waitFor({ timeout: T });

    // Signed out (no cookie): an HTML page that says how to sign in, not JSON or plain text.
    await page.context().clearCookies();
    const out = await page.goto(`${second.url}/chat`);
    assert.equal(out?.status(), 401);
    assert.match(out?.headers()['content-type'] ?? '', /text\/html/);
    await page.getByRole('heading', { name: 'You are signed out of this emulator' }).waitFor({ timeout: T });
    assert.match(await page.locator('body').innerText(), /run capsule-local open in the workspace folder/);
    const used = await page.goto(link);
    assert.equal(used?.status(), 401);
    await page.getByRole('heading', { name: 'Sign-in link used or expired' }).waitFor({ timeout: T });
    const missing = await page.goto(`${second.url}/no-such-page`);
    assert.equal(missing?.status(), 401, 'unknown pages are behind the token too');

    // `capsule-local open` prints a fresh link (and opens it; --no-open only prints it).
    const opened = await second.cli(['open', 'dashboard', '--no-open']);
    assert.equal(opened.status, 0, opened.stderr);
    const fresh = opened.stdout.trim();
    assert.match(fresh, new RegExp(`^${second.url.replace(/[.]/g, '\\.')}/login\\?code=[\\w-]+&next=%2Fdashboard$`));
    await page.goto(fresh);
    await page.locator('#apps tr', { hasText: 'echo' }).waitFor({ timeout: T });
    const notFound = await page.goto(`${second.url}/no-such-page`);
    assert.equal(notFound?.status(), 404);
    assert.match(notFound?.headers()['content-type'] ?? '', /text\/html/);
    assert.match(await page.locator('body').innerText(), /no route GET \/no-such-page/);

    // API clients keep JSON.
    const api = await fetch(`${second.url}/api/state`);
    assert.equal(api.status, 401);
    assert.match(((await api.json()) as { error: string }).error, /missing or wrong session token/);
    const api404 = await second.api('/api/no-such-route');
    assert.equal(api404.status, 404);
    assert.deepEqual(await api404.json(), { error: 'no route GET /api/no-such-route' });
  } finally {
    await close();
    await second?.stop();
    if (!second) await first.stop();
    first.cleanup();
  }
});
