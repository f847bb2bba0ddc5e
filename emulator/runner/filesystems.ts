// The app's managed filesystems on the real SDK: each mount path the app declares is mapped onto
// a folder of the store for Python's file functions (platform/python/capsule_local_mounts.py).
// serve says where each one is kept and what does not see it, once, when the app starts.
import { join, relative } from 'node:path';

const record = (v: unknown): Record<string, unknown> | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);

/** The store folder a filesystem's name is kept in (the same rule as the launcher's). */
export function filesystemFolder(root: string, name: string): string {
  let folder = name.replace(/[^A-Za-z0-9._-]/g, '_');
  if (folder === '.' || folder === '..') folder = `_${folder}`;
  return join(root, folder);
}

/** The sentence after "<app>: ", or undefined when the app declares no filesystem. */
export function filesystemsNote(config: Record<string, unknown> | undefined, root: string, workspace: string): string | undefined {
  const declared = record(config?.filesystems);
  if (!declared) return undefined;
  const kept = Object.entries(declared).flatMap(([mount, fs]) => {
    const name = record(fs)?.name;
    if (!mount.startsWith('/') || typeof name !== 'string' || !name) return [];
    return [`${mount} (${name}) is kept in ${relative(workspace, filesystemFolder(root, name)) || '.'}`];
  });
  if (!kept.length) return undefined;
  return (
    `managed filesystems: ${kept.join(', ')} (on Capsule the platform mounts ${kept.length > 1 ? 'them' : 'it'}); ` +
    `the app's Python file calls (open, os, pathlib, shutil) see ${kept.length > 1 ? 'each' : 'it'} at its mount path from the app's boot on; ` +
    `shell commands and C libraries that open files themselves (sqlite3) see the folder's own path`
  );
}
