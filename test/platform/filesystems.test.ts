// Managed filesystems on the real SDK: the mount path the app declares is kept in the store
// (.capsule/filesystems/<name>) and the app's Python file calls see it at that path (open, os,
// pathlib, shutil, os.walk, os.scandir); the files survive a restart; serve says where they are
// kept and what does not see the mount path; nothing is written at the real path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startEmulator } from '../support/emulator';
import { filesystemFolder, filesystemsNote } from '../../emulator/runner/filesystems';
import { unemulatedFeatures } from '../../emulator/runner/unemulated';
import { chat, json } from '../emulator/helpers';
import { waitFor } from '../support/wait';

const MOUNT = '/capsule-local-test-notes';

test("the app's file calls see the mount path, kept in the store, across a restart; serve says where", async () => {
  let emu = await startEmulator({ app: join(__dirname, 'fixtures', 'filesystems') });
  const workspace = emu.workspace;
  try {
    const said = `filesystems: managed filesystems: ${MOUNT} (notes) is kept in .capsule/filesystems/notes (on Capsule the platform mounts it)`;
    await waitFor('serve to say where the filesystem is kept', () => emu.output().includes(said) || undefined);
    assert.doesNotMatch(emu.output(), /not mounted in Capsule Local/);
    const folder = join(workspace, '.capsule', 'filesystems', 'notes');
    assert.equal(readFileSync(join(folder, 'seed', 'a.txt'), 'utf8'), 'from boot', 'the boot hook wrote through the mount path');
    assert.equal((await chat(emu, 'write x')).body.reply, 'written');
    assert.equal(readFileSync(join(folder, 'x.txt'), 'utf8'), 'x');
    assert.equal((await chat(emu, 'copy')).body.reply, 'from boot', 'shutil.copy and os.replace');
    const listed = JSON.parse((await chat(emu, 'list')).body.reply);
    assert.deepEqual(listed, {
      walk: [`${MOUNT}/c.txt`, `${MOUNT}/seed/a.txt`, `${MOUNT}/x.txt`],
      scandir: [`${MOUNT}/seed/a.txt`],
      rglob: [`${MOUNT}/c.txt`, `${MOUNT}/seed/a.txt`, `${MOUNT}/x.txt`],
      isdir: true,
    });
    // A shell command does not see the mount path (said in serve's line and the docs).
    assert.match((await chat(emu, 'shell')).body.reply, /^shell rc=[1-9]/);
    assert.equal(existsSync(MOUNT), false, 'nothing was written at the real path');
    const events = await json<Array<{ summary: string }>>(emu, '/api/events/log');
    assert.equal(events.body.filter((e) => e.summary.includes(said)).length, 1, 'said once');

    await emu.stop();
    emu = await startEmulator({ app: join(__dirname, 'fixtures', 'filesystems'), workspace });
    assert.deepEqual(JSON.parse((await chat(emu, 'list')).body.reply).walk, [`${MOUNT}/c.txt`, `${MOUNT}/seed/a.txt`, `${MOUNT}/x.txt`], 'kept across a restart');

    // reset deletes the files with the rest of the app's data.
    await emu.stop();
    const reset = await emu.cli(['reset', '--yes']);
    assert.match(reset.stdout, /, 3 managed filesystem files\./, reset.stderr);
    assert.equal(existsSync(folder), false);
  } finally {
    await emu.stop();
    emu.cleanup();
  }
});

test('the note and the folder: odd names stay inside the store, odd shapes are skipped; the bundled runtime is told the mount is missing', () => {
  assert.equal(filesystemFolder('/s', '../../etc'), '/s/.._.._etc');
  assert.equal(filesystemFolder('/s', '..'), '/s/_..');
  assert.equal(filesystemFolder('/s', 'a/b'), '/s/a_b');
  assert.equal(filesystemsNote(undefined, '/s', '/'), undefined);
  assert.equal(filesystemsNote({ filesystems: { data: { name: 'x' }, '/y': { name: '' }, '/z': 3 } }, '/s', '/'), undefined);
  assert.match(filesystemsNote({ filesystems: { '/a': { name: 'n1' }, '/b': { name: 'n2' } } }, '/w/.capsule/filesystems', '/w')!, /^managed filesystems: \/a \(n1\) is kept in \.capsule\/filesystems\/n1, \/b \(n2\) is kept in \.capsule\/filesystems\/n2 \(on Capsule the platform mounts them\)/);
  const [u] = unemulatedFeatures({ filesystems: { '/data': { name: 'notes' } } }, 'a');
  assert.match(u!.summary, /^managed filesystems are not mounted in Capsule Local yet: \/data \(notes\)/);
});
