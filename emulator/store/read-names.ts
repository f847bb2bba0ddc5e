// A cheap, read-only look at which secret and channel names a workspace's store holds, for the
// language server and `check`. It never returns secret values or credentials.
import { loadStoreSync } from './load';
import { storePaths } from './paths';

export interface StoreNames {
  /** false when the store has no store.json yet (an empty but complete answer). */
  exists: boolean;
  file: string;
  secrets: Array<{ name: string; updatedAt: string }>;
  channels: Array<{ name: string; type: string; id: string }>;
}

/** Throws StoreError when store.json is corrupt or newer than this build. */
export function readNames(dir?: string, cwd?: string): StoreNames {
  const { file } = storePaths(dir, cwd);
  const loaded = loadStoreSync(file);
  if (!loaded) return { exists: false, file, secrets: [], channels: [] };
  const { data } = loaded;
  return {
    exists: true,
    file,
    secrets: Object.entries(data.secrets).map(([name, s]) => ({ name, updatedAt: s.updatedAt })),
    channels: Object.entries(data.channels).map(([name, c]) => ({ name, type: c.type, id: c.id })),
  };
}
