// One runner: a Python process the emulator launched (possibly under debugpy, waiting for a
// debugger to attach), its per-run token, and what it told the emulator when it registered.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import type { LaunchSpec } from './launch';
import { RecvInbox } from '../platform/inbox';

/** Which `cpsl` the process runs: the user's real SDK over gRPC, or the bundled stdlib runtime. */
export type Runtime = 'sdk' | 'bundled';

/** What a real-SDK runner's launcher declared before connecting (RPC `Declare`). */
export interface Declaration {
  port: number;
  pid?: number;
  sdk: string;
  python: string;
  config: RunnerConfig;
}

export interface RunnerConfig {
  app_name?: string;
  secrets?: string[];
  channels?: unknown[];
  integrations?: Array<Record<string, unknown>>;
  data_sources?: Array<{ name: string; access: string }>;
  endpoints?: Array<{ method: string; path: string; authorized: boolean }>;
  has_message_handler?: boolean;
  message_handlers?: Array<{ name: string; label?: string }>;
  [k: string]: unknown;
}

export interface Registration {
  port: number;
  pid?: number;
  config: RunnerConfig;
}

export type RunnerState = 'starting' | 'registered' | 'failed' | 'exited';

/** The gateway's end of a runner link (emulator/gateway/link.ts), as the hub uses it. */
/** What a runner holds of a session's history: its first `length` items, as of `createdAt`. */
export interface HistoryHeld {
  createdAt: string;
  length: number;
}

export interface RunnerLinkPort {
  readonly open: boolean;
  /** Writes one frame; false when the link is closed (the caller then uses HTTP). */
  send(frame: object): boolean;
  /** What this link's runner was last sent of a session's history (undefined: nothing known). */
  historySent(sessionId: string): HistoryHeld | undefined;
  /** Writes an inbound message (its session's history as sessionSnapshot gave it); false when closed. */
  sendInbound(message: { session_id: string; session?: unknown }): boolean;
  close(reason: string): void;
}

export class RunnerProcess {
  readonly token = randomBytes(24).toString('base64url');
  state: RunnerState = 'starting';
  proc: ChildProcess | undefined;
  registration: Registration | undefined;
  /** Import error reported through Register, or why the process ended. */
  failure: { error: string; traceback?: string } | undefined;
  exitCode: number | null | undefined;
  exitSignal: NodeJS.Signals | null | undefined;
  /** Set when the emulator itself stops the process (reload, shutdown, hung). */
  stopping = false;
  startedAt = Date.now();
  /** The last lines the process wrote to stderr (why it died, when it did not say through Register). */
  readonly stderrTail: string[] = [];
  /** Hash of the injected secrets' values when launched (never the values themselves). */
  secretDigest = '';
  /** The persistent connection the runner opened, if it did (PROTOCOL.md "Runner link"). */
  link: RunnerLinkPort | undefined;
  /** Real SDK: its launcher's declaration, its Recv stream, and whether Register was taken. */
  declared: Declaration | undefined;
  readonly inbox: RecvInbox | undefined;
  adopting = false;
  private readonly exitWaiters: Array<() => void> = [];
  private readonly registerWaiters: Array<{ ok: () => void; fail: (e: Error) => void }> = [];

  constructor(
    /** Set anew when a spare (supervisor.ts) becomes the app's next runner. */
    public version: number,
    public versionId: string,
    /** Secret names injected into this process's environment. */
    readonly injected: string[],
    /** Launched under debugpy: it registers only once a debugger attached, and may sit at a breakpoint. */
    readonly debugged: boolean,
    readonly runtime: Runtime = 'bundled',
  ) {
    this.inbox = runtime === 'sdk' ? new RecvInbox() : undefined;
  }

  get baseUrl(): string | undefined {
    return this.registration ? `http://127.0.0.1:${this.registration.port}` : undefined;
  }

  get pid(): number | undefined {
    return this.proc?.pid ?? this.registration?.pid;
  }

  get alive(): boolean {
    return this.state === 'starting' || this.state === 'registered';
  }

  launch(spec: LaunchSpec, onLine: (stream: 'stdout' | 'stderr', line: string) => void): void {
    // stdin stays an open pipe: the runtime may treat its EOF as "the emulator is gone".
    const proc = spawn(spec.command, spec.args, { cwd: spec.cwd, env: spec.env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc = proc;
    for (const stream of ['stdout', 'stderr'] as const) {
      const rl = createInterface({ input: proc[stream]!, crlfDelay: Infinity });
      rl.on('line', (raw) => {
        // The SDK's runner writes its stdout and stderr as JSON lines on stdout.
        const line = this.runtime === 'sdk' ? sdkLogLine(raw) : raw;
        if (stream === 'stderr' || this.runtime === 'sdk') {
          this.stderrTail.push(line);
          if (this.stderrTail.length > 30) this.stderrTail.shift();
        }
        onLine(stream, line);
      });
    }
    proc.stdin!.on('error', () => undefined);
    proc.on('error', (e: NodeJS.ErrnoException) => {
      this.failure ??= {
        error:
          e.code === 'ENOENT'
            ? `the Python interpreter "${spec.command}" was not found; pass --python PATH or set CAPSULE_PYTHON`
            : `could not start ${spec.command}: ${e.message}`,
      };
      this.markExited(null, null);
    });
    proc.on('exit', (code, signal) => this.markExited(code, signal));
  }

  /**
   * A spare launched with CAPSULE_LOCAL_SPARE=1 goes on: it sets `env` and imports the app. The one
   * write to its stdin (capsule_local_runner.py).
   */
  ask(env: Record<string, string>): void {
    this.proc?.stdin?.write(JSON.stringify(env) + '\n');
  }

  markRegistered(r: Registration): void {
    if (this.state !== 'starting') return;
    this.registration = r;
    this.state = 'registered';
    for (const w of this.registerWaiters.splice(0)) w.ok();
  }

  markFailed(failure: { error: string; traceback?: string }): void {
    this.failure = failure;
    if (this.state === 'starting') {
      this.state = 'failed';
      for (const w of this.registerWaiters.splice(0)) w.fail(new Error(failure.error));
    }
  }

  markExited(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.state === 'exited') return;
    this.exitCode = code;
    this.exitSignal = signal;
    const wasStarting = this.state === 'starting';
    this.state = 'exited';
    if (wasStarting) {
      if (!this.failure) {
        const last = this.stderrTail.filter((l) => l.trim()).at(-1);
        this.failure = {
          error: `the app process exited before it registered (${describeExit(code, signal)})${last ? `: ${last.trim()}` : ''}`,
          traceback: this.stderrTail.join('\n') || undefined,
        };
      }
      const why = this.failure.error;
      for (const w of this.registerWaiters.splice(0)) w.fail(new Error(why));
    }
    for (const w of this.exitWaiters.splice(0)) w();
  }

  whenRegistered(): Promise<void> {
    if (this.state === 'registered') return Promise.resolve();
    if (this.state !== 'starting') return Promise.reject(new Error(this.failure?.error ?? 'the app process is not running'));
    return new Promise((ok, fail) => this.registerWaiters.push({ ok, fail }));
  }

  whenExited(): Promise<void> {
    if (this.state === 'exited') return Promise.resolve();
    return new Promise((r) => this.exitWaiters.push(r));
  }

  /** Asks the app to run its shutdown handlers, then escalates: SIGTERM, SIGKILL. */
  async stop(graceMs = 2000): Promise<void> {
    this.stopping = true;
    if (this.state === 'exited') return;
    if (!this.proc) {
      // Its launch failed: there is no process.
      this.markExited(null, null);
      return;
    }
    this.inbox?.close();
    if (this.runtime === 'sdk') {
      // The SDK's runner stops on SIGTERM: its shutdown hooks run, then it exits (as long as the
      // bundled runtime's shutdown request and SIGTERM together).
      this.proc.kill('SIGTERM');
      if (await this.exitWithin(graceMs + 1000)) return;
    } else {
      if (this.baseUrl) await this.post('/_capsule/shutdown', graceMs).catch(() => undefined);
      if (await this.exitWithin(graceMs)) return;
      this.proc.kill('SIGTERM');
      if (await this.exitWithin(1000)) return;
    }
    this.kill();
    await this.exitWithin(2000);
  }

  kill(): void {
    this.stopping = true;
    try {
      this.proc?.kill('SIGKILL');
    } catch {
      // Already gone.
    }
  }

  private async exitWithin(ms: number): Promise<boolean> {
    if (this.state === 'exited') return true;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((r) => (timer = setTimeout(() => r(false), ms)));
    const r = await Promise.race([this.whenExited().then(() => true), timeout]);
    clearTimeout(timer);
    return r;
  }

  private async post(path: string, timeoutMs: number): Promise<void> {
    await fetch(this.baseUrl + path, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
      body: '{}',
      signal: AbortSignal.timeout(timeoutMs),
    });
  }
}

/** The text of one of the SDK's output lines (`{"message": ..., "stream": "stdout"}`), else the line. */
function sdkLogLine(raw: string): string {
  if (!raw.startsWith('{"message"')) return raw;
  try {
    const o = JSON.parse(raw) as { message?: unknown };
    return typeof o.message === 'string' ? o.message : raw;
  } catch {
    return raw;
  }
}

export function describeExit(code: number | null | undefined, signal: NodeJS.Signals | null | undefined): string {
  if (signal) return `killed by ${signal}`;
  if (code === undefined || code === null) return 'ended';
  return `exit status ${code}`;
}
