// The per-workspace store: one lowdb document (`store.json`) kept in memory and written with group
// commit. `update(mutator)` applies the mutator to the in-memory data at once (so `read()` sees it)
// and resolves once a write containing it is durable; all updates that arrive while a write is in
// flight go out together in the next write.
//
// Several processes (the emulator and the CLI) may hold the same store. Each write happens under
// the cross-process lock; if the file changed on disk since this process last read or wrote it,
// the store re-reads it and re-applies the not-yet-durable mutators on top before writing. So a
// mutator MAY RUN MORE THAN ONCE: it must only change `data` (compute ids, timestamps and other
// side effects outside it) and must not keep references to objects from an earlier `read()`.
import { Low, type Adapter } from 'lowdb';
import { copyFile, chmod, constants as fsc } from 'node:fs/promises';
import { watch, type FSWatcher } from 'node:fs';
import { basename } from 'node:path';
import { emptyStore, type StoreData } from './schema';
import { ensureStoreDir, writeFileAtomic, removeOrphanTemps, FILE_MODE } from './atomic-file';
import { acquireLock, pidAlive } from './lock';
import { loadStore, loadStoreSync, stampOf, MISSING, type FileStamp } from './load';
import { storePaths, type StorePaths } from './paths';
import { capEvents, DEFAULT_EVENT_CAP } from './events';

export interface StoreOptions {
  /** Follow changes other processes make to store.json (the emulator sets this). */
  watch?: boolean;
  /** How often to look for outside changes when watching, in ms (fs.watch events also trigger). */
  pollMs?: number;
  /** Events kept in the log (oldest dropped first). */
  eventCap?: number;
  /** How long to wait for the cross-process lock before failing. */
  lockTimeoutMs?: number;
  /** Working folder against which a relative store dir is resolved. */
  cwd?: string;
}

type Mutator = (data: StoreData) => void;
interface Pending {
  mutator: Mutator;
  resolve: () => void;
  reject: (e: unknown) => void;
}

/** Indentation of store.json: readable by hand, still cheap to write. */
const INDENT = 1;

class StoreFile implements Adapter<StoreData> {
  stamp: FileStamp = MISSING;
  migratedFrom: number | undefined;
  constructor(readonly file: string) {}

  async read(): Promise<StoreData | null> {
    const loaded = await loadStore(this.file);
    if (!loaded) {
      this.stamp = MISSING;
      return null;
    }
    this.stamp = loaded.stamp;
    this.migratedFrom = loaded.migratedFrom;
    return loaded.data;
  }

  /**
   * Synchronous read for re-reads outside a write: nothing can run between reading and replacing
   * the in-memory data, so no update applied meanwhile can be lost.
   */
  readSync(): StoreData | null {
    const stamp = stampOf(this.file);
    const loaded = stamp === MISSING ? undefined : loadStoreSync(this.file);
    if (!loaded) {
      this.stamp = MISSING;
      return null;
    }
    this.stamp = stamp;
    this.migratedFrom = loaded.migratedFrom;
    return loaded.data;
  }

  async write(data: StoreData): Promise<void> {
    await writeFileAtomic(this.file, JSON.stringify(data, null, INDENT) + '\n');
    this.stamp = stampOf(this.file);
  }
}

export class Store {
  readonly paths: StorePaths;
  private readonly db: Low<StoreData>;
  private readonly adapter: StoreFile;
  private pending: Pending[] = [];
  private flushing: Promise<void> | undefined;
  private scheduled = false;
  private needsReload = false;
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

  private constructor(paths: StorePaths, options: StoreOptions) {
    this.paths = paths;
    this.adapter = new StoreFile(paths.file);
    this.db = new Low<StoreData>(this.adapter, emptyStore());
    this.eventCap = options.eventCap ?? DEFAULT_EVENT_CAP;
    this.lockTimeoutMs = options.lockTimeoutMs ?? 10_000;
  }

  /**
   * Opens the store in `dir` (default `.capsule`). Reads store.json if it exists; creates nothing
   * until the first update. Throws StoreError for a corrupt file or one of a newer schema.
   */
  static async open(dir?: string, options: StoreOptions = {}): Promise<Store> {
    const store = new Store(storePaths(dir, options.cwd), options);
    await store.db.read();
    if (options.watch) store.startWatching(options.pollMs ?? 500);
    return store;
  }

  /** The current in-memory data, including updates not yet durable. Call it each time. */
  read(): StoreData {
    return this.db.data;
  }

  /** Whether store.json existed when last read or has been written by this process. */
  exists(): boolean {
    return this.adapter.stamp !== MISSING;
  }

  update(mutator: Mutator): Promise<void> {
    if (this.closed) return Promise.reject(new Error('store is closed'));
    try {
      mutator(this.db.data);
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

  /** Resolves when every update issued so far is durable (or has failed). */
  async flush(): Promise<void> {
    while (this.flushing || this.scheduled || this.pending.length) {
      if (this.flushing) await this.flushing.catch(() => undefined);
      else await new Promise((r) => setImmediate(r));
    }
  }

  /** Called after another process changed the file and this store re-read it. */
  onChange(listener: () => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /** Called when a change on disk could not be read (e.g. someone broke the file by hand). */
  onError(listener: (e: unknown) => void): () => void {
    this.errorListeners.add(listener);
    return () => this.errorListeners.delete(listener);
  }

  /** Re-reads store.json if another process changed it. Returns whether it did. */
  async refresh(): Promise<boolean> {
    await this.flush();
    if (this.flushing || this.scheduled || this.pending.length) return false;
    if (stampOf(this.paths.file) === this.adapter.stamp) return false;
    this.replaceFromDisk();
    this.emitChange();
    return true;
  }

  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
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
    while (this.pending.length || this.needsReload) {
      const batch = this.pending;
      this.pending = [];
      try {
        await this.writeBatch(batch);
      } catch (e) {
        for (const p of batch) p.reject(e);
        // Memory holds changes that never reached the file: the next write starts from the file.
        this.needsReload = true;
        return;
      }
      for (const p of batch) p.resolve();
    }
  }

  private async writeBatch(batch: Pending[]): Promise<void> {
    if (!this.dirReady) {
      ensureStoreDir(this.paths.dir);
      removeOrphanTemps(this.paths.file, pidAlive);
      this.dirReady = true;
    }
    const lock = await acquireLock(this.paths.lock, this.lockTimeoutMs);
    try {
      const outside = stampOf(this.paths.file) !== this.adapter.stamp;
      if (outside || this.needsReload) {
        // The file is the truth; one deleted from outside means an empty store. Every mutator not
        // yet durable is then applied again on top of it.
        this.db.data = (await this.adapter.read()) ?? emptyStore();
        this.needsReload = false;
        this.replay(batch);
        this.replay(this.pending);
        if (outside) this.emitChange();
      }
      if (!batch.length) return;
      capEvents(this.db.data, this.eventCap);
      await this.backupBeforeMigratedWrite();
      await this.db.write();
    } finally {
      await lock.release();
    }
  }

  private replay(list: Pending[]): void {
    for (let i = 0; i < list.length; i++) {
      const p = list[i]!;
      try {
        p.mutator(this.db.data);
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
    const backup = `${this.paths.file}.v${from}.bak`;
    try {
      await copyFile(this.paths.file, backup, fsc.COPYFILE_EXCL);
      await chmod(backup, FILE_MODE);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST' && code !== 'ENOENT') throw e;
    }
    this.backedUp = true;
  }

  private startWatching(pollMs: number): void {
    this.watchFolder();
    this.poller = setInterval(() => this.checkOutside(), pollMs);
    this.poller.unref();
  }

  private watchFolder(): void {
    const name = basename(this.paths.file);
    try {
      this.watcher = watch(this.paths.dir, { persistent: false }, (_event, file) => {
        if (!file || file === name) this.checkOutside();
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
      const stamp = stampOf(this.paths.file);
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
