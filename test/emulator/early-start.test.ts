// `serve` launches the app's process before it loads the emulator (cli/early-serve.ts); the
// emulator then adopts that process and the socket it bound. Everything a supervised launch does
// must still happen for the adopted runner: secret-injection events, the relaunch when the app
// declares secrets the source scan missed, crash restart, hot reload. Requests that reach the
// socket before the routes are mounted (the runner's first call) wait and are answered. The
// interpreter is asked which cpsl it has once per start, on either runtime.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { earlyServe, takeEarlyServe } from '../../cli/early-serve';
import { startEmulator as startInProcess } from '../../emulator/gateway';
import { runCli, startEmulator } from '../support/emulator';
import { requireSdkPython } from '../support/python';
import { waitFor } from '../support/wait';
import { ECHO_APP, RELOAD_APP, appState, chat, events, lastSeq, waitForEvent } from './helpers';

const TOKEN = 'early-start-secret-5c4b3a29';

/** The `CAPSULE_TRACE_STARTUP` steps in the order the serve process printed them. */
function steps(output: string): string[] {
  return [...output.matchAll(/^capsule-local: startup \+[\d.]+ ms: (.*)$/gm)].map((m) => m[1]!);
}

test('the app is launched before the emulator loads; the adopted runner gets its secrets, restarts after a crash and reloads', async () => {
  const emu = await startEmulator({ runtime: 'bundled', app: ECHO_APP, env: { ECHO_TOKEN: TOKEN, CAPSULE_TRACE_STARTUP: '1' } });
  try {
    const trace = steps(emu.output());
    const launched = trace.findIndex((s) => s.startsWith('serve: runner launched'));
    assert.ok(launched >= 0, `the head start launched the runner:\n${trace.join('\n')}`);
    assert.ok(launched < trace.indexOf('cli: loading the emulator'), `before the emulator loads:\n${trace.join('\n')}`);
    assert.ok(trace.includes('emulator: discovery file written'));

    const first = await chat(emu, 'secret');
    assert.equal(first.body.reply, `token length ${TOKEN.length}, injected True`, JSON.stringify(first.body));
    const all = await events(emu);
    assert.ok(all.some((e) => e.kind === 'secret' && e.detail?.name === 'ECHO_TOKEN' && e.detail.by === 'injection' && e.detail.source === 'environment'), 'the injection is logged');
    assert.ok(all.some((e) => e.kind === 'runner' && e.detail?.event === 'started' && e.detail.version === 1), 'the adopted process is runner v1');
    assert.ok(all.some((e) => e.kind === 'log' && /the token is \[secret\]/.test(e.summary)), 'its output is scrubbed like any runner output');

    // Crash restart.
    let since = await lastSeq(emu);
    const crash = await chat(emu, 'die');
    assert.equal(crash.status, 422);
    await waitForEvent(emu, 'the crash report', (e) => e.kind === 'runner' && e.detail?.event === 'crashed', since);
    await waitForEvent(emu, 'the restart', (e) => e.kind === 'runner' && e.detail?.event === 'restarted', since);
    assert.equal((await chat(emu, 'secret')).body.reply, `token length ${TOKEN.length}, injected True`);

    // Hot reload.
    since = await lastSeq(emu);
    appendFileSync(join(emu.workspace, 'app.py'), '\n# edited\n');
    await waitForEvent(emu, 'the reload', (e) => e.kind === 'runner' && e.detail?.event === 'reloaded', since);
    assert.equal((await appState(emu)).status, 'running');
    assert.equal((await chat(emu, 'secret')).body.reply, `token length ${TOKEN.length}, injected True`);
    assert.ok(!emu.output().includes(TOKEN), 'no secret value in the output, trace lines included');
  } finally {
    await emu.stop();
    emu.cleanup();
  }
});

test('secrets the source scan misses: the adopted runner is relaunched with the declared ones', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'capsule-early-'));
  const file = join(dir, 'hidden.py');
  writeFileSync(
    file,
    [
      'import os',
      'import cpsl',
      '',
      'NAMES = ["HIDDEN_TOKEN"]',
      'app = cpsl.App(name="hidden", image=cpsl.Image(), secrets=NAMES)',
      '',
      '@app.message()',
      'async def handle(session: cpsl.Session, msg: cpsl.Message):',
      '    await session.reply(f"injected {os.environ.get(\'HIDDEN_TOKEN\') == \'hidden-value-77\'}")',
      '',
    ].join('\n'),
  );
  const emu = await startEmulator({ runtime: 'bundled', app: file, dotenv: { HIDDEN_TOKEN: 'hidden-value-77' }, env: { CAPSULE_TRACE_STARTUP: '1' } });
  try {
    assert.ok(steps(emu.output()).some((s) => s.startsWith('serve: runner launched')), 'the runner was launched by the head start');
    await waitForEvent(emu, 'the relaunch for the declared secrets', (e) => e.kind === 'runner' && /to inject its declared secrets/.test(e.summary));
    await waitFor('the relaunched runner', async () => (await chat(emu, 'x')).body.reply === 'injected True', 20_000);
    const all = await events(emu);
    assert.ok(all.some((e) => e.kind === 'secret' && e.detail?.name === 'HIDDEN_TOKEN' && e.detail.source === '.env' && e.detail.by === 'injection'));
  } finally {
    await emu.stop();
    emu.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the runner's first call waits on the bound socket until the emulator mounts its routes", async () => {
  const workspace = mkdtempSync(join(tmpdir(), 'capsule-early-'));
  writeFileSync(join(workspace, 'app.py'), readFileSync(join(RELOAD_APP, 'app.py'), 'utf8'));
  const cwd = process.cwd();
  process.chdir(workspace);
  let stop: (() => Promise<void>) | undefined;
  try {
    await earlyServe(['app.py:app', '--port', '0', '--no-open']);
    const early = await takeEarlyServe({ entry: 'app.py:app', storeDir: join(workspace, '.capsule'), port: 0, python: process.env.CAPSULE_PYTHON || 'python3', cwd: workspace });
    assert.ok(early, 'the head start ran');
    // The app imported and called the gateway; nothing answers yet, so the call waits.
    await waitFor('the runner to call the gateway', () => early.held.pending() > 0, 30_000);
    assert.equal(early.runner.runner.state, 'starting');

    const emu = await startInProcess({ entries: ['app.py:app'], port: 0, held: early.held, prelaunched: early.runner, supervisor: { watch: false } });
    stop = () => emu.stop();
    const reply = await fetch(`${emu.url}/api/chat`, {
      method: 'POST',
      headers: { authorization: `Bearer ${emu.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'held' }),
    });
    assert.equal(reply.status, 200, await reply.clone().text());
    assert.equal(((await reply.json()) as { reply: string }).reply, 'v1: held');
    assert.equal(emu.hub.supervisors[0]!.current, early.runner.runner, 'the emulator serves with the adopted process');
    assert.equal(early.held.pending(), 0);
  } finally {
    await stop?.();
    process.chdir(cwd);
    rmSync(workspace, { recursive: true, force: true });
  }
});

test('with the head start off (CAPSULE_EARLY_SERVE=off), serve launches the app itself', async () => {
  const emu = await startEmulator({ runtime: 'bundled', app: RELOAD_APP, env: { CAPSULE_EARLY_SERVE: 'off', CAPSULE_TRACE_STARTUP: '1' } });
  try {
    assert.ok(!steps(emu.output()).some((s) => s.startsWith('serve: runner launched')), 'no head start');
    assert.equal((await chat(emu, 'hi')).body.reply, 'v1: hi');
  } finally {
    await emu.stop();
    emu.cleanup();
  }
});

test('a port in use: the head start steps aside and serve says so', async () => {
  const emu = await startEmulator({ runtime: 'bundled', app: RELOAD_APP });
  try {
    const other = await runCli(['serve', 'app.py:app', '--no-open', '--port', String(emu.port), '--store', join(emu.workspace, 'other-store')], { cwd: emu.workspace, timeoutMs: 30_000 });
    assert.equal(other.status, 1, other.stderr);
    assert.match(other.stderr, new RegExp(`port ${emu.port} is in use; pick another with --port`));
    assert.equal((await chat(emu, 'still')).body.reply, 'v1: still', 'the running emulator is not disturbed');
  } finally {
    await emu.stop();
    emu.cleanup();
  }
});

test('on the real SDK, serve asks the interpreter about itself once: the head start and the emulator share the answer, and the next serve remembers it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'capsule-probe-count-'));
  const count = join(dir, 'probes');
  const python = join(dir, 'python');
  const env = { CAPSULE_CACHE_DIR: join(dir, 'cache') };
  // The interpreter behind a script that notes each version question (interpreter.ts's PROBE).
  writeFileSync(python, `#!/bin/sh\ncase "$2" in *'metadata.distribution("cpsl")'*) echo probe >> '${count}';; esac\nexec '${requireSdkPython()}' "$@"\n`, { mode: 0o755 });
  const emu = await startEmulator({ app: RELOAD_APP, args: ['--python', python], env });
  try {
    assert.equal((await chat(emu, 'hi')).body.reply, 'v1: hi');
    assert.equal(readFileSync(count, 'utf8'), 'probe\n');
  } finally {
    await emu.stop();
  }
  const next = await startEmulator({ app: RELOAD_APP, workspace: emu.workspace, entry: emu.entry, args: ['--python', python], env });
  try {
    assert.equal((await chat(next, 'again')).body.reply, 'v1: again');
    assert.equal(readFileSync(count, 'utf8'), 'probe\n', 'nothing it was read from changed: not asked again');
  } finally {
    await next.stop();
    next.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('on the real SDK the head start launches the runner too, told the gRPC port the gateway then binds', async () => {
  const emu = await startEmulator({ app: RELOAD_APP, env: { CAPSULE_TRACE_STARTUP: '1' } });
  try {
    const trace = steps(emu.output());
    const launched = trace.findIndex((s) => s.startsWith('serve: runner launched (real SDK'));
    assert.ok(launched >= 0 && launched < trace.indexOf('cli: loading the emulator'), `launched before the emulator loads:\n${trace.join('\n')}`);
    assert.equal((await chat(emu, 'hi')).body.reply, 'v1: hi');
    const started = (await events(emu)).filter((e) => e.kind === 'runner' && (e.detail?.event === 'started' || e.detail?.event === 'restarted'));
    assert.deepEqual(started.map((e) => e.detail?.version), [1], 'the adopted process serves; no second launch');
  } finally {
    await emu.stop();
    emu.cleanup();
  }
});

test('a head start whose gRPC port was taken meanwhile is stopped, and the emulator launches the app itself', async () => {
  const workspace = mkdtempSync(join(tmpdir(), 'capsule-early-sdk-'));
  writeFileSync(join(workspace, 'app.py'), readFileSync(join(RELOAD_APP, 'app.py'), 'utf8'));
  const python = requireSdkPython();
  const cwd = process.cwd();
  process.chdir(workspace);
  let stop: (() => Promise<void>) | undefined;
  const squatter = createServer();
  try {
    await earlyServe(['app.py:app', '--port', '0', '--no-open', '--python', python]);
    const early = await takeEarlyServe({ entry: 'app.py:app', storeDir: join(workspace, '.capsule'), port: 0, python, cwd: workspace });
    assert.ok(early?.runner.platformPort, 'the head start ran on the real SDK and chose a gRPC port');
    await new Promise<void>((r) => squatter.listen(early.runner.platformPort, '127.0.0.1', r));
    const emu = await startInProcess({ entries: ['app.py:app'], port: 0, python, held: early.held, prelaunched: early.runner, supervisor: { watch: false } });
    stop = () => emu.stop();
    assert.notEqual(emu.hub.platformAddress, `127.0.0.1:${early.runner.platformPort}`);
    const reply = await fetch(`${emu.url}/api/chat`, {
      method: 'POST',
      headers: { authorization: `Bearer ${emu.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'moved' }),
    });
    assert.equal(reply.status, 200, await reply.clone().text());
    assert.equal(((await reply.json()) as { reply: string }).reply, 'v1: moved');
    assert.notEqual(emu.hub.supervisors[0]!.current, early.runner.runner, 'another process serves');
    assert.equal(early.runner.runner.alive, false, 'the head start is stopped');
  } finally {
    await stop?.();
    squatter.close();
    process.chdir(cwd);
    rmSync(workspace, { recursive: true, force: true });
  }
});
