// Reading and parsing store.json. Parsing never repairs anything: a file that does not parse or
// has the wrong shape raises a StoreError and stays exactly as it is on disk.
import { readFileSync, promises as fsp, statSync } from 'node:fs';
import { corruptStore, StoreError } from './errors';
import { migrate, type MigrationResult } from './migrate';

/** Identity of the file on disk; every write replaces the inode, so any writer changes it. */
export type FileStamp = string;
export const MISSING: FileStamp = 'missing';

export function stampOf(file: string): FileStamp {
  try {
    const s = statSync(file, { bigint: true });
    return `${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return MISSING;
    throw e;
  }
}

export function parseStore(file: string, text: string): MigrationResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw corruptStore(file, text.trim() === '' ? 'the file is empty' : `it is not valid JSON${jsonErrorPlace(text, e)}`);
  }
  return migrate(file, parsed);
}

export interface Loaded extends MigrationResult {
  stamp: FileStamp;
}

/** undefined when the file does not exist yet. */
export async function loadStore(file: string): Promise<Loaded | undefined> {
  // Stamp first: if the file is replaced between the stamp and the read, the next check sees a
  // different stamp and reads again, rather than missing the change.
  const stamp = stampOf(file);
  if (stamp === MISSING) return undefined;
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new StoreError('io', file, `cannot read ${file}: ${(e as Error).message}`);
  }
  return { ...parseStore(file, text), stamp };
}

export function loadStoreSync(file: string): MigrationResult | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new StoreError('io', file, `cannot read ${file}: ${(e as Error).message}`);
  }
  return parseStore(file, text);
}

/**
 * Where a JSON text breaks, as " (line L, column C)" when the parser says. V8's own message quotes a slice of the text,
 * which may hold a secret value, so it is never shown.
 */
export function jsonErrorPlace(text: string, error: unknown): string {
  const m = /position (\d+)/.exec(String((error as Error)?.message));
  if (!m) return /end of JSON/i.test(String((error as Error)?.message)) ? ' (it ends too early)' : '';
  const pos = Number(m[1]);
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  const column = pos - before.lastIndexOf('\n');
  return ` (line ${line}, column ${column})`;
}
