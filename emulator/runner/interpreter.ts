// Which Python runs the app, and with which `cpsl`: the user's interpreter that has the real SDK
// installed, found as a developer would expect (the interpreter asked for, else the workspace's
// virtual environment, else python3 on PATH); the bundled stdlib runtime only when none has it.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve, isAbsolute } from 'node:path';
import { protocolDifferences, protoSdkVersion, sdkProtocolScript, PINNED_REQUIRES_PYTHON, type SdkProtocol } from '../platform/protocol';

export interface PythonChoice {
  /** The interpreter command or path. */
  python: string;
  runtime: 'sdk' | 'bundled';
  /** Where it came from: `--python`, `CAPSULE_PYTHON`, a venv folder, `PATH`. */
  source: string;
  /** The installed cpsl version (runtime sdk). */
  sdkVersion?: string;
  /** One line for the console: why the bundled runtime, or a version note. Never undefined for bundled. */
  note?: string;
}

interface Probe {
  exe: string;
  version: [number, number, number];
  cpsl: string | null;
}

const PROBE = [
  'import sys, json',
  'try:',
  '    from importlib import metadata',
  '    v = metadata.version("cpsl")',
  'except Exception:',
  '    v = None',
  'print(json.dumps({"exe": sys.executable, "version": list(sys.version_info[:3]), "cpsl": v}))',
].join('\n');

/**
 * One answer per interpreter and folder for the life of the process, shared through globalThis:
 * `serve`'s early start (cli/early-serve.ts, in the CLI's first bundle) asks the same question as
 * the emulator it then loads (another bundle), and an interpreter takes 0.1–0.3 s to answer.
 */
const probes: Map<string, Probe | undefined> = ((globalThis as Record<symbol, unknown>)[Symbol.for('capsule-local.python-probes')] ??= new Map()) as Map<string, Probe | undefined>;

/** Asks an interpreter for its version and its cpsl (undefined: it does not run). */
export function probePython(python: string, cwd: string): Probe | undefined {
  const key = `${python}\0${cwd}`;
  if (probes.has(key)) return probes.get(key);
  const env = { ...process.env };
  // The bundled runtime must not be found as "cpsl" by this question.
  delete env.PYTHONPATH;
  const r = spawnSync(python, ['-c', PROBE], { cwd, env, encoding: 'utf8', timeout: 20_000 });
  let probe: Probe | undefined;
  if (r.status === 0) {
    try {
      probe = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Probe;
    } catch {
      probe = undefined;
    }
  }
  probes.set(key, probe);
  return probe;
}

/** `.venv`/`venv` interpreters from the app's folder up to the workspace root (inclusive). */
export function venvCandidates(appDir: string, root: string): string[] {
  const out: string[] = [];
  const bin = process.platform === 'win32' ? join('Scripts', 'python.exe') : join('bin', 'python');
  const inside = (dir: string): boolean => {
    const rel = relative(root, dir);
    return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
  };
  let dir = resolve(appDir);
  // An app outside the workspace: only its own folder.
  const bounded = inside(dir);
  for (;;) {
    for (const name of ['.venv', 'venv']) {
      const p = join(dir, name, bin);
      if (existsSync(p)) out.push(p);
    }
    const up = dirname(dir);
    if (up === dir || !bounded || resolve(dir) === resolve(root)) break;
    dir = up;
  }
  return out;
}

function installHint(python: string): string {
  return `${python} -m pip install cpsl==${protoSdkVersion()}`;
}

export function tooOld(p: Pick<Probe, 'version'>): string | undefined {
  const m = /^>=\s*(\d+)\.(\d+)/.exec(PINNED_REQUIRES_PYTHON);
  if (!m) return undefined;
  const [maj, min] = [Number(m[1]), Number(m[2])];
  const [a, b] = p.version;
  return a < maj || (a === maj && b < min) ? `Python ${p.version.join('.')} is too old for cpsl ${protoSdkVersion()} (it needs Python ${PINNED_REQUIRES_PYTHON})` : undefined;
}

/**
 * Another cpsl than the pinned one: its protocol is read from the wheel (sdk-protocol.py) and
 * compared with capsule.proto, so that the console names what differs, not just the version.
 */
export function versionNote(python: string, version: string, cwd: string): string {
  const pinned = protoSdkVersion();
  const fix = `to match: ${installHint(python)}`;
  const env = { ...process.env };
  delete env.PYTHONPATH;
  const r = spawnSync(python, [sdkProtocolScript()], { cwd, env, encoding: 'utf8', timeout: 30_000, maxBuffer: 16 * 1024 * 1024 });
  let diff: string[];
  try {
    diff = protocolDifferences(JSON.parse(r.stdout) as SdkProtocol);
  } catch {
    return `cpsl ${version} is installed in ${python}, Capsule Local speaks cpsl ${pinned}'s protocol, and the installed one could not be read (${(r.stderr || r.error?.message || '').trim().split('\n').at(-1)}); ${fix}`;
  }
  if (!diff.length) return `cpsl ${version} is installed in ${python}; its protocol is the one of cpsl ${pinned} that Capsule Local speaks`;
  const shown = diff.slice(0, 3).join('; ');
  return `cpsl ${version} in ${python} speaks another protocol than cpsl ${pinned}, which Capsule Local speaks (${diff.length} difference${diff.length > 1 ? 's' : ''}: ${shown}${diff.length > 3 ? '; …' : ''}); calls that differ will fail; ${fix}`;
}

/**
 * The interpreter for an app. Explicit choices (`--python`, CAPSULE_PYTHON, which the VS Code
 * extension sets from the Python extension's interpreter) are used as they are: with the real SDK
 * if they have it, else with the bundled runtime and a note saying how to install the SDK.
 */
export function choosePython(o: { option?: string; env?: NodeJS.ProcessEnv; appDir: string; root: string }): PythonChoice {
  const env = o.env ?? process.env;
  const explicit = o.option ? { python: o.option, source: '--python' } : env.CAPSULE_PYTHON ? { python: env.CAPSULE_PYTHON, source: 'CAPSULE_PYTHON' } : undefined;
  const sdk = (python: string, source: string, p: Probe): PythonChoice => ({
    python,
    runtime: 'sdk',
    source,
    sdkVersion: p.cpsl!,
    ...(p.cpsl !== protoSdkVersion() ? { note: versionNote(python, p.cpsl!, o.appDir) } : {}),
  });
  const bundled = (python: string, source: string, p: Probe | undefined): PythonChoice => {
    const why = !p ? `${python} did not run` : tooOld(p) ?? `${python} (Python ${p.version.join('.')}) has no cpsl`;
    const fix = p && tooOld(p) ? 'use a newer Python with --python, then install the SDK there' : `install the SDK: ${installHint(python)}`;
    return { python, runtime: 'bundled', source, note: `running on the bundled runtime, not the real SDK: ${why}; ${fix}` };
  };
  // CAPSULE_RUNTIME=bundled: the stdlib runtime whatever is installed (to compare the two).
  if (env.CAPSULE_RUNTIME === 'bundled') {
    const python = explicit?.python ?? 'python3';
    return { python, runtime: 'bundled', source: explicit?.source ?? 'PATH', note: 'running on the bundled runtime, not the real SDK, because CAPSULE_RUNTIME=bundled' };
  }
  if (explicit) {
    const p = probePython(explicit.python, o.appDir);
    return p?.cpsl && !tooOld(p) ? sdk(explicit.python, explicit.source, p) : bundled(explicit.python, explicit.source, p);
  }
  for (const venv of venvCandidates(o.appDir, o.root)) {
    const p = probePython(venv, o.appDir);
    if (p?.cpsl && !tooOld(p)) return sdk(venv, relative(o.root, dirname(dirname(venv))) || '.venv', p);
  }
  // The editor's interpreter (the VS Code Python extension's choice) ranks after the venvs.
  const editor = env.CAPSULE_EDITOR_PYTHON;
  if (editor) {
    const e = probePython(editor, o.appDir);
    if (e?.cpsl && !tooOld(e)) return sdk(editor, "the editor's Python", e);
  }
  const p = probePython('python3', o.appDir);
  if (p?.cpsl && !tooOld(p)) return sdk('python3', 'PATH', p);
  if (editor) return bundled(editor, "the editor's Python", probePython(editor, o.appDir));
  return bundled('python3', 'PATH', p);
}
