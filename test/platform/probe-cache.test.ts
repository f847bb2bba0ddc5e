// The interpreter probe's answer is remembered across starts (runner/probe-cache.ts) and asked
// again as soon as what it was read from changes: cpsl upgraded (a new dist-info), reinstalled in
// place, installed where it was missing, the interpreter replaced.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { choosePython, probePython } from '../../emulator/runner/interpreter';
import { cachedProbe } from '../../emulator/runner/probe-cache';
import { requireSdkPython } from '../support/python';

const cacheDir = mkdtempSync(join(tmpdir(), 'capsule-probe-cache-'));
process.env.CAPSULE_CACHE_DIR = cacheDir;
process.on('exit', () => rmSync(cacheDir, { recursive: true, force: true }));

/** A new `serve` asks again: the in-process answers are forgotten, the cache file stays. */
function newStart(): void {
  ((globalThis as Record<symbol, unknown>)[Symbol.for('capsule-local.python-probes')] as Map<string, unknown>).clear();
}

/** A venv of the SDK's Python without cpsl; `install` gives it a cpsl dist-info of that version. */
function venv(): { python: string; site: string; install(version: string): string } {
  const sdk = probePython(requireSdkPython(), tmpdir())!;
  const t = mkdtempSync(join(tmpdir(), 'capsule-probe-venv-'));
  const made = spawnSync(requireSdkPython(), ['-m', 'venv', '--without-pip', join(t, 'venv')], { encoding: 'utf8' });
  assert.equal(made.status, 0, made.stderr);
  const site = join(t, 'venv', 'lib', `python${sdk.version[0]}.${sdk.version[1]}`, 'site-packages');
  return {
    python: join(t, 'venv', 'bin', 'python'),
    site,
    install(version) {
      const info = join(site, `cpsl-${version}.dist-info`);
      mkdirSync(info);
      writeFileSync(join(info, 'METADATA'), `Metadata-Version: 2.1\nName: cpsl\nVersion: ${version}\n`);
      writeFileSync(join(info, 'RECORD'), '');
      return info;
    },
  };
}

test('a remembered answer is used by the next start, from any folder', () => {
  const python = requireSdkPython();
  newStart();
  const first = probePython(python, tmpdir())!;
  assert.ok(first.cpsl);
  const cache = JSON.parse(readFileSync(join(cacheDir, 'probes.json'), 'utf8')) as Record<string, { answer: { cpsl: string } }>;
  const key = Object.keys(cache).find((k) => k.includes(JSON.stringify(python)))!;
  assert.ok(key, 'remembered');
  // Marked, to tell a remembered answer from a new one.
  cache[key]!.answer.cpsl = 'remembered';
  writeFileSync(join(cacheDir, 'probes.json'), JSON.stringify(cache));
  newStart();
  const other = mkdtempSync(join(tmpdir(), 'capsule-probe-app-'));
  try {
    assert.equal(probePython(python, other)?.cpsl, 'remembered');
    assert.equal(choosePython({ option: python, appDir: other, root: other, env: {} }).sdkVersion, 'remembered');
  } finally {
    rmSync(other, { recursive: true, force: true });
  }
  // CAPSULE_INTERPRETER_CACHE=off: neither used nor written.
  assert.equal(cachedProbe(python, tmpdir(), { ...process.env, CAPSULE_INTERPRETER_CACHE: 'off' }), undefined);
});

test('an SDK upgrade, a reinstall in place and a first install are noticed by the next start', () => {
  const v = venv();
  try {
    newStart();
    assert.equal(probePython(v.python, tmpdir())?.cpsl, null, 'no cpsl yet');
    const info = v.install('0.3.900');
    newStart();
    assert.equal(probePython(v.python, tmpdir())?.cpsl, '0.3.900', 'installed since');
    newStart();
    assert.equal(cachedProbe(v.python, tmpdir())?.cpsl, '0.3.900', 'and remembered');

    // pip's upgrade: the old dist-info goes, the new one comes.
    rmSync(info, { recursive: true });
    const upgraded = v.install('0.3.901');
    newStart();
    assert.equal(probePython(v.python, tmpdir())?.cpsl, '0.3.901');

    // The same folder, its METADATA rewritten (a reinstall in place, an editable install).
    writeFileSync(join(upgraded, 'METADATA'), 'Metadata-Version: 2.1\nName: cpsl\nVersion: 0.3.902\n');
    newStart();
    assert.equal(probePython(v.python, tmpdir())?.cpsl, '0.3.902');
  } finally {
    rmSync(join(v.site, '..', '..', '..', '..'), { recursive: true, force: true });
  }
});

test('another interpreter at the same path is asked again', () => {
  const v = venv();
  try {
    v.install('0.3.900');
    newStart();
    assert.equal(probePython(v.python, tmpdir())?.cpsl, '0.3.900');
    // The venv recreated at the same place, now without cpsl.
    const root = join(v.site, '..', '..', '..');
    rmSync(root, { recursive: true, force: true });
    const made = spawnSync(requireSdkPython(), ['-m', 'venv', '--without-pip', root], { encoding: 'utf8' });
    assert.equal(made.status, 0, made.stderr);
    newStart();
    assert.equal(probePython(v.python, tmpdir())?.cpsl, null);
  } finally {
    rmSync(join(v.site, '..', '..', '..', '..'), { recursive: true, force: true });
  }
});
