// What the emulator cannot provide is said by name: a managed filesystem's mount path
// (`filesystems={"/data": cpsl.FileSystem(...)}`) is not mounted on this machine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startEmulator } from '../support/emulator';
import { chat, json } from '../emulator/helpers';
import { waitFor } from '../support/wait';

test('serve and the event log name the filesystems that are not mounted locally; the app serves', async () => {
  const emu = await startEmulator({ app: join(__dirname, 'fixtures', 'filesystems') });
  try {
    const said = /filesystems: managed filesystems are not mounted in Capsule Local yet: \/data \(notes\); reading or writing under that path fails here/;
    await waitFor('serve to name the mount', () => said.test(emu.output()) || undefined);
    assert.equal((await chat(emu, 'hi')).body.reply, 'echo: hi');
    const events = await json<Array<{ summary: string }>>(emu, '/api/events/log');
    assert.equal(events.body.filter((e) => said.test(e.summary)).length, 1, 'said once');
  } finally {
    await emu.stop();
    emu.cleanup();
  }
});
