// An app without an @app.message() handler: a chat message gets no reply (the SDK's runner finds no
// handler, on Capsule too), and serve says so when the app starts, with what reaches it instead.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startEmulator } from '../support/emulator';
import { noChatNote } from '../../emulator/runner/no-chat';
import { chat, json } from '../emulator/helpers';
import { waitFor } from '../support/wait';

test('serve names the way in for an app without a message handler; its chat answers nothing, its workflow starts', async () => {
  const emu = await startEmulator({ app: join(__dirname, 'fixtures', 'workflow-only') });
  try {
    const said = "workflow-only: declares no @app.message() handler, so a chat message gets no reply (on Capsule too); start its workflow with capsule-local workflow start 'Run Browser Task'; run its action with capsule-local action ping, or from the dashboard";
    await waitFor('serve to say how to reach the app', () => emu.output().includes(said) || undefined);
    const r = await chat(emu, 'hello');
    assert.equal(r.status, 200);
    assert.equal(r.body.reply, '');
    const started = await emu.cli(['workflow', 'start', 'Run Browser Task', '--payload', '{"goal":"docs"}']);
    assert.equal(started.stdout.trim(), 'started: docs urls=[] checks=[] depth=None tabs=None files=False', started.stderr);
    const events = await json<Array<{ summary: string }>>(emu, '/api/events/log');
    assert.equal(events.body.filter((e) => e.summary === said).length, 1, 'said once');
  } finally {
    await emu.stop();
    emu.cleanup();
  }
});

test('the note: none with a handler or without a config; odd shapes are skipped', () => {
  assert.equal(noChatNote(undefined), undefined);
  assert.equal(noChatNote({ has_message_handler: true }), undefined);
  assert.equal(noChatNote({}), undefined, 'an older config that does not say');
  assert.equal(noChatNote({ has_message_handler: false }), 'declares no @app.message() handler, so a chat message gets no reply (on Capsule too)');
  assert.equal(
    noChatNote({ has_message_handler: false, workflows: [{ name: 'A' }, { name: "it's" }, null, { name: 3 }], actions: 'x', session_handlers: [{ name: '__proto__' }] }),
    'declares no @app.message() handler, so a chat message gets no reply (on Capsule too); start a workflow with capsule-local workflow start A (workflows: A, it\'s); start a named session with capsule-local session start __proto__, or from the dashboard',
  );
});
