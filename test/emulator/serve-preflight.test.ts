// What `serve` prints before its links: the problems `check` finds for the served app, each with
// its fix command (nothing when there are none); and, on a machine without a desktop, that no
// browser could be opened, with the link to open.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { CLI, REPO, runCli } from '../support/emulator';
import { waitFor } from '../support/wait';

/** Runs serve (browser opening on, no desktop) until `done` matches its output; then stops it. */
async function serveOutput(workspace: string, done: RegExp): Promise<{ stdout: string; all: string }> {
  const env = { ...process.env };
  delete env.DISPLAY;
  delete env.WAYLAND_DISPLAY;
  delete env.WSL_DISTRO_NAME;
  const serve = spawn(process.execPath, [CLI, 'serve', 'app.py:app', '--port', '0'], { cwd: workspace, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let all = '';
  serve.stdout.on('data', (b: Buffer) => ((stdout += b.toString()), (all += b.toString())));
  serve.stderr.on('data', (b: Buffer) => (all += b.toString()));
  const exited = new Promise<void>((r) => serve.once('exit', () => r()));
  try {
    await waitFor(`serve output matching ${done}`, () => {
      if (serve.exitCode !== null) throw new Error(`serve exited:\n${all}`);
      return done.test(all);
    }, 30_000);
  } finally {
    serve.kill('SIGINT');
    await exited;
  }
  return { stdout, all };
}

function supportOpsWorkspace(): string {
  const ws = mkdtempSync(join(tmpdir(), 'capsule-preflight-'));
  cpSync(join(REPO, 'examples', 'support-ops', 'app.py'), join(ws, 'app.py'));
  return ws;
}

test('serve prints what check finds, with the fix commands, before the links; no desktop: says so and prints the link', async () => {
  const ws = supportOpsWorkspace();
  try {
    const { stdout, all } = await serveOutput(ws, /Open this link yourself:\n {2}http\S+\n/);
    const head = stdout.indexOf('capsule-local check found 5 problems for this app');
    const links = stdout.indexOf('  Chat:');
    assert.ok(head >= 0 && links > head, `the preflight comes before the links:\n${stdout}`);
    const preflight = stdout.slice(head, links);
    assert.match(preflight, /app\.py:12:28: warning capsule\/unknown-channel .*capsule-local channel create support-telegram/);
    assert.match(preflight, /app\.py:13:14: warning capsule\/missing-secret .*capsule-local secret set OPENAI_API_KEY/);
    assert.match(preflight, /capsule-local secret set GOOGLE_OAUTH_CLIENT_SECRET, or add it to \.env\.\n {4}\(until it is defined, the simulated provider uses generated local client credentials\)/);
    assert.ok(!/OPENAI_API_KEY, or add it to \.env\.\n {4}\(until/.test(preflight), 'the note is for OAuth client secrets only');
    const chatLink = stdout.match(/ {2}Chat: {6}(\S+)/)![1]!;
    assert.match(all, new RegExp(`could not open a browser: no desktop session \\(neither DISPLAY nor WAYLAND_DISPLAY is set\\)\\. Open this link yourself:\\n {2}${chatLink.replace(/[.?*+()[\]\\]/g, '\\$&')}\\n`));
  } finally {
    rmSync(ws, { recursive: true, force: true });
  }
});

test('serve prints no preflight once the secrets and the channel are defined', async () => {
  const ws = supportOpsWorkspace();
  try {
    writeFileSync(join(ws, '.env'), 'OPENAI_API_KEY=sk-local-placeholder\nGOOGLE_OAUTH_CLIENT_ID=g-id\nGOOGLE_OAUTH_CLIENT_SECRET=g-secret\n');
    const made = await runCli(['channel', 'create', 'support-telegram', '--type', 'telegram', '-c', 'bot_token=000000:placeholder'], { cwd: ws });
    assert.equal(made.status, 0, made.stderr);
    const { stdout } = await serveOutput(ws, /Open this link yourself/);
    assert.ok(!stdout.includes('capsule-local check found'), stdout);
    assert.match(stdout, /^Capsule Local emulator on /m);
  } finally {
    rmSync(ws, { recursive: true, force: true });
  }
});
