// The names a folder's local state defines: secret and channel names from the store (through the
// store's names-only reader) and secret names from the folder's `.env`. Values are never read here.
import { readFile } from 'node:fs/promises';
import { buildLocalState, type LocalState } from '../analysis/index';
import { readNames } from '../../emulator/store/index';
import { diskFiles } from './disk-files';

export interface LocalStateResult {
  state: LocalState;
  /** Why the store could not be read (corrupt, newer schema); its names are then unknown. */
  storeProblem?: string;
}

async function readEnvText(path: string): Promise<{ path: string; text: string | undefined } | undefined> {
  try {
    return { path, text: await readFile(path, 'utf8') };
  } catch (e) {
    // No .env is the common case; an unreadable one makes the secret list incomplete.
    return (e as NodeJS.ErrnoException).code === 'ENOENT' ? undefined : { path, text: undefined };
  }
}

/**
 * Reads the names. `envPath` is given to the analysis as `envLocationPath` (a workspace-relative
 * path), so that definitions point at the `.env` line.
 */
export async function readLocalState(storeDir: string, envFile: string, envLocationPath: string, root?: string): Promise<LocalStateResult> {
  let storeSecrets: string[] | undefined;
  let storeChannels: Array<{ name: string; type: string }> | undefined;
  let storeProblem: string | undefined;
  try {
    const names = readNames(storeDir);
    storeSecrets = names.secrets.map((s) => s.name);
    storeChannels = names.channels.map((c) => ({ name: c.name, type: c.type }));
  } catch (e) {
    storeProblem = e instanceof Error ? e.message : String(e);
  }
  const env = await readEnvText(envFile);
  const state = buildLocalState({
    storeSecrets,
    storeChannels,
    ...(env ? { dotenv: { path: envLocationPath, text: env.text } } : {}),
    ...(root ? { files: diskFiles(root) } : {}),
  });
  return { state, ...(storeProblem ? { storeProblem } : {}) };
}
