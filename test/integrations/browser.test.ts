// End to end in headless Chromium with a real emulator and a real Python app
// (fixtures/connect-app): the web chat's integration card, the provider's consent screen, the
// secret form, and what reaches the app's handler; then expiry and refresh, revocation, denial and
// a timeout fired by moving the virtual clock from the integrations panel.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { signIn, browserForSuite } from '../support/browser';
import { waitFor } from '../support/wait';
import { fixture, type RunningEmulator } from '../support/emulator';

const T = 20_000;
const CLIENT_SECRET = 'e2e-github-client-secret';

describe('integrations end to end (chat, consent, secret forms, refresh, revoke, timeout)', () => {
  let emu: RunningEmulator;
  let browser: Browser;
  let chat: Page;

  browserForSuite({ app: fixture('integrations', 'connect-app'), dotenv: { GITHUB_CLIENT_ID: 'Iv1.e2e-client', GITHUB_CLIENT_SECRET: CLIENT_SECRET } }, async (e, b) => {
    [emu, browser] = [e, b];
    ({ page: chat } = await signIn(browser, emu, '/chat', { viewport: { width: 1100, height: 900 } }));
    await chat.getByRole('textbox', { name: 'Message' }).waitFor({ timeout: T });
  });

  /**
   * Types a message and sends it once the chat takes one (Send is disabled while the app is still
   * answering the previous message; the typed text would wait in the box).
   */
  async function sendOnly(text: string): Promise<void> {
    const send = chat.getByRole('button', { name: 'Send', exact: true });
    await waitFor(`the chat to accept a message before "${text}"`, () => send.isEnabled(), T);
    const box = chat.getByRole('textbox', { name: 'Message' });
    await box.fill(text);
    await box.press('Enter');
    await waitFor(`the chat to send "${text}"`, async () => !(await send.isEnabled()) || (await box.inputValue()) === '', T);
  }

  /** Sends a chat message and returns the text of the first new app message matching `reply`. */
  async function say(text: string, reply: RegExp): Promise<string> {
    const matches = chat.locator('#messages').getByText(reply);
    const before = await matches.count();
    await sendOnly(text);
    await waitFor(`a reply matching ${reply} to "${text}"`, async () => (await matches.count()) > before, T).catch(async (e: Error) => {
      throw new Error(`${e.message}\n--- chat ---\n${await chat.locator('#messages').innerText()}\n--- emulator ---\n${emu.output().slice(-2000)}`);
    });
    return (await matches.nth(before).textContent()) ?? '';
  }

  async function waitReply(reply: RegExp): Promise<string> {
    const m = chat.locator('#messages').getByText(reply).last();
    await m.waitFor({ timeout: T });
    return (await m.textContent()) ?? '';
  }

  /** Clicks Connect on the newest card of `title` and returns the page it opens. */
  async function connect(title: string): Promise<Page> {
    const button = chat.getByRole('group', { name: `Connect ${title}` }).last().getByRole('button', { name: 'Connect' });
    await waitFor(`the Connect button of the ${title} card`, () => button.isEnabled().catch(() => false), T).catch(async (e: Error) => {
      const prompts = await (await emu.api('/api/prompts')).text();
      throw new Error(`${e.message}\n--- pending prompts ---\n${prompts}\n--- chat ---\n${await chat.locator('#messages').innerText()}`);
    });
    const [popup] = await Promise.all([chat.context().waitForEvent('page', { timeout: T }), button.click()]);
    await popup.waitForLoadState();
    return popup;
  }

  async function connectionOf(type: string): Promise<{ user: string; scopes: string[] } | undefined> {
    const r = await emu.api('/api/integrations');
    const s = (await r.json()) as { users: Array<{ id: string; integrations: Array<{ type: string; scopes: string[] }> }> };
    for (const u of s.users) for (const c of u.integrations) if (c.type === type) return { user: u.id, scopes: c.scopes };
    return undefined;
  }

  test('chat card -> consent -> allow with fewer scopes: the handler gets the granted scopes and a working token', async () => {
    await sendOnly('github');
    const consent = await connect('Github');
    await consent.getByRole('heading', { name: 'Authorize connect-demo' }).waitFor({ timeout: T });
    assert.ok(await consent.getByText('Create gists').isVisible());
    await consent.getByLabel(/Create gists/).uncheck();
    await consent.getByRole('button', { name: 'Authorize' }).click();
    await consent.getByRole('heading', { name: 'GitHub connected' }).waitFor({ timeout: T });
    await consent.close();
    const reply = await waitReply(/granted scopes:/);
    assert.match(reply, /granted scopes: read:user repo; userinfo 200 \S+@\S+/);
    await chat.getByRole('group', { name: 'Connect Github' }).last().getByText('Connected').waitFor({ timeout: T });
    assert.deepEqual((await connectionOf('github'))?.scopes, ['repo', 'read:user']);
  });

  test('expiry: the token is refreshed before the app sees it (fault panel, then the virtual clock)', async () => {
    const first = await say('token', /github token/);
    const [, fp1, exp1] = first.match(/github token (\w+) expires_at (\d+)/)!;
    const { user } = (await connectionOf('github'))!;
    const expired = await emu.api(`/api/integrations/users/${encodeURIComponent(user)}/github/expire`, { method: 'POST' });
    assert.equal(expired.status, 200, `expire: HTTP ${expired.status}`);
    const second = await say('token', /github token/);
    const [, fp2, exp2] = second.match(/github token (\w+) expires_at (\d+)/)!;
    assert.notEqual(fp2, fp1, 'a new access token');
    assert.ok(Number(exp2) >= Number(exp1));
    assert.match(second, /userinfo 200/, 'the refreshed token works at the provider');
    // Nine hours later on the virtual clock the 8-hour GitHub token has expired: refreshed again.
    const adv = await emu.api('/api/clock/advance', { method: 'POST', body: JSON.stringify({ ms: 9 * 3600 * 1000 }) });
    assert.equal(adv.status, 200, `clock advance: HTTP ${adv.status}`);
    const third = await say('token', /github token/);
    const [, fp3, exp3] = third.match(/github token (\w+) expires_at (\d+)/)!;
    assert.notEqual(fp3, fp2);
    assert.ok(Number(exp3) > Number(exp2) + 8 * 3600, 'the expiry follows the virtual clock');
  });

  test('revoke from the panel: the app no longer has GitHub', async () => {
    const { user } = (await connectionOf('github'))!;
    const r = await emu.api(`/api/integrations/users/${encodeURIComponent(user)}/github/revoke`, { method: 'POST' });
    const body = await r.text();
    assert.equal(r.status, 200, body);
    assert.equal((JSON.parse(body) as { providerRevoked: boolean }).providerRevoked, true);
    // The real SDK keeps the integrations of a session it holds when GetSession lists none (its
    // runner only replaces a non-empty list), as it would on the platform: a new session of the
    // user no longer has GitHub.
    await chat.getByRole('button', { name: 'New session' }).click();
    assert.match(await say('token', /github: not connected|github token/), /github: not connected/);
  });

  test('deny on the consent screen: the handler gets IntegrationDeclined', async () => {
    await sendOnly('github');
    const consent = await connect('Github');
    await consent.getByRole('button', { name: 'Cancel' }).click();
    await consent.getByText('You denied access').waitFor({ timeout: T });
    await consent.close();
    assert.match(await waitReply(/IntegrationDeclined/), /IntegrationDeclined: GitHub connection declined/);
    await chat.getByRole('group', { name: 'Connect Github' }).last().getByText('Declined').waitFor({ timeout: T });
  });

  test('timeout: moving the virtual clock from the integrations panel fires IntegrationTimeout', async () => {
    await sendOnly('github short');
    const card = chat.getByRole('group', { name: 'Connect Github' }).last();
    await waitFor('the prompt of the short GitHub request', () => card.getByRole('button', { name: 'Connect' }).isEnabled().catch(() => false), T);
    // A page opened by the test (not by the chat) signs in through its own one-time link.
    const { page: panel } = await signIn(browser, emu, '/integrations');
    await panel.locator('#prompts tr', { hasText: 'github' }).waitFor({ timeout: T }).catch(async (e: Error) => {
      throw new Error(`${e.message}\n--- panel ---\n${await panel.locator('body').innerText()}\n--- chat ---\n${await chat.locator('#messages').innerText()}`);
    });
    await panel.getByLabel('Amount').fill('2');
    await panel.getByLabel('Unit').selectOption('60');
    await panel.getByRole('button', { name: 'Advance clock' }).click();
    assert.match(await waitReply(/IntegrationTimeout/), /IntegrationTimeout: GitHub was not connected in time/);
    await panel.close();
  });

  test('AWS secret form: a missing field is refused, then the fields reach the app as AWS env vars', async () => {
    await sendOnly('aws');
    const form = await connect('Aws');
    await form.getByRole('heading', { name: 'Connect AWS' }).waitFor({ timeout: T });
    await form.getByLabel('Access key ID').fill('AKIAE2EEXAMPLE');
    await form.getByLabel('Secret access key').fill('e2e-secret-access-key-42');
    await form.getByRole('button', { name: 'Connect' }).click();
    await form.getByText('Region is required.').waitFor({ timeout: T });
    await form.getByLabel('Secret access key').fill('e2e-secret-access-key-42');
    await form.getByLabel('Region').fill('eu-central-1');
    await form.getByRole('button', { name: 'Connect' }).click();
    await form.getByRole('heading', { name: 'AWS connected' }).waitFor({ timeout: T });
    await form.close();
    const reply = await waitReply(/aws env:/);
    assert.match(reply, /AWS_ACCESS_KEY_ID=AKIAE2EEXAMPLE AWS_DEFAULT_REGION=eu-central-1 secret length 24/);
  });

  test('custom secret form (fields=[...]): the declared fields reach the app', async () => {
    await sendOnly('jira');
    const form = await connect('Jira');
    await form.getByLabel('Url').fill('https://jira.example.com');
    await form.getByLabel('Token').fill('jira-e2e-token');
    await form.getByRole('button', { name: 'Connect' }).click();
    await form.getByRole('heading', { name: 'jira connected' }).waitFor({ timeout: T });
    await form.close();
    // The app got the fields (the token's length shows it); every field of a custom form is a
    // secret, so the url it echoes is masked in the reply.
    assert.match(await waitReply(/jira url/), /jira url \[secret\] token length 14/);
  });

  test('no secret value reached the event log', () => {
    const store = (require('../../emulator/store') as typeof import('../../emulator/store')).readStoreSync(emu.storeDir)! as unknown as { events: unknown[]; integrations: Record<string, Record<string, { accessToken: string }>> };
    const events = JSON.stringify(store.events);
    for (const secret of [CLIENT_SECRET, 'e2e-secret-access-key-42', 'jira-e2e-token']) assert.ok(!events.includes(secret), 'a secret value is in the event log');
    assert.ok(!/gho_[A-Za-z0-9_-]{10,}/.test(events), 'an access token is in the event log');
  });
});
