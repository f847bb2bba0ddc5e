// Keeps one app's runner alive: launches it, adopts it when it registers, probes `/health`,
// restarts a crashed runner with backoff, kills and restarts a hung one, and hot-reloads on file
// changes (the new runner takes over only once it registered; an import error leaves the previous
// good runner serving and is reported). A debug launch runs the app under debugpy, which waits for
// the editor to attach; it takes over once the app registered, like any reload.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { AppInfo } from '../hub';
import { isLauncherScript, launchSpec, rememberInterpreter, rememberedInterpreter, scanAppName, scanSecretNames, scanSecretReferences, traceStartup, type DebugLaunch, type Entry } from './launch';
import { debugListening, freeLoopbackPort } from './debug-port';
import { describeExit, RunnerProcess, type Registration, type Runtime } from './process';
import { unemulatedFeatures } from './unemulated';
import { checkPythonPackages, imageNotes, imageOf } from './image';
import { noChatNote } from './no-chat';
import { filesystemsNote } from './filesystems';
import { watchApp, type AppWatcher } from './watch';

export interface SupervisorHost {
  gatewayUrl(): string;
  /** host:port of the gRPC gateway the real SDK connects to. */
  platformAddress(): string;
  /** Where the app's managed filesystems are kept (the real SDK maps their mount paths there). */
  filesystemsDir?(): string;
  ownerId(): string;
  /** Values for injected secrets; names and sources are logged by the host. */
  secretEnv(names: string[], runner: RunnerProcess, quiet?: boolean): Record<string, string>;
  /** Secret names among `names` that currently resolve. */
  resolvable(names: string[]): string[];
  /** A hash of the current values of `names` (kept in memory only, to notice changes). */
  secretDigest(names: string[]): string;
  addRunner(runner: RunnerProcess, sup: AppSupervisor): void;
  removeRunner(runner: RunnerProcess): void;
  emit(e: { kind: string; summary: string; app?: string; detail?: Record<string, unknown> }): void;
  log(app: string, runner: RunnerProcess, stream: 'stdout' | 'stderr', line: string): void;
  /** The runner is gone: fail its turns and prompts. */
  runnerGone(runner: RunnerProcess, reason: string): void;
  inflight(runner: RunnerProcess): number;
}

export interface SupervisorOptions {
  python: string;
  /** The real SDK (the interpreter has cpsl) or the bundled runtime (runner/interpreter.ts). */
  runtime: Runtime;
  watch: boolean;
  healthIntervalMs: number;
  healthTimeoutMs: number;
  /** Consecutive failed probes before a runner counts as hung. */
  healthFailures: number;
  registerTimeoutMs: number;
  reloadDebounceMs: number;
  /** How long a replaced runner may finish its in-flight messages. */
  drainMs: number;
}

export const defaultSupervisorOptions: Omit<SupervisorOptions, 'python' | 'runtime'> = {
  watch: true,
  healthIntervalMs: 2000,
  healthTimeoutMs: 5000,
  healthFailures: 2,
  registerTimeoutMs: 60_000,
  reloadDebounceMs: 40,
  drainMs: 10_000,
};

const BACKOFF_MS = [200, 500, 1000, 2000, 5000, 10_000];
/** A spare is started this long after a runner took over: its first messages come first. */
const SPARE_DELAY_MS = 300;

/**
 * A runner launched before the supervisor existed (`serve` starts the app's process first, then
 * loads the rest of the emulator): the supervisor adopts it as its first candidate.
 */
export interface PrelaunchedRunner {
  runner: RunnerProcess;
  /** The interpreter it was launched with. */
  python: string;
  /** true when `python` came from the interpreter cache and has not been checked in this run. */
  speculative: boolean;
  /**
   * A real-SDK runner was told this port for the platform gateway (the gRPC server binds it); a
   * runner of the bundled runtime needs none.
   */
  platformPort?: number;
  /** Hands the lines the process wrote so far, then every later one, to `sink`. */
  pipeLog(sink: (stream: 'stdout' | 'stderr', line: string) => void): void;
}

export class AppSupervisor {
  current: RunnerProcess | undefined;
  private candidate: RunnerProcess | undefined;
  private version = 0;
  private status: AppInfo['status'] = 'starting';
  lastError: { error: string; traceback?: string; at: string } | undefined;
  private crashes = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private healthTimer: NodeJS.Timeout | undefined;
  private watcher: AppWatcher | undefined;
  private stopped = false;
  private readonly readyWaiters = new Set<() => void>();
  private knownSecrets: string[];
  reloads = 0;

  constructor(
    readonly entry: Entry,
    readonly appId: string,
    private readonly host: SupervisorHost,
    private readonly opts: SupervisorOptions,
  ) {
    this.knownSecrets = scanSecretNames(entry.file);
    this.sourceName = scanAppName(entry.file, entry.symbol);
    this.referencedSecrets = scanSecretReferences(entry.file);
  }

  get runtime(): Runtime {
    return this.opts.runtime;
  }

  get name(): string {
    return this.current?.registration?.config.app_name ?? this.lastConfigName ?? this.sourceName ?? this.appId;
  }
  private lastConfigName: string | undefined;
  /** The name the entry file gives the app, until it registers (launch.ts, scanAppName). */
  private readonly sourceName: string | undefined;

  /** Starts the app; `pre`: adopt this already launched process as the first runner. */
  async start(pre?: PrelaunchedRunner): Promise<void> {
    if (this.opts.watch) {
      this.watcher = watchApp(this.entry.cwd, this.opts.reloadDebounceMs, (files) => this.reload(files));
    }
    if (pre) this.adoptLaunched(pre);
    else this.launchCandidate('start');
    this.scheduleHealth();
  }

  /** The first runner, launched by `serve` before the emulator was loaded. */
  private adoptLaunched(pre: PrelaunchedRunner): void {
    const runner = pre.runner;
    this.version = Math.max(this.version, runner.version);
    this.candidate = runner;
    this.launchedWith.set(runner, pre.python);
    if (pre.speculative) this.speculative.add(runner);
    this.host.addRunner(runner, this);
    // What a launch here would have done: log the injections (names and sources only) and let the
    // scrubber learn the values.
    this.host.secretEnv(runner.injected, runner);
    pre.pipeLog((stream, line) => this.host.log(this.name, runner, stream, line));
    void this.follow(runner, 'start');
  }

  /**
   * The interpreter actually run; launchers such as pyenv shims cost 0.2–0.7 s on every start.
   * Resolved once the first runner has settled (not alongside it: the machine is busy importing).
   */
  private python: string | undefined;
  private resolving: Promise<string | undefined> | undefined;
  /** Runners launched with a remembered interpreter that this run has not confirmed yet. */
  private readonly speculative = new WeakSet<RunnerProcess>();

  private resolveInterpreter(): Promise<string | undefined> {
    return (this.resolving ??= realInterpreter(this.opts.python, this.entry.cwd).then((exe) => {
      if (exe) {
        this.python = exe;
        rememberInterpreter(this.opts.python, this.entry.cwd, exe);
      }
      return exe;
    }));
  }

  /** The interpreter for a new runner, and whether it is a remembered one not yet confirmed. */
  private interpreterFor(): { python: string; speculative: boolean } {
    if (this.python) return { python: this.python, speculative: false };
    const remembered = rememberedInterpreter(this.opts.python, this.entry.cwd);
    return remembered ? { python: remembered, speculative: true } : { python: this.opts.python, speculative: false };
  }

  /**
   * For a runner started with a remembered interpreter: asks the configured command again and, if
   * it now names another interpreter, launches a replacement with that one (true).
   */
  private async interpreterChanged(runner: RunnerProcess, why: string): Promise<boolean> {
    if (!this.speculative.has(runner) || this.stopped) return false;
    this.speculative.delete(runner);
    const used = this.launchedWith.get(runner);
    const exe = await this.resolveInterpreter();
    if (!exe || exe === used || this.stopped) return false;
    if (runner !== this.candidate && runner !== this.current) return false;
    this.host.emit({ kind: 'runner', app: this.name, summary: `${this.opts.python} now runs ${exe}; relaunching ${this.name} with it`, detail: { event: 'reloading', python: exe } });
    this.launchCandidate(why === 'reload' ? 'reload' : 'restart');
    return true;
  }

  private readonly launchedWith = new WeakMap<RunnerProcess, string>();

  info(): AppInfo & { pid?: number; error?: string; traceback?: string; version: number; runnerPids: number[]; sparePid?: number; debugPort?: number; runtime: Runtime; python: string; sdk?: string; runnerPort?: number; declarations: Record<string, unknown> } {
    const cfg = this.current?.registration?.config;
    const integrations = (cfg?.integrations ?? []).map((i) => ({
      type: String(i.type ?? ''),
      mode: String(i.mode ?? 'oauth'),
      scopes: Array.isArray(i.scopes) ? i.scopes.map(String) : [],
      fields: Array.isArray(i.fields) ? i.fields.map(String) : [],
      client_id_secret: typeof i.client_id_secret === 'string' ? i.client_id_secret : undefined,
      client_secret_secret: typeof i.client_secret_secret === 'string' ? i.client_secret_secret : undefined,
    }));
    const runnerPids = [this.current, this.candidate].flatMap((r) => (r?.alive && r.pid ? [r.pid] : []));
    return {
      name: this.name,
      appId: this.appId,
      entry: this.entry.spec,
      integrations,
      channels: cfg?.channels ?? [],
      secrets: cfg?.secrets ?? this.knownSecrets,
      dataSources: cfg?.data_sources ?? [],
      endpoints: cfg?.endpoints ?? [],
      status: this.status,
      // Running with an error: a reload failed and the previous version serves until a good save.
      reloadError: this.status === 'running' ? this.lastError?.error : undefined,
      pid: this.current?.pid,
      error: this.lastError?.error,
      traceback: this.lastError?.traceback,
      version: this.current?.version ?? 0,
      runnerPids,
      sparePid: this.spare?.alive ? this.spare.pid : undefined,
      debugPort: this.debugPort(),
      runtime: this.opts.runtime,
      python: this.opts.python,
      sdk: this.current?.declared?.sdk,
      runnerPort: this.current?.registration?.port,
      declarations: declarationsOf(cfg),
    };
  }

  /** `Secret.from_name("…")` names in the app's source (the scrubber's; never injected for them). */
  private referencedSecrets: string[];

  /**
   * Secret names the app declares (registered, else scanned), reads by name in its source, and its
   * integrations' client secret names.
   */
  declaredSecretNames(): string[] {
    const cfg = this.current?.registration?.config;
    const names = [...(cfg?.secrets ?? this.knownSecrets), ...this.referencedSecrets];
    for (const i of cfg?.integrations ?? []) for (const n of [i.client_id_secret, i.client_secret_secret]) if (typeof n === 'string') names.push(n);
    return names;
  }

  /** The serving runner; waits while one is starting or restarting. */
  async ready(timeoutMs: number): Promise<RunnerProcess> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = this.current;
      if (r && r.state === 'registered' && !r.stopping) return r;
      if (this.stopped) throw new Error(`the app ${this.name} is stopped`);
      if (this.status === 'crashed' && !this.candidate && !this.restartTimer) {
        throw new Error(`the app ${this.name} is not running: ${this.lastError?.error ?? 'it failed to start'}. Fix it and save a file of the app to start it again.`);
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`the app ${this.name} did not become ready within ${Math.round(timeoutMs / 1000)} s`);
      await new Promise<void>((res) => {
        const t = setTimeout(() => {
          this.readyWaiters.delete(done);
          res();
        }, Math.min(left, 1000));
        const done = (): void => {
          clearTimeout(t);
          this.readyWaiters.delete(done);
          res();
        };
        this.readyWaiters.add(done);
      });
    }
  }

  private wake(): void {
    for (const w of [...this.readyWaiters]) w();
  }

  /** Called from the Register RPC. */
  onRegister(runner: RunnerProcess, body: Record<string, unknown>): void {
    if (typeof body.error === 'string' && body.error) {
      runner.markFailed({ error: body.error, traceback: typeof body.traceback === 'string' ? body.traceback : undefined });
      return;
    }
    const port = Number(body.port);
    const reg: Registration = { port, pid: typeof body.pid === 'number' ? body.pid : undefined, config: (body.config ?? {}) as Registration['config'] };
    runner.markRegistered(reg);
  }

  /** The debug port of the runner launched under debugpy (serving or waiting for its debugger). */
  debugPort(): number | undefined {
    const r = [this.candidate, this.current].find((x) => x?.debugged && x.alive);
    return r ? this.debugPorts.get(r) : undefined;
  }
  private readonly debugPorts = new WeakMap<RunnerProcess, number>();

  /**
   * Relaunches the app under debugpy, listening on a free loopback port; resolves once debugpy
   * listens there (the debugger may attach), or rejects with why the process could not start.
   * The serving runner keeps serving until the debugged one registered (after the attach).
   */
  async debug(extra: Omit<DebugLaunch, 'port'> = {}): Promise<{ port: number; pid: number | undefined }> {
    if (this.stopped) throw new Error(`the app ${this.name} is stopped`);
    // A runner still starting would be replaced by the debug launch, leaving nothing to serve until
    // a debugger attaches: let it finish first. An app that does not start is debugged all the same.
    await this.ready(this.opts.registerTimeoutMs).catch(() => undefined);
    const port = await freeLoopbackPort();
    const runner = this.launchCandidate('debug', { ...extra, port });
    if (!runner) throw new Error(`the app ${this.name} is stopped`);
    this.debugPorts.set(runner, port);
    await debugListening(port, runner);
    return { port, pid: runner.pid };
  }

  /** Ends debugging: the app runs again without the debugger (a no-op when it is not debugged). */
  stopDebugging(): boolean {
    if (this.stopped || this.debugPort() === undefined) return false;
    this.host.emit({ kind: 'runner', app: this.name, summary: `debugging of ${this.name} ended; starting it without the debugger`, detail: { event: 'reloading' } });
    this.launchCandidate('restart');
    return true;
  }

  /**
   * The next runner, started ahead on the real SDK while hot reload is on: it has imported the SDK's
   * runner (most of a start) and waits to import the app (capsule_local_runner.py). A reload or a
   * restart takes it, if it was launched the way a launch now would be (same interpreter, same
   * injected secrets and values); else it is stopped and the launch is a fresh one.
   */
  private spare: RunnerProcess | undefined;
  private spareTimer: NodeJS.Timeout | undefined;

  private prepareSpare(): void {
    clearTimeout(this.spareTimer);
    if (this.opts.runtime !== 'sdk' || !this.opts.watch || this.stopped || process.env.CAPSULE_SPARE_RUNNER === 'off') return;
    this.spareTimer = setTimeout(() => void this.launchSpare(), SPARE_DELAY_MS);
    this.spareTimer.unref();
  }

  private async launchSpare(): Promise<void> {
    // With the interpreter actually run (a launcher script such as a pyenv shim resolved).
    const python = this.python ?? (await this.resolveInterpreter());
    if (this.stopped || this.spare?.alive || !python || this.candidate) return;
    const injected = this.host.resolvable(this.knownSecrets);
    const runner = new RunnerProcess(0, '', injected, false, this.opts.runtime);
    runner.secretDigest = this.host.secretDigest(injected);
    this.launchedWith.set(runner, python);
    const spec = this.spec(runner, python, undefined, true);
    spec.env.CAPSULE_LOCAL_SPARE = '1';
    try {
      runner.launch(spec, (stream, line) => this.host.log(this.name, runner, stream, line));
    } catch {
      return;
    }
    this.spare = runner;
    void runner.whenExited().then(() => {
      if (this.spare === runner) this.spare = undefined;
    });
  }

  private takeSpare(): RunnerProcess | undefined {
    clearTimeout(this.spareTimer);
    const spare = this.spare;
    this.spare = undefined;
    if (!spare) return undefined;
    const injected = this.host.resolvable(this.knownSecrets);
    const usable =
      spare.state === 'starting' && this.launchedWith.get(spare) === (this.python ?? this.opts.python) && sameSet(injected, spare.injected) && this.host.secretDigest(injected) === spare.secretDigest;
    if (!usable) {
      void spare.stop(500);
      return undefined;
    }
    spare.version = ++this.version;
    spare.versionId = `v${spare.version}`;
    spare.startedAt = Date.now();
    this.host.addRunner(spare, this);
    // What a launch now would have logged: the injections (names and sources only).
    this.host.secretEnv(spare.injected, spare);
    spare.ask({ CAPSULE_VERSION_ID: spare.versionId });
    return spare;
  }

  /** The environment a runner needs; `quiet`: a spare's, whose injections are logged once it is used. */
  spec(runner: RunnerProcess, python?: string, debug?: DebugLaunch, quiet = false): ReturnType<typeof launchSpec> {
    return launchSpec({
      entry: this.entry,
      debug,
      python: python ?? this.python ?? this.opts.python,
      runtime: runner.runtime,
      gatewayUrl: this.host.gatewayUrl(),
      platformAddress: this.host.platformAddress(),
      filesystemsDir: this.host.filesystemsDir?.(),
      token: runner.token,
      appId: this.appId,
      ownerId: this.host.ownerId(),
      versionId: runner.versionId,
      secrets: this.host.secretEnv(runner.injected, runner, quiet),
    });
  }

  private launchCandidate(why: 'start' | 'reload' | 'restart' | 'secrets' | 'debug', debug?: DebugLaunch): RunnerProcess | undefined {
    if (this.stopped) return undefined;
    if (this.candidate?.alive) {
      this.candidate.kill();
    }
    const spare = debug ? undefined : this.takeSpare();
    if (spare) {
      this.candidate = spare;
      void this.follow(spare, why);
      return spare;
    }
    const v = ++this.version;
    const injected = this.host.resolvable(this.knownSecrets);
    const runner = new RunnerProcess(v, `v${v}`, injected, !!debug, this.opts.runtime);
    runner.secretDigest = this.host.secretDigest(injected);
    this.candidate = runner;
    this.host.addRunner(runner, this);
    const { python, speculative } = this.interpreterFor();
    this.launchedWith.set(runner, python);
    if (speculative) this.speculative.add(runner);
    try {
      runner.launch(this.spec(runner, python, debug), (stream, line) => this.host.log(this.name, runner, stream, line));
    } catch (e) {
      runner.markFailed({ error: (e as Error).message });
      runner.markExited(null, null);
    }
    void this.follow(runner, why);
    return runner;
  }

  private async follow(runner: RunnerProcess, why: string): Promise<void> {
    // A debugged process registers whenever the developer attaches: no deadline.
    const timer = runner.debugged
      ? undefined
      : setTimeout(() => {
          if (runner.state === 'starting') {
            runner.markFailed({ error: `the app did not register within ${Math.round(this.opts.registerTimeoutMs / 1000)} s` });
            runner.kill();
          }
        }, this.opts.registerTimeoutMs);
    timer?.unref();
    try {
      await runner.whenRegistered();
    } catch (e) {
      clearTimeout(timer);
      // A remembered interpreter that is no longer the right one: not the app's failure.
      if (await this.interpreterChanged(runner, why)) {
        this.host.removeRunner(runner);
        runner.kill();
        return;
      }
      this.candidateFailed(runner, (e as Error).message);
      return;
    } finally {
      clearTimeout(timer);
      // Later, not now: the first message usually follows a start at once.
      if (!runner.debugged && !this.resolving && !this.speculative.has(runner)) {
        setTimeout(() => {
          if (!this.stopped) void this.resolveInterpreter();
        }, 1000).unref();
      }
    }
    if (why === 'start') traceStartup(`app registered (runner v${runner.version})`);
    if (runner !== this.candidate || this.stopped) {
      void runner.stop();
      return;
    }
    const declared = runner.registration!.config.secrets ?? [];
    this.lastConfigName = runner.registration!.config.app_name ?? this.lastConfigName;
    const wanted = this.host.resolvable(declared);
    if (!runner.debugged && !sameSet(wanted, runner.injected) && why !== 'secrets') {
      // The static scan missed (or over-guessed) secret names: relaunch once with the declared ones.
      this.knownSecrets = declared;
      this.host.emit({ kind: 'runner', app: this.name, summary: `relaunching ${this.name} to inject its declared secrets`, detail: { secrets: wanted } });
      void runner.stop(500);
      this.launchCandidate('secrets');
      return;
    }
    this.knownSecrets = declared;
    this.activate(runner, why);
    void runner.whenExited().then(() => this.onExit(runner));
    // Checked a moment later, like the resolution above: the first message usually comes at once.
    if (this.speculative.has(runner)) setTimeout(() => void this.interpreterChanged(runner, why), 1000).unref();
  }

  private activate(runner: RunnerProcess, why: string): void {
    const old = this.current;
    this.current = runner;
    this.candidate = undefined;
    this.status = 'running';
    this.lastError = undefined;
    if (why === 'reload') this.reloads++;
    const verb = why === 'reload' ? 'reloaded' : why === 'restart' ? 'restarted' : why === 'debug' ? 'attached (debugger)' : 'started';
    this.host.emit({
      kind: 'runner',
      app: this.name,
      summary: `${this.name} ${verb} (runner v${runner.version}${runner.pid ? `, pid ${runner.pid}` : ''})`,
      detail: { event: verb, version: runner.version, pid: runner.pid, secrets: runner.injected },
    });
    this.wake();
    if (old) void this.retire(old);
    if (why !== 'restart') this.healthySince = Date.now();
    this.sayUnemulated(runner);
    void this.sayImage(runner);
    if (!runner.debugged) this.prepareSpare();
  }

  /** What was said of each unemulated feature, so that a reload says it again only when it changed. */
  private readonly unemulatedSaid = new Map<string, string>();

  private sayUnemulated(runner: RunnerProcess): void {
    const noChat = noChatNote(runner.registration?.config);
    if (noChat && this.unemulatedSaid.get('chat') !== noChat) this.host.emit({ kind: 'runner', app: this.name, summary: `${this.name}: ${noChat}`, detail: { event: 'no-message-handler' } });
    this.unemulatedSaid.set('chat', noChat ?? '');
    // On the real SDK the launcher maps the mount paths onto the store (runner/filesystems.ts).
    const mapped = runner.runtime === 'sdk' && this.host.filesystemsDir ? filesystemsNote(runner.registration?.config, this.host.filesystemsDir(), this.entry.cwd) : undefined;
    if (mapped && this.unemulatedSaid.get('filesystems') !== mapped) this.host.emit({ kind: 'runner', app: this.name, summary: `${this.name}: ${mapped}`, detail: { event: 'filesystems' } });
    if (mapped) this.unemulatedSaid.set('filesystems', mapped);
    for (const u of unemulatedFeatures(runner.registration?.config, this.name)) {
      if (mapped && u.feature === 'filesystems') continue;
      if (this.unemulatedSaid.get(u.feature) === u.summary) continue;
      this.unemulatedSaid.set(u.feature, u.summary);
      this.host.emit({ kind: 'runner', app: this.name, summary: `${this.name}: ${u.summary}`, detail: { event: 'unemulated', feature: u.feature, ...u.detail } });
    }
  }

  /** What was said of the app's image, so that a reload says it again only when it changed. */
  private imageSaid = '';

  /** Off the start's path: one short process asks the interpreter for the image's packages. */
  private async sayImage(runner: RunnerProcess): Promise<void> {
    const image = imageOf(runner.registration?.config);
    if (!image) return;
    let notes: string[];
    try {
      const checks = image.pythonPackages.length ? await checkPythonPackages(this.launchedWith.get(runner) ?? this.opts.python, image.pythonPackages, this.entry.cwd) : [];
      notes = imageNotes(image, checks, this.opts.python);
    } catch (e) {
      notes = [...imageNotes(image, undefined, this.opts.python), (e as Error).message];
    }
    const said = notes.join('\n');
    if (said === this.imageSaid) return;
    this.imageSaid = said;
    for (const note of notes) this.host.emit({ kind: 'runner', app: this.name, summary: `${this.name}: ${note}`, detail: { event: 'image', image } });
  }

  private healthySince = Date.now();

  /** Lets a replaced runner finish its in-flight messages, then stops it. */
  private async retire(old: RunnerProcess): Promise<void> {
    old.stopping = true;
    const deadline = Date.now() + this.opts.drainMs;
    while (this.host.inflight(old) > 0 && Date.now() < deadline && old.alive) await new Promise((r) => setTimeout(r, 50));
    await old.stop();
    this.host.removeRunner(old);
  }

  private candidateFailed(runner: RunnerProcess, message: string): void {
    if (runner === this.candidate) this.candidate = undefined;
    this.host.removeRunner(runner);
    const replaced = runner.stopping;
    runner.kill();
    if (this.stopped || replaced) return;
    const failure = runner.failure ?? { error: message };
    this.lastError = { ...failure, at: new Date().toISOString() };
    const serving = this.current?.state === 'registered';
    this.host.emit({
      kind: 'runner',
      app: this.name,
      summary: serving
        ? `${this.name}: running the previous version — reload failed: ${failure.error} (the previous version keeps serving until a good save)`
        : `${this.name} failed to start: ${failure.error}`,
      detail: { event: 'failed', error: failure.error, traceback: failure.traceback, serving },
    });
    if (!serving) {
      this.status = 'crashed';
      this.wake();
    }
  }

  private onExit(runner: RunnerProcess): void {
    this.host.removeRunner(runner);
    if (runner !== this.current) return;
    if (runner.debugged && !this.stopped && !runner.stopping) {
      // The debugged process ended (the debugger terminated it): run the app without it.
      this.host.runnerGone(runner, 'the debugged app process went away');
      this.status = 'starting';
      this.host.emit({ kind: 'runner', app: this.name, summary: `the debugged process of ${this.name} went away; starting the app again`, detail: { event: 'detached' } });
      this.launchCandidate('restart');
      return;
    }
    const how = describeExit(runner.exitCode, runner.exitSignal);
    const hung = runner.failure?.error.startsWith('hung');
    this.host.runnerGone(runner, hung ? `the app stopped responding and was restarted` : `the app process exited (${how}) while handling this message`);
    if (this.stopped || (runner.stopping && !hung)) return;
    this.status = 'crashed';
    this.lastError = { error: hung ? runner.failure!.error : `the app process exited (${how})`, at: new Date().toISOString() };
    if (Date.now() - this.healthySince > 30_000) this.crashes = 0;
    const delay = BACKOFF_MS[Math.min(this.crashes, BACKOFF_MS.length - 1)]!;
    this.crashes++;
    this.host.emit({
      kind: 'runner',
      app: this.name,
      summary: `${this.name} ${hung ? 'was hung and killed' : 'crashed'} (${how}); restarting in ${delay} ms`,
      detail: { event: hung ? 'hung' : 'crashed', exit: how, restartInMs: delay },
    });
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      // A debug launch nobody attached to yet does not stand in for the app.
      const waiting = this.candidate;
      if (waiting?.alive && !(waiting.debugged && waiting.state === 'starting')) return;
      this.launchCandidate('restart');
    }, delay);
  }

  private reload(files: string[]): void {
    if (this.stopped) return;
    if (this.current?.debugged && this.current.alive) {
      this.host.emit({ kind: 'runner', app: this.name, summary: `${files.join(', ')} changed; the debugged process keeps running (restart the debug session to load it)` });
      return;
    }
    this.knownSecrets = [...new Set([...this.knownSecrets, ...scanSecretNames(this.entry.file)])];
    this.referencedSecrets = [...new Set([...this.referencedSecrets, ...scanSecretReferences(this.entry.file)])];
    this.host.emit({ kind: 'runner', app: this.name, summary: `${files.join(', ')} changed; reloading ${this.name}`, detail: { event: 'reloading', files } });
    this.launchCandidate('reload');
  }

  /**
   * The store or .env changed: if a declared secret's value changed (or one appeared or went
   * away), restart the app so that its environment holds the new values, as the platform would.
   */
  secretsChanged(): void {
    const r = this.current;
    if (this.stopped || !r || r.debugged || r.state !== 'registered' || this.candidate?.alive) return;
    const names = this.host.resolvable(this.knownSecrets);
    if (sameSet(names, r.injected) && this.host.secretDigest(names) === r.secretDigest) return;
    this.host.emit({ kind: 'runner', app: this.name, summary: `declared secrets changed; restarting ${this.name} to inject them`, detail: { event: 'reloading', secrets: names } });
    this.launchCandidate('reload');
  }

  private scheduleHealth(): void {
    if (this.stopped) return;
    this.healthTimer = setTimeout(() => void this.probe().finally(() => this.scheduleHealth()), this.opts.healthIntervalMs);
    this.healthTimer.unref();
  }

  private misses = new WeakMap<RunnerProcess, number>();
  private async probe(): Promise<void> {
    const r = this.current;
    // A debugged process may sit at a breakpoint for as long as the developer likes.
    if (!r || r.state !== 'registered' || r.stopping || r.debugged) return;
    let ok = false;
    try {
      const res = await fetch(r.baseUrl + '/health', { signal: AbortSignal.timeout(this.opts.healthTimeoutMs), headers: { authorization: `Bearer ${r.token}` } });
      ok = res.ok;
      await res.arrayBuffer().catch(() => undefined);
    } catch {
      ok = false;
    }
    if (ok) {
      this.misses.set(r, 0);
      return;
    }
    if (r !== this.current || r.state !== 'registered') return;
    const n = (this.misses.get(r) ?? 0) + 1;
    this.misses.set(r, n);
    if (n < this.opts.healthFailures) return;
    r.failure = { error: `hung: /health did not answer within ${this.opts.healthTimeoutMs} ms, ${n} times in a row` };
    try {
      r.proc?.kill('SIGKILL');
    } catch {
      // Already gone; the exit handler restarts it.
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.spareTimer);
    if (this.restartTimer) clearTimeout(this.restartTimer);
    if (this.healthTimer) clearTimeout(this.healthTimer);
    await this.watcher?.close();
    this.status = 'stopped';
    this.wake();
    // A short session ended before the launcher was asked: ask it now, while the app stops, so that
    // the next start can skip it (once; later starts check the remembered answer themselves).
    const remember =
      !this.resolving && isLauncherScript(this.opts.python, this.entry.cwd) && !rememberedInterpreter(this.opts.python, this.entry.cwd)
        ? Promise.race([this.resolveInterpreter(), new Promise((r) => setTimeout(r, 3000).unref())])
        : undefined;
    await Promise.all([this.current, this.candidate, this.spare].filter((r): r is RunnerProcess => !!r).map((r) => r.stop()));
    await remember;
  }
}

/** `sys.executable` of the configured interpreter, run in the app's folder (where pyenv looks). */
function realInterpreter(python: string, cwd: string): Promise<string | undefined> {
  return new Promise((resolveExe) => {
    execFile(python, ['-c', 'import sys; print(sys.executable)'], { cwd, timeout: 10_000 }, (err, stdout) => {
      const exe = String(stdout ?? '').trim();
      resolveExe(!err && exe && existsSync(exe) ? exe : undefined);
    });
  });
}

/** What the app declared beyond chat (the dashboard lists it): only the kinds present. */
const DECLARED = ['pages', 'collections', 'settings', 'workflows', 'tasks', 'schedules', 'theme', 'home', 'chat', 'onboarding', 'shell', 'actions', 'session_handlers', 'message_handlers', 'filesystems', 'keep_warm_seconds', 'image'] as const;
function declarationsOf(cfg: Registration['config'] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of DECLARED) {
    const v = cfg?.[k];
    if (v === undefined || v === null || (Array.isArray(v) && !v.length) || (typeof v === 'object' && !Array.isArray(v) && !Object.keys(v as object).length) || v === 0) continue;
    out[k] = v;
  }
  return out;
}

function sameSet(a: string[], b: string[]): boolean {
  const sa = new Set(a);
  return sa.size === new Set(b).size && b.every((x) => sa.has(x));
}
