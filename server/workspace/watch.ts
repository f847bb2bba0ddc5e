// File watching for clients that cannot watch for us (no dynamic registration of
// workspace/didChangeWatchedFiles): chokidar on each folder, limited to what the analysis reads —
// `.py` files, the `.env`, the store's `store.json`, and the kinds of file an app names by path
// (page components, logos).
import { watch, type FSWatcher } from 'chokidar';
import { basename, dirname, sep } from 'node:path';
import { isSkippedDir } from './scan';
import { REFERENCED_FILE_EXTENSIONS } from '../analysis/index';

export type WatchKind = 'created' | 'changed' | 'deleted';

export interface LocalWatch {
  close(): Promise<void>;
}

export function watchFolder(root: string, storeDir: string, envFile: string, onChange: (path: string, kind: WatchKind) => void): LocalWatch {
  const inside = (p: string, dir: string) => p === dir || p.startsWith(dir + sep);
  const ignored = (p: string, stats?: { isDirectory(): boolean; isFile(): boolean }): boolean => {
    if (p === root || inside(storeDir, p) || inside(p, storeDir)) return false;
    if (p === envFile) return false;
    if (stats?.isDirectory()) return isSkippedDir(basename(p));
    if (stats?.isFile()) return !p.endsWith('.py') && !REFERENCED_FILE_EXTENSIONS.some((e) => p.toLowerCase().endsWith(e));
    // Unknown yet (chokidar asks before stat): keep folders that might hold code.
    return isSkippedDir(basename(p)) && !inside(storeDir, p);
  };
  const targets = [root];
  if (!inside(storeDir, root)) targets.push(storeDir);
  if (!inside(dirname(envFile), root)) targets.push(envFile);
  const watcher: FSWatcher = watch(targets, { ignoreInitial: true, ignored, persistent: true });
  let closed = false;
  const timers = new Set<NodeJS.Timeout>();
  const report = (p: string, kind: WatchKind): void => {
    if (!closed) onChange(p, kind);
  };
  watcher.on('add', (p) => report(p, 'created'));
  watcher.on('change', (p) => report(p, 'changed'));
  watcher.on('unlink', (p) => report(p, 'deleted'));
  // chokidar reads a new folder before it watches it, so a store written just as its folder is
  // created (the CLI's first write) is never reported: the store is read again a moment after its
  // folder appears. Changes made while the watcher started count as its initial state and are not
  // reported either: the store and the .env are read again once it is ready.
  watcher.on('addDir', (p) => {
    if (p !== storeDir) return;
    for (const ms of [100, 1000]) {
      const t = setTimeout(() => {
        timers.delete(t);
        report(storeDir, 'changed');
      }, ms);
      timers.add(t);
    }
  });
  watcher.on('ready', () => {
    report(storeDir, 'changed');
    report(envFile, 'changed');
  });
  // A watcher error (too many files, permissions) must not take the server down.
  watcher.on('error', () => undefined);
  return {
    close: () => {
      closed = true;
      for (const t of timers) clearTimeout(t);
      return watcher.close();
    },
  };
}
