// The discovery file `.capsule/emulator.json`: how the CLI, the language server and the extension
// find the emulator serving a store. Mode 0600 (it holds the session token); removed on a clean
// exit; one naming a dead process is stale and ignored.
import { readFileSync, rmSync } from 'node:fs';
import { writeFileAtomic, ensureStoreDir } from '../store';
import { pidAlive } from '../store/process-alive';

export interface DiscoveryInfo {
  url: string;
  port: number;
  pid: number;
  token: string;
  apps: string[];
  startedAt: string;
}

export function readDiscovery(file: string): DiscoveryInfo | undefined {
  try {
    const d = JSON.parse(readFileSync(file, 'utf8')) as Partial<DiscoveryInfo>;
    if (typeof d.url === 'string' && typeof d.pid === 'number' && typeof d.token === 'string' && typeof d.port === 'number') {
      return { apps: [], startedAt: '', ...d } as DiscoveryInfo;
    }
  } catch {
    // Missing or unreadable: no emulator.
  }
  return undefined;
}

/** The emulator serving this store, if its discovery file names a live process. */
export function liveEmulator(file: string): DiscoveryInfo | undefined {
  const d = readDiscovery(file);
  return d && pidAlive(d.pid) ? d : undefined;
}

export async function writeDiscovery(dir: string, file: string, info: DiscoveryInfo): Promise<void> {
  ensureStoreDir(dir);
  await writeFileAtomic(file, JSON.stringify(info, null, 1) + '\n');
}

/** Removes the file only if it is still ours (a newer emulator may have replaced it). */
export function removeDiscovery(file: string, pid = process.pid): void {
  const d = readDiscovery(file);
  if (d && d.pid !== pid) return;
  rmSync(file, { force: true });
}
