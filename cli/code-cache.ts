// Loading the full CLI (dist/cli-main.js, ~1.6 MB) with V8's code cache: the compiled code of a
// previous run, kept in the user's cache folder, so that this run skips most of the parsing and
// compiling. The cache is keyed by the bundle's identity (inode, size, mtime) and by Node's
// version and flags; V8 itself refuses a cache that does not fit. Anything unusual (no cache
// folder, an unreadable file) falls back to a plain `require`.
import { isAscii } from 'node:buffer';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';
import { userCacheDir } from '../emulator/runner/cache-files';

/** Cache files of other bundles kept (each about 1 MB). */
const MAX_OTHER_CACHES = 11;

function cacheFolder(env: NodeJS.ProcessEnv): string | undefined {
  if (env.CAPSULE_CODE_CACHE === 'off') return undefined;
  return join(userCacheDir(env), 'code-cache');
}

/**
 * Runs the CommonJS bundle `file` as `require(file)` would. `kind` names the cache (what the run
 * compiles differs between `serve` and the short commands); the cache is written once the run
 * has compiled what it uses: `saveAfterMs` later, or at exit if that comes first.
 */
export function requireWithCodeCache(file: string, kind: string, saveAfterMs?: number, env: NodeJS.ProcessEnv = process.env): void {
  const folder = cacheFolder(env);
  let source: string;
  let cacheFile: string | undefined;
  let prefix = '';
  try {
    if (!folder) throw new Error('off');
    const st = statSync(file);
    const hash = (v: unknown): string => createHash('sha256').update(JSON.stringify(v)).digest('hex').slice(0, 16);
    // <kind>-<which bundle>-<which build of it, run by which Node>.bin
    prefix = `${kind}-${hash(file)}-`;
    cacheFile = join(folder, `${prefix}${hash([st.ino, st.size, st.mtimeMs, process.version, process.versions.v8, process.arch, process.execArgv])}.bin`);
    // The build keeps the bundle ASCII; read so, it needs no UTF-8 decoding (20+ ms for 1.6 MB).
    const bytes = readFileSync(file);
    source = bytes.toString(isAscii(bytes) ? 'latin1' : 'utf8');
  } catch {
    require(file);
    return;
  }
  let cached: Buffer | undefined;
  try {
    cached = readFileSync(cacheFile);
  } catch {
    cached = undefined;
  }
  // No importModuleDynamically: code restored from a cache cannot use it. The build makes sure the
  // bundle has no import() (scripts/build.mjs).
  const script = new Script(Module.wrap(source), { filename: file, cachedData: cached });
  if (!cached || script.cachedDataRejected) {
    const target = cacheFile;
    const save = (): void => {
      try {
        const data = script.createCachedData();
        mkdirSync(folder!, { recursive: true, mode: 0o700 });
        const tmp = `${target}.${process.pid}.tmp`;
        writeFileSync(tmp, data, { mode: 0o600 });
        renameSync(tmp, target);
        // Caches of earlier builds of this bundle are of no use any more; of other bundles (other
        // installs, unpacked test copies) the most recently written few are kept.
        const others: Array<{ path: string; at: number }> = [];
        for (const f of readdirSync(folder!)) {
          const path = join(folder!, f);
          if (!f.endsWith('.bin') || path === target) continue;
          if (f.startsWith(prefix)) rmSync(path, { force: true });
          else others.push({ path, at: statSync(path).mtimeMs });
        }
        for (const { path } of others.sort((a, b) => b.at - a.at).slice(MAX_OTHER_CACHES)) rmSync(path, { force: true });
      } catch {
        // No cache next time; nothing else changes.
      }
    };
    // Once: at the given moment, or at exit if the run ends before.
    let saved = false;
    const saveOnce = (): void => {
      if (saved) return;
      saved = true;
      process.off('exit', saveOnce);
      save();
    };
    process.once('exit', saveOnce);
    if (saveAfterMs !== undefined) setTimeout(saveOnce, saveAfterMs).unref();
  }
  const mod = new Module(file, module);
  mod.filename = file;
  mod.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(dirname(file));
  const wrapper = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: Module, filename: string, dirname: string) => void;
  wrapper.call(mod.exports, mod.exports, createRequire(file), mod, file, dirname(file));
  mod.loaded = true;
}
