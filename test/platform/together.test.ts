// An app that uses collections, settings, a background task, pages in cpsl.ui, a home body, a
// workflow and a theme together, on the real SDK: it imports and registers with all of them
// declared, its chat answers, its task writes to the collection, its workflow starts as the web
// app's launcher starts it (API, CLI) and keeps the session, and its data survives a restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startEmulator, type RunningEmulator } from '../support/emulator';
import { chat, json } from '../emulator/helpers';
import { waitFor } from '../support/wait';

type Answer = { session_id: string; reply: string; error?: string; workflow?: string };
const APP = join(__dirname, 'fixtures', 'together');

async function list(emu: RunningEmulator): Promise<string> {
  return (await chat(emu, 'list')).body.reply;
}

test('collections, settings, tasks, pages, workflows and cpsl.ui together: registered, and the chat, task and workflow run', async () => {
  const emu = await startEmulator({ app: APP });
  let again: RunningEmulator | undefined;
  try {
    const state = await json<{ apps: Array<{ name: string; declarations: Record<string, unknown> }> }>(emu, '/api/dashboard/state');
    const declared = state.body.apps.find((a) => a.name === 'together')!.declarations;
    const names = (k: string) => (declared[k] as Array<{ name: string }>).map((x) => x.name);
    assert.deepEqual(names('collections'), ['tickets']);
    assert.deepEqual(names('settings'), ['greeting']);
    assert.deepEqual(names('pages'), ['Stats']);
    assert.deepEqual(names('workflows'), ['Intake']);
    assert.deepEqual((declared.tasks as Array<{ name: string }>).map((t) => t.name ?? t), ['triage']);
    assert.deepEqual(declared.theme, { accent: '#0f766e' });

    assert.equal((await chat(emu, 'greet', { user: 'dana' })).body.reply, 'Hello, user_dana');
    assert.equal((await chat(emu, 'file printer')).body.reply, 'filed printer');
    await waitFor('the task to triage the ticket', async () => ((await list(emu)) === 'printer:triaged:0' ? true : undefined), 30_000);

    // The workflow: started as its launcher would, then its message handler and action in that session.
    const started = await json<Answer>(emu, '/api/workflows/start', { name: 'Intake', payload: { title: 'scanner' }, user: 'dana' });
    assert.equal(started.status, 200, JSON.stringify(started.body));
    assert.equal(started.body.workflow, 'Intake');
    assert.equal(started.body.reply, 'Intake started for scanner; describe it.');
    const sid = started.body.session_id;
    assert.equal((await chat(emu, 'it jams', { session_id: sid })).body.reply, 'Filed: it jams');
    const upvoted = await json<Answer>(emu, '/api/actions/run', { name: 'upvote', payload: { by: 2 }, session_id: sid });
    assert.equal(upvoted.body.reply, 'votes 2', JSON.stringify(upvoted.body));
    assert.equal((await chat(emu, 'anything else')).body.reply, 'echo: anything else', 'a session the workflow did not tag gets the app handler');

    const viaCli = await emu.cli(['workflow', 'start', 'Intake', '--payload', '{"title":"badge"}']);
    assert.equal(viaCli.status, 0, viaCli.stderr);
    assert.equal(viaCli.stdout.trim(), 'Intake started for badge; describe it.');
    assert.match(viaCli.stderr, /^session ses_/m);
    const unknown = await emu.cli(['workflow', 'start', 'Outtake']);
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /declares no workflow named "Outtake" \(declared: Intake\)/);
    for (const [body, status, want] of [
      [{ name: 'Intake', payload: [1] }, 400, /"payload" must be a JSON object/],
      [{}, 400, /"name" \(the workflow's name\) is required/],
      [{ name: '__proto__' }, 404, /declares no workflow named "__proto__"/],
    ] as const) {
      const r = await json<{ error: string }>(emu, '/api/workflows/start', body);
      assert.equal(r.status, status, JSON.stringify(r.body));
      assert.match(r.body.error, want);
    }

    const board = await json<{ open: number }>(emu, '/apps/together/data/board', undefined, 'GET');
    assert.deepEqual([board.status, board.body], [200, { open: 2 }]);
    assert.equal(await list(emu), 'printer:triaged:0, scanner:new:2');

    await emu.stop();
    again = await startEmulator({ app: APP, workspace: emu.workspace });
    assert.equal(await list(again), 'printer:triaged:0, scanner:new:2', 'the collection survives a restart');
  } finally {
    await emu.stop();
    await again?.stop();
    emu.cleanup();
  }
});
