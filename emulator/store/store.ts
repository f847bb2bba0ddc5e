// The per-workspace store: one lowdb document (`store.json`) kept in memory and written with group
// commit. `update(mutator)` applies the mutator to the in-memory data at once (so `read()` sees it)
// and resolves once a write containing it is durable; all updates that arrive while a write is in
// flight go out together in the next write.
//
// A write is one appended line in the write-ahead journal (`store.journal`, see journal.ts) holding
// only what the batch changed (found by running mutators against a recording view, recorder.ts),
// written before update() resolves. The journal is folded back into store.json (a whole, atomic rewrite)
// when it grows past a threshold, on close(), and whenever a change cannot be expressed as a record
// (a collection replaced, the event log rewritten: import, reset, migration).
//
// Durability follows SQLite's WAL mode with synchronous=NORMAL: an update is acknowledged once its
// record is written to the journal file (in the operating system's cache), which survives the
// process being killed at any point (kill -9 included); the journal is flushed to the disk
// (fdatasync) in the background within `syncMs`, and always before store.json replaces it. So an
// operating-system crash or a power cut may lose the last `syncMs` of acknowledged changes, never
// more, and never leaves a mixed state. `sync: 'full'` (or CAPSULE_STORE_SYNC=full) flushes each
// record before acknowledging it, at about 0.5-1 ms per write.
//
// Several processes (the emulator and the CLI) may hold the same store. Each write happens under
// the cross-process lock; if the file changed on disk since this process last read or wrote it,
// the store re-reads it and re-applies the not-yet-durable mutators on top before writing. So a
// mutator MAY RUN MORE THAN ONCE: it must only change `data` (compute ids, timestamps and other
// side effects outside it) and must not keep references to objects from an earlier `read()`.
import { Low, type Adapter } from 'lowdb';
import { copyFile, chmod, rm } from 'node:fs/promises';
import {
  closeSync,
  constants as fsc,
  existsSync,
  fchmodSync,
  fdatasync as fdatasyncCb,
  fdatasyncSync,
  fstatSync,
  ftruncateSync,
  openSync,
  watch,
  writeSync,
  type FSWatcher,
} from 'node:fs';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { basename, dirname } from 'node:path';
import { emptyStore, type StoreData } from './schema';
import { toDicts } from './dict';
import { ensureStoreDir, writeFileAtomic, removeOrphanTemps, fsyncDir, FILE_MODE } from './atomic-file';
import { acquireLock, pidAlive, waiterPresent, type LockHandle } from './lock';
import { loadStoreSync, stampOf, storeStamp, MISSING, type FileStamp, type Loaded } from './load';
import { storePaths, type StorePaths } from './paths';
import { capEvents, DEFAULT_EVENT_CAP } from './events';
import { headerLine, journalFileFor, JOURNAL_FORMAT, JOURNAL_VERSION, NO_JOURNAL, type JournalState, type SnapshotMeta } from './journal';
import { ChangeRecorder } from './recorder';

export interface StoreOptions {
  /** Follow changes other processes make to the store, store.json or its journal (the emulator sets this). */
  watch?: boolean;
  /** How often to look for outside changes when watching, in ms (fs.watch events also trigger). */
  pollMs?: number;
  /** Events kept in the log (oldest dropped first). */
  eventCap?: number;
  /** How long to wait for the cross-process lock before failing. */
  lockTimeoutMs?: number;
  /** How long the lock is kept after a write when no other write follows (default 20 ms). */
  leaseIdleMs?: number;
  /** Working folder against which a relative store dir is resolved. */
  cwd?: string;
  /**
   * Fold the journal into store.json once it would grow past this many bytes (default: the larger
   * of 4 MiB and twice the size of store.json).
   */
  compactBytes?: number;
  /** false: every write rewrites store.json whole (no journal); for measurements and tests. */
  journal?: boolean;
  /**
   * 'normal' (default): a record is acknowledged once written, flushed to the disk within `syncMs`;
   * 'full': flushed (fdatasync) before it is acknowledged. Default from CAPSULE_STORE_SYNC.
   */
  sync?: 'normal' | 'full';
  /** With sync 'normal': the longest a written record waits for its flush to the disk (ms). */
  syncMs?: number;
}

/** Default of StoreOptions.syncMs. */
export const DEFAULT_SYNC_MS = 100;

/**
 * The lock is kept after a write for the next one (a lease): taking and dropping it costs more than
 * the write itself. It is let go after LEASE_IDLE_MS without writes, after LEASE_MAX_MS of writes
 * in a row, and at once when another process announces that it waits (lock.ts); the store then
 * stands back up to YIELD_MS so that the waiter gets its turn.
 */
const LEASE_IDLE_MS = 20;
const LEASE_MAX_MS = 250;
const YIELD_MS = 100;

/** Smallest journal size that triggers a compaction by default. */
export const MIN_COMPACT_BYTES = 4 * 1024 * 1024;

type Mutator = (data: StoreData) => void;
interface Pending {
  mutator: Mutator;
  resolve: () => void;
  reject: (e: unknown) => void;
}

/** Indentation of store.json: readable by hand, still cheap to write. */
const INDENT = 1;

const fdatasync = promisify(fdatasyncCb);

const MISSING_PAIR: FileStamp = `${MISSING}|${MISSING}`;

/**
 * store.json plus its journal. lowdb reads through `read` (the snapshot with the journal applied)
 * and writes through `write`, which is a compaction: the whole document as a new snapshot, then
 * the journal removed. `append` adds one record to the journal.
 */
class StoreFile implements Adapter<StoreData> {
  /** Stamp of store.json and the journal as this process last read or wrote them. */
  stamp: FileStamp = MISSING_PAIR;
  snapshotStamp: FileStamp = MISSING;
  snapshotBytes = 0;
  meta: SnapshotMeta | undefined;
  journal: JournalState = NO_JOURNAL;
  migratedFrom: number | undefined;
  readonly journalFile: string;
  /** The journal, open for appends while `journal` describes it. */
  private fd: number | undefined;
  /** A flush to the disk of records written but not yet synced (sync 'normal'). */
  private syncTimer: NodeJS.Timeout | undefined;
  constructor(
    readonly file: string,
    private readonly syncEach: boolean,
    private readonly syncMs: number,
  ) {
    this.journalFile = journalFileFor(file);
  }

  async read(): Promise<StoreData | null> {
    return this.readSync();
  }

  /**
   * Synchronous read for re-reads outside a write: nothing can run between reading and replacing
   * the in-memory data, so no update applied meanwhile can be lost.
   */
  readSync(): StoreData | null {
    this.closeJournal();
    const stampIfMissing = storeStamp(this.file);
    const loaded: Loaded | undefined = loadStoreSync(this.file);
    if (!loaded) {
      // A journal without store.json is left over from a store that was deleted: the next write
      // starts a new snapshot and removes it.
      this.stamp = stampIfMissing;
      this.snapshotStamp = MISSING;
      this.snapshotBytes = 0;
      this.meta = undefined;
      this.journal = { ...NO_JOURNAL, exists: existsSync(this.journalFile), stale: true };
      this.migratedFrom = undefined;
      return null;
    }
    this.stamp = loaded.stamp;
    this.snapshotStamp = loaded.snapshotStamp;
    this.snapshotBytes = loaded.snapshotBytes;
    this.meta = loaded.snapshot;
    // The records are applied; only the file's bookkeeping is kept.
    this.journal = { ...loaded.journal, records: [] };
    this.migratedFrom = loaded.migratedFrom;
    return loaded.data;
  }

  /** Whether a record can extend the current store.json (else the next write is a compaction). */
  canAppend(): boolean {
    return this.snapshotStamp !== MISSING && this.meta !== undefined && this.migratedFrom === undefined;
  }

  /** Compaction: the whole document as a new snapshot (atomic), then the journal removed. */
  async write(data: StoreData): Promise<void> {
    const generation = Math.max(this.meta?.generation ?? 0, this.journal.header?.generation ?? 0) + 1;
    const meta: SnapshotMeta = { generation, id: randomBytes(8).toString('hex') };
    // `snapshot` right after `schemaVersion`, so that a reader by hand sees it first.
    const doc: object = Object.assign({ schemaVersion: data.schemaVersion, snapshot: meta }, data);
    const text = JSON.stringify(doc, null, INDENT) + '\n';
    await writeFileAtomic(this.file, text);
    // From here store.json holds everything; an old journal left by a crash now is of an older
    // generation and ignored.
    this.meta = meta;
    this.migratedFrom = undefined;
    this.snapshotBytes = Buffer.byteLength(text);
    this.snapshotStamp = stampOf(this.file);
    this.closeJournal();
    await rm(this.journalFile, { force: true });
    this.journal = NO_JOURNAL;
    this.stamp = `${this.snapshotStamp}|${MISSING}`;
  }

  /** Appends one record and makes it durable (fdatasync; a new journal file also syncs the folder). */
  async append(line: string): Promise<void> {
    const j = this.journal;
    const fresh = !j.exists || j.stale || !j.header;
    if (fresh) this.closeJournal();
    const header = fresh ? { format: JOURNAL_FORMAT, version: JOURNAL_VERSION, ...this.meta! } : j.header!;
    const bytes = Buffer.from(fresh ? `${headerLine(this.meta!)}\n${line}\n` : `${line}\n`);
    const at = fresh ? 0 : j.validBytes;
    let touched = false;
    try {
      // The small steps are synchronous (page cache, microseconds); only the flush to the disk
      // waits in the thread pool, so that updates arriving meanwhile join the next group commit.
      if (this.fd === undefined) {
        this.fd = openSync(this.journalFile, fresh ? fsc.O_WRONLY | fsc.O_CREAT | fsc.O_TRUNC : fsc.O_WRONLY, FILE_MODE);
        if (fresh && j.exists) fchmodSync(this.fd, FILE_MODE);
      }
      const fd = this.fd;
      touched = true;
      // A line cut short by a crash was never acknowledged: cut it off before appending after it.
      if (!fresh && j.totalBytes !== j.validBytes) ftruncateSync(fd, j.validBytes);
      for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off, bytes.length - off, at + off);
      if (this.syncEach) await fdatasync(fd);
      else this.syncSoon();
      const s = fstatSync(fd, { bigint: true });
      if (!j.exists) await fsyncDir(dirname(this.journalFile));
      const size = Number(s.size);
      this.journal = { exists: true, validBytes: size, totalBytes: size, header, records: [], stale: false };
      this.stamp = `${this.snapshotStamp}|${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
    } catch (e) {
      // Not acknowledged: take the line back so that it can never be replayed.
      if (touched && this.fd !== undefined) {
        try {
          ftruncateSync(this.fd, at);
        } catch {
          // The next write re-reads the journal and starts from its last whole line.
        }
      }
      this.closeJournal();
      throw e;
    }
  }

  /** Flushes written records to the disk within syncMs, in the thread pool. */
  private syncSoon(): void {
    if (this.syncTimer) return;
    this.syncTimer = setTimeout(() => {
      this.syncTimer = undefined;
      const fd = this.fd;
      if (fd !== undefined) fdatasyncCb(fd, () => undefined);
    }, this.syncMs);
    this.syncTimer.unref();
  }

  /** Flushes now what syncSoon would flush later (before the file is closed or replaced). */
  syncNow(): void {
    if (!this.syncTimer) return;
    clearTimeout(this.syncTimer);
    this.syncTimer = undefined;
    if (this.fd === undefined) return;
    try {
      fdatasyncSync(this.fd);
    } catch {
      // The records were written; only the flush failed (the file system will write them back).
    }
  }

  /** Closes the journal kept open for appends (it may be replaced or removed by any writer). */
  closeJournal(): void {
    this.syncNow();
    if (this.fd === undefined) return;
    try {
      closeSync(this.fd);
    } catch {
      // Already closed: nothing to release.
    }
    this.fd = undefined;
  }
}

export class Store {
  readonly paths: StorePaths;
  private readonly db: Low<StoreData>;
  private readonly adapter: StoreFile;
  private pending: Pending[] = [];
  private flushing: Promise<void> | undefined;
  private scheduled = false;
  private lease: { lock: LockHandle; since: number; timer?: NodeJS.Timeout; onExit: () => void } | undefined;
  private inBatch = false;
  private needsReload = false;
  /** The lease under which expectWrite() found the files unchanged since this process's last write. */
  private checkedUnder: Store['lease'];
  /** expectWrite() was called since the last write. */
  private writeExpected = false;
  /** close(): fold the journal into store.json at the next write. */
  private compactNext = false;
  /** This process wrote the store (so close() compacts). */
  private wrote = false;
  private readonly recorder = new ChangeRecorder();
  private readonly journaling: boolean;
  private readonly compactBytes: number | undefined;
  private dirReady = false;
  private backedUp = false;
  private closed = false;
  private watcher: FSWatcher | undefined;
  private poller: NodeJS.Timeout | undefined;
  private badStamp: FileStamp | undefined;
  private readonly changeListeners = new Set<() => void>();
  private readonly errorListeners = new Set<(e: unknown) => void>();
  private readonly eventCap: number;
  private readonly lockTimeoutMs: number;
  private readonly leaseIdleMs: number;

  private constructor(paths: StorePaths, options: StoreOptions) {
    this.paths = paths;
    const sync = options.sync ?? (process.env.CAPSULE_STORE_SYNC === 'full' ? 'full' : 'normal');
    this.adapter = new StoreFile(paths.file, sync === 'full', options.syncMs ?? DEFAULT_SYNC_MS);
    this.db = new Low<StoreData>(this.adapter, emptyStore());
    this.eventCap = options.eventCap ?? DEFAULT_EVENT_CAP;
    this.lockTimeoutMs = options.lockTimeoutMs ?? 10_000;
    this.leaseIdleMs = options.leaseIdleMs ?? LEASE_IDLE_MS;
    this.journaling = options.journal !== false;
    this.compactBytes = options.compactBytes;
  }

  /**
   * Opens the store in `dir` (default `.capsule`). Reads store.json if it exists; creates nothing
   * until the first update. Throws StoreError for a corrupt file or one of a newer schema.
   */
  static async open(dir?: string, options: StoreOptions = {}): Promise<Store> {
    const store = new Store(storePaths(dir, options.cwd), options);
    await store.db.read();
    store.recorder.reset(store.db.data);
    if (options.watch) store.startWatching(options.pollMs ?? 500);
    return store;
  }

  /** The current in-memory data, including updates not yet durable. Call it each time. */
  read(): StoreData {
    return this.db.data;
  }

  /** Whether store.json existed when last read or has been written by this process. */
  exists(): boolean {
    return this.adapter.snapshotStamp !== MISSING;
  }

  update(mutator: Mutator): Promise<void> {
    if (this.closed) return Promise.reject(new Error('store is closed'));
    try {
      mutator(this.recorder.view(this.db.data));
      // A collection replaced (import, reset, a test's seed) gets prototype-less maps again (dict.ts).
      if (this.recorder.wholeRequested) toDicts(this.db.data);
    } catch (e) {
      // The mutator may have changed part of the data before throwing: take the file's state back.
      this.needsReload = true;
      this.schedule();
      return Promise.reject(e);
    }
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ mutator, resolve, reject });
      this.schedule();
    });
  }

  /**
   * A write is expected soon (a turn of the app is running): the files are checked for changes
   * from outside now (or as soon as the write in progress is done), while this process has
   * nothing else to do, so that the expected write need not. Only under a lease kept until that
   * write; a change by hand in between is found by the write after it (or the folder watcher).
   */
  expectWrite(): void {
    this.writeExpected = true;
    if (!this.flushing && !this.scheduled) this.checkAhead();
  }

  private checkAhead(): void {
    this.writeExpected = false;
    if (!this.lease || this.closed || this.needsReload || this.pending.length) return;
    if (storeStamp(this.paths.file) === this.adapter.stamp) this.checkedUnder = this.lease;
  }

  /** Resolves when every update issued so far is durable (or has failed). */
  async flush(): Promise<void> {
    while (this.flushing || this.scheduled || this.pending.length) {
      if (this.flushing) await this.flushing.catch(() => undefined);
      else await new Promise((r) => setImmediate(r));
    }
  }

  /** Called after another process changed the store on disk and this store re-read it. */
  onChange(listener: () => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /** Called when a change on disk could not be read (e.g. someone broke the file by hand). */
  onError(listener: (e: unknown) => void): () => void {
    this.errorListeners.add(listener);
    return () => this.errorListeners.delete(listener);
  }

  /** Re-reads the store (store.json and its journal) if another process changed it. Returns whether it did. */
  async refresh(): Promise<boolean> {
    await this.flush();
    if (this.flushing || this.scheduled || this.pending.length) return false;
    if (storeStamp(this.paths.file) === this.adapter.stamp) return false;
    this.replaceFromDisk();
    this.emitChange();
    return true;
  }

  /**
   * Flushes, then (if this process wrote) folds the journal into store.json, so that a closed
   * store is store.json alone.
   */
  async close(): Promise<void> {
    await this.flush();
    if (this.wrote && !this.closed) {
      this.compactNext = true;
      this.schedule();
      await this.flush();
      this.compactNext = false;
    }
    this.closed = true;
    await this.dropLease();
    this.adapter.closeJournal();
    this.watcher?.close();
    if (this.poller) clearInterval(this.poller);
  }

  private schedule(): void {
    if (this.scheduled || this.flushing) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flushing = this.flushLoop().finally(() => {
        this.flushing = undefined;
        // Only new updates start another round: a file that cannot be read is not retried in a loop.
        if (this.pending.length) this.schedule();
      });
    });
  }

  private async flushLoop(): Promise<void> {
    while (this.pending.length || this.needsReload || this.compactNext) {
      const batch = this.pending;
      this.pending = [];
      const compact = this.compactNext;
      this.compactNext = false;
      try {
        await this.writeBatch(batch, compact);
      } catch (e) {
        for (const p of batch) p.reject(e);
        // Memory holds changes that never reached the file: the next write starts from the file.
        this.needsReload = true;
        await this.keepOrDropLease(true);
        return;
      }
      for (const p of batch) p.resolve();
      // The lease's bookkeeping (a stat for waiting processes) waits until the callers'
      // continuations have run: the answer to a message goes out before it.
      if (batch.length) await new Promise((r) => setImmediate(r));
      await this.keepOrDropLease(compact);
    }
    if (this.writeExpected) this.checkAhead();
  }

  private async writeBatch(batch: Pending[], compact: boolean): Promise<void> {
    this.writeExpected = false;
    if (!this.dirReady) {
      ensureStoreDir(this.paths.dir);
      removeOrphanTemps(this.paths.file, pidAlive);
      this.dirReady = true;
    }
    this.inBatch = true;
    const kept = await this.takeLease();
    const checked = kept && this.checkedUnder === this.lease;
    this.checkedUnder = undefined;
    try {
      const outside = !checked && storeStamp(this.paths.file) !== this.adapter.stamp;
      if (outside || this.needsReload) {
        // The files are the truth; a store.json deleted from outside means an empty store. Every
        // mutator not yet durable is then applied again on top of it.
        this.db.data = (await this.adapter.read()) ?? emptyStore();
        this.recorder.reset(this.db.data);
        this.needsReload = false;
        this.replay(batch);
        this.replay(this.pending);
        if (outside) this.emitChange();
      }
      if (batch.length) await this.commit(false);
      // close(): fold a journal into its store.json (a store.json deleted meanwhile stays deleted).
      else if (compact && this.adapter.journal.exists && this.adapter.snapshotStamp !== MISSING) await this.commit(true);
    } finally {
      this.inBatch = false;
    }
  }

  /** Takes the lock, or keeps the lease held; true when it was held already. */
  private async takeLease(): Promise<boolean> {
    const held = this.lease;
    if (held) {
      clearTimeout(held.timer);
      held.timer = undefined;
      return true;
    }
    // A waiter was let in: give it the time to take the lock before asking for it again.
    const until = Date.now() + YIELD_MS;
    while (Date.now() < until && waiterPresent(this.paths.lock)) await new Promise((r) => setTimeout(r, 2));
    const lock = await acquireLock(this.paths.lock, this.lockTimeoutMs);
    // A process that exits without close() must not leave its lock behind for the next one.
    const onExit = (): void => lock.releaseSync();
    process.once('exit', onExit);
    this.lease = { lock, since: Date.now(), onExit };
    return false;
  }

  private async keepOrDropLease(dropNow: boolean): Promise<void> {
    const l = this.lease;
    if (!l) return;
    if (dropNow || this.closed || Date.now() - l.since >= LEASE_MAX_MS || waiterPresent(this.paths.lock)) return this.dropLease();
    l.timer = setTimeout(() => {
      if (this.lease === l && !this.inBatch) void this.dropLease();
    }, this.leaseIdleMs);
    l.timer.unref();
  }

  private async dropLease(): Promise<void> {
    const l = this.lease;
    if (!l) return;
    this.lease = undefined;
    clearTimeout(l.timer);
    process.removeListener('exit', l.onExit);
    await l.lock.release();
  }

  /** Under the lock: one journal record for what changed, or a whole rewrite of store.json. */
  private async commit(compact: boolean): Promise<void> {
    const data = this.db.data;
    capEvents(data, this.eventCap);
    const taken = this.recorder.take(data, this.eventCap);
    const a = this.adapter;
    let whole = compact || !this.journaling || taken.whole !== undefined || !a.canAppend();
    let line: string | undefined;
    if (!whole && taken.record) {
      line = JSON.stringify(taken.record);
      const limit = this.compactBytes ?? Math.max(MIN_COMPACT_BYTES, 2 * a.snapshotBytes);
      if (a.journal.validBytes + line.length + 1 > limit) whole = true;
    }
    if (whole) {
      await this.backupBeforeMigratedWrite();
      await this.db.write();
      this.wrote = true;
    } else if (line !== undefined) {
      await a.append(line);
      this.wrote = true;
    }
  }

  private replay(list: Pending[]): void {
    for (let i = 0; i < list.length; i++) {
      const p = list[i]!;
      try {
        p.mutator(this.recorder.view(this.db.data));
        if (this.recorder.wholeRequested) toDicts(this.db.data);
      } catch (e) {
        // Against the newer data this change no longer applies: fail it alone.
        list.splice(i--, 1);
        p.reject(e);
      }
    }
  }

  private async backupBeforeMigratedWrite(): Promise<void> {
    const from = this.adapter.migratedFrom;
    if (from === undefined || this.backedUp) return;
    // The files as they were: store.json, and its journal when it holds changes.
    const pairs: Array<[string, string]> = [[this.paths.file, `${this.paths.file}.v${from}.bak`]];
    if (this.adapter.journal.exists && !this.adapter.journal.stale) pairs.push([this.paths.journal, `${this.paths.journal}.v${from}.bak`]);
    for (const [source, backup] of pairs) {
      try {
        await copyFile(source, backup, fsc.COPYFILE_EXCL);
        await chmod(backup, FILE_MODE);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code !== 'EEXIST' && code !== 'ENOENT') throw e;
      }
    }
    this.backedUp = true;
  }

  private startWatching(pollMs: number): void {
    this.watchFolder();
    this.poller = setInterval(() => this.checkOutside(), pollMs);
    this.poller.unref();
  }

  private watchFolder(): void {
    const journal = basename(this.paths.journal);
    const names = new Set([basename(this.paths.file), journal]);
    try {
      this.watcher = watch(this.paths.dir, { persistent: false }, (_event, file) => {
        // The journal changes under our lease are our own appends (other writers need the lock):
        // nothing to check. Anything else written meanwhile is found by the next write or the poll.
        if (file === journal && this.lease) return;
        this.checkedUnder = undefined;
        if (!file || names.has(file)) this.checkOutside();
      });
      this.watcher.on('error', () => {
        this.watcher?.close();
        this.watcher = undefined;
      });
    } catch {
      // The folder does not exist yet: polling notices the file once it appears.
    }
  }

  private checkOutside(): void {
    // A write in progress re-reads under the lock anyway.
    if (this.closed || this.flushing || this.scheduled || this.pending.length) return;
    try {
      const stamp = storeStamp(this.paths.file);
      if (stamp === this.adapter.stamp || stamp === this.badStamp) return;
      if (!this.watcher) this.watchFolder();
      try {
        this.replaceFromDisk();
      } catch (e) {
        // Report a broken file once, not on every poll; memory keeps the last good state.
        this.badStamp = stamp;
        throw e;
      }
      this.emitChange();
    } catch (e) {
      for (const l of this.errorListeners) l(e);
    }
  }

  private replaceFromDisk(): void {
    this.db.data = this.adapter.readSync() ?? emptyStore();
    this.recorder.reset(this.db.data);
  }

  private emitChange(): void {
    for (const l of this.changeListeners) {
      try {
        l();
      } catch {
        // A listener's failure is its own; other listeners still run.
      }
    }
  }
}
