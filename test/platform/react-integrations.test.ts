// useSession(name).integrations() of the @capsule/page kit, on the real SDK in headless Chromium
// (fixtures/react-integrations): status() before a connection, connect() through the simulated
// GitHub's consent screen in the window it opens, then status() says connected; connect() of a
// type the app does not declare and of a window closed before connecting reject, naming why. The
// page route behind it (GET /api/pages/<app>/integrations[/<type>]?as=) answers the viewer's own
// connections only: an undeclared or hostile type is a 404 naming it, another persona's
// connection is not the viewer's, an expired token says so, and no token, refresh token, field value or client secret is in
// any answer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { launchBrowser } from '../support/browser';
import { loginUrl, startEmulator } from '../support/emulator';
import { json } from '../emulator/helpers';
import { readStoreSync } from '../../emulator/store';

const APP = join(__dirname, 'fixtures', 'react-integrations');
const T = 30_000;
const CLIENT_SECRET = 'kit-github-client-secret-5150';
const PLANTED = 'planted-jira-token-8c1e77';
const BASE = '/api/pages/react-connect/integrations';

test('a React page reads, connects and reads again the viewer\'s integrations; the route shows the viewer\'s state only, never a secret', async () => {
  const emu = await startEmulator({ app: APP, dotenv: { GITHUB_CLIENT_ID: 'Iv1.kit-client', GITHUB_CLIENT_SECRET: CLIENT_SECRET } });
  const { browser, close } = await launchBrowser();
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(await loginUrl(emu, '/pages/react-connect/connect'));
    await page.getByTestId('before').filter({ hasText: 'github not connected' }).waitFor({ timeout: T });

    // connect("github"): the consent screen in the window it opens, completed as a person would.
    const [popup] = await Promise.all([page.context().waitForEvent('page', { timeout: T }), page.getByRole('button', { name: 'Connect GitHub' }).click()]);
    await popup.getByRole('heading', { name: 'Authorize react-connect' }).waitFor({ timeout: T });
    await popup.getByRole('button', { name: 'Authorize' }).click();
    await page.getByTestId('connected').filter({ hasText: /^github connected/ }).waitFor({ timeout: T });
    assert.match(await page.getByTestId('connected').innerText(), /^github connected repo,read:user \S+@\S+ valid dated$/);
    // The window the kit opened is closed once the connection is stored.
    await new Promise<void>((resolve) => (popup.isClosed() ? resolve() : popup.once('close', () => resolve())));
    await page.getByRole('button', { name: 'All statuses' }).click();
    await page.getByTestId('all').filter({ hasText: 'jira' }).waitFor({ timeout: T });
    assert.match(await page.getByTestId('all').innerText(), /^github connected repo,read:user \S+ valid dated \| jira not connected$/);

    // A type the app does not declare: rejected before any window opens, naming it.
    await page.getByRole('button', { name: 'Connect nope' }).click();
    await page.getByTestId('error').filter({ hasText: 'nope' }).waitFor({ timeout: T });
    assert.match(await page.getByTestId('error').innerText(), /^react-connect declares no integration "nope" .*its integrations: github, jira\)$/);
    // A connect window closed before connecting: rejected, saying so.
    const [form] = await Promise.all([page.context().waitForEvent('page', { timeout: T }), page.getByRole('button', { name: 'Connect Jira' }).click()]);
    await form.getByLabel('Token').waitFor({ timeout: T });
    await form.close();
    await page.getByTestId('error').filter({ hasText: 'closed' }).waitFor({ timeout: T });
    assert.equal(await page.getByTestId('error').innerText(), 'integrations().connect("jira"): the connect window was closed before jira was connected');

    // An expired token: status() says so (still connected); connect() again resolves once the new
    // token is stored.
    const viewerId = (await json<{ persona: string }>(emu, '/api/pages/react-connect')).body.persona;
    assert.equal((await emu.api(`/api/integrations/users/${viewerId}/github/expire`, { method: 'POST' })).status, 200);
    await page.getByRole('button', { name: 'All statuses' }).click();
    await page.getByTestId('all').filter({ hasText: 'expired' }).waitFor({ timeout: T });
    assert.match(await page.getByTestId('all').innerText(), /^github connected repo,read:user \S+ expired dated \| jira not connected$/);
    const [again] = await Promise.all([page.context().waitForEvent('page', { timeout: T }), page.getByRole('button', { name: 'Connect GitHub' }).click()]);
    await again.getByRole('heading', { name: 'Authorize react-connect' }).waitFor({ timeout: T });
    await again.getByRole('button', { name: 'Authorize' }).click();
    await page.getByTestId('connected').filter({ hasText: / valid dated$/ }).waitFor({ timeout: T });
    assert.deepEqual(errors, []);

    // The route: the viewer's own state. Another persona (Bea) connects jira with a planted token.
    const viewer = (await json<{ persona: string }>(emu, '/api/pages/react-connect')).body.persona;
    const bea = (await json<{ id: string }>(emu, '/api/webchat/personas', { name: 'Bea' })).body.id;
    const planted = await emu.api(`/integrations/form/new?${new URLSearchParams({ app: 'react-connect', type: 'jira', user: bea })}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ url: 'https://jira.example.com', token: PLANTED }).toString(),
    });
    assert.equal(planted.status, 200, await planted.text());

    const answers: string[] = [];
    const get = async <T = Record<string, unknown>>(path: string) => {
      const r = await json<T>(emu, path);
      answers.push(JSON.stringify(r.body));
      return r;
    };
    const mine = await get<{ viewer: string; integrations: Array<Record<string, unknown>> }>(BASE);
    assert.equal(mine.status, 200);
    assert.equal(mine.body.viewer, viewer);
    assert.deepEqual(mine.body.integrations.map((i) => [i.type, i.mode, i.connected]), [['github', 'oauth', true], ['jira', 'secret', false]]);
    assert.deepEqual(Object.keys(mine.body.integrations[0]!).sort(), ['account', 'connected', 'connectedAt', 'expired', 'expiresAt', 'mode', 'scopes', 'type']);
    const theirs = await get<{ viewer: string; integrations: Array<Record<string, unknown>> }>(`${BASE}?as=${bea}`);
    assert.equal(theirs.body.viewer, bea);
    assert.deepEqual(theirs.body.integrations.map((i) => [i.type, i.connected]), [['github', false], ['jira', true]], "Bea's own, not the viewer's GitHub");
    assert.equal((await get<{ connected: boolean }>(`${BASE}/jira`)).body.connected, false, "Bea's jira is not the viewer's");
    assert.equal((await get<{ connected: boolean }>(`${BASE}/jira?as=${encodeURIComponent(bea)}`)).body.connected, true);
    const one = await get<Record<string, unknown>>(`${BASE}/github`);
    assert.equal(one.status, 200);
    assert.deepEqual([one.body.type, one.body.connected, one.body.scopes, one.body.viewer], ['github', true, ['repo', 'read:user'], viewer]);

    // Undeclared and hostile types: 404 naming the type; the viewer must be a persona; limits hold.
    for (const type of ['nope', '__proto__', 'constructor', 'hasOwnProperty', 'toString', 'github ', 'GITHUB']) {
      const r = await get<{ error: string }>(`${BASE}/${encodeURIComponent(type)}`);
      assert.equal(r.status, 404, `${type}: ${JSON.stringify(r.body)}`);
      assert.ok(r.body.error.includes(`"${type}"`), `${type}: ${r.body.error}`);
    }
    assert.equal((await get(`${BASE}/${'x'.repeat(5000)}`)).status, 400);
    for (const as of ['__proto__', 'constructor', 'user_nobody']) {
      assert.equal((await get(`${BASE}?as=${as}`)).status, 400, as);
      assert.equal((await get(`${BASE}/github?as=${as}`)).status, 400, as);
    }
    assert.equal((await get('/api/pages/nope/integrations')).status, 404);
    assert.equal((await get('/api/pages/__proto__/integrations/github')).status, 404);
    assert.equal((await fetch(`${emu.url}${BASE}`)).status, 401, 'behind the session');

    // No stored secret in any answer: the tokens, the planted field value, the client secret.
    const store = readStoreSync(emu.storeDir)!;
    const gh = store.integrations[viewer]!.github!;
    assert.ok(gh.accessToken.length > 8, 'the viewer has a token');
    assert.equal(store.integrations[bea]!.jira!.fields.token, PLANTED);
    const all = answers.join('\n');
    for (const secret of [gh.accessToken, ...(gh.refreshToken ? [gh.refreshToken] : []), PLANTED, CLIENT_SECRET, 'https://jira.example.com']) assert.ok(!all.includes(secret), `a secret value is in an answer: ${secret.slice(0, 6)}…`);
  } finally {
    await close();
    await emu.stop();
    emu.cleanup();
  }
});
