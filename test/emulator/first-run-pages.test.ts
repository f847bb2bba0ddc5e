// What the pages say about the app's state, in headless Chromium against a real emulator: a failed
// hot reload is shown as "running the previous version" with its error (dashboard and web chat)
// until a good save, and an undefined secret is shown as not defined, with how to define it,
// instead of a mask as if it had a value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { signIn, withBrowser } from '../support/browser';
import { waitFor } from '../support/wait';
import { ECHO_APP, RELOAD_APP, chat, json } from './helpers';

const T = 20_000;

test('a failed reload: the dashboard, the chat, /api/state and serve say the previous version runs, until a good save', async () => {
  await withBrowser({ app: RELOAD_APP }, async (emu, browser) => {
    const file = join(emu.workspace, 'app.py');
    const original = readFileSync(file, 'utf8');
    const { page: chatPage } = await signIn(browser, emu, '/chat');
    await chatPage.getByRole('textbox', { name: 'Message' }).waitFor({ timeout: T });
    const { page: dash } = await signIn(browser, emu, '/dashboard');
    const appRow = dash.locator('#apps tr', { hasText: 'reloader' });
    await appRow.waitFor({ timeout: T });
    assert.equal(await chatPage.locator('#app-status').isVisible(), false);

    writeFileSync(file, original + '\ndef broken(:\n');
    const status = chatPage.locator('#app-status');
    await status.waitFor({ state: 'visible', timeout: T });
    assert.match(await status.innerText(), /reloader is running the previous version — reload failed: SyntaxError/);
    await appRow.getByText('running the previous version — reload failed').waitFor({ timeout: T });
    assert.match(await appRow.innerText(), /SyntaxError/);
    const state = await json<{ apps: Array<{ status: string; reloadError?: string }> }>(emu, '/api/state');
    assert.equal(state.body.apps[0]!.status, 'running');
    assert.match(state.body.apps[0]!.reloadError ?? '', /SyntaxError/);
    assert.match(emu.output(), /reloader: running the previous version — reload failed: SyntaxError/);
    assert.equal((await chat(emu, 'old')).body.reply, 'v1: old', 'the previous version answers meanwhile');

    writeFileSync(file, original.replace('VERSION = "v1"', 'VERSION = "v2"'));
    await status.waitFor({ state: 'hidden', timeout: T });
    await appRow.getByText('running the previous version').waitFor({ state: 'detached', timeout: T });
    const after = await json<{ apps: Array<{ reloadError?: string }> }>(emu, '/api/state');
    assert.equal(after.body.apps[0]!.reloadError, undefined);
    assert.equal((await chat(emu, 'new')).body.reply, 'v2: new');
  });
});

test('the dashboard shows an undefined secret as not defined, with the command that defines it', async () => {
  await withBrowser({ app: ECHO_APP }, async (emu, browser) => {
    const { page: dash } = await signIn(browser, emu, '/dashboard');
    const row = dash.locator('#secrets tr', { hasText: 'ECHO_TOKEN' });
    await row.waitFor({ timeout: T });
    await row.getByText('capsule-local secret set ECHO_TOKEN').waitFor({ timeout: T });
    assert.ok(!(await row.innerText()).includes('•'), `an undefined secret shows no mask: ${await row.innerText()}`);
    assert.match(await row.innerText(), /not defined/);
    const client = dash.locator('#secrets tr', { hasText: 'GH_CLIENT_ID' });
    await client.getByText('capsule-local secret set GH_CLIENT_ID').waitFor({ timeout: T });
    assert.match(await client.innerText(), /echo \(github client\)/);

    const set = await emu.cli(['secret', 'set', 'ECHO_TOKEN'], { input: 'a-defined-value\n' });
    assert.equal(set.status, 0, set.stderr);
    await dash.reload();
    await row.getByLabel('value hidden').waitFor({ timeout: T });
    assert.ok(!(await row.innerText()).includes('not defined'), await row.innerText());
    assert.ok(!(await dash.content()).includes('a-defined-value'));
  });
});
