// A runner that crashes (os._exit in a handler) or hangs (the whole process stopped, so /health
// does not answer) is detected, reported, restarted; later messages work.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startEmulator } from '../support/emulator';
import { waitFor } from '../support/wait';
import { ECHO_APP, appState, chat, lastSeq, waitForEvent } from './helpers';

test('a crashed runner is reported, the waiting caller gets an error, and the app is restarted', async () => {
  const emu = await startEmulator({ app: ECHO_APP });
  try {
    const before = await appState(emu);
    const since = await lastSeq(emu);
    const slow = chat(emu, 'sleep 5');
    const crash = await chat(emu, 'die');
    assert.equal(crash.status, 422);
    assert.match(crash.body.error ?? '', /exited \(exit status 7\)/);
    const other = await slow;
    assert.equal(other.status, 422, 'a message in flight on the crashed process fails too, it does not hang');
    await waitForEvent(emu, 'the crash report', (e) => e.kind === 'runner' && e.detail?.event === 'crashed', since);
    await waitFor('the restarted app', async () => {
      const s = await appState(emu);
      return s.status === 'running' && s.version > before.version;
    });
    const after = await chat(emu, 'are you back?');
    assert.equal(after.body.reply, 'echo: are you back?');
    assert.match(emu.output(), /crashed \(exit status 7\); restarting/);
  } finally {
    await emu.stop();
    emu.cleanup();
  }
});

test('a hung runner (no /health answer) is killed and restarted', async () => {
  const emu = await startEmulator({ app: ECHO_APP, env: { CAPSULE_HEALTH_INTERVAL_MS: '150', CAPSULE_HEALTH_TIMEOUT_MS: '300' } });
  try {
    const before = await appState(emu);
    const since = await lastSeq(emu);
    const frozen = await chat(emu, 'freeze');
    assert.equal(frozen.status, 422, JSON.stringify(frozen.body));
    assert.match(frozen.body.error ?? '', /stopped responding/);
    await waitForEvent(emu, 'the hung report', (e) => e.kind === 'runner' && e.detail?.event === 'hung', since);
    await waitFor('the restarted app', async () => {
      const s = await appState(emu);
      return s.status === 'running' && s.version > before.version;
    });
    assert.equal((await chat(emu, 'thawed')).body.reply, 'echo: thawed');
  } finally {
    await emu.stop();
    emu.cleanup();
  }
});
