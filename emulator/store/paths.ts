// Where a workspace's local state lives. Everything is in one folder (default `.capsule` in the
// workspace); the workspace is the folder that contains it (its `.env` is read from there).
import { dirname, join, resolve } from 'node:path';

export const DEFAULT_STORE_DIR = '.capsule';

export interface StorePaths {
  dir: string;
  /** store.json: the configuration (secrets, channels, personas, integrations). */
  file: string;
  /** The database: the app's data (sessions, kv, events) and the collections. */
  data: string;
  /** Written by a running emulator: url, port, pid, token. */
  discovery: string;
  /** The workspace's session token (mode 0600), kept across restarts so browsers stay signed in. */
  sessionToken: string;
  /** The workspace folder (parent of `dir`). */
  workspace: string;
  /** The workspace `.env`. */
  envFile: string;
  /** The folders that stand for the app's managed filesystems, one per name (platform/python/capsule_local_mounts.py). */
  filesystems: string;
}

export function storePaths(dir: string = DEFAULT_STORE_DIR, cwd: string = process.cwd()): StorePaths {
  const abs = resolve(cwd, dir);
  const workspace = dirname(abs);
  return {
    dir: abs,
    file: join(abs, 'store.json'),
    data: join(abs, 'data.sqlite'),
    discovery: join(abs, 'emulator.json'),
    sessionToken: join(abs, 'session-token'),
    workspace,
    envFile: join(workspace, '.env'),
    filesystems: join(abs, 'filesystems'),
  };
}
