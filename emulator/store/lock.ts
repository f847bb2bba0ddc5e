// A cross-process lock file (`store.lock`) around each read-modify-write of store.json, so the CLI
// and a running emulator never lose each other's changes. Created with O_EXCL; it holds the
// owner's pid, host and a random nonce. A lock whose owner is gone (same host, pid not alive) or
// that is older than STALE_MS (a holder keeps it for a few hundred milliseconds at most) is broken.
//
// A writer that finds the lock taken announces itself in `store.lock.wait` (touched on every retry)
// so that a holder keeping the lock across writes (the store's lease) lets go at once and stands
// back until the waiter had its turn.
import { promises as fsp, constants as fsc, readFileSync, openSync, writeSync, closeSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { FILE_MODE } from './atomic-file';
import { storeLocked } from './errors';

export const STALE_MS = 30_000;

/** Asked once: the lock is taken on every group commit. */
const HOST = hostname();

interface LockInfo {
  pid: number;
  host: string;
  nonce: string;
  at: string;
}

export interface LockHandle {
  release(): Promise<void>;
  /** For process exit, where nothing asynchronous runs any more. */
  releaseSync(): void;
}

/** A waiter's announcement older than this is left over from a waiter that is gone. */
const WAITER_FRESH_MS = 1_000;

export function waiterFile(lockFile: string): string {
  return `${lockFile}.wait`;
}

/** Whether another writer announced (recently) that it waits for the lock. */
export function waiterPresent(lockFile: string): boolean {
  try {
    // Asked after every write under a lease: usually there is no waiter, and no exception then.
    const s = statSync(waiterFile(lockFile), { throwIfNoEntry: false });
    return !!s && Date.now() - s.mtimeMs < WAITER_FRESH_MS;
  } catch {
    return false;
  }
}

export async function acquireLock(lockFile: string, timeoutMs = 10_000): Promise<LockHandle> {
  const me: LockInfo = { pid: process.pid, host: HOST, nonce: randomBytes(8).toString('hex'), at: new Date().toISOString() };
  const started = Date.now();
  let delay = 2;
  let waited = false;
  const done = (): void => {
    if (waited) rmSync(waiterFile(lockFile), { force: true });
  };
  for (;;) {
    // Synchronous: creating and removing a small file takes microseconds, far less than a round
    // trip through the thread pool.
    if (tryCreate(lockFile, me)) {
      done();
      return { release: async () => releaseLock(lockFile, me.nonce), releaseSync: () => releaseLock(lockFile, me.nonce) };
    }
    try {
      writeFileSync(waiterFile(lockFile), `${process.pid}\n`, { mode: FILE_MODE });
      waited = true;
    } catch {
      // The folder is not writable for us: waiting still works, only more slowly.
    }
    const holder = await readHolder(lockFile);
    if (holder && (await isStale(lockFile, holder))) {
      await breakLock(lockFile, holder);
      continue;
    }
    if (Date.now() - started > timeoutMs) {
      done();
      throw storeLocked(lockFile, holder ? `process ${holder.pid} on ${holder.host}` : 'another process', Date.now() - started);
    }
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 10);
  }
}

function tryCreate(lockFile: string, me: LockInfo): boolean {
  let fd: number;
  try {
    fd = openSync(lockFile, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL, FILE_MODE);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    return false;
  }
  try {
    writeSync(fd, JSON.stringify(me));
  } finally {
    closeSync(fd);
  }
  return true;
}

function releaseLock(lockFile: string, nonce: string): void {
  // Only remove the lock if it is still ours (it may have been broken as stale meanwhile).
  let ours = false;
  try {
    ours = (JSON.parse(readFileSync(lockFile, 'utf8')) as LockInfo).nonce === nonce;
  } catch {
    ours = false; // gone, or not ours to judge
  }
  if (ours) rmSync(lockFile, { force: true });
}

async function readHolder(lockFile: string): Promise<LockInfo | undefined> {
  try {
    const info = JSON.parse(await fsp.readFile(lockFile, 'utf8')) as LockInfo;
    return typeof info.nonce === 'string' ? info : { pid: 0, host: '', nonce: '', at: '' };
  } catch (e) {
    // Missing: released meanwhile. Unparsable: a holder killed between create and write, or
    // one still writing; the age rule in isStale decides.
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return { pid: 0, host: '', nonce: '', at: '' };
  }
}

async function isStale(lockFile: string, holder: LockInfo): Promise<boolean> {
  let mtimeMs: number;
  try {
    mtimeMs = (await fsp.stat(lockFile)).mtimeMs;
  } catch {
    return false; // gone: the next attempt to create it will tell
  }
  if (Date.now() - mtimeMs > STALE_MS) return true;
  if (holder.pid > 0 && holder.host === HOST) return !pidAlive(holder.pid);
  // An empty or half-written lock file: give its writer a moment before calling it stale.
  return holder.pid === 0 && Date.now() - mtimeMs > 1_000;
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function breakLock(lockFile: string, stale: LockInfo): Promise<void> {
  // Move the lock aside first and check that it is still the stale one: if another process broke
  // it and took a fresh lock meanwhile, put that fresh lock back instead of deleting it.
  const aside = `${lockFile}.${randomBytes(4).toString('hex')}.stale`;
  try {
    await fsp.rename(lockFile, aside);
  } catch {
    return;
  }
  let moved: string | undefined;
  try {
    moved = readFileSync(aside, 'utf8');
  } catch {
    moved = undefined;
  }
  let nonce = '';
  try {
    nonce = moved ? ((JSON.parse(moved) as LockInfo).nonce ?? '') : '';
  } catch {
    nonce = '';
  }
  if (nonce !== stale.nonce) {
    await fsp.link(aside, lockFile).catch(() => undefined);
  }
  await fsp.rm(aside, { force: true });
}
