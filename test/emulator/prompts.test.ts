// Integration prompts answered headlessly (CLI and API) while the handler waits: allow with fewer
// scopes, deny, timeout on the hub clock, secret-form fields.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { emulatorForSuite, type RunningEmulator } from '../support/emulator';
import { ECHO_APP, chat, json, waitForPrompt } from './helpers';

describe('integration prompts', () => {
  let emu: RunningEmulator;
  emulatorForSuite({ app: ECHO_APP }, (e) => (emu = e));

  test('chat waits while the handler waits; prompts answer --allow --scope grants fewer scopes', async () => {
    const chatRun = emu.cli(['chat', '--user', 'bob', 'github'], { timeoutMs: 60_000 });
    const p = await waitForPrompt(emu, 'github');
    const listed = await emu.cli(['prompts', '--json']);
    assert.equal(listed.status, 0, listed.stderr);
    const rows = JSON.parse(listed.stdout) as Array<Record<string, unknown>>;
    const row = rows.find((r) => r.id === p.id);
    assert.deepEqual(row, { id: p.id, app: 'echo', user: 'user_bob', type: 'github', mode: 'oauth', reason: 'Connect GitHub', scopes: ['repo', 'read:user'], fields: [] });
    const table = await emu.cli(['prompts']);
    assert.match(table.stdout, new RegExp(`${p.id}\\s+echo\\s+user_bob\\s+github\\s+oauth`));
    const answered = await emu.cli(['prompts', 'answer', p.id, '--allow', '--scope', 'repo']);
    assert.equal(answered.status, 0, answered.stderr);
    const done = await chatRun;
    assert.equal(done.status, 0, done.stderr);
    // As on the platform: the reason goes out as a reply, then the blocking prompt card.
    assert.equal(done.stdout, 'Connect GitHub\ngithub scopes repo\n');
    assert.match(done.stderr, /\[block integration_prompt: github/);
    assert.match(done.stderr, /prompts answer prm_/, 'chat tells how to answer the prompt');
    // The credential is stored for bob: the next prompt_integration returns at once.
    const again = await chat(emu, 'github', { user: 'bob' });
    assert.equal(again.body.reply, 'github scopes repo');
    const { body } = await json<PromptView[]>(emu, '/api/prompts');
    assert.equal(body.length, 0);
  });

  test('--deny raises IntegrationDeclined in the handler', async () => {
    const pending = chat(emu, 'github', { user: 'carol' });
    const p = await waitForPrompt(emu, 'github');
    const r = await emu.cli(['prompts', 'answer', p.id, '--deny']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'Declined.\n');
    assert.equal((await pending).body.reply, 'Connect GitHub\ngithub declined');
  });

  test('advancing the hub clock past the deadline raises IntegrationTimeout', async () => {
    const pending = chat(emu, 'github 30', { user: 'dave' });
    const p = await waitForPrompt(emu, 'github');
    const early = await json(emu, '/api/clock/advance', { ms: 10_000 });
    assert.equal(early.status, 200);
    assert.ok((await json<PromptView[]>(emu, '/api/prompts')).body.some((x) => x.id === p.id), 'still pending before the deadline');
    await json(emu, '/api/clock/advance', { ms: 21_000 });
    assert.equal((await pending).body.reply, 'Connect GitHub\ngithub timed out');
    const late = await emu.cli(['prompts', 'answer', p.id, '--allow']);
    assert.equal(late.status, 1);
    assert.match(late.stderr, /no pending prompt/);
  });

  test('secret-form prompts need every field; the app gets them (and AWS env vars)', async () => {
    const pending = chat(emu, 'aws', { user: 'erin' });
    const p = await waitForPrompt(emu, 'aws');
    assert.equal(p.mode, 'secret');
    assert.deepEqual(p.fields, ['access_key_id', 'secret_access_key', 'region']);
    const partial = await emu.cli(['prompts', 'answer', p.id, '--allow', '--field', 'region=eu-west-1']);
    assert.equal(partial.status, 1);
    assert.match(partial.stderr, /missing fields for aws: access_key_id, secret_access_key/);
    const ok = await emu.cli(['prompts', 'answer', p.id, '--allow', '--field', 'access_key_id=AKIAEXAMPLE', '--field', 'secret_access_key=sk-example-value', '--field', 'region=eu-west-1']);
    assert.equal(ok.status, 0, ok.stderr);
    const reply = await pending;
    assert.equal(reply.body.reply, 'AWS keys please\naws region eu-west-1 env eu-west-1');
    const card = reply.body.blocks.find((b) => b.type === 'integration_prompt');
    assert.equal(card?.payload.type, 'aws');
    assert.equal(card?.payload.blocking, true);
  });

  test('the API answers with clear errors for bad answers', async () => {
    const pending = chat(emu, 'github', { user: 'frank' });
    const p = await waitForPrompt(emu, 'github');
    const bad = await json(emu, `/api/prompts/${p.id}/answer`, { allow: 'yes' });
    assert.equal(bad.status, 400);
    const extra = await json(emu, `/api/prompts/${p.id}/answer`, { allow: true, scopes: ['admin:org'] });
    assert.equal(extra.status, 400);
    assert.match(String(extra.body.error), /not requested by the app: admin:org/);
    const unknown = await json(emu, '/api/prompts/prm_nope/answer', { allow: true });
    assert.equal(unknown.status, 404);
    const usage = await emu.cli(['prompts', 'answer', p.id]);
    assert.equal(usage.status, 2, 'neither --allow nor --deny is a usage error');
    const allowed = await json(emu, `/api/prompts/${p.id}/answer`, { allow: true });
    assert.equal(allowed.status, 200);
    assert.equal((await pending).body.reply, 'Connect GitHub\ngithub scopes read:user repo');
  });
});

type PromptView = { id: string };
