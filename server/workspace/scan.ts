// Finding the Python files of a workspace folder on disk. Runs once per folder (asynchronously,
// so the server answers requests meanwhile) and skips the folders no app code lives in.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** Folder names never searched: dependencies, virtual environments, caches, build output. */
export const SKIPPED_DIRS = new Set([
  'node_modules', '.git', '.hg', '.svn', '.venv', 'venv', 'env', '.env', '__pycache__', '.mypy_cache',
  '.pytest_cache', '.ruff_cache', '.tox', '.nox', 'site-packages', 'dist', 'build', '.capsule', '.idea', '.vscode',
]);

/** Larger files are generated or vendored, not app code; reading them would only cost memory. */
export const MAX_FILE_BYTES = 1_000_000;
/** A folder with more Python files than this is not one app; stop there rather than stall. */
export const MAX_FILES = 5_000;

export function isSkippedDir(name: string): boolean {
  return SKIPPED_DIRS.has(name) || (name.startsWith('.') && name !== '.');
}

/** Absolute paths of the `.py` files under `root`. */
export async function findPythonFiles(root: string, limit = MAX_FILES): Promise<string[]> {
  const out: string[] = [];
  const queue = [root];
  while (queue.length && out.length < limit) {
    const dir = queue.shift()!;
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      continue; // unreadable or vanished folder: nothing to analyse there
    }
    for (const e of entries) {
      if (e.isDirectory()) {
        if (!isSkippedDir(e.name)) queue.push(join(dir, e.name));
      } else if (e.isFile() && e.name.endsWith('.py')) {
        out.push(join(dir, e.name));
        if (out.length >= limit) break;
      }
    }
  }
  return out;
}

/** The text of a source file, or undefined when it is missing, unreadable or too large. */
export async function readSource(path: string): Promise<string | undefined> {
  try {
    const s = await stat(path);
    if (!s.isFile() || s.size > MAX_FILE_BYTES) return undefined;
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}
