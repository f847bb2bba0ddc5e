// Temporary workspaces for the LSP tests: folders of files, a store written through the real
// store module, and URIs.
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Store, newChannel } from '../../emulator/store/index';

export interface TempWorkspace {
  root: string;
  uri: string;
  file(rel: string): string;
  fileUri(rel: string): string;
  write(rel: string, text: string): void;
  remove(): void;
}

export function tempWorkspace(files: Record<string, string> = {}, prefix = 'capsule-lsp-'): TempWorkspace {
  const root = mkdtempSync(join(tmpdir(), prefix));
  const ws: TempWorkspace = {
    root,
    uri: pathToFileURL(root).href,
    file: (rel) => join(root, rel),
    fileUri: (rel) => pathToFileURL(join(root, rel)).href,
    write: (rel, text) => {
      mkdirSync(dirname(join(root, rel)), { recursive: true });
      writeFileSync(join(root, rel), text);
    },
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
  for (const [rel, text] of Object.entries(files)) ws.write(rel, text);
  return ws;
}

/** Writes secrets (name -> value) and channels into the workspace's store. */
export async function seedStore(root: string, secrets: Record<string, string>, channels: Array<{ name: string; type: string; credentials: Record<string, string> }> = []): Promise<void> {
  const store = await Store.open(join(root, '.capsule'));
  const now = new Date().toISOString();
  const made = channels.map((c) => ({ name: c.name, channel: newChannel(c) }));
  await store.update((d) => {
    for (const [name, value] of Object.entries(secrets)) d.secrets[name] = { value, createdAt: now, updatedAt: now };
    for (const c of made) d.channels[c.name] = c.channel;
  });
  await store.close();
}

export async function storeData(root: string) {
  const store = await Store.open(join(root, '.capsule'));
  const data = structuredClone(store.read());
  await store.close();
  return data;
}
