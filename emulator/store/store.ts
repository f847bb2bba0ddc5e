// The per-workspace store, in two files of `.capsule/`:
//   - store.json, the small configuration document editors and the language server watch
//     (secrets, channels, personas, connected integrations), rewritten whole and atomically when
//     it changes;
//   - the app's data (sessions and their history, key-value scopes, the event log) in tables of
//     the workspace's SQLite database, next to the collections (app-tables.ts).
//
// The data is kept in memory as one StoreData. `update(mutator)` applies the mutator to it at once
// (so `read()` sees it) and resolves once a commit containing it is durable; all updates that
// arrive while a commit is due go out together (group commit). What a commit changed is found by
// running mutators against a recording view (recorder.ts), so a message in a long conversation
// writes one row, not the conversation.
//
// A commit is one SQLite transaction, BEGIN IMMEDIATE: that is also the cross-process lock
// between the emulator and the CLI. Inside it the store checks whether another process committed
// since it last read (the `rev` counter, and store.json's stamp); if so it re-reads and applies
// the not-yet-durable mutators again on top. So a mutator MAY RUN MORE THAN ONCE: it must only
// change `data` (compute ids, timestamps and other side effects outside it) and must not keep
// references to objects from an earlier `read()`. A commit that changes the configuration writes
// store.json (temp file, rename) before the transaction commits.
//
// Durability is SQLite's WAL mode with synchronous=NORMAL: an acknowledged update survives the
// process being killed at any point (kill -9 included); an operating-system crash or a power cut
// may lose the last moments, never leave a mixed database. `sync: 'full'` (or
// CAPSULE_STORE_SYNC=full) is synchronous=FULL.
import { copyFileSync, chmodSync, constants as fsc, existsSync, rmSync, watch, type FSWatcher } from 'node:fs';
import { basename } from 'node:path';
import { loadDriver, openDatabase, DATA_FILE, type Database } from '../collections/database';
import { DataError } from '../collections/errors';
import { emptyStore, SCHEMA_VERSION, type StoreData, type StoredSession } from './schema';
import { toDicts } from './dict';
import { ensureStoreDir, writeFileAtomicSync, removeOrphanTemps } from './atomic-file';
import { pidAlive } from './process-alive';
import { loadStoreSync, stampOf, MISSING, type FileStamp } from './load';
import { storePaths, type StorePaths } from './paths';
import { capEvents, DEFAULT_EVENT_CAP } from './events';
import { ChangeRecorder } from './recorder';
import { AppTables, TABLE_COLLECTIONS, historyUnread, outlineOf, type AppData, type HistoryOutline } from './app-tables';
import { StoreError, storeLocked } from './errors';
import { journalFileFor } from './journal';

export interface StoreOptions {
  /** Follow changes other processes make to the store (the emulator sets this). */
  watch?: boolean;
  /** How often to look for outside changes when watching, in ms (fs.watch events also trigger). */
  pollMs?: number;
  /** Events kept in the log (oldest dropped first). */
  eventCap?: number;
  /** How long a commit waits for another process's commit before failing. */
  lockTimeoutMs?: number;
  /** Working folder against which a relative store dir is resolved. */
  cwd?: string;
  /**
   * 'normal' (default): acknowledged once committed to the WAL (survives kill -9); 'full': also
   * flushed to the disk first. Default from CAPSULE_STORE_SYNC.
   */
  sync?: 'normal' | 'full';
}

type Mutator = (data: StoreData) => void;
interface Pending {
  mutator: Mutator;
  resolve: () => void;
  reject: (e: unknown) => void;
}

/** Indentation of store.json: readable by hand, still cheap to write. */
const INDENT = 1;

/** The document store.json holds: the configuration alone. */
function configDocument(data: StoreData): object {
  return {
    schemaVersion: SCHEMA_VERSION,
    secrets: data.secrets,
    channels: data.channels,
    personas: data.personas,
    integrations: data.integrations,
  };
}

const CONFIG_TOPS = new Set(['personas']);

/**
 * The whole store as its files hold it (store.json and the database, every history read), without
 * opening it for writing: for readers such as tests and one-off checks. undefined when neither
 * file exists.
 */
export function readStoreSync(dir: string): StoreData | undefined {
  const paths = storePaths(dir);
  const loaded = loadStoreSync(paths.file);
  const data = loaded?.data ?? emptyStore();
  if (loaded && loaded.migratedFrom !== undefined && loaded.migratedFrom < 2) return data;
  if (!existsSync(paths.data)) return loaded ? data : undefined;
  const db = openDatabase(paths.data, { mustExist: true, readonly: true });
  try {
    const tables = AppTables.present(db);
    if (!tables) return loaded ? data : undefined;
    const app = tables.load((id) => tables.history(id));
    for (const s of Object.values(app.sessions)) void s.history;
    return { ...data, ...app };
  } finally {
    db.close();
  }
}

export class Store {
  readonly paths: StorePaths;
  private data: StoreData = emptyStore();
  private tables: AppTables | undefined;
  private pending: Pending[] = [];
  private flushing: Promise<void> | undefined;
  private scheduled = false;
  private needsReload = false;
  /** store.json as last read or written by this process. */
  private configStamp: FileStamp = MISSING;
  /** The database's commit counter as last read or written by this process. */
  private rev = 0;
  /** store.json was of an older schema (then it also held the data): the first commit moves it. */
  private migratedFrom: number | undefined;
  private legacy = false;
  private readonly recorder = new ChangeRecorder();
  private dirReady = false;
  private closed = false;
  private watcher: FSWatcher | undefined;
  private poller: NodeJS.Timeout | undefined;
  private badStamp: string | undefined;
  private readonly changeListeners = new Set<() => void>();
  private readonly errorListeners = new Set<(e: unknown) => void>();
  private readonly eventCap: number;
  private readonly lockTimeoutMs: number;
  private readonly syncFull: boolean;

  private constructor(paths: StorePaths, options: StoreOptions) {
    this.paths = paths;
    this.syncFull = (options.sync ?? (process.env.CAPSULE_STORE_SYNC === 'full' ? 'full' : 'normal')) === 'full';
    this.eventCap = options.eventCap ?? DEFAULT_EVENT_CAP;
    this.lockTimeoutMs = options.lockTimeoutMs ?? 10_000;
  }

  /**
   * Opens the store in `dir` (default `.capsule`). Reads what exists; creates nothing until the
   * first update. Throws StoreError for a corrupt file or one of a newer schema.
   */
  static async open(dir?: string, options: StoreOptions = {}): Promise<Store> {
    const store = new Store(storePaths(dir, options.cwd), options);
    try {
      loadDriver();
    } catch (e) {
      throw new StoreError('io', store.paths.data, (e as Error).message);
    }
    store.openTables(false);
    store.reload();
    if (options.watch) store.startWatching(options.pollMs ?? 500);
    return store;
  }

  /** The current in-memory data, including updates not yet durable. Call it each time. */
  read(): StoreData {
    return this.data;
  }

  /** Whether anything of the store existed when last read or has been written by this process. */
  exists(): boolean {
    return this.configStamp !== MISSING || (this.tables !== undefined && this.rev > 0);
  }

  update(mutator: Mutator): Promise<void> {
    if (this.closed) return Promise.reject(new Error('store is closed'));
    try {
      mutator(this.recorder.view(this.data));
      // A collection replaced (import, reset, a test's seed) gets prototype-less maps again (dict.ts).
      if (this.recorder.wholeRequested) toDicts(this.data);
    } catch (e) {
      // The mutator may have changed part of the data before throwing: take the files' state back.
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

  /** Called after another process changed the store and this store re-read it. */
  onChange(listener: () => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /** Called when a change on disk could not be read (e.g. someone broke store.json by hand). */
  onError(listener: (e: unknown) => void): () => void {
    this.errorListeners.add(listener);
    return () => this.errorListeners.delete(listener);
  }

  /** Re-reads the store if another process changed it. Returns whether it did. */
  async refresh(): Promise<boolean> {
    await this.flush();
    if (this.flushing || this.scheduled || this.pending.length) return false;
    if (!this.changedOutside()) return false;
    this.reload();
    this.emitChange();
    return true;
  }

  /** Flushes, then closes the database. */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    this.watcher?.close();
    if (this.poller) clearInterval(this.poller);
    // Histories not read yet stay readable after close (from a short-lived read-only handle).
    const tables = this.tables;
    this.tables = undefined;
    tables?.db.close();
  }

  // ----- reading -----

  private openTables(create: boolean): AppTables | undefined {
    if (this.tables) return this.tables;
    const file = this.paths.data;
    if (!create && !existsSync(file)) return undefined;
    try {
      const db = openDatabase(file, { mustExist: !create });
      db.pragma(`busy_timeout = ${Math.max(0, Math.floor(this.lockTimeoutMs))}`);
      if (this.syncFull) db.pragma('synchronous = FULL');
      this.tables = AppTables.create(db);
    } catch (e) {
      if (e instanceof DataError) throw new StoreError('io', file, e.message);
      throw e;
    }
    return this.tables;
  }

  private readHistory = (sessionId: string): StoreData['sessions'][string]['history'] =>
    this.withTables((t) => t.history(sessionId), []);

  /**
   * What a session list shows of a session (message count, last and first user message). A
   * history not read yet stays unread: listing a big store does not load every conversation.
   */
  outline(s: StoredSession): HistoryOutline {
    if (!historyUnread(s)) return outlineOf(s.history);
    // An unread history is the one loaded with this session object (a change reads it first, a
    // reload makes new objects), so its outline can be kept with the object.
    let o = this.outlines.get(s);
    if (!o) this.outlines.set(s, (o = this.withTables((t) => t.outline(s.id), outlineOf([]))));
    return o;
  }

  private readonly outlines = new WeakMap<StoredSession, HistoryOutline>();

  /** Runs `read` on this store's tables, or on a read-only look at the database when this process has not opened them. */
  private withTables<T>(read: (t: AppTables) => T, none: T): T {
    if (this.tables) return read(this.tables);
    const file = this.paths.data;
    if (!existsSync(file)) return none;
    const db: Database = openDatabase(file, { mustExist: true, readonly: true });
    try {
      const t = AppTables.present(db);
      return t ? read(t) : none;
    } finally {
      db.close();
    }
  }

  /** Reads both halves: store.json (migrating an older one) and the tables. */
  private reload(): void {
    const stamp = stampOf(this.paths.file);
    const loaded = loadStoreSync(this.paths.file);
    const tables = this.tables ?? this.openTables(false);
    this.rev = tables?.rev() ?? 0;
    const config = loaded?.data ?? emptyStore();
    this.migratedFrom = loaded?.migratedFrom;
    // A store.json of schema 1 held the data itself (with its journal applied by loadStoreSync).
    this.legacy = this.migratedFrom !== undefined && this.migratedFrom < 2;
    const app: AppData = this.legacy ? config : (tables?.load(this.readHistory) ?? emptyStore());
    this.data = { ...config, sessions: app.sessions, kv: app.kv, events: app.events, eventSeq: app.eventSeq };
    this.configStamp = loaded ? stamp : MISSING;
    this.recorder.reset(this.data);
  }

  /**
   * Reads only store.json again (another process changed the configuration alone). Only while
   * nothing is pending: memory's data half is then what the database holds.
   */
  private reloadConfig(): void {
    const stamp = stampOf(this.paths.file);
    const loaded = loadStoreSync(this.paths.file);
    if (loaded && loaded.migratedFrom !== undefined && loaded.migratedFrom < 2) return this.reload();
    const config = loaded?.data ?? emptyStore();
    const d = this.data;
    this.data = { ...d, schemaVersion: config.schemaVersion, secrets: config.secrets, channels: config.channels, personas: config.personas, integrations: config.integrations };
    this.configStamp = loaded ? stamp : MISSING;
    this.recorder.reset(this.data);
  }

  /** 'config', 'all' or undefined: what another process changed since this one last read. */
  private changedOutside(): 'config' | 'all' | undefined {
    const tables = this.tables ?? this.openTables(false);
    if ((tables?.rev() ?? 0) !== this.rev) return 'all';
    return stampOf(this.paths.file) !== this.configStamp ? 'config' : undefined;
  }

  // ----- writing -----

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
        this.writeBatch(batch);
      } catch (e) {
        for (const p of batch) p.reject(e);
        // Memory holds changes that never reached the files: the next commit starts from them.
        this.needsReload = true;
        return;
      }
      for (const p of batch) p.resolve();
      if (batch.length) await new Promise((r) => setImmediate(r));
    }
  }

  private writeBatch(batch: Pending[]): void {
    if (!this.dirReady) {
      ensureStoreDir(this.paths.dir);
      removeOrphanTemps(this.paths.file, pidAlive);
      this.dirReady = true;
    }
    const tables = this.openTables(true)!;
    const db = tables.db;
    this.begin(db);
    try {
      const outside = this.changedOutside();
      if (outside || this.needsReload) {
        // The files are the truth; every mutator not yet durable is applied again on top of them
        // (both halves are read again: the mutators changed both in memory).
        this.reload();
        this.needsReload = false;
        this.replay(batch);
        this.replay(this.pending);
        if (outside) this.emitChange();
      }
      if (batch.length) this.commit(tables);
      db.exec('COMMIT');
    } catch (e) {
      if (db.inTransaction) db.exec('ROLLBACK');
      throw e;
    }
  }

  private begin(db: Database): void {
    try {
      db.exec('BEGIN IMMEDIATE');
    } catch (e) {
      if ((e as { code?: string }).code === 'SQLITE_BUSY') {
        throw storeLocked(this.paths.data, 'another Capsule Local process', this.lockTimeoutMs);
      }
      throw e;
    }
  }

  /** Inside the transaction: the rows that changed, and store.json when the configuration did. */
  private commit(tables: AppTables): void {
    const data = this.data;
    capEvents(data, this.eventCap);
    const taken = this.recorder.take(data, this.eventCap);
    if (taken.whole !== undefined || this.legacy) {
      this.backupLegacy();
      this.rev = tables.replaceAll(data);
      this.writeConfig(data);
      this.removeLegacyJournal();
      return;
    }
    const record = taken.record;
    if (!record) return;
    const configChanged =
      this.configStamp === MISSING ||
      (record.set ?? []).some(([c]) => !TABLE_COLLECTIONS.has(c)) ||
      (record.delete ?? []).some(([c]) => !TABLE_COLLECTIONS.has(c)) ||
      Object.keys(record.top ?? {}).some((k) => CONFIG_TOPS.has(k));
    this.rev = tables.apply(record, data);
    if (configChanged) this.writeConfig(data);
  }

  private writeConfig(data: StoreData): void {
    writeFileAtomicSync(this.paths.file, JSON.stringify(configDocument(data), null, INDENT) + '\n');
    this.configStamp = stampOf(this.paths.file);
    data.schemaVersion = SCHEMA_VERSION;
    this.migratedFrom = undefined;
  }

  /** Before a store.json of an older schema is first rewritten: the files as they were. */
  private backupLegacy(): void {
    const from = this.migratedFrom;
    if (from === undefined) return;
    const journal = journalFileFor(this.paths.file);
    for (const source of [this.paths.file, journal]) {
      try {
        copyFileSync(source, `${source}.v${from}.bak`, fsc.COPYFILE_EXCL);
        chmodSync(`${source}.v${from}.bak`, 0o600);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code !== 'EEXIST' && code !== 'ENOENT') throw e;
      }
    }
  }

  private removeLegacyJournal(): void {
    if (!this.legacy) return;
    // Its records are in the database now (the backup keeps a copy).
    rmSync(journalFileFor(this.paths.file), { force: true });
    this.legacy = false;
  }

  private replay(list: Pending[]): void {
    for (let i = 0; i < list.length; i++) {
      const p = list[i]!;
      try {
        p.mutator(this.recorder.view(this.data));
        if (this.recorder.wholeRequested) toDicts(this.data);
      } catch (e) {
        // Against the newer data this change no longer applies: fail it alone.
        list.splice(i--, 1);
        p.reject(e);
      }
    }
  }

  // ----- following other processes -----

  private startWatching(pollMs: number): void {
    this.watchFolder();
    this.poller = setInterval(() => this.checkOutside(), pollMs);
    this.poller.unref();
  }

  private watchFolder(): void {
    const names = new Set([basename(this.paths.file), DATA_FILE, `${DATA_FILE}-wal`]);
    try {
      this.watcher = watch(this.paths.dir, { persistent: false }, (_event, file) => {
        if (!file || names.has(file)) this.checkOutside();
      });
      this.watcher.on('error', () => {
        this.watcher?.close();
        this.watcher = undefined;
      });
    } catch {
      // The folder does not exist yet: polling notices the files once they appear.
    }
  }

  private checkOutside(): void {
    // A commit in progress re-reads inside its transaction anyway.
    if (this.closed || this.flushing || this.scheduled || this.pending.length) return;
    try {
      const outside = this.changedOutside();
      if (!outside) return;
      const mark = `${stampOf(this.paths.file)}|${this.tables?.rev() ?? 0}`;
      if (mark === this.badStamp) return;
      if (!this.watcher) this.watchFolder();
      try {
        if (outside === 'config') this.reloadConfig();
        else this.reload();
      } catch (e) {
        // Report a broken file once, not on every poll; memory keeps the last good state.
        this.badStamp = mark;
        throw e;
      }
      this.emitChange();
    } catch (e) {
      for (const l of this.errorListeners) l(e);
    }
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
