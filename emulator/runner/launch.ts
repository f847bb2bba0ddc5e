// How the Python runner is started: interpreter, `PYTHONPATH` with the bundled `cpsl` runtime
// first, the protocol's environment (PROTOCOL.md) and the app's injected secrets. The same
// description serves a debugger launch (`GET /api/runner-env`).
import { existsSync, readFileSync } from 'node:fs';
import { delimiter, dirname, join, resolve, basename } from 'node:path';

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
  gatewayUrl: string;
  token: string;
  appId: string;
  ownerId: string;
  versionId: string;
  secrets: Record<string, string>;
  /** The launching environment the runner inherits (PATH, HOME, ...). */
  baseEnv?: NodeJS.ProcessEnv;
}

export function launchSpec(i: LaunchInput): LaunchSpec {
  const base = i.baseEnv ?? process.env;
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined) env[k] = v;
  const host = i.gatewayUrl.replace(/^https?:\/\//, '');
  Object.assign(env, i.secrets, {
    PYTHONPATH: [pythonRuntimeDir(), base.PYTHONPATH].filter(Boolean).join(delimiter),
    PYTHONUNBUFFERED: '1',
    CAPSULE_GATEWAY_URL: i.gatewayUrl,
    CAPSULE_GATEWAY_HOST: host,
    CAPSULE_RUNNER_TOKEN: i.token,
    CAPSULE_APP_ID: i.appId,
    CAPSULE_USER_ID: i.ownerId,
    CAPSULE_VERSION_ID: i.versionId,
    CAPSULE_VERSION_TYPE: 'serve',
    CAPSULE_ENV_TYPE: 'serve',
    CAPSULE_CATALOG: catalogPath(),
  });
  return { command: i.python, args: ['-m', 'cpsl.runner', i.entry.arg], cwd: i.entry.cwd, env };
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
