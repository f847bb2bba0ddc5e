// Helpers of the store tests: a fresh store folder, the store as readers see it, StoreError checks.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StoreError, readStoreSync, type StoreData } from '../../emulator/store';

/** A `.capsule` folder (not created yet) in a new temporary directory. */
export function tempStoreDir(prefix = 'capsule-store-'): string {
  return join(mkdtempSync(join(tmpdir(), prefix)), '.capsule');
}

/** What is on disk: store.json and the database's tables (as a newly opened store sees them). */
export function readStore(dir: string): StoreData {
  return readStoreSync(dir)!;
}

/** Awaits `p` (or calls it) and checks that it fails with a StoreError of `code`. */
export async function rejectsWith(p: Promise<unknown> | (() => unknown), code: string): Promise<StoreError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    assert.ok(e instanceof StoreError, `expected a StoreError, got ${String(e)}`);
    assert.equal(e.code, code);
    return e;
  }
  assert.fail(`expected StoreError ${code}`);
}

/**
 * The data as JSON holds it. The store's maps are prototype-less (dict.ts) where a test's own
 * objects are not: compare what is stored, not how memory holds it.
 */
export function plain<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}
