// The README's demo as a newcomer runs it, end to end in headless Chromium: `npm run demo`'s
// set-up (scripts/demo.mjs) on a fresh workspace, then serve of examples/support-ops with no
// client secrets defined, and in the web chat: hello, key (the placeholder key), inbox (Connect ->
// Google's simulated consent screen, which names the generated local client -> Enter), billing
// (the AWS secret form -> Enter). No step outside what the README states.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { signIn, browserForSuite } from '../support/browser';
import { waitFor } from '../support/wait';
import { REPO, type RunningEmulator } from '../support/emulator';

const T = 20_000;

describe('the README demo in a browser', () => {
  let workspace: string;
  let setup: ReturnType<typeof spawnSync>;
  let emu: RunningEmulator;
  let chat: Page;

  before(() => {
    workspace = mkdtempSync(join(tmpdir(), 'capsule-demo-'));
    mkdirSync(join(workspace, 'examples', 'support-ops'), { recursive: true });
    cpSync(join(REPO, 'examples', 'support-ops', 'app.py'), join(workspace, 'examples', 'support-ops', 'app.py'));
    setup = spawnSync(process.execPath, [join(REPO, 'scripts', 'demo.mjs')], { cwd: workspace, encoding: 'utf8' });
  });
  // The workspace is the test's own (the emulator leaves it): removed after the emulator stopped.
  browserForSuite(() => ({ app: workspace, workspace, entry: 'examples/support-ops/app.py:app' }), async (e, browser) => {
    emu = e;
    ({ page: chat } = await signIn(browser, emu, '/chat'));
    await chat.getByRole('textbox', { name: 'Message' }).waitFor({ timeout: T });
  });
  after(() => {
    if (workspace) rmSync(workspace, { recursive: true, force: true });
  });

  async function say(text: string, reply: RegExp): Promise<string> {
    const send = chat.getByRole('button', { name: 'Send', exact: true });
    await waitFor(`the chat to accept "${text}"`, () => send.isEnabled(), T);
    const matches = chat.locator('#messages').getByText(reply);
    const before = await matches.count();
    await chat.getByRole('textbox', { name: 'Message' }).fill(text);
    await chat.getByRole('textbox', { name: 'Message' }).press('Enter');
    await waitFor(`a reply matching ${reply}`, async () => (await matches.count()) > before, T).catch(async (e: Error) => {
      throw new Error(`${e.message}\n--- chat ---\n${await chat.locator('#messages').innerText()}\n--- emulator ---\n${emu.output().slice(-3000)}`);
    });
    return (await matches.nth(before).textContent()) ?? '';
  }

  async function connect(title: string): Promise<Page> {
    const button = chat.getByRole('group', { name: `Connect ${title}` }).last().getByRole('button', { name: 'Connect' });
    await waitFor(`the Connect button of the ${title} card`, () => button.isEnabled().catch(() => false), T);
    const [popup] = await Promise.all([chat.context().waitForEvent('page', { timeout: T }), button.click()]);
    await popup.waitForLoadState();
    return popup;
  }

  test('the set-up says what it did, and serve lists only the undefined Google client secrets', () => {
    assert.equal(setup.status, 0, String(setup.stderr));
    assert.match(String(setup.stdout), /copied examples\/support-ops\/\.env\.example to \.env/);
    assert.match(String(setup.stdout), /created the support-telegram channel/);
    assert.match(emu.output(), /capsule-local check found 2 problems for this app/);
    assert.match(emu.output(), /GOOGLE_OAUTH_CLIENT_ID[^\n]*\n {4}\(until it is defined, the simulated provider uses generated local client credentials\)/);
    assert.ok(!/OPENAI_API_KEY' is not defined/.test(emu.output()));
  });

  test('hello and key', async () => {
    assert.match(await say('hello', /You said: hello/), /\[chat\] You said: hello/);
    assert.match(await say('key', /Model key is configured/), /Model key is configured \(\d+ characters\)/);
  });

  test('inbox: Connect, the consent screen names the local client, Enter connects Gmail', async () => {
    const reply = say('inbox', /Gmail connected/);
    const consent = await connect('Gmail');
    await consent.getByRole('heading', { name: /support-ops wants access to your Google Account/ }).waitFor({ timeout: T });
    assert.match(await consent.locator('#client-note').innerText(), /GOOGLE_OAUTH_CLIENT_ID and GOOGLE_OAUTH_CLIENT_SECRET are not defined/);
    await consent.getByRole('checkbox').first().focus();
    await consent.keyboard.press('Enter');
    await consent.getByRole('heading', { name: 'Gmail connected' }).waitFor({ timeout: T });
    await consent.close();
    assert.match(await reply, /Gmail connected \(https:\/\/www\.googleapis\.com\/auth\/gmail\.readonly\)\. 2 threads waiting\./);
  });

  test('billing: the AWS secret form, submitted with Enter', async () => {
    const reply = say('billing', /AWS connected/);
    const form = await connect('Aws');
    await form.getByRole('heading', { name: 'Connect AWS' }).waitFor({ timeout: T });
    await form.getByLabel('Access key ID').fill('AKIADEMOEXAMPLE');
    await form.getByLabel('Secret access key').fill('demo-secret-access-key');
    await form.getByLabel('Region').fill('eu-west-1');
    await form.getByLabel('Region').press('Enter');
    await form.getByRole('heading', { name: 'AWS connected' }).waitFor({ timeout: T });
    await form.close();
    assert.match(await reply, /AWS connected \(region eu-west-1\)\./);
  });
});
