// The interpreter probe's answers (interpreter.ts: which executable, which Python, which cpsl),
// remembered across starts in the user's cache folder: asking costs 50–120 ms on every `serve`
// (more behind a launcher script), before the app's process can be launched. An answer is reused
// only while nothing it was read from has changed. The probe itself names those files and their
// stamps (size and mtime in ns, taken before it reads the answer): the interpreter, the venv's
// pyvenv.cfg, every folder on its sys.path and the user site folder (installing or removing any
// package, cpsl included, changes its folder) and cpsl's dist-info with its METADATA (a reinstall
// in place). The key holds what selects those: the command and the file it runs, the launcher's
// version files and variables when that file is a script (launch.ts), and the variables that move
// sys.path. Not the app's folder: the probe's sys.path[0] ('', the folder it runs in) is not
// watched, since every save changes it, so the answer is the same in every folder.
import { statSync } from 'node:fs';
import { commandFile, interpreterKey } from './launch';
import { interpreterCacheFile, readCacheEntries, writeCacheEntry } from './cache-files';

/** What the probe answers about an interpreter. */
export interface ProbeAnswer {
  exe: string;
  version: [number, number, number];
  cpsl: string | null;
}

/** A file the answer was read from and its stamp then (`size:mtime_ns`, null: it did not exist). */
export type Watched = [path: string, stamp: string | null];

interface Entry {
  answer: ProbeAnswer;
  watched: Watched[];
  at: number;
}

/** The variables that change an interpreter's sys.path (PYTHONPATH is removed for the probe). */
const PATH_VARIABLES = ['PYTHONHOME', 'PYTHONUSERBASE', 'PYTHONNOUSERSITE', 'PYTHONSAFEPATH', 'PYTHONPLATLIBDIR'];

function keyOf(python: string, cwd: string, env: NodeJS.ProcessEnv): string {
  return JSON.stringify([python, commandFile(python, cwd, env) ?? '', interpreterKey(python, cwd, env) ?? '', ...PATH_VARIABLES.map((k) => env[k] ?? '')]);
}

/** The stamp the probe script computes, from Node. */
export function stampOf(path: string): string | null {
  try {
    const s = statSync(path, { bigint: true });
    return `${s.size}:${s.mtimeNs}`;
  } catch {
    return null;
  }
}

/** The remembered answer for `python` run in `cwd`, if nothing it was read from changed. */
export function cachedProbe(python: string, cwd: string, env: NodeJS.ProcessEnv = process.env): ProbeAnswer | undefined {
  const file = interpreterCacheFile('probes.json', env);
  if (!file) return undefined;
  const entry = readCacheEntries<Entry>(file)[keyOf(python, cwd, env)];
  if (!entry || !Array.isArray(entry.watched) || !entry.watched.length) return undefined;
  for (const [path, stamp] of entry.watched) if (typeof path !== 'string' || stampOf(path) !== stamp) return undefined;
  return entry.answer;
}

/** Remembers an answer with the files it was read from (none given: not remembered). */
export function rememberProbe(python: string, cwd: string, answer: ProbeAnswer, watched: Watched[] | undefined, env: NodeJS.ProcessEnv = process.env): void {
  const file = interpreterCacheFile('probes.json', env);
  if (!file || !watched?.length) return;
  writeCacheEntry<Entry>(file, keyOf(python, cwd, env), { answer: { exe: answer.exe, version: answer.version, cpsl: answer.cpsl }, watched, at: Date.now() });
}
