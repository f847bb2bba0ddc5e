// Debugging: `POST /api/debug` relaunches the app under debugpy and answers where to attach (no
// environment, no secret values, no runner token). A real DAP client (the protocol an editor
// speaks) attaches to debugpy from the project's .venv, sets a breakpoint in the handler and sees
// it hit when a chat message arrives; `POST /api/debug/stop` runs the app without the debugger.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, startEmulator, type RunningEmulator } from '../support/emulator';
import { attachDebugpy, type DapClient } from '../support/dap';
import { waitFor } from '../support/wait';
import { ECHO_APP, appState, chat, json } from './helpers';

const VENV_PYTHON = join(REPO, '.venv', 'bin', 'python');

function requireDebugpy(): void {
  if (!existsSync(VENV_PYTHON)) throw new Error(`${VENV_PYTHON} is missing: run scripts/setup-python.sh (it installs debugpy from requirements-sdk.txt)`);
}

interface DebugTarget {
  app: string;
  entry: string;
  host: string;
  port: number;
  pid: number | null;
}

function lineOf(file: string, text: string): number {
  const i = readFileSync(file, 'utf8').split('\n').findIndex((l) => l.includes(text));
  assert.ok(i >= 0, `${text} is in ${file}`);
  return i + 1;
}

async function debugTarget(emu: RunningEmulator): Promise<DebugTarget> {
  const r = await json<DebugTarget>(emu, '/api/debug', { app: emu.entry });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

test('a breakpoint in the handler is hit when a chat message arrives; the debug answer holds no values', async () => {
  requireDebugpy();
  const emu = await startEmulator({ app: ECHO_APP, env: { CAPSULE_PYTHON: VENV_PYTHON, ECHO_TOKEN: 'debug-secret-value-7c1e9a' } });
  let dap: DapClient | undefined;
  try {
    const managed = await appState(emu);
    assert.equal((await emu.api(`/api/runner-env?entry=${encodeURIComponent(emu.entry)}`)).status, 404, 'no route hands out the runner environment');

    const target = await debugTarget(emu);
    assert.deepEqual(Object.keys(target).sort(), ['app', 'entry', 'host', 'pid', 'port']);
    assert.equal(target.host, '127.0.0.1');
    assert.doesNotMatch(JSON.stringify(target), /debug-secret-value|CAPSULE_RUNNER_TOKEN/);
    // Until a debugger attaches, the app as it was keeps answering.
    assert.equal((await chat(emu, 'before attach')).body.reply, 'echo: before attach');

    const appFile = join(emu.workspace, 'app.py');
    const line = lineOf(appFile, 'cmd, _, arg = text.partition(" ")');
    const session = await attachDebugpy(target, { path: appFile, lines: [line] });
    dap = session.dap;
    await waitFor('the debugged runner to take over', async () => (await appState(emu)).pid === target.pid);
    assert.equal((await appState(emu)).status, 'running');

    const answer = chat(emu, 'under the debugger');
    const stopped = await dap.event('stopped', (m) => m.body?.reason === 'breakpoint');
    const threadId = stopped.body!.threadId as number;
    const trace = await dap.request('stackTrace', { threadId, levels: 1 });
    const top = (trace.body!.stackFrames as Array<{ line: number; source?: { path?: string } }>)[0]!;
    assert.equal(top.line, line, 'stopped on the breakpoint line');
    assert.equal(top.source?.path, appFile);
    await dap.request('continue', { threadId });
    const reply = await answer;
    assert.equal(reply.body.reply, 'echo: under the debugger');

    // Debugging ends: the app runs again without debugpy.
    const stop = await json<{ stopped: boolean }>(emu, '/api/debug/stop', { app: emu.entry });
    assert.equal(stop.body.stopped, true);
    await waitFor('the app to run without the debugger', async () => {
      const s = await appState(emu);
      return s.status === 'running' && s.pid !== target.pid && s.pid !== managed.pid;
    });
    assert.equal((await chat(emu, 'after')).body.reply, 'echo: after');
    assert.ok(!emu.output().includes('debug-secret-value'), 'no secret value in the emulator output');
  } finally {
    dap?.close();
    await emu.stop();
    emu.cleanup();
  }
});

test('debug launches nobody attached to hold up neither a crash restart nor the shutdown', async () => {
  requireDebugpy();
  const emu = await startEmulator({ app: ECHO_APP, env: { CAPSULE_PYTHON: VENV_PYTHON } });
  try {
    for (let i = 0; i < 2; i++) await debugTarget(emu);
    // Nobody attached: the emulator's own runner keeps serving.
    assert.equal((await chat(emu, 'still here')).body.reply, 'echo: still here');
    const crash = await chat(emu, 'die');
    assert.equal(crash.status, 422);
    await waitFor('the app to be restarted after the crash', async () => (await chat(emu, 'again')).body.reply === 'echo: again', 20_000);
  } finally {
    assert.equal(await emu.stop(), 0, `serve did not stop cleanly within 10 s:\n${emu.output().slice(-3000)}`);
    emu.cleanup();
  }
});

test('a debug launch asked for while the app is still starting lets it start first: it serves until a debugger attaches', async () => {
  requireDebugpy();
  const emu = await startEmulator({ app: ECHO_APP, env: { CAPSULE_PYTHON: VENV_PYTHON }, waitForApp: false });
  try {
    const target = await debugTarget(emu);
    assert.equal((await chat(emu, 'served')).body.reply, 'echo: served');
    assert.notEqual((await appState(emu)).pid, target.pid, 'the app launched without the debugger serves');
  } finally {
    await emu.stop();
    emu.cleanup();
  }
});

test('a debug launch with an interpreter that lacks debugpy fails with a message saying so', async () => {
  const emu = await startEmulator({ app: ECHO_APP, env: { CAPSULE_PYTHON: 'python3', PYTHONNOUSERSITE: '1' } });
  try {
    const probe = await import('node:child_process').then((cp) => cp.spawnSync('python3', ['-c', 'import debugpy'], { env: { ...process.env, PYTHONNOUSERSITE: '1' } }));
    if (probe.status === 0) throw new Error('python3 on PATH has debugpy: this test needs an interpreter without it');
    const r = await json<{ error: string }>(emu, '/api/debug', {});
    assert.equal(r.status, 409);
    assert.match(r.body.error, /debugpy is not installed/);
    assert.equal((await chat(emu, 'fine')).body.reply, 'echo: fine', 'the app keeps serving');
  } finally {
    await emu.stop();
    emu.cleanup();
  }
});
