// Starts a real emulator (`node dist/cli.js serve ... --no-open --port 0`) on a temporary workspace
// and hands back what a test needs: url, token, store folder, captured output, stop/kill. Build
// first (`npm run build`); every test area that needs a running emulator uses this.
import { spawn, type ChildProcess } from 'node:child_process';
import { after, before } from 'node:test';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { waitFor } from './wait';
import { requireSdkPython } from './python';

export const REPO = resolve(__dirname, '..', '..');
export const CLI = join(REPO, 'dist', 'cli.js');

export interface EmulatorOptions {
  /** A folder (copied) or a single .py file (copied into an empty workspace) holding the app. */
  app: string;
  /** Entry inside the workspace, e.g. `app.py:app`; default `<file name>:app`. */
  entry?: string;
  /** Reuse this workspace instead of a fresh temp folder (e.g. to restart after a kill). */
  workspace?: string;
  /** Extra environment for the emulator (and so for the app). */
  env?: Record<string, string>;
  /** Written to the workspace `.env` before start. */
  dotenv?: Record<string, string>;
  /** Extra `serve` arguments. */
  args?: string[];
  /**
   * Which cpsl runs the app: the real SDK from the project's .venv (default), or the bundled
   * stdlib runtime (CAPSULE_RUNTIME=bundled), for the suites that compare the two.
   */
  runtime?: 'sdk' | 'bundled';
  /** Wait until the app's runner has registered (default true). */
  waitForApp?: boolean;
  timeoutMs?: number;
}

export interface RunningEmulator {
  url: string;
  port: number;
  token: string;
  pid: number;
  workspace: string;
  storeDir: string;
  entry: string;
  proc: ChildProcess;
  /** Everything the serve process printed so far (stdout + stderr). */
  output(): string;
  /** fetch against the emulator with the bearer token. */
  api(path: string, init?: RequestInit): Promise<Response>;
  /** Runs the CLI with `--store` of this emulator; resolves with status and output. */
  cli(args: string[], opts?: { timeoutMs?: number; input?: string }): Promise<CliResult>;
  /** SIGINT and wait for a clean exit. */
  stop(): Promise<number | null>;
  /** SIGKILL (no clean-up, the discovery file stays). */
  kill9(): Promise<void>;
  /** Removes the workspace (call after stop). */
  cleanup(): void;
}

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], opts: { cwd?: string; env?: Record<string, string>; timeoutMs?: number; input?: string } = {}): Promise<CliResult> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`capsule-local ${args.join(' ')} did not finish within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('exit', (status) => {
      clearTimeout(timer);
      resolveRun({ status, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}

function prepareWorkspace(opts: EmulatorOptions): { workspace: string; entry: string } {
  const workspace = opts.workspace ?? mkdtempSync(join(tmpdir(), 'capsule-emu-'));
  let entry = opts.entry;
  if (!opts.workspace) {
    const src = resolve(opts.app);
    if (statSync(src).isDirectory()) {
      cpSync(src, workspace, { recursive: true, filter: (p) => !p.includes('__pycache__') && !p.includes('/.capsule') });
      entry ??= 'app.py:app';
    } else {
      cpSync(src, join(workspace, basename(src)));
      entry ??= `${basename(src)}:app`;
    }
  }
  entry ??= 'app.py:app';
  if (opts.dotenv) {
    writeFileSync(join(workspace, '.env'), Object.entries(opts.dotenv).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
  }
  return { workspace, entry };
}

export async function startEmulator(opts: EmulatorOptions): Promise<RunningEmulator> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const { workspace, entry } = prepareWorkspace(opts);
  const storeDir = join(workspace, '.capsule');
  const discovery = join(storeDir, 'emulator.json');
  const extra = opts.args ?? [];
  const runtime = opts.runtime ?? 'sdk';
  const python = extra.includes('--python') || opts.env?.CAPSULE_PYTHON ? [] : ['--python', runtime === 'sdk' ? requireSdkPython() : 'python3'];
  const proc = spawn(process.execPath, [CLI, 'serve', entry, '--no-open', '--port', '0', '--store', storeDir, ...python, ...extra], {
    cwd: workspace,
    env: { ...process.env, ...(runtime === 'bundled' ? { CAPSULE_RUNTIME: 'bundled' } : {}), ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  proc.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  let exited: number | null | undefined;
  let ending = false;
  const exitPromise = new Promise<number | null>((r) =>
    proc.on('exit', (code, signal) => {
      exited = code;
      // A test that then waits on a dead emulator sees only "fetch failed": its output says why.
      if (!ending) process.stderr.write(`serve exited unexpectedly (${signal ?? `code ${code}`}); its output:\n${out}\n`);
      r(code);
    }),
  );

  const info = await waitFor(
    `the emulator's discovery file ${discovery} (serve output so far:\n${out})`,
    () => {
      if (exited !== undefined) throw new Error(`serve exited with ${exited}:\n${out}`);
      if (!existsSync(discovery)) return undefined;
      const d = JSON.parse(readFileSync(discovery, 'utf8')) as { url: string; port: number; token: string; pid: number };
      return d.pid === proc.pid ? d : undefined;
    },
    timeoutMs,
  ).catch((e: Error) => {
    ending = true;
    proc.kill('SIGKILL');
    throw new Error(`${e.message}\n--- serve output ---\n${out}`);
  });

  const api = (path: string, init: RequestInit = {}): Promise<Response> => {
    const headers = new Headers(init.headers);
    if (!headers.has('authorization')) headers.set('authorization', `Bearer ${info.token}`);
    if (init.body && !headers.has('content-type')) headers.set('content-type', 'application/json');
    return fetch(info.url + path, { ...init, headers });
  };

  const emu: RunningEmulator = {
    url: info.url,
    port: info.port,
    token: info.token,
    pid: info.pid,
    workspace,
    storeDir,
    entry,
    proc,
    output: () => out,
    api,
    cli: (args, o = {}) => runCli([...args, '--store', storeDir], { cwd: workspace, env: opts.env, ...o }),
    async stop() {
      ending = true;
      if (exited !== undefined) return exited;
      proc.kill('SIGINT');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      const code = await exitPromise;
      clearTimeout(timer);
      return code;
    },
    async kill9() {
      ending = true;
      if (exited !== undefined) return;
      // The app processes stop on their own once their emulator is gone (their stdin closes), a
      // few hundred ms later: note them first and end them too, so that none outlives the test.
      const pids = await runnerPids(api).catch(() => [] as number[]);
      proc.kill('SIGKILL');
      await exitPromise;
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
    },
    cleanup() {
      if (!opts.workspace) rmSync(workspace, { recursive: true, force: true });
    },
  };

  if (opts.waitForApp ?? true) {
    // Not waitFor: an app that fails to import must fail the start at once, with its error.
    const deadline = Date.now() + timeoutMs;
    let last = '';
    for (;;) {
      if (exited !== undefined) {
        throw new Error(`serve exited with ${exited} before the app registered\n--- serve output ---\n${out}`);
      }
      const state = await api('/api/state')
        .then((r) => (r.ok ? (r.json() as Promise<{ apps: Array<{ status: string; error?: string }> }>) : undefined))
        .catch(() => undefined);
      const app = state?.apps[0];
      if (app?.status === 'running') break;
      last = app?.error ?? last;
      // Import errors are final until a file changes; a crash while starting is retried.
      if (app?.status === 'crashed' && app.error && !/^the app process exited \(/.test(app.error)) {
        await emu.kill9();
        throw new Error(`the app ${entry} failed to start: ${app.error}\n--- serve output ---\n${out}`);
      }
      if (Date.now() > deadline) {
        await emu.kill9();
        throw new Error(`timed out after ${timeoutMs} ms waiting for the app ${entry} to register${last ? ` (last error: ${last})` : ''}\n--- serve output ---\n${out}`);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  return emu;
}

async function runnerPids(api: RunningEmulator['api']): Promise<number[]> {
  const r = await api('/api/state', { signal: AbortSignal.timeout(2000) });
  const state = (await r.json()) as { apps: Array<{ runnerPids?: number[]; pid?: number }> };
  return state.apps.flatMap((a) => a.runnerPids ?? (a.pid ? [a.pid] : []));
}

/** A one-time login code for browser tests: `${url}/login?code=${code}&next=/chat`. */
export async function loginUrl(emu: RunningEmulator, next = '/chat'): Promise<string> {
  const r = await emu.api('/api/login-code', { method: 'POST', body: '{}' });
  if (!r.ok) throw new Error(`login code: ${r.status} ${await r.text()}`);
  const { code } = (await r.json()) as { code: string };
  return `${emu.url}/login?code=${encodeURIComponent(code)}&next=${encodeURIComponent(next)}`;
}

/** The fixture folder of an area's tests (`test/<area>/fixtures`). */
export function fixture(area: string, ...parts: string[]): string {
  return join(REPO, 'test', area, 'fixtures', ...parts);
}

/**
 * One emulator for the tests of a `describe` block: started before them, stopped and removed
 * after. `use` receives it (tests keep it in a variable of their own).
 */
export function emulatorForSuite(opts: EmulatorOptions, use: (emu: RunningEmulator) => void): void {
  let emu: RunningEmulator | undefined;
  before(async () => {
    emu = await startEmulator(opts);
    use(emu);
  });
  after(async () => {
    await emu?.stop();
    emu?.cleanup();
  });
}
