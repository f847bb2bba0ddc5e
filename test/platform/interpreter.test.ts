// Which Python and which cpsl run an app: the interpreter asked for, else the workspace's venv,
// else python3; the bundled runtime only when none has the SDK, said in one line with the command
// that installs it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { choosePython, probePython, tooOld, venvCandidates } from '../../emulator/runner/interpreter';
import { protoSdkVersion } from '../../emulator/platform/protocol';
import { withVersionNote } from '../../emulator/runner/version-note';
import { SDK_PYTHON, requireSdkPython } from '../support/python';
import { startEmulator } from '../support/emulator';
import { chat } from '../emulator/helpers';

const VENV = dirname(dirname(SDK_PYTHON));

function workspace(): string {
  const ws = mkdtempSync(join(tmpdir(), 'capsule-interp-'));
  mkdirSync(join(ws, 'apps', 'bot'), { recursive: true });
  writeFileSync(join(ws, 'apps', 'bot', 'app.py'), 'import cpsl\n');
  return ws;
}

test('an interpreter asked for with --python (or CAPSULE_PYTHON) that has cpsl runs the real SDK', () => {
  requireSdkPython();
  const ws = workspace();
  try {
    const c = choosePython({ option: SDK_PYTHON, appDir: join(ws, 'apps', 'bot'), root: ws, env: {} });
    assert.equal(c.runtime, 'sdk');
    assert.equal(c.source, '--python');
    assert.equal(c.sdkVersion, protoSdkVersion());
    assert.equal(c.note, undefined, 'the pinned SDK: nothing to say');
    const viaEnv = choosePython({ appDir: join(ws, 'apps', 'bot'), root: ws, env: { CAPSULE_PYTHON: SDK_PYTHON } });
    assert.equal(viaEnv.runtime, 'sdk');
    assert.equal(viaEnv.source, 'CAPSULE_PYTHON');
  } finally {
    rmSync(ws, { recursive: true, force: true });
  }
});

test("the workspace's .venv is found from the app's folder up to the workspace root", () => {
  const ws = workspace();
  try {
    symlinkSync(VENV, join(ws, '.venv'));
    assert.deepEqual(venvCandidates(join(ws, 'apps', 'bot'), ws), [join(ws, '.venv', 'bin', 'python')]);
    const c = choosePython({ appDir: join(ws, 'apps', 'bot'), root: ws, env: {} });
    assert.equal(c.runtime, 'sdk');
    assert.equal(c.python, join(ws, '.venv', 'bin', 'python'));
    assert.equal(c.source, '.venv');
    // Not above the workspace root.
    assert.deepEqual(venvCandidates(join(ws, 'apps', 'bot'), join(ws, 'apps')), []);
  } finally {
    rmSync(ws, { recursive: true, force: true });
  }
});

test('an interpreter without cpsl: the bundled runtime, and the install command for that interpreter', () => {
  const p = probePython('python3', tmpdir());
  if (p?.cpsl) return; // this machine's python3 has the SDK: nothing to fall back from
  const ws = workspace();
  try {
    const c = choosePython({ option: 'python3', appDir: join(ws, 'apps', 'bot'), root: ws, env: {} });
    assert.equal(c.runtime, 'bundled');
    assert.match(c.note ?? '', /running on the bundled runtime, not the real SDK: python3 \(Python \d+\.\d+\.\d+\) has no cpsl; install the SDK: python3 -m pip install cpsl==\d+\.\d+\.\d+/);
    const missing = choosePython({ option: join(ws, 'no-such-python'), appDir: ws, root: ws, env: {} });
    assert.equal(missing.runtime, 'bundled');
    assert.match(missing.note ?? '', /no-such-python did not run/);
  } finally {
    rmSync(ws, { recursive: true, force: true });
  }
});

test('a Python older than the wheel needs is named with the version it needs', () => {
  assert.match(tooOld({ version: [3, 9, 18] }) ?? '', /^Python 3\.9\.18 is too old for cpsl \d+\.\d+\.\d+ \(it needs Python >=3\.10\)$/);
  assert.equal(tooOld({ version: [3, 10, 0] }), undefined);
  assert.equal(tooOld({ version: [3, 13, 1] }), undefined);
});

test('CAPSULE_RUNTIME=bundled runs the bundled runtime even where the SDK is installed', () => {
  const c = choosePython({ option: SDK_PYTHON, appDir: tmpdir(), root: tmpdir(), env: { CAPSULE_RUNTIME: 'bundled' } });
  assert.equal(c.runtime, 'bundled');
  assert.equal(c.python, SDK_PYTHON);
  assert.match(c.note ?? '', /CAPSULE_RUNTIME=bundled/);
});

test('serve with an interpreter without cpsl says so in one line and serves the app on the bundled runtime', async () => {
  const p = probePython('python3', tmpdir());
  if (p?.cpsl) return;
  const emu = await startEmulator({ app: join(__dirname, 'fixtures', 'quickstart'), args: ['--python', 'python3'] });
  try {
    const lines = emu.output().split('\n').filter((l) => /bundled runtime/.test(l));
    assert.equal(lines.length, 1, emu.output());
    assert.match(lines[0]!, /^capsule-local: app\.py:app: running on the bundled runtime, not the real SDK: .* install the SDK: python3 -m pip install cpsl==/);
    assert.equal((await chat(emu, 'hi')).body.reply, 'Hello user_dev! You said: hi');
  } finally {
    await emu.stop();
    emu.cleanup();
  }
});

test('another cpsl than the pinned one: serve names its version and what its protocol changes', () => {
  // A real interpreter with a copy of the wheel whose version and one field number differ.
  const sdk = probePython(requireSdkPython(), tmpdir())!;
  const lib = `python${sdk.version[0]}.${sdk.version[1]}`;
  const t = mkdtempSync(join(tmpdir(), 'capsule-othersdk-'));
  try {
    const made = spawnSync(SDK_PYTHON, ['-m', 'venv', '--without-pip', join(t, 'venv')], { encoding: 'utf8' });
    assert.equal(made.status, 0, made.stderr);
    const site = join(t, 'venv', 'lib', lib, 'site-packages');
    cpSync(join(VENV, 'lib', lib, 'site-packages', 'cpsl'), join(site, 'cpsl'), { recursive: true, filter: (p) => !p.includes('__pycache__') });
    mkdirSync(join(site, 'cpsl-0.3.999.dist-info'));
    writeFileSync(join(site, 'cpsl-0.3.999.dist-info', 'METADATA'), 'Metadata-Version: 2.1\nName: cpsl\nVersion: 0.3.999\nRequires-Python: >=3.10\n');
    writeFileSync(join(site, 'cpsl-0.3.999.dist-info', 'RECORD'), '');
    writeFileSync(join(site, 'deps.pth'), join(VENV, 'lib', lib, 'site-packages') + '\n');
    const client = join(site, 'cpsl', 'clients', 'capsule', '__init__.py');
    const before = readFileSync(client, 'utf8');
    const after = before.replace(/(class RegisterRequest\(betterproto\.Message\):\n    app_id: str = betterproto\.string_field\()1\)/, '$19)');
    assert.notEqual(after, before, 'the copy changes RegisterRequest.app_id');
    writeFileSync(client, after);
    const python = join(t, 'venv', 'bin', 'python');
    const c = withVersionNote(choosePython({ option: python, appDir: t, root: t, env: {} }), t);
    assert.equal(c.runtime, 'sdk');
    assert.equal(c.sdkVersion, '0.3.999');
    assert.match(c.note ?? '', new RegExp(`cpsl 0\\.3\\.999 in \\S+ speaks another protocol than cpsl ${protoSdkVersion().replace(/\./g, '\\.')}`));
    assert.match(c.note ?? '', /1 difference: RegisterRequest\.app_id: the SDK has "string app_id = 9", capsule\.proto "string app_id = 1"/);
    assert.match(c.note ?? '', /to match: \S+ -m pip install cpsl==/);
  } finally {
    rmSync(t, { recursive: true, force: true });
  }
});

test("the editor's interpreter (CAPSULE_EDITOR_PYTHON) ranks after the workspace's venv and before python3", () => {
  const ws = workspace();
  try {
    const editor = choosePython({ appDir: join(ws, 'apps', 'bot'), root: ws, env: { CAPSULE_EDITOR_PYTHON: SDK_PYTHON } });
    assert.equal(editor.runtime, 'sdk');
    assert.equal(editor.python, SDK_PYTHON);
    assert.equal(editor.source, "the editor's Python");
    symlinkSync(VENV, join(ws, '.venv'));
    const venv = choosePython({ appDir: join(ws, 'apps', 'bot'), root: ws, env: { CAPSULE_EDITOR_PYTHON: 'python3' } });
    assert.equal(venv.python, join(ws, '.venv', 'bin', 'python'), 'the venv wins over the editor');
  } finally {
    rmSync(ws, { recursive: true, force: true });
  }
});
