// The example apps of the repository, served as a developer would: chat, prompts, data and
// endpoints, secrets, deprecated channel classes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { REPO, startEmulator } from '../support/emulator';
import { chat, json, waitForPrompt } from './helpers';

const example = (name: string): string => join(REPO, 'examples', name);

test('support-ops: chat, the Gmail prompt answered headlessly, authenticated data', async () => {
  const emu = await startEmulator({ app: example('support-ops'), dotenv: { OPENAI_API_KEY: 'sk-example-openai-key-123456' } });
  try {
    const hello = await chat(emu, 'hello');
    assert.equal(hello.status, 200, JSON.stringify(hello.body));
    assert.equal(hello.body.reply, '[api] You said: hello');
    assert.ok(hello.body.blocks.some((b) => b.type === 'integration_prompt' && b.payload.type === 'gmail'), 'show_integration card');
    const key = await chat(emu, 'key');
    assert.equal(key.body.reply, 'Model key is configured (28 characters).');

    const before = await json<{ threads: unknown[]; gmail_connected: boolean }>(emu, '/apps/support-ops/data/threads?as=user_dev');
    assert.deepEqual(before.body, { threads: [], gmail_connected: false });
    assert.equal((await json(emu, '/apps/support-ops/data/threads')).status, 401);

    const inbox = emu.cli(['chat', 'inbox']);
    const p = await waitForPrompt(emu, 'gmail');
    assert.deepEqual(p.scopes, ['https://www.googleapis.com/auth/gmail.readonly']);
    const answered = await emu.cli(['prompts', 'answer', p.id, '--allow']);
    assert.equal(answered.status, 0, answered.stderr);
    const out = await inbox;
    assert.equal(out.status, 0, out.stderr);
    assert.match(out.stdout, /Gmail connected \(https:\/\/www\.googleapis\.com\/auth\/gmail\.readonly\)\. 2 threads waiting\./);
    const after = await json<{ gmail_connected: boolean }>(emu, '/apps/support-ops/data/threads?as=user_dev');
    assert.equal(after.body.gmail_connected, true);
  } finally {
    await emu.stop();
    emu.cleanup();
  }
});

test('repo-analyst: injected secret, custom secret form, authorized endpoint', async () => {
  const emu = await startEmulator({ app: example('repo-analyst'), env: { ANALYST_LICENSE: 'license-value-abcdef' } });
  try {
    assert.equal((await chat(emu, 'license')).body.reply, 'licensed');
    const tickets = chat(emu, 'tickets', { user: 'ann' });
    const p = await waitForPrompt(emu, 'jira');
    assert.equal(p.mode, 'secret');
    assert.deepEqual(p.fields, ['base_url', 'email', 'api_token']);
    const r = await json(emu, `/api/prompts/${p.id}/answer`, { allow: true, fields: { base_url: 'https://jira.example', email: 'ann@example.com', api_token: 'tok-123456' } });
    assert.equal(r.status, 200);
    // Every field of a custom secret form is a secret (the form masks them all): the reply has them masked.
    assert.match((await tickets).body.reply, /Jira at \[secret\] as \[secret\]$/);
    const anon = await emu.api('/apps/repo-analyst/endpoints/hooks/build', { method: 'POST', body: '{}' });
    assert.equal(anon.status, 401);
    const signed = await emu.api('/apps/repo-analyst/endpoints/hooks/build?as=user_dev', { method: 'POST', body: '{}' });
    assert.deepEqual(await signed.json(), { queued: true, user: 'user_dev' });
  } finally {
    await emu.stop();
    emu.cleanup();
  }
});

test('legacy-bot: deprecated inline channels still serve', async () => {
  const emu = await startEmulator({ app: example('legacy-bot') });
  try {
    assert.equal((await chat(emu, 'hi')).body.reply, 'Received on api: hi');
  } finally {
    await emu.stop();
    emu.cleanup();
  }
});
