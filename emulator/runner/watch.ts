// Hot reload: watches the app's folder for .py changes (chokidar) and reports them in batches, so
// that an editor's save (often several events) causes one reload.
import { watch } from 'chokidar';
import { relative } from 'node:path';

export interface AppWatcher {
  close(): Promise<void>;
}

const IGNORED = /(^|[\\/])(\.capsule|\.git|__pycache__|node_modules|\.venv|venv|\.mypy_cache|\.pytest_cache)([\\/]|$)/;

export function watchApp(folder: string, debounceMs: number, onChange: (files: string[]) => void): AppWatcher {
  const changed = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  const watcher = watch(folder, {
    ignoreInitial: true,
    ignored: (path, stats) => IGNORED.test(path) || (!!stats?.isFile() && !path.endsWith('.py')),
    awaitWriteFinish: false,
  });
  const note = (path: string): void => {
    if (!path.endsWith('.py')) return;
    changed.add(relative(folder, path) || path);
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      const files = [...changed];
      changed.clear();
      onChange(files);
    }, debounceMs);
  };
  watcher.on('add', note).on('change', note).on('unlink', note);
  watcher.on('error', () => undefined);
  return {
    async close() {
      if (timer) clearTimeout(timer);
      await watcher.close();
    },
  };
}
