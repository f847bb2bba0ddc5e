// A debugger's launch: the environment from `GET /api/runner-env` starts a runner the emulator
// adopts when it registers; when that process goes away the emulator runs the app itself again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { startEmulator } from '../support/emulator';
import { waitFor } from '../support/wait';
import { ECHO_APP, appState, chat, json } from './helpers';

interface RunnerEnv {
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
}

test('a runner launched with /api/runner-env takes over, and the emulator takes back over when it ends', async () => {
  const emu = await startEmulator({ app: ECHO_APP, env: { CAPSULE_HEALTH_INTERVAL_MS: '150', CAPSULE_HEALTH_TIMEOUT_MS: '400' } });
  let debugged: ReturnType<typeof spawn> | undefined;
  try {
    const managed = await appState(emu);
    const { status, body } = await json<RunnerEnv>(emu, `/api/runner-env?entry=${encodeURIComponent(emu.entry)}`);
    assert.equal(status, 200);
    assert.deepEqual(body.args.slice(0, 2), ['-m', 'cpsl.runner']);
    assert.equal(body.cwd, emu.workspace);
    assert.match(body.env.PYTHONPATH ?? '', /python/);
    assert.ok(body.env.CAPSULE_RUNNER_TOKEN && body.env.CAPSULE_GATEWAY_URL === emu.url);

    debugged = spawn(body.command, body.args, { cwd: body.cwd, env: body.env, stdio: ['pipe', 'ignore', 'ignore'] });
    await waitFor('the debugged runner to take over', async () => (await appState(emu)).pid === debugged!.pid);
    assert.equal((await chat(emu, 'hello debugger')).body.reply, 'echo: hello debugger');
    await waitFor('the managed runner to stop', () => {
      try {
        process.kill(managed.pid!, 0);
        return false;
      } catch {
        return true;
      }
    });

    debugged.kill('SIGKILL');
    await waitFor('the emulator to run the app itself again', async () => {
      const s = await appState(emu);
      return s.status === 'running' && s.pid !== debugged!.pid && s.pid !== managed.pid;
    });
    assert.equal((await chat(emu, 'back')).body.reply, 'echo: back');
  } finally {
    debugged?.kill('SIGKILL');
    await emu.stop();
    emu.cleanup();
  }
});

test('debug environments asked for but never started hold up neither a crash restart nor the shutdown', async () => {
  const emu = await startEmulator({ app: ECHO_APP });
  try {
    for (let i = 0; i < 2; i++) {
      const { status } = await json<RunnerEnv>(emu, `/api/runner-env?entry=${encodeURIComponent(emu.entry)}`);
      assert.equal(status, 200);
    }
    // Nobody started a debugger: the emulator's own runner keeps serving.
    assert.equal((await chat(emu, 'still here')).body.reply, 'echo: still here');
    const crash = await chat(emu, 'die');
    assert.equal(crash.status, 422);
    await waitFor('the app to be restarted after the crash', async () => (await chat(emu, 'again')).body.reply === 'echo: again', 20_000);
  } finally {
    const started = Date.now();
    assert.equal(await emu.stop(), 0);
    assert.ok(Date.now() - started < 20_000, 'serve stopped without waiting for the never-started debug runners');
    emu.cleanup();
  }
});
