// Ctrl+C ends serve promptly even when the app left a process behind that still holds the app's
// output pipe (debugpy's adapter does so for a moment; a user's helper process may for ever).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixture, startEmulator } from '../support/emulator';

test('serve exits on SIGINT although a process the app started still holds its output', async () => {
  const emu = await startEmulator({ app: fixture('emulator', 'leaves-child') });
  try {
    const started = Date.now();
    // startEmulator's stop sends SIGINT and answers null if it had to SIGKILL after 10 s.
    const code = await emu.stop();
    assert.equal(code, 0, `serve did not exit by itself (after ${Date.now() - started} ms):\n${emu.output().slice(-2000)}`);
  } finally {
    emu.cleanup();
  }
});
