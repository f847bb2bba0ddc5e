// Two things a newcomer meets first on the integration pages, in headless Chromium against an
// in-process hub: pressing Enter submits the positive action of every form (Allow on the consent
// screen, Connect on a secret form; the negative buttons used to come first, so Enter declined),
// and an app whose OAuth client secrets are not defined locally still connects to a simulated
// provider, through generated local credentials that the consent screen and the event log name,
// while a defined client secret is used and checked.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { PendingPrompt } from '../../emulator/hub';
import { chromiumForSuite, watchedPage } from '../support/browser';
import { startFakeHub, type FakeHub } from './fake-hub';

const T = 15_000;

describe('Enter on the integration forms, and generated local OAuth clients', () => {
  let hub: FakeHub;
  let page: Page;

  chromiumForSuite(async (browser) => {
    ({ page } = await watchedPage(browser));
  });
  before(async () => {
    hub = await startFakeHub(
      [
        // GitHub's client secrets are not defined; Google's are.
        { type: 'github', mode: 'oauth', scopes: ['repo', 'read:user'], fields: [], client_id_secret: 'GITHUB_CLIENT_ID', client_secret_secret: 'GITHUB_CLIENT_SECRET' },
        { type: 'gmail', mode: 'oauth', scopes: ['https://www.googleapis.com/auth/gmail.readonly'], fields: [], client_id_secret: 'G_ID', client_secret_secret: 'G_SECRET' },
        { type: 'aws', mode: 'secret', scopes: [], fields: ['access_key_id', 'secret_access_key', 'region'] },
        { type: 'jira', mode: 'secret', scopes: [], fields: ['url', 'token'] },
      ],
      { G_ID: 'g-client-id', G_SECRET: 'g-client-secret' },
    );
  });
  after(async () => {
    await hub?.close();
  });

  const answerTo = (prompt: PendingPrompt) => hub.answers.find((x) => x.id === prompt.id)?.answer;

  test('undefined client secrets: consent names the stand-in, Enter allows, the prompt is connected', async () => {
    const prompt = hub.openPrompt({ type: 'github', userId: 'user_dev' });
    await page.goto(`${hub.url}/connect/${prompt.id}`);
    await page.getByRole('heading', { name: 'Authorize demo' }).waitFor({ timeout: T });
    const note = await page.locator('#client-note').innerText();
    assert.match(note, /GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET are not defined, so the simulated provider uses generated local credentials/);
    await page.getByLabel(/Read ALL user profile data/).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'GitHub connected' }).waitFor({ timeout: T });
    const a = answerTo(prompt);
    assert.ok(a?.allow, `Enter answered ${JSON.stringify(a)}`);
    if (a?.allow) assert.deepEqual(a.credential.scopes, ['repo', 'read:user']);
    const events = hub.read().events.map((e) => e.summary);
    assert.ok(events.some((s) => /^github: Local test client: GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET are not defined/.test(s)), events.join('\n'));
  });

  test('defined client secrets: no stand-in, and the provider checks the secret', async () => {
    const prompt = hub.openPrompt({ type: 'gmail', userId: 'user_dev' });
    await page.goto(`${hub.url}/connect/${prompt.id}`);
    await page.getByRole('heading', { name: /wants access to your Google Account/ }).waitFor({ timeout: T });
    assert.equal(await page.locator('#client-note').count(), 0);
    await page.getByRole('radio').first().focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Gmail connected' }).waitFor({ timeout: T });
    assert.ok(answerTo(prompt)?.allow);
    const wrong = await fetch(`${hub.url}/oauth/google/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: 'x', client_id: 'g-client-id', client_secret: 'not-the-secret' }),
    });
    assert.equal(((await wrong.json()) as { error: string }).error, 'invalid_client', `HTTP ${wrong.status}`);
  });

  test('AWS secret form: Enter in a field submits Connect, not Deny', async () => {
    const prompt = hub.openPrompt({ type: 'aws', userId: 'user_aws' });
    await page.goto(`${hub.url}/connect/${prompt.id}`);
    await page.getByRole('heading', { name: 'Connect AWS' }).waitFor({ timeout: T });
    await page.getByLabel('Access key ID').fill('AKIAEXAMPLE');
    await page.getByLabel('Secret access key').fill('enter-key-secret-value');
    await page.getByLabel('Region').fill('eu-west-1');
    await page.getByLabel('Region').press('Enter');
    await page.getByRole('heading', { name: 'AWS connected' }).waitFor({ timeout: T });
    const a = answerTo(prompt);
    assert.ok(a?.allow, `Enter answered ${JSON.stringify(a)}`);
  });

  test('custom secret form: Enter in a field submits Connect', async () => {
    const prompt = hub.openPrompt({ type: 'jira', userId: 'user_jira' });
    await page.goto(`${hub.url}/connect/${prompt.id}`);
    await page.getByRole('heading', { name: 'Connect jira' }).waitFor({ timeout: T });
    await page.getByLabel('Url').fill('https://jira.example.com');
    await page.getByLabel('Token').fill('jira-enter-token');
    await page.getByLabel('Token').press('Enter');
    await page.getByRole('heading', { name: 'jira connected' }).waitFor({ timeout: T });
    assert.ok(answerTo(prompt)?.allow);
  });

  test('the negative buttons still decline when clicked, and still show first', async () => {
    const prompt = hub.openPrompt({ type: 'aws', userId: 'user_aws2' });
    await page.goto(`${hub.url}/connect/${prompt.id}`);
    const deny = page.getByRole('button', { name: 'Deny' });
    const connect = page.getByRole('button', { name: 'Connect' });
    assert.ok((await deny.boundingBox())!.x < (await connect.boundingBox())!.x, 'Deny is left of Connect, as before');
    await deny.click();
    await page.getByText('You declined').waitFor({ timeout: T });
    assert.deepEqual(answerTo(prompt), { allow: false });
  });
});
