// Which Python runs the app, and with which `cpsl`: the user's interpreter that has the real SDK
// installed, found as a developer would expect (the interpreter asked for, else the workspace's
// virtual environment, else python3 on PATH); the bundled stdlib runtime only when none has it.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve, isAbsolute } from 'node:path';
import { protoSdkVersion, PINNED_REQUIRES_PYTHON } from '../platform/protocol-files';
import { cachedProbe, rememberProbe, type ProbeAnswer, type Watched } from './probe-cache';

export interface PythonChoice {
  /** The interpreter command or path. */
  python: string;
  runtime: 'sdk' | 'bundled';
  /** Where it came from: `--python`, `CAPSULE_PYTHON`, a venv folder, `PATH`. */
  source: string;
  /** The installed cpsl version (runtime sdk). */
  sdkVersion?: string;
  /** One line for the console: why the bundled runtime (never undefined then), or a version note (version-note.ts). */
  note?: string;
}

// The answer, and the files it was read from with their stamps, taken before it is read
// (probe-cache.ts says which and why).
const PROBE = `
import json, os, site, sys
def stamp(p):
    try:
        s = os.stat(p)
    except (OSError, ValueError):
        return None
    return "%d:%d" % (s.st_size, s.st_mtime_ns)
paths = [sys.executable, os.path.join(sys.prefix, "pyvenv.cfg")]
paths += [p for p in sys.path if p and os.path.abspath(p) != os.getcwd()]
if site.ENABLE_USER_SITE:
    paths.append(site.getusersitepackages())
watched = [[p, stamp(p)] for p in paths]
try:
    from importlib import metadata
    d = metadata.distribution("cpsl")
    where = getattr(d, "_path", None)
    if where is None:
        watched = None
    else:
        watched += [[str(where), stamp(where)], [os.path.join(str(where), "METADATA"), stamp(os.path.join(str(where), "METADATA"))]]
    v = d.version
except Exception:
    v = None
print(json.dumps({"exe": sys.executable, "version": list(sys.version_info[:3]), "cpsl": v, "watched": watched}))
`;

/**
 * One answer per interpreter and folder for the life of the process, shared through globalThis:
 * `serve`'s early start (cli/early-serve.ts, in the CLI's first bundle) asks the same question as
 * the emulator it then loads (another bundle). Across starts, probe-cache.ts remembers it.
 */
const probes: Map<string, ProbeAnswer | undefined> = ((globalThis as Record<symbol, unknown>)[Symbol.for('capsule-local.python-probes')] ??= new Map()) as Map<string, ProbeAnswer | undefined>;

/** Asks an interpreter for its version and its cpsl (undefined: it does not run). */
export function probePython(python: string, cwd: string): ProbeAnswer | undefined {
  const key = `${python}\0${cwd}`;
  if (probes.has(key)) return probes.get(key);
  let probe = cachedProbe(python, cwd);
  if (!probe) {
    const env = { ...process.env };
    // The bundled runtime must not be found as "cpsl" by this question.
    delete env.PYTHONPATH;
    const r = spawnSync(python, ['-c', PROBE], { cwd, env, encoding: 'utf8', timeout: 20_000 });
    if (r.status === 0) {
      try {
        const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as ProbeAnswer & { watched?: Watched[] | null };
        probe = { exe: out.exe, version: out.version, cpsl: out.cpsl };
        rememberProbe(python, cwd, probe, out.watched ?? undefined);
      } catch {
        probe = undefined;
      }
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

export function installHint(python: string): string {
  return `${python} -m pip install cpsl==${protoSdkVersion()}`;
}

export function tooOld(p: Pick<ProbeAnswer, 'version'>): string | undefined {
  const m = /^>=\s*(\d+)\.(\d+)/.exec(PINNED_REQUIRES_PYTHON);
  if (!m) return undefined;
  const [maj, min] = [Number(m[1]), Number(m[2])];
  const [a, b] = p.version;
  return a < maj || (a === maj && b < min) ? `Python ${p.version.join('.')} is too old for cpsl ${protoSdkVersion()} (it needs Python ${PINNED_REQUIRES_PYTHON})` : undefined;
}

/**
 * The interpreter for an app. Explicit choices (`--python`, CAPSULE_PYTHON, which the VS Code
 * extension sets from the Python extension's interpreter) are used as they are: with the real SDK
 * if they have it, else with the bundled runtime and a note saying how to install the SDK.
 */
export function choosePython(o: { option?: string; env?: NodeJS.ProcessEnv; appDir: string; root: string }): PythonChoice {
  const env = o.env ?? process.env;
  const explicit = o.option ? { python: o.option, source: '--python' } : env.CAPSULE_PYTHON ? { python: env.CAPSULE_PYTHON, source: 'CAPSULE_PYTHON' } : undefined;
  const sdk = (python: string, source: string, p: ProbeAnswer): PythonChoice => ({ python, runtime: 'sdk', source, sdkVersion: p.cpsl! });
  const bundled = (python: string, source: string, p: ProbeAnswer | undefined): PythonChoice => {
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
