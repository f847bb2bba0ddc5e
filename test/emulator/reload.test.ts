// Hot reload: saving a .py file starts a new runner that takes over once it registered; an import
// error is reported and the previous good runner keeps serving; state survives reloads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startEmulator } from '../support/emulator';
import { waitFor } from '../support/wait';
import { RELOAD_APP, appState, chat, lastSeq, waitForEvent } from './helpers';

test('editing the app reloads it; a syntax error keeps the old version serving and is reported', async () => {
  const emu = await startEmulator({ app: RELOAD_APP });
  const file = join(emu.workspace, 'app.py');
  const original = readFileSync(file, 'utf8');
  try {
    const first = await chat(emu, 'hello');
    assert.equal(first.body.reply, 'v1: hello');
    const sessionId = first.body.session_id;

    writeFileSync(file, original.replace('VERSION = "v1"', 'VERSION = "v2"'));
    await waitFor('v2 to answer', async () => (await chat(emu, 'ping')).body.reply === 'v2: ping', 20_000);
    const cont = await chat(emu, 'again', { session_id: sessionId });
    assert.equal(cont.body.reply, 'v2: again', 'the session survives the reload');

    const since = await lastSeq(emu);
    writeFileSync(file, original.replace('VERSION = "v1"', 'VERSION = "v3"') + '\ndef broken(:\n');
    const failed = await waitForEvent(emu, 'the reload failure', (e) => e.kind === 'runner' && e.detail?.event === 'failed', since);
    assert.match(String(failed.detail?.error), /SyntaxError/);
    assert.equal(failed.detail?.serving, true);
    assert.match(failed.summary, /previous version keeps serving/);
    assert.equal((await chat(emu, 'still')).body.reply, 'v2: still');
    const state = await appState(emu);
    assert.equal(state.status, 'running');
    await waitFor('the error in the serve output', () => /reloader: running the previous version — reload failed: SyntaxError/.test(emu.output()));

    writeFileSync(file, original.replace('VERSION = "v1"', 'VERSION = "v4"'));
    await waitFor('v4 to answer after the fix', async () => (await chat(emu, 'fixed')).body.reply === 'v4: fixed', 20_000);
  } finally {
    await emu.stop();
    emu.cleanup();
  }
});

test('an app that fails to import at start is reported and starts once fixed', async () => {
  const emu = await startEmulator({ app: RELOAD_APP, waitForApp: false });
  const file = join(emu.workspace, 'app.py');
  const original = readFileSync(file, 'utf8');
  try {
    await waitFor('the first runner', async () => (await appState(emu)).status === 'running');
    await emu.stop();
    writeFileSync(file, original + '\nraise RuntimeError("broken at import")\n');
    const again = await startEmulator({ app: RELOAD_APP, workspace: emu.workspace, entry: emu.entry, waitForApp: false });
    try {
      await waitFor('the start failure', async () => (await appState(again)).status === 'crashed');
      const s = await appState(again);
      assert.match(s.error ?? '', /RuntimeError: broken at import/);
      const r = await chat(again, 'hi');
      assert.equal(r.status, 503);
      assert.match(r.body.error ?? '', /broken at import/);
      writeFileSync(file, original);
      await waitFor('the fixed app', async () => (await chat(again, 'hi')).body.reply === 'v1: hi', 20_000);
    } finally {
      await again.stop();
    }
  } finally {
    emu.cleanup();
  }
});
