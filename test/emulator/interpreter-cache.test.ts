// An interpreter behind a launcher script (a pyenv or asdf shim): the emulator remembers what the
// script ran, launches that directly the next time, checks the script's answer again after the
// start and relaunches the app when it changed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator } from '../support/emulator';
import { waitFor } from '../support/wait';
import { RELOAD_APP, chat, events, waitForEvent } from './helpers';

type Cache = Record<string, { exe: string; at: number }>;

test('the interpreter a launcher script chose is remembered, used directly next time, and checked again', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'capsule-interp-'));
  const real = execFileSync(process.env.CAPSULE_PYTHON || 'python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim();
  const launcher = join(dir, 'launcher-python');
  writeFileSync(launcher, `#!/bin/sh\nexec "${real}" "$@"\n`);
  chmodSync(launcher, 0o755);
  const cacheDir = join(dir, 'cache');
  const cacheFile = join(cacheDir, 'interpreters.json');
  const env = { CAPSULE_CACHE_DIR: cacheDir, CAPSULE_TRACE_STARTUP: '1' };
  const args = ['--python', launcher];
  const launchedWith = (output: string): string | undefined => /startup \+[\d.]+ ms: serve: runner launched \((.*)\)$/m.exec(output)?.[1];

  const first = await startEmulator({ app: RELOAD_APP, env, args });
  const workspace = first.workspace;
  try {
    assert.equal(launchedWith(first.output()), launcher, 'nothing remembered yet: through the launcher');
    assert.equal((await chat(first, 'one')).body.reply, 'v1: one');
    // Asked once the app settled, and remembered.
    const cache = await waitFor('the remembered interpreter', () => (existsSync(cacheFile) ? (JSON.parse(readFileSync(cacheFile, 'utf8')) as Cache) : undefined), 20_000);
    assert.deepEqual(Object.values(cache).map((e) => e.exe), [real]);
  } finally {
    await first.stop();
  }

  const second = await startEmulator({ app: RELOAD_APP, workspace, entry: first.entry, env, args });
  try {
    assert.equal(launchedWith(second.output()), 'remembered interpreter');
    assert.equal((await chat(second, 'two')).body.reply, 'v1: two');
    await new Promise((r) => setTimeout(r, 1500));
    assert.ok(!(await events(second)).some((e) => e.kind === 'runner' && /relaunching/.test(e.summary)), 'the launcher still runs the same interpreter: no relaunch');
  } finally {
    await second.stop();
  }

  // What the launcher runs changed since (here: the remembered one is another path).
  const other = join(dir, 'python-elsewhere');
  symlinkSync(real, other);
  const cache = JSON.parse(readFileSync(cacheFile, 'utf8')) as Cache;
  for (const e of Object.values(cache)) e.exe = other;
  writeFileSync(cacheFile, JSON.stringify(cache));
  const third = await startEmulator({ app: RELOAD_APP, workspace, entry: first.entry, env, args, waitForApp: false });
  try {
    assert.equal(launchedWith(third.output()), 'remembered interpreter');
    const relaunch = await waitForEvent(third, 'the relaunch with the launcher’s interpreter', (e) => e.kind === 'runner' && /now runs/.test(e.summary));
    assert.equal(relaunch.detail?.python, real);
    await waitFor('the relaunched runner', async () => (await events(third)).some((e) => e.kind === 'runner' && e.detail?.event === 'restarted'), 20_000);
    assert.equal((await chat(third, 'three')).body.reply, 'v1: three');
    const updated = JSON.parse(readFileSync(cacheFile, 'utf8')) as Cache;
    assert.deepEqual(Object.values(updated).map((e) => e.exe), [real], 'the new answer is remembered');
  } finally {
    await third.stop();
    third.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
});
