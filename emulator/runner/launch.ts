// How the Python runner is started: interpreter, `PYTHONPATH` with the bundled `cpsl` runtime
// first, the protocol's environment (PROTOCOL.md) and the app's injected secrets. A debug launch is
// the same command wrapped in debugpy, which listens on loopback for the editor to attach: the
// emulator starts the debugged process itself, so no secret value ever leaves it for the editor.
import { esbuildFolder } from './esbuild';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join, resolve, basename, isAbsolute } from 'node:path';
import { launcherDir } from '../platform/protocol-files';
import { interpreterCacheFile, readCacheEntries, writeCacheEntry } from './cache-files';
import type { Runtime } from './process';

export interface Entry {
  /** As given: `app.py:app`, `pkg/app.py:app` or `module:Name`. */
  spec: string;
  /** Absolute path of the app file (module entries resolve to `<cwd>/<module>.py`). */
  file: string;
  symbol: string;
  /** Folder the runner starts in (the app file's folder). */
  cwd: string;
  /** What `python -m cpsl.runner` receives (relative to cwd). */
  arg: string;
}

export class EntryError extends Error {}

export function parseEntry(spec: string, base = process.cwd()): Entry {
  const i = spec.lastIndexOf(':');
  if (i <= 0 || i === spec.length - 1) {
    throw new EntryError(`entry point "${spec}" must be FILE.py:SYMBOL (for example app.py:app)`);
  }
  const target = spec.slice(0, i);
  const symbol = spec.slice(i + 1);
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(symbol)) throw new EntryError(`"${symbol}" is not a Python name (entry point ${spec})`);
  const file = target.endsWith('.py') ? resolve(base, target) : resolve(base, target.replace(/\./g, '/') + '.py');
  if (!existsSync(file)) throw new EntryError(`app file not found: ${file} (entry point ${spec})`);
  return { spec, file, symbol, cwd: dirname(file), arg: `${basename(file)}:${symbol}` };
}

/** First existing candidate, relative to this bundle (dist/) or to the sources (emulator/runner/). */
function firstExisting(candidates: string[]): string | undefined {
  return candidates.find((c) => existsSync(c));
}

export function pythonRuntimeDir(): string {
  const found = firstExisting([join(__dirname, 'python'), join(__dirname, '..', 'python'), join(__dirname, '..', '..', 'emulator', 'python')]);
  if (!found) throw new Error(`the bundled Python runtime (cpsl) was not found next to ${__dirname}; rebuild with npm run build`);
  return found;
}

export function catalogPath(): string {
  const found = firstExisting([
    join(__dirname, 'sdk-catalog.json'),
    join(__dirname, '..', 'sdk-catalog.json'),
    join(__dirname, '..', '..', 'catalog', 'sdk-catalog.json'),
  ]);
  if (!found) throw new Error(`sdk-catalog.json was not found next to ${__dirname}; rebuild with npm run build`);
  return found;
}

/** `--python`, then CAPSULE_PYTHON, then python3. */
export function pythonInterpreter(option?: string, env: NodeJS.ProcessEnv = process.env): string {
  return option || env.CAPSULE_PYTHON || 'python3';
}

export interface LaunchSpec {
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
}

export interface LaunchInput {
  entry: Entry;
  python: string;
  /** The real SDK (its own runner, over gRPC) or the bundled runtime. */
  runtime: Runtime;
  gatewayUrl: string;
  /** host:port of the platform's gRPC gateway (emulator/platform), for the real SDK. */
  platformAddress: string;
  token: string;
  appId: string;
  ownerId: string;
  versionId: string;
  secrets: Record<string, string>;
  /** The launching environment the runner inherits (PATH, HOME, ...). */
  baseEnv?: NodeJS.ProcessEnv;
  /** Where the app's managed filesystems are kept (the store's `filesystems` folder). */
  filesystemsDir?: string;
  /** Run under debugpy, waiting on 127.0.0.1:port for a debugger to attach before the app starts. */
  debug?: DebugLaunch;
}

export interface DebugLaunch {
  port: number;
  /** Folders put first on PYTHONPATH (e.g. the editor's own copy of debugpy). */
  pythonPath?: string[];
  /** Extra variables for the debugged process (a launch configuration's `env`). */
  env?: Record<string, string>;
}

export function launchSpec(i: LaunchInput): LaunchSpec {
  const base = i.baseEnv ?? process.env;
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined) env[k] = v;
  const sdk = i.runtime === 'sdk';
  Object.assign(env, i.debug?.env, i.secrets, {
    // The real SDK: only the launcher's folder (emulator/platform/python) is added, never the
    // bundled cpsl. The bundled runtime: its cpsl first.
    PYTHONPATH: [sdk ? launcherDir() : pythonRuntimeDir(), ...(i.debug?.pythonPath ?? []), base.PYTHONPATH].filter(Boolean).join(delimiter),
    PYTHONUNBUFFERED: '1',
    CAPSULE_GATEWAY_URL: i.gatewayUrl,
    CAPSULE_GATEWAY_HOST: sdk ? i.platformAddress : i.gatewayUrl.replace(/^https?:\/\//, ''),
    CAPSULE_RUNNER_TOKEN: i.token,
    CAPSULE_APP_ID: i.appId,
    CAPSULE_USER_ID: i.ownerId,
    CAPSULE_VERSION_ID: i.versionId,
    CAPSULE_VERSION_TYPE: 'serve',
    CAPSULE_ENV_TYPE: 'serve',
    CAPSULE_CATALOG: catalogPath(),
    ...(sdk && i.filesystemsDir ? { CAPSULE_LOCAL_FILESYSTEMS: i.filesystemsDir } : {}),
    // React pages: the SDK's bundler finds the emulator's esbuild last on PATH (esbuild.ts).
    ...(sdk && esbuildFolder() ? { PATH: [base.PATH, esbuildFolder()].filter(Boolean).join(delimiter) } : {}),
  });
  // The real SDK: `python -m cpsl.runner module:Name`, through the launcher
  // (capsule_local_runner.py says why).
  const runner = sdk ? ['-m', 'capsule_local_runner', i.entry.arg.replace(/\.py:/, ':')] : ['-m', 'cpsl.runner', i.entry.arg];
  return { command: i.python, args: i.debug ? debugArgs(i.debug.port, runner) : runner, cwd: i.entry.cwd, env };
}

/**
 * `python -m debugpy --listen 127.0.0.1:PORT --wait-for-client -m cpsl.runner ENTRY`: the app is
 * imported only once a debugger attached, so breakpoints at import time hit too. Frozen modules
 * off, as debugpy asks (else breakpoints in the standard library may be missed).
 */
export function debugArgs(port: number, runnerArgs: string[]): string[] {
  return ['-Xfrozen_modules=off', '-m', 'debugpy', '--listen', `127.0.0.1:${port}`, '--wait-for-client', ...runnerArgs];
}

/**
 * Secret names an app declares, read from its source without running it, so that the first
 * launch already has them injected. Only plain string literals inside `secrets=[...]` count; the
 * runner's Register config is the truth, and the emulator relaunches once when the two differ.
 */
export function scanSecretNames(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const names = new Set<string>();
  for (const m of text.matchAll(/\bsecrets\s*=\s*\[([^\]]*)\]/g)) {
    for (const s of m[1]!.matchAll(/["']([A-Za-z_][A-Za-z0-9_]*)["']/g)) names.add(s[1]!);
  }
  return [...names];
}

/**
 * The app's name as its source gives it (`app = cpsl.App("support-ops", ...)` or `App(name=...)`,
 * a string literal assigned to the entry's symbol), so that an app which fails before it
 * registers is reported under its own name, not the placeholder id. undefined when not literal.
 */
export function scanAppName(file: string, symbol: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const sym = symbol.replace(/[^A-Za-z0-9_]/g, '');
  const m = new RegExp(`^${sym}\\s*(?::[^=\\n]*)?=\\s*(?:\\w+\\.)?App\\(\\s*(?:name\\s*=\\s*)?["']([^"'\\n]{1,128})["']`, 'm').exec(text);
  return m?.[1];
}

/**
 * Secret names the app's source reads with `Secret.from_name("NAME")` (string literals only). The
 * app process finds such a value in its own environment (the launching one) without asking the
 * emulator, so the scrubber learns these names from the source.
 */
export function scanSecretReferences(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return [...new Set([...text.matchAll(/\bfrom_name\(\s*(?:name\s*=\s*)?["']([A-Za-z_][A-Za-z0-9_]*)["']/g)].map((m) => m[1]!))];
}

/**
 * A hash of the values of `names` (sorted), kept in memory only, to notice that a declared
 * secret changed since a runner was launched. `valueOf` is the resolver's current answer.
 */
export function secretDigest(names: readonly string[], valueOf: (name: string) => string | undefined): string {
  const h = createHash('sha256');
  for (const n of [...names].sort()) h.update(`${n}\0${valueOf(n) ?? ''}\0`);
  return h.digest('hex');
}

// Interpreters behind launcher scripts. `python3` is often a shell script (a pyenv or asdf shim)
// that spends 0.2–0.7 s choosing the real interpreter before Python even starts. The supervisor
// asks the configured command for `sys.executable` anyway (reloads and restarts run that directly);
// the answer is remembered in the user's cache folder, keyed by the command and what such launchers
// choose by (their environment variables and version files such as `.python-version` in the app's
// folder and above), so that the next `serve` can launch the real interpreter at once. The
// supervisor asks the command again after each such start and relaunches the app if the answer
// changed (e.g. after `pyenv global 3.12`).

/** The file a command runs: a path as given, else the first match on PATH. */
export function commandFile(command: string, cwd: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const isFile = (f: string): boolean => {
    try {
      return statSync(f).isFile();
    } catch {
      return false;
    }
  };
  if (command.includes('/') || command.includes('\\')) {
    const f = isAbsolute(command) ? command : resolve(cwd, command);
    return isFile(f) ? f : undefined;
  }
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const f = join(dir, command);
    if (isFile(f)) return f;
  }
  return undefined;
}

/** Whether `file` is a script (`#!`), i.e. a launcher in front of an interpreter. */
function isScript(file: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const b = Buffer.alloc(2);
    return readSync(fd, b, 0, 2, 0) === 2 && b.toString('latin1') === '#!';
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function cacheFile(env: NodeJS.ProcessEnv): string | undefined {
  return interpreterCacheFile('interpreters.json', env);
}

/** Version files of pyenv, asdf and mise, looked for in the app's folder and every folder above. */
const VERSION_FILES = ['.python-version', '.tool-versions', '.mise.toml', 'mise.toml', '.mise', '.rtx.toml'];

function stampOf(file: string): string | undefined {
  try {
    const s = statSync(file);
    return `${file}:${s.size}:${s.mtimeMs}`;
  } catch {
    return undefined;
  }
}

/** The cache key, or undefined when `command` is not a launcher script (nothing to skip then). */
export function interpreterKey(command: string, cwd: string, env: NodeJS.ProcessEnv): string | undefined {
  const file = commandFile(command, cwd, env);
  if (!file || !isScript(file)) return undefined;
  // What launchers commonly choose by; a stale answer is still caught by the check after start.
  const stamps: string[] = [];
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    for (const name of VERSION_FILES) {
      const stamp = stampOf(join(dir, name));
      if (stamp) stamps.push(stamp);
    }
    if (dirname(dir) === dir) break;
  }
  const globalVersion = stampOf(join(env.PYENV_ROOT || join(homedir(), '.pyenv'), 'version'));
  const vars = ['PYENV_VERSION', 'VIRTUAL_ENV', 'CONDA_PREFIX', 'ASDF_PYTHON_VERSION', 'MISE_PYTHON_VERSION'].map((k) => env[k] ?? '');
  return JSON.stringify([command, file, ...vars, globalVersion ?? '', ...stamps]);
}

/** Whether `command` is a launcher script whose answer can be remembered (cache enabled). */
export function isLauncherScript(command: string, cwd: string, env: NodeJS.ProcessEnv = process.env): boolean {
  return !!cacheFile(env) && !!interpreterKey(command, cwd, env);
}

/** The interpreter `command` chose last time in `cwd`, when `command` is a launcher script. */
export function rememberedInterpreter(command: string, cwd: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const file = cacheFile(env);
  const key = file && interpreterKey(command, cwd, env);
  if (!file || !key) return undefined;
  const exe = readCacheEntries<{ exe: string; at: number }>(file)[key]?.exe;
  return typeof exe === 'string' && existsSync(exe) ? exe : undefined;
}

/** Records what `command` resolved to in `cwd` (only for launcher scripts); errors are ignored. */
export function rememberInterpreter(command: string, cwd: string, exe: string, env: NodeJS.ProcessEnv = process.env): void {
  const file = cacheFile(env);
  const key = file && interpreterKey(command, cwd, env);
  if (!file || !key) return;
  if (readCacheEntries<{ exe: string }>(file)[key]?.exe === exe) return;
  writeCacheEntry(file, key, { exe, at: Date.now() });
}

/** The app id the gateway gives an entry: `local_<the app file's folder name>`. */
export function appIdOf(entry: Entry): string {
  return `local_${entry.file.split(/[\\/]/).slice(-2, -1)[0] ?? 'app'}`.replace(/[^A-Za-z0-9_-]/g, '_');
}

/**
 * `CAPSULE_TRACE_STARTUP=1`: each step of a `serve` start on stderr, in ms since the process
 * started (a debugging aid for start-up time; docs/emulator.md).
 */
export function traceStartup(step: string): void {
  if (process.env.CAPSULE_TRACE_STARTUP !== '1') return;
  process.stderr.write(`capsule-local: startup +${performance.now().toFixed(1)} ms: ${step}\n`);
}
