// The consent screens, secret forms and the fault panel in headless Chromium, driven as a person
// would (visible text, labels, roles), against an in-process hub. The end-to-end flows with a real
// emulator and a real Python app are in browser.test.ts.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { PendingPrompt } from '../../emulator/hub';
import { chromiumForSuite, watchedPage } from '../support/browser';
import { screenshotPath } from '../support/screenshots';
import { waitFor } from '../support/wait';
import { startFakeHub, type FakeHub } from './fake-hub';

const T = 15_000;

describe('integration pages in Chromium', () => {
  let hub: FakeHub;
  let page: Page;

  chromiumForSuite(async (browser) => {
    ({ page } = await watchedPage(browser, { viewport: { width: 960, height: 900 } }));
  });
  before(async () => {
    hub = await startFakeHub(
      [
        { type: 'github', mode: 'oauth', scopes: ['repo', 'read:user', 'gist'], fields: [], client_id_secret: 'GH_ID', client_secret_secret: 'GH_SECRET' },
        { type: 'gmail', mode: 'oauth', scopes: ['https://www.googleapis.com/auth/gmail.readonly', 'https://www.googleapis.com/auth/gmail.send'], fields: [], client_id_secret: 'G_ID', client_secret_secret: 'G_SECRET' },
        { type: 'outlook', mode: 'oauth', scopes: ['Mail.Read', 'Calendars.Read', 'offline_access'], fields: [], client_id_secret: 'MS_ID', client_secret_secret: 'MS_SECRET' },
        { type: 'linear', mode: 'oauth', scopes: ['read', 'issues:create'], fields: [], client_id_secret: 'L_ID', client_secret_secret: 'L_SECRET' },
        { type: 'aws', mode: 'secret', scopes: [], fields: ['access_key_id', 'secret_access_key', 'region'] },
        { type: 'jira', mode: 'secret', scopes: [], fields: ['url', 'token'] },
        { type: 'notion', mode: 'pipedream', scopes: [], fields: [] },
      ],
      { GH_ID: 'gh-id', GH_SECRET: 'gh-secret', G_ID: 'g-id', G_SECRET: 'g-secret', MS_ID: 'ms-id', MS_SECRET: 'ms-secret', L_ID: 'l-id', L_SECRET: 'l-secret' },
    );
  });
  after(async () => {
    await hub?.close();
  });

  /** Opens a new pending prompt's connect page; resolves with the prompt once `heading` shows. */
  async function openConnectPage(p: Parameters<FakeHub['openPrompt']>[0], heading: string | RegExp): Promise<PendingPrompt> {
    const prompt = hub.openPrompt(p);
    await page.goto(`${hub.url}/connect/${prompt.id}`);
    await page.getByRole('heading', { name: heading }).waitFor({ timeout: T });
    return prompt;
  }

  /** What the prompt was answered with (undefined while it is pending). */
  const answerTo = (prompt: PendingPrompt) => hub.answers.find((x) => x.id === prompt.id)?.answer;

  test('GitHub consent: every scope explained, grant fewer, the prompt gets what was granted', async () => {
    const prompt = await openConnectPage({ type: 'github', userId: 'user_dev' }, 'Authorize demo');
    for (const d of ['Full control of private repositories', 'Read ALL user profile data', 'Create gists']) {
      assert.ok(await page.getByText(d).isVisible(), `scope explained: ${d}`);
    }
    assert.ok(await page.getByRole('radio', { name: /Dev/ }).isChecked(), 'the prompting user is preselected (login_hint)');
    await page.screenshot({ path: screenshotPath('consent-github.png'), fullPage: true });
    await page.getByLabel(/Create gists/).uncheck();
    await page.getByRole('button', { name: 'Authorize' }).click();
    await page.getByRole('heading', { name: 'GitHub connected' }).waitFor({ timeout: T });
    assert.ok(await page.getByText('repo', { exact: true }).isVisible());
    const a = answerTo(prompt);
    assert.ok(a?.allow);
    if (a?.allow) {
      assert.deepEqual(a.credential.scopes, ['repo', 'read:user']);
      assert.equal(a.credential.account, 'dev@localhost');
    }
  });

  test('"add account" in the picker creates a persona and signs in with it', async () => {
    const prompt = await openConnectPage({ type: 'gmail', userId: 'user_dev' }, 'demo wants access to your Google Account');
    assert.ok(await page.getByText('View your email messages and settings').isVisible());
    await page.screenshot({ path: screenshotPath('consent-google.png'), fullPage: true });
    await page.getByText('Use another account').click();
    await page.getByRole('textbox', { name: 'Name' }).fill('Grace');
    await page.getByRole('textbox', { name: 'Email' }).fill('grace@example.com');
    await page.getByRole('button', { name: 'Add account' }).click();
    await page.getByRole('radio', { name: /Grace/ }).waitFor({ timeout: T });
    assert.ok(await page.getByRole('radio', { name: /Grace/ }).isChecked(), 'the new account is selected');
    assert.ok(hub.read().personas.some((p) => p.email === 'grace@example.com'), 'a persona was created');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'Gmail connected' }).waitFor({ timeout: T });
    const a = answerTo(prompt);
    assert.ok(a?.allow && a.credential.account === 'grace@example.com');
  });

  test('Cancel on the Microsoft screen declines the prompt', async () => {
    const prompt = await openConnectPage({ type: 'outlook', userId: 'user_ms' }, 'Permissions requested');
    assert.ok(await page.getByText('Read your mail').isVisible());
    await page.screenshot({ path: screenshotPath('consent-microsoft.png'), fullPage: true });
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.getByText('You denied access').waitFor({ timeout: T });
    assert.deepEqual(answerTo(prompt), { allow: false });
  });

  test('Linear consent, and an invalid scope shown as the provider shows it', async () => {
    const prompt = await openConnectPage({ type: 'linear', userId: 'user_lin' }, /requesting access to your Linear account/);
    await page.screenshot({ path: screenshotPath('consent-linear.png'), fullPage: true });

    const bad = hub.openPrompt({ type: 'linear', userId: 'user_bad', scopes: ['read', 'time_travel'] });
    // The prompt's own scopes are what the app declared; declare the bad one for this run.
    hub.appList[0]!.integrations.find((i) => i.type === 'linear')!.scopes = ['read', 'time_travel'];
    try {
      await page.goto(`${hub.url}/connect/${bad.id}`);
      await page.getByText('Error: invalid_scope').waitFor({ timeout: T });
      assert.ok(await page.getByText('time_travel').isVisible());
      await page.getByRole('link', { name: 'Back to the app' }).click();
      await page.getByText('invalid_scope:').waitFor({ timeout: T });
      assert.deepEqual(answerTo(bad), { allow: false }, 'the app is told the connection cannot be made');
    } finally {
      hub.appList[0]!.integrations.find((i) => i.type === 'linear')!.scopes = ['read', 'issues:create'];
    }
  });

  test('AWS secret form: labels and masking from the catalog, a missing field is refused, then the fields arrive', async () => {
    const prompt = await openConnectPage({ type: 'aws', userId: 'user_aws', reason: 'AWS keys are needed to deploy.' }, 'Connect AWS');
    assert.equal(await page.getByLabel('Secret access key').getAttribute('type'), 'password');
    assert.equal(await page.getByLabel('Access key ID').getAttribute('type'), 'text');
    await page.getByLabel('Access key ID').fill('AKIAEXAMPLE');
    await page.getByLabel('Secret access key').fill('wJalrXUtnFEMI-example');
    await page.screenshot({ path: screenshotPath('secret-form-aws.png'), fullPage: true });
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.getByText('Region is required.').waitFor({ timeout: T });
    assert.equal(await page.getByLabel('Region').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.getByLabel('Access key ID').inputValue(), 'AKIAEXAMPLE', 'non-secret input kept');
    assert.equal(await page.getByLabel('Secret access key').inputValue(), '', 'secret input never echoed back');
    await page.screenshot({ path: screenshotPath('secret-form-aws-error.png'), fullPage: true });
    assert.equal(answerTo(prompt), undefined, 'nothing sent to the app yet');
    await page.getByLabel('Secret access key').fill('wJalrXUtnFEMI-example');
    await page.getByLabel('Region').fill('eu-west-1');
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.getByRole('heading', { name: 'AWS connected' }).waitFor({ timeout: T });
    const a = answerTo(prompt);
    assert.ok(a?.allow);
    if (a?.allow) assert.deepEqual({ ...a.credential.fields }, { access_key_id: 'AKIAEXAMPLE', secret_access_key: 'wJalrXUtnFEMI-example', region: 'eu-west-1' });
  });

  test('custom secret form: every declared field masked and required; Deny declines', async () => {
    const prompt = await openConnectPage({ type: 'jira', userId: 'user_jira' }, 'Connect jira');
    assert.equal(await page.getByLabel('Url').getAttribute('type'), 'password');
    assert.equal(await page.getByLabel('Token').getAttribute('type'), 'password');
    await page.screenshot({ path: screenshotPath('secret-form-custom.png'), fullPage: true });
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.getByText('Url is required.').waitFor({ timeout: T });
    assert.ok(await page.getByText('Token is required.').isVisible());
    await page.getByRole('button', { name: 'Deny' }).click();
    await page.getByText('You declined').waitFor({ timeout: T });
    assert.deepEqual(answerTo(prompt), { allow: false });
  });

  test('Pipedream Connect (local): the base URL is prefilled, the token is required and never echoed, then the account arrives', async () => {
    const prompt = await openConnectPage({ type: 'notion', userId: 'user_dev', reason: 'Notion holds the roadmap.' }, 'Connect Notion');
    assert.ok(await page.getByText('Notion holds the roadmap.').isVisible());
    assert.equal(await page.getByLabel('API base URL').inputValue(), 'https://api.notion.com', 'a known app: its API prefilled');
    assert.equal(await page.getByLabel('Access token').getAttribute('type'), 'password');
    await page.getByLabel('Account name').fill('ada@notion');
    await page.screenshot({ path: screenshotPath('pipedream-connect.png'), fullPage: true });
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.getByText('Access token is required').waitFor({ timeout: T });
    assert.equal(await page.getByLabel('Account name').inputValue(), 'ada@notion', 'what was typed is kept');
    assert.equal(answerTo(prompt), undefined, 'nothing sent to the app yet');
    await page.getByLabel('Access token').fill('secret_notion-Tok3n-browser');
    await page.getByLabel('API base URL').fill('ftp://api.notion.com');
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.getByText('must be http:// or https://').waitFor({ timeout: T });
    assert.equal(await page.getByLabel('Access token').inputValue(), '', 'the token is never echoed back');
    await page.getByLabel('Access token').fill('secret_notion-Tok3n-browser');
    await page.getByLabel('API base URL').fill('https://api.notion.com/');
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.getByRole('heading', { name: 'Notion connected' }).waitFor({ timeout: T });
    assert.ok(await page.getByText('https://api.notion.com through session.pipedream("notion")').isVisible());
    const a = answerTo(prompt);
    assert.ok(a?.allow);
    if (a?.allow) {
      assert.equal(a.credential.mode, 'pipedream');
      assert.equal(a.credential.accessToken, 'secret_notion-Tok3n-browser');
      assert.equal(a.credential.account, 'ada@notion');
      assert.deepEqual({ ...a.credential.fields, account_id: '' }, { account_id: '', app_slug: 'notion', provider: 'pipedream', api_base_url: 'https://api.notion.com', account_name: 'ada@notion' });
    }
  });

  test('fault panel: Connect for a non-blocking card (no prompt) stores the connection for the chosen persona', async () => {
    await page.goto(`${hub.url}/integrations`);
    await page.getByLabel('Connect as').selectOption('user_ada');
    const row = page.locator('#declared tr', { hasText: 'oauth' }).filter({ hasText: 'linear' });
    const [popup] = await Promise.all([page.context().waitForEvent('page', { timeout: T }), row.getByRole('link', { name: 'Connect' }).click()]);
    await popup.getByRole('heading', { name: /requesting access to your Linear account/ }).waitFor({ timeout: T });
    assert.ok(await popup.getByRole('radio', { name: /Ada/ }).isChecked());
    await popup.getByRole('button', { name: 'Authorize' }).click();
    await popup.getByRole('heading', { name: 'Linear connected' }).waitFor({ timeout: T });
    await popup.close();
    assert.deepEqual(hub.read().integrations.user_ada?.linear?.scopes, ['read', 'issues:create']);
  });

  test('fault panel: approve a prompt, expire, fail the next refresh, revoke, move the clock', async () => {
    const prompt = hub.openPrompt({ type: 'github', userId: 'user_panel' });
    await page.goto(`${hub.url}/integrations`);
    const row = page.locator('#prompts tr', { hasText: 'user_panel' });
    await row.waitFor({ timeout: T });
    await row.getByRole('button', { name: 'Approve' }).click();
    const conn = page.locator('#connections tr', { hasText: 'user_panel' });
    await conn.waitFor({ timeout: T });
    assert.ok(answerTo(prompt)?.allow);
    await conn.getByRole('button', { name: 'Expire now' }).click();
    await conn.getByText(/^expired/).waitFor({ timeout: T });
    await conn.getByRole('button', { name: 'Refresh', exact: true }).click();
    await conn.getByText(/^expires in/).waitFor({ timeout: T });
    await conn.getByRole('button', { name: 'Fail next refresh' }).click();
    await conn.getByText('next refresh fails').waitFor({ timeout: T });
    await conn.getByRole('button', { name: 'Refresh', exact: true }).click();
    await waitFor('the connection to be dropped after the failed refresh', () => hub.read().integrations.user_panel?.github === undefined, T);
    // Connect again, then revoke.
    const again = hub.openPrompt({ type: 'github', userId: 'user_panel' });
    await page.reload();
    await page.locator('#prompts tr', { hasText: 'user_panel' }).getByRole('button', { name: 'Approve' }).click();
    await waitFor('the second approval', () => hub.answers.some((x) => x.id === again.id), T);
    await page.locator('#connections tr', { hasText: 'user_panel' }).getByRole('button', { name: 'Revoke' }).click();
    await waitFor('the revocation', () => hub.read().integrations.user_panel?.github === undefined, T);
    const before = hub.clock.now();
    await page.getByLabel('Amount').fill('2');
    await page.getByLabel('Unit').selectOption('86400');
    await page.getByRole('button', { name: 'Advance clock' }).click();
    await waitFor('the clock to move two days', () => hub.clock.now() - before >= 2 * 86400 * 1000, T);
  });

  test('fault panel: a button held across several polls stays the same attached element and still works', async () => {
    const prompt = hub.openPrompt({ type: 'github', userId: 'user_steady' });
    await page.goto(`${hub.url}/integrations`);
    await page.locator('#prompts tr', { hasText: 'user_steady' }).getByRole('button', { name: 'Approve' }).click();
    await waitFor('the approval', () => hub.answers.some((x) => x.id === prompt.id), T);
    const conn = page.locator('#connections tr', { hasText: 'user_steady' });
    const button = conn.getByRole('button', { name: 'Fail next refresh' });
    const held = (await button.elementHandle({ timeout: T }))!;
    const expiry = conn.locator('.pill', { hasText: /^expires in/ });
    for (let poll = 1; poll <= 3; poll++) {
      // Move the clock so that each poll changes the row the button sits in.
      const shown = await expiry.textContent({ timeout: T });
      hub.clock.advance(3600 * 1000);
      await waitFor(`poll ${poll} to show the new expiry`, async () => {
        const now = await expiry.textContent({ timeout: T }).catch(() => shown);
        return now !== shown;
      }, T);
      assert.ok(await held.evaluate((b) => b.isConnected), `the button was detached by poll ${poll}`);
      const current = (await button.elementHandle({ timeout: T }))!;
      assert.ok(await page.evaluate(([a, b]) => a === b, [held, current]), `poll ${poll} replaced the button with a new element`);
    }
    await held.click({ timeout: T });
    await conn.getByText('next refresh fails').waitFor({ timeout: T });
  });
});
