// What the emulator cannot provide is said by name: a managed filesystem's mount path
// (`filesystems={"/data": cpsl.FileSystem(...)}`) is not mounted on this machine, and the app's
// pages (with its home body, workflow screens and theme) are not rendered.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startEmulator } from '../support/emulator';
import { unemulatedFeatures } from '../../emulator/runner/unemulated';
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

test('serve and the event log say the pages are not rendered, naming them; their data is served', async () => {
  const emu = await startEmulator({ app: join(__dirname, 'fixtures', 'together') });
  try {
    const said = /together: the platform's web app renders Stats \(\/stats\), the home body, the workflow screens of Intake, the theme; Capsule Local does not render pages yet/;
    await waitFor('serve to name the pages', () => said.test(emu.output()) || undefined);
    assert.equal((await chat(emu, 'hi')).body.reply, 'echo: hi');
    const events = await json<Array<{ summary: string }>>(emu, '/api/events/log');
    assert.equal(events.body.filter((e) => said.test(e.summary)).length, 1, 'said once');
  } finally {
    await emu.stop();
    emu.cleanup();
  }
});

test('an app that declares none of them is told nothing; odd shapes are skipped, not thrown on', () => {
  assert.deepEqual(unemulatedFeatures(undefined), []);
  assert.deepEqual(unemulatedFeatures({ pages: [], workflows: [], filesystems: {}, home: { suggestions: [] }, theme: null }), []);
  assert.deepEqual(unemulatedFeatures({ pages: 'x', filesystems: [1], home: 3 }), []);
  const [p] = unemulatedFeatures({ pages: [{ name: '__proto__' }, null], onboarding: {}, chat: {} });
  assert.match(p!.summary, /renders __proto__ \(\/\?\), \? \(\/\?\), the onboarding page, the chat page;/);
});
