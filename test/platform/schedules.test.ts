// What the emulator cannot run yet is said by name: an app's @app.schedule handlers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startEmulator } from '../support/emulator';
import { chat, json } from '../emulator/helpers';
import { waitFor } from '../support/wait';

test('serve and the event log name the schedules that will not run locally; the app serves', async () => {
  const emu = await startEmulator({ app: join(__dirname, 'fixtures', 'schedules') });
  try {
    const said = /schedules: schedules are not emulated yet, so these will not run locally: morning_digest \(0 9 \* \* 1-5\)/;
    await waitFor('serve to name the schedule', () => said.test(emu.output()) || undefined);
    const events = await json<Array<{ summary: string }>>(emu, '/api/events/log');
    assert.equal(events.body.filter((e) => said.test(e.summary)).length, 1, 'said once');
    assert.equal((await chat(emu, 'hi')).body.reply, 'echo: hi');
  } finally {
    await emu.stop();
    emu.cleanup();
  }
});
