// The SDK's own blocking prompts on the real SDK: session.prompt_approval (WaitForApproval) and
// session.prompt_file (WaitForFileUpload), answered through the API and the CLI, timed out on the
// hub clock. (The web chat's cards: test/channels/asks-page.test.ts.)
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { emulatorForSuite, type RunningEmulator } from '../support/emulator';
import { chat, json, waitForPrompt } from '../emulator/helpers';
import { waitFor } from '../support/wait';

const FIXTURES = join(__dirname, 'fixtures');

type Row = Record<string, unknown> & { id: string };

describe('approval and file prompts on the real SDK', () => {
  let emu: RunningEmulator;
  emulatorForSuite({ app: join(FIXTURES, 'asks') }, (e) => (emu = e));

  test('prompt_approval: listed with its labels; `prompts answer --allow` approves (True)', async () => {
    const pending = chat(emu, 'approve', { user: 'alice' });
    const p = (await waitForPrompt(emu, 'approval')) as unknown as Row;
    // The block (message, labels) and the wait come on different threads: the row fills in.
    const listed = await waitFor('the approval listed with its message', async () => {
      const r = await emu.cli(['prompts', '--json']);
      assert.equal(r.status, 0, r.stderr);
      const row = (JSON.parse(r.stdout) as Row[]).find((x) => x.id === p.id);
      return row?.reason ? row : undefined;
    }, 20_000);
    assert.deepEqual(listed, { id: p.id, app: 'asks', user: 'user_alice', type: 'approval', mode: 'approval', reason: 'Deploy to production?', scopes: [], fields: [] });
    const full = (await json<Row[]>(emu, '/api/prompts')).body.find((x) => x.id === p.id)!;
    assert.equal(full.approve_label, 'Ship it');
    assert.equal(full.reject_label, 'Hold');
    assert.match(String(full.block_id), /^ap_[0-9a-f]{12}$/);
    const table = await emu.cli(['prompts']);
    assert.match(table.stdout, new RegExp(`${p.id}\\s+asks\\s+user_alice\\s+approval\\s+approval\\s+Ship it \\(--allow\\) / Hold \\(--deny\\)`));
    const answered = await emu.cli(['prompts', 'answer', p.id, '--allow']);
    assert.equal(answered.status, 0, answered.stderr);
    assert.equal(answered.stdout, 'Approved.\n');
    const done = await pending;
    assert.equal(done.body.reply, 'approved=True');
    const blocks = done.body.blocks.filter((b) => b.type === 'approval_prompt');
    assert.equal(blocks.at(-1)!.payload.completed, true);
    assert.equal(blocks.at(-1)!.payload.approved, true);
    assert.deepEqual((await json<Row[]>(emu, '/api/prompts')).body, []);
  });

  test('`chat` waits on an approval or a file prompt and says how to answer it', async () => {
    const run = emu.cli(['chat', '--user', 'gina', 'approve'], { timeoutMs: 60_000 });
    const a = await waitForPrompt(emu, 'approval');
    assert.equal((await emu.cli(['prompts', 'answer', a.id, '--deny'])).stdout, 'Rejected.\n');
    const done = await run;
    assert.equal(done.status, 0, done.stderr);
    assert.equal(done.stdout, 'approved=False\n');
    assert.match(done.stderr, new RegExp(`the app asks for an approval\\n  waiting; answer with: capsule-local prompts answer ${a.id} --allow   \\(or --deny\\)`));

    const fileRun = emu.cli(['chat', '--user', 'gina', 'file'], { timeoutMs: 60_000 });
    const f = await waitForPrompt(emu, 'file');
    const path = join(emu.workspace, 'one.txt');
    writeFileSync(path, 'x');
    assert.equal((await emu.cli(['prompts', 'answer', f.id, '--file', path])).status, 0);
    const fileDone = await fileRun;
    assert.match(fileDone.stdout, /^got one\.txt text\/plain 1 /);
    assert.match(fileDone.stderr, new RegExp(`the app asks for a file\\n  waiting; answer with: capsule-local prompts answer ${f.id} --file PATH   \\(or in the web chat\\)`));
  });

  test('prompt_approval: a rejection through the API returns False; a second answer is a 404', async () => {
    const pending = chat(emu, 'approve', { user: 'bob' });
    const p = await waitForPrompt(emu, 'approval');
    const bad = await json(emu, `/api/prompts/${p.id}/answer`, { allow: 'yes' });
    assert.equal(bad.status, 400);
    const r = await json(emu, `/api/prompts/${p.id}/answer`, { allow: false });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.outcome, 'rejected');
    assert.equal((await pending).body.reply, 'approved=False');
    const again = await json(emu, `/api/prompts/${p.id}/answer`, { allow: true });
    assert.equal(again.status, 404);
  });

  test('prompt_approval: the hub clock past the deadline returns False (timed out)', async () => {
    const pending = chat(emu, 'approve 30', { user: 'carol' });
    const p = await waitForPrompt(emu, 'approval');
    await json(emu, '/api/clock/advance', { ms: 10_000 });
    assert.ok((await json<Row[]>(emu, '/api/prompts')).body.some((x) => x.id === p.id), 'still pending before the deadline');
    await json(emu, '/api/clock/advance', { ms: 21_000 });
    const done = await pending;
    assert.equal(done.body.reply, 'approved=False');
    assert.equal(done.body.blocks.filter((b) => b.type === 'approval_prompt').at(-1)!.payload.timed_out, true);
  });

  test('prompt_file: `prompts answer --file` uploads it; the handler gets name, type, size and a URL serving it', async () => {
    const pending = chat(emu, 'file', { user: 'dave' });
    const p = await waitForPrompt(emu, 'file');
    const wrong = await emu.cli(['prompts', 'answer', p.id, '--allow']);
    assert.equal(wrong.status, 1);
    assert.match(wrong.stderr, /asks for a file: upload one in the web chat, or with `capsule-local prompts answer \S+ --file PATH`/);
    const path = join(emu.workspace, 'report.csv');
    writeFileSync(path, 'a,b\n1,2\n');
    const r = await emu.cli(['prompts', 'answer', p.id, '--file', path]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'Uploaded report.csv (8 bytes, text/csv).\n');
    const reply = (await pending).body.reply;
    const m = /^got report\.csv text\/csv 8 (\S+)$/.exec(reply);
    assert.ok(m, reply);
    const file = await emu.api(new URL(m[1]!).pathname);
    assert.equal(file.status, 200);
    assert.equal(await file.text(), 'a,b\n1,2\n');
  });

  test('prompt_file: a JSON file stays bytes; an approval answer cannot take a file', async () => {
    const pending = chat(emu, 'file', { user: 'erin' });
    const p = await waitForPrompt(emu, 'file');
    const bad = await emu.api(`/api/prompts/${p.id}/file`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"x": 1}' });
    assert.equal(bad.status, 400, 'no x-filename');
    const ok = await emu.api(`/api/prompts/${p.id}/file`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-filename': encodeURIComponent('d ata.json') }, body: '{"x": 1}' });
    assert.equal(ok.status, 200, await ok.clone().text());
    const reply = (await pending).body.reply;
    assert.match(reply, /^got d ata\.json application\/json 8 \S+$/);
    const url = reply.split(' ').at(-1)!;
    assert.equal(await (await emu.api(new URL(url).pathname)).text(), '{"x": 1}');

    const approval = chat(emu, 'approve', { user: 'erin' });
    const a = await waitForPrompt(emu, 'approval');
    const refused = await emu.api(`/api/prompts/${a.id}/file`, { method: 'POST', headers: { 'x-filename': 'x.txt' }, body: 'x' });
    assert.equal(refused.status, 400);
    await json(emu, `/api/prompts/${a.id}/answer`, { allow: true });
    assert.equal((await approval).body.reply, 'approved=True');
  });

  test('prompt_file: the hub clock past the deadline raises FileUploadTimeout', async () => {
    const pending = chat(emu, 'file 20', { user: 'frank' });
    const p = await waitForPrompt(emu, 'file');
    await json(emu, '/api/clock/advance', { ms: 21_000 });
    assert.equal((await pending).body.reply, 'FileUploadTimeout: timed out waiting for file upload');
    const late = await emu.cli(['prompts', 'answer', p.id, '--file', join(emu.workspace, 'app.py')]);
    assert.equal(late.status, 1);
    assert.match(late.stderr, /no pending prompt/);
  });
});
