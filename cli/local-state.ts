// The local state `check` analyses against: secret and channel names from the store, secret names
// from the workspace `.env`. Names only; values are never read into the analysis.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { readNames, storePaths, StoreError } from '../emulator/store';
import { buildLocalState, type LocalState } from '../server/analysis/index';
import { diskFiles } from '../server/workspace/disk-files';

export interface CheckState {
  state: LocalState;
  /** Problems reading the state, for stderr. */
  problems: string[];
  /** The store could not be read: diagnostics about secrets and channels were left out. */
  incomplete: boolean;
}

/** No store file yet means a complete, empty list: nothing is defined locally. */
export function readCheckState(storeDir: string, cwd: string = process.cwd()): CheckState {
  const problems: string[] = [];
  let incomplete = false;
  let storeSecrets: string[] | undefined;
  let storeChannels: Array<{ name: string; type: string }> | undefined;
  try {
    const names = readNames(storeDir, cwd);
    storeSecrets = names.secrets.map((s) => s.name);
    storeChannels = names.channels.map((c) => ({ name: c.name, type: c.type }));
  } catch (e) {
    if (!(e instanceof StoreError)) throw e;
    problems.push(`${e.message} Secrets and channels are not checked until the store can be read.`);
    incomplete = true;
  }
  const envFile = storePaths(storeDir, cwd).envFile;
  let dotenv: { path: string; text: string | undefined } | undefined;
  try {
    dotenv = { path: relative(cwd, envFile) || '.env', text: readFileSync(envFile, 'utf8') };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') {
      problems.push(`cannot read ${relative(cwd, envFile)} (${code ?? (e as Error).message}): secrets are not checked.`);
      dotenv = { path: relative(cwd, envFile), text: undefined };
      incomplete = true;
    }
  }
  return { state: buildLocalState({ storeSecrets, storeChannels, ...(dotenv ? { dotenv } : {}), files: diskFiles(cwd) }), problems, incomplete };
}
