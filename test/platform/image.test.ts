// The app's image (`cpsl.Image(python_packages=, apt_packages=, commands=)`) is built by the
// platform; here the user's interpreter runs the app, so serve says which of the image's Python
// packages that interpreter lacks (with the pip command), and names the build commands and system
// packages it neither runs nor installs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startEmulator } from '../support/emulator';
import { requireSdkPython } from '../support/python';
import { checkPythonPackages, imageNotes, imageOf, type PackageCheck } from '../../emulator/runner/image';
import { chat, json } from '../emulator/helpers';
import { waitFor } from '../support/wait';

test('serve names the missing and mismatched packages with the pip command, the build command and the system package; the app serves', async () => {
  const emu = await startEmulator({ app: join(__dirname, 'fixtures', 'image') });
  try {
    const missing = /image: the app's image installs capsule-local-absent-package==1\.0, protobuf<1, grpcio>=1\.0, legacy-only-package; python_version < "3" on Capsule, but in \S+ capsule-local-absent-package is not installed; protobuf is [0-9.]+ \(the image asks for protobuf<1\): install them with \S+ -m pip install capsule-local-absent-package==1\.0 'protobuf<1'$/m;
    const build = /image: the app's image runs `baml-cli generate --from baml_src` when Capsule builds it; Capsule Local builds no image: run it yourself in the app's folder/;
    const apt = /image: the app's image installs the system packages ffmpeg on Capsule; here the app uses this machine's own/;
    await waitFor('serve to name the image', () => (missing.test(emu.output()) && build.test(emu.output()) && apt.test(emu.output())) || undefined);
    assert.doesNotMatch(emu.output(), /grpcio is|legacy-only-package is/, 'a satisfied requirement and one for another Python are not named');
    assert.equal((await chat(emu, 'hi')).body.reply, 'echo: hi');
    const events = await json<Array<{ summary: string }>>(emu, '/api/events/log');
    assert.equal(events.body.filter((e) => missing.test(e.summary)).length, 1, 'said once');
  } finally {
    await emu.stop();
    emu.cleanup();
  }
});

test("the interpreter's answer: installed versions, a version outside the requirement, a marker for another Python, a URL it cannot check", async () => {
  const checks = await checkPythonPackages(requireSdkPython(), ['grpcio>=1.0', 'Protobuf<1', 'capsule-local-absent-package', 'x; python_version < "3"', 'git+https://example.invalid/p.git', '!!'], __dirname);
  const by = (name: string): PackageCheck | undefined => checks.find((c) => c.requirement === name);
  assert.equal(by('grpcio>=1.0')?.satisfied, true);
  assert.match(by('grpcio>=1.0')?.installed ?? '', /^\d+\./);
  assert.equal(by('Protobuf<1')?.satisfied, false, 'names are matched as pip matches them');
  assert.deepEqual(by('capsule-local-absent-package'), { requirement: 'capsule-local-absent-package', name: 'capsule-local-absent-package', installed: null, satisfied: null });
  assert.equal(by('x; python_version < "3"'), undefined, 'not for this Python: not asked for');
  assert.equal(by('git+https://example.invalid/p.git')?.installed, null);
  assert.equal(by('!!')?.installed, null);
});

test('the notes: nothing when all is installed; odd shapes are skipped, not thrown on; quoting for the shell', () => {
  assert.equal(imageOf(undefined), undefined);
  assert.equal(imageOf({ image: { python_packages: [], apt_packages: [], commands: [] } }), undefined);
  assert.equal(imageOf({ image: [1] }), undefined);
  assert.equal(imageOf({ image: { python_packages: 'x', commands: [null, 3, ''] } }), undefined);
  const image = imageOf({ image: { python_packages: ['a>=1', '__proto__'] } })!;
  assert.deepEqual(image, { pythonPackages: ['a>=1', '__proto__'], aptPackages: [], commands: [] });
  const ok: PackageCheck[] = [{ requirement: 'a>=1', name: 'a', installed: '2.0', satisfied: true }];
  assert.deepEqual(imageNotes(image, ok, 'python3'), []);
  const [note] = imageNotes(image, [{ requirement: '__proto__', name: '__proto__', installed: null, satisfied: null }], "/home/o'neil/venv/bin/python");
  assert.match(note!, /in \/home\/o'neil\/venv\/bin\/python __proto__ is not installed: install it with '\/home\/o'\\''neil\/venv\/bin\/python' -m pip install __proto__$/);
  const [url] = imageNotes({ pythonPackages: ['git+https://h/p.git'], aptPackages: [], commands: [] }, [{ requirement: 'git+https://h/p.git', name: 'git+https://h/p.git', installed: null, satisfied: null }], 'python3');
  assert.match(url!, /cannot tell whether python3 has it$/);
});
