// One emulator per workspace: started by the extension (`dist/cli.js serve ENTRY --no-open --port N
// --store DIR`) or found through the discovery file `.capsule/emulator.json` that any running
// emulator for the workspace writes (also one started from a terminal). Everything else in the
// extension talks to it over HTTP with the token from that file.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { nodeRuntime, spawnEnv } from './node-runtime';

export interface Discovery {
  url: string;
  port: number;
  pid: number;
  token: string;
  /** Entries served (`app.py:app`). */
  apps?: string[];
}

export type EmulatorState = 'stopped' | 'starting' | 'running' | 'failed';

export interface AppState {
  name: string;
  entry: string;
  status: string;
  secrets?: string[];
  integrations?: Array<{ type: string; mode: string }>;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to someone else; still alive.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function readDiscovery(store: string): Discovery | undefined {
  const file = path.join(store, 'emulator.json');
  if (!existsSync(file)) return undefined;
  try {
    const d = JSON.parse(readFileSync(file, 'utf8')) as Partial<Discovery>;
    if (typeof d.url !== 'string' || typeof d.pid !== 'number' || typeof d.token !== 'string') return undefined;
    if (!pidAlive(d.pid)) return undefined; // left behind by a killed emulator
    const apps = Array.isArray(d.apps) ? d.apps.filter((a): a is string => typeof a === 'string') : undefined;
    return { url: d.url, port: typeof d.port === 'number' ? d.port : Number(new URL(d.url).port), pid: d.pid, token: d.token, apps };
  } catch {
    return undefined; // half-written or foreign file: treat as no emulator
  }
}

export interface StartOptions {
  cli: string;
  folder: string;
  store: string;
  entry: string;
  port: number;
  python: string;
  /** How the interpreter was chosen (client/python.ts): only the setting is serve's --python. */
  pythonKind?: 'setting' | 'extension' | 'default';
  extraArgs?: string[];
  timeoutMs?: number;
}

export class Emulator implements vscode.Disposable {
  state: EmulatorState = 'stopped';
  info: Discovery | undefined;
  entry: string | undefined;
  lastError: string | undefined;
  /** A served app whose last reload failed: it answers with its previous version until a good save. */
  reloadFailure: { app: string; error: string } | undefined;
  private checkingApps = false;
  private child: ChildProcess | undefined;
  private poll: NodeJS.Timeout | undefined;
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly store: string,
    private readonly log: vscode.OutputChannel,
  ) {
    // A terminal-started emulator or one that died is noticed within a couple of seconds.
    this.poll = setInterval(() => this.refresh(), 2000);
    this.refresh();
  }

  get owned(): boolean {
    return this.child !== undefined;
  }

  /** Re-reads the discovery file: attaches to a running emulator, notices one that stopped. */
  refresh(): void {
    if (this.state === 'starting') return;
    const d = readDiscovery(this.store);
    if (d && (this.state !== 'running' || this.info?.pid !== d.pid)) {
      this.info = d;
      if (!this.child) this.entry = d.apps?.[0];
      this.set('running');
    } else if (!d && this.state === 'running') {
      this.info = undefined;
      this.reloadFailure = undefined;
      this.set(this.child ? 'failed' : 'stopped');
    }
    if (this.state === 'running') void this.refreshApps();
  }

  /** Follows the apps' reload status (GET /api/state); fires a change when it changes. */
  private async refreshApps(): Promise<void> {
    if (this.checkingApps) return;
    this.checkingApps = true;
    try {
      const s = await this.json<{ apps?: Array<{ name: string; reloadError?: string }> }>('/api/state');
      const failed = s.apps?.find((a) => a.reloadError);
      const next = failed ? { app: failed.name, error: failed.reloadError! } : undefined;
      if (next?.app !== this.reloadFailure?.app || next?.error !== this.reloadFailure?.error) {
        this.reloadFailure = next;
        this.changed.fire();
      }
    } catch {
      // Not answering right now (starting, stopping): the next poll asks again.
    } finally {
      this.checkingApps = false;
    }
  }

  private set(state: EmulatorState): void {
    this.state = state;
    this.changed.fire();
  }

  async start(o: StartOptions): Promise<Discovery> {
    if (this.state === 'starting') throw new Error('the emulator is already starting');
    if (this.child) await this.stop();
    const external = readDiscovery(this.store);
    if (external) {
      throw new Error(`an emulator started elsewhere (pid ${external.pid}) is serving this workspace at ${external.url}; stop it first`);
    }
    this.entry = o.entry;
    this.lastError = undefined;
    this.set('starting');
    const kind = o.pythonKind ?? 'setting';
    const args = [o.cli, 'serve', o.entry, '--no-open', '--port', String(o.port), '--store', o.store, ...(kind === 'setting' ? ['--python', o.python] : []), ...(o.extraArgs ?? [])];
    const node = await nodeRuntime();
    this.log.appendLine(`[capsule] starting the emulator: capsule-local serve ${o.entry} --port ${o.port} (Python: ${o.python})`);
    const child = spawn(node.path, args, {
      cwd: o.folder,
      // The Python extension's interpreter: serve ranks it after the workspace's .venv.
      env: spawnEnv(node, process.env, kind === 'extension' ? { CAPSULE_EDITOR_PYTHON: o.python } : {}),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    let output = '';
    const onData = (b: Buffer): void => {
      // serve prints one-time sign-in links; the extension opens chat and dashboard itself, so the
      // codes stay out of the output channel (which VS Code also keeps on disk).
      const text = b.toString().replace(/([?&]code=)[^&\s]+/g, '$1…');
      output = (output + text).slice(-8000);
      this.log.append(text);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    let exitCode: number | null | undefined;
    child.on('exit', (code, signal) => {
      exitCode = code;
      this.log.appendLine(`[capsule] the emulator exited (${signal ?? `status ${code}`})`);
      if (this.child === child) {
        this.child = undefined;
        this.info = undefined;
        if (this.state === 'running' && code !== 0 && signal !== 'SIGINT' && signal !== 'SIGTERM') {
          this.lastError = `the emulator exited with status ${code}`;
          this.set('failed');
        } else if (this.state !== 'starting') {
          this.set('stopped');
        }
      }
    });
    child.on('error', (e) => {
      this.lastError = e.message;
      this.log.appendLine(`[capsule] cannot start the emulator: ${e.message}`);
    });

    const deadline = Date.now() + (o.timeoutMs ?? 30_000);
    while (Date.now() < deadline) {
      if (exitCode !== undefined || child.exitCode !== null) {
        this.set('failed');
        this.lastError = lastLines(output) || `the emulator exited with status ${child.exitCode}`;
        throw new Error(`the emulator did not start: ${this.lastError}`);
      }
      const d = readDiscovery(this.store);
      if (d && d.pid === child.pid) {
        this.info = d;
        this.set('running');
        return d;
      }
      await delay(100);
    }
    child.kill('SIGKILL');
    this.set('failed');
    this.lastError = `no discovery file after ${(o.timeoutMs ?? 30_000) / 1000} s`;
    throw new Error(`the emulator did not start within ${(o.timeoutMs ?? 30_000) / 1000} s; see the Capsule output for its log`);
  }

  /** Stops our emulator (SIGINT lets it remove its discovery file and stop the app cleanly). */
  async stop(): Promise<void> {
    const child = this.child;
    const pid = child?.pid ?? this.info?.pid;
    if (!pid) {
      this.set('stopped');
      return;
    }
    if (child && child.exitCode === null) {
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 8000);
      await exited;
      clearTimeout(timer);
    } else if (!child) {
      // Started elsewhere (a terminal): ask it to stop the same way Ctrl+C would.
      try {
        process.kill(pid, 'SIGINT');
      } catch {
        // already gone
      }
      const deadline = Date.now() + 8000;
      while (pidAlive(pid) && Date.now() < deadline) await delay(100);
    }
    this.child = undefined;
    this.info = undefined;
    this.set('stopped');
  }

  async api(p: string, init: RequestInit = {}): Promise<Response> {
    const info = this.info;
    if (!info) throw new Error('the emulator is not running: use "Capsule: Run App Locally" or "Capsule: Start Emulator"');
    const headers = new Headers(init.headers);
    headers.set('authorization', `Bearer ${info.token}`);
    if (init.body && !headers.has('content-type')) headers.set('content-type', 'application/json');
    return fetch(info.url + p, { ...init, headers, signal: init.signal ?? AbortSignal.timeout(15_000) });
  }

  async json<T>(p: string, init: RequestInit = {}): Promise<T> {
    const r = await this.api(p, init);
    const text = await r.text();
    if (!r.ok) {
      let message = text;
      try {
        message = (JSON.parse(text) as { error?: string }).error ?? text;
      } catch {
        // plain-text error body
      }
      throw new Error(`${init.method ?? 'GET'} ${p}: ${r.status} ${message}`);
    }
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** A one-time login URL: opening it sets the session cookie, then lands on `next`. */
  async loginUrl(next: string): Promise<string> {
    const { code } = await this.json<{ code: string }>('/api/login-code', { method: 'POST', body: '{}' });
    return `${this.info!.url}/login?code=${encodeURIComponent(code)}&next=${encodeURIComponent(next)}`;
  }

  dispose(): void {
    if (this.poll) clearInterval(this.poll);
    this.poll = undefined;
    if (this.child && this.child.exitCode === null) this.child.kill('SIGINT');
    this.changed.dispose();
  }
}

function lastLines(text: string): string {
  return text.trim().split('\n').slice(-6).join('\n');
}

export function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
