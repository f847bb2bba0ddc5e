// The FileSource of a folder on disk: whether a file an app names (a React page's component, the
// theme's logo) exists. Asked only for the few paths apps name, on each analysis.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { FileSource } from '../analysis/index';

export function diskFiles(root: string): FileSource {
  return {
    isFile(path) {
      try {
        return statSync(join(root, path)).isFile();
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        return code === 'ENOENT' || code === 'ENOTDIR' ? false : undefined;
      }
    },
  };
}
