// The user's cache folder for Capsule Local and the small JSON files kept there (remembered
// interpreters, interpreter probes; the CLI's code cache lives in it too). Everything in it can be
// lost at any time: a missing or unreadable file only costs the time it saves.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/** CAPSULE_CACHE_DIR, else $XDG_CACHE_HOME/capsule-local, else ~/.cache/capsule-local. */
export function userCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.CAPSULE_CACHE_DIR || join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'capsule-local');
}

/** The interpreter caches' file `name`, or undefined when CAPSULE_INTERPRETER_CACHE=off. */
export function interpreterCacheFile(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.CAPSULE_INTERPRETER_CACHE === 'off' ? undefined : join(userCacheDir(env), name);
}

/** A cache file's entries by key (none when it is missing or not an object). */
export function readCacheEntries<T>(file: string): Record<string, T> {
  try {
    const d = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    return d && typeof d === 'object' && !Array.isArray(d) ? (d as Record<string, T>) : {};
  } catch {
    return {};
  }
}

/**
 * Sets one entry and keeps the `keep` most recent (`at`), written whole through a rename so that
 * a concurrent reader never sees half a file; errors are ignored (a read-only cache folder).
 */
export function writeCacheEntry<T extends { at: number }>(file: string, key: string, entry: T, keep = 50): void {
  try {
    const all = readCacheEntries<T>(file);
    all[key] = entry;
    const kept = Object.fromEntries(Object.entries(all).sort((a, b) => b[1].at - a[1].at).slice(0, keep));
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
    writeFileSync(tmp, JSON.stringify(kept, null, 1) + '\n', { mode: 0o600 });
    renameSync(tmp, file);
  } catch {
    // Not remembered: the next start asks again.
  }
}
