// The next runner is started ahead on the real SDK (supervisor.ts, the spare): it has imported the
// SDK's runner and imports the app only when a save asks for it, so a reload costs the app's own
// import, not the SDK's. It must run the saved code, be set aside when the secrets it was started
// with changed, and never outlive the emulator.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startEmulator } from '../support/emulator';
import { waitFor } from '../support/wait';
import { ECHO_APP, RELOAD_APP, appState, chat } from './helpers';
import { pidAlive } from '../../emulator/store/process-alive';

test('a save is served by the spare, which runs the saved code; a new spare follows', async () => {
  const emu = await startEmulator({ app: RELOAD_APP });
  try {
    assert.equal((await chat(emu, 'hi')).body.reply, 'v1: hi');
    const spare = await waitFor('a spare runner', async () => (await appState(emu)).sparePid);
    const file = join(emu.workspace, 'app.py');
    writeFileSync(file, readFileSync(file, 'utf8').replace('VERSION = "v1"', 'VERSION = "v2"'));
    await waitFor('the saved code to answer', async () => ((await chat(emu, 'which')).body.reply === 'v2: which' ? true : undefined));
    const state = await appState(emu);
    assert.equal(state.pid, spare, 'the spare serves');
    assert.equal(state.version, 2);
    const next = await waitFor('the next spare', async () => (await appState(emu)).sparePid);
    assert.notEqual(next, spare);
  } finally {
    await emu.stop();
    emu.cleanup();
  }
});

test('a spare started with other secret values is set aside: the restart gets the new value', async () => {
  const emu = await startEmulator({ app: ECHO_APP, dotenv: { ECHO_TOKEN: 'short' } });
  try {
    assert.match((await chat(emu, 'secret')).body.reply, /^token length 5, injected True/);
    const spare = await waitFor('a spare runner', async () => (await appState(emu)).sparePid);
    writeFileSync(join(emu.workspace, '.env'), 'ECHO_TOKEN=a-much-longer-value\n');
    await waitFor('the new value', async () => (/^token length 19,/.test((await chat(emu, 'secret')).body.reply ?? '') ? true : undefined));
    assert.notEqual((await appState(emu)).pid, spare, 'a fresh process serves');
    await waitFor('the stale spare to stop', () => (!pidAlive(spare) ? true : undefined));
  } finally {
    await emu.stop();
    emu.cleanup();
  }
});

test('a spare never outlives the emulator, even a killed one', async () => {
  const emu = await startEmulator({ app: RELOAD_APP });
  try {
    const spare = await waitFor('a spare runner', async () => (await appState(emu)).sparePid);
    await emu.kill9();
    await waitFor('the spare to exit', () => (!pidAlive(spare) ? true : undefined), 20_000);
  } finally {
    emu.cleanup();
  }
});
