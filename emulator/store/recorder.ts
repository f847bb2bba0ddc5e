// Finds what a group commit changed without diffing the document. Mutators run against a recording
// view of the data (Proxies over the first two levels only):
//   - the record-shaped collections (`secrets`, `channels`, `integrations`, `sessions`, `kv`): any
//     entry the mutator reads, writes or deletes (`sessions/<id>`, `kv/<scope>`) is marked, and its
//     current value is written at commit time (reads count, because what a mutator changes below
//     an entry cannot be seen);
//   - `sessions/<id>`: when the session's history only grew (the same history list, longer), the
//     record holds the new items and the session's other fields, not the whole history (a long
//     conversation would otherwise rewrite all of its history with every message). History items
//     are append-only: changing an old item in place is not recorded;
//   - `events`: appends (with increasing `seq`) and trims at the front are followed; anything else
//     (clearing, sorting, replacing an event) cannot be recorded;
//   - any other top-level field read as an object or assigned (`personas`, `eventSeq`) is marked
//     and written whole.
// A change a record cannot express (a collection or the event log replaced, a top-level field
// deleted, the log rewritten) asks for a whole write instead: every row and store.json rewritten.
//
// Outside mutators nothing is wrapped: `Store.read()` returns the plain data.
import type { StoreData } from './schema';

/** What one commit changed: the current value of each changed entry, history appends, new events. */
export interface ChangeRecord {
  set?: Array<[string, string, unknown]>;
  /** Sessions whose history grew: [id, items before, new items, every other field of the session]. */
  history?: Array<[string, number, unknown[], Record<string, unknown>]>;
  delete?: Array<[string, string]>;
  top?: Record<string, unknown>;
  events?: Array<{ seq: number }>;
  cap?: number;
}

export const RECORD_COLLECTIONS: ReadonlySet<string> = new Set(['secrets', 'channels', 'integrations', 'sessions', 'kv']);

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const REWRITING_METHODS = new Set(['pop', 'unshift', 'sort', 'reverse', 'fill', 'copyWithin']);

export interface TakenChanges {
  /** The record to append, or undefined when nothing changed. */
  record?: ChangeRecord;
  /** Why a record cannot express the change (then the whole file is rewritten). */
  whole?: string;
}

export class ChangeRecorder {
  private entries = new Map<string, Set<string>>();
  /** Each marked session as first seen in this batch (null: it did not exist then). */
  private historyBase = new Map<string, { session: object; history: unknown[]; length: number } | null>();
  private tops = new Set<string>();
  private whole: string | undefined;
  /** Events trimmed at the front since the last commit. */
  private trimmed = 0;
  /** Highest event seq that is durable (in store.json or the journal). */
  lastSeq = 0;
  private readonly views = new WeakMap<object, object>();
  private readonly targets = new WeakMap<object, object>();

  /** Forgets every mark: the data was just read from disk. `lastSeq` is the log's last seq there. */
  reset(data: StoreData): void {
    this.entries.clear();
    this.historyBase.clear();
    this.tops.clear();
    this.whole = undefined;
    this.trimmed = 0;
    this.lastSeq = lastSeqOf(data);
  }

  /** Whether the marks since the last commit ask for a whole-file write (a collection replaced...). */
  get wholeRequested(): boolean {
    return this.whole !== undefined;
  }

  /** Asks for a whole-file write at the next commit. */
  requireWhole(reason: string): void {
    this.whole ??= reason;
  }

  /** The recording view a mutator runs against. */
  view(data: StoreData): StoreData {
    return this.cached(data, () => this.topView(data)) as StoreData;
  }

  /**
   * The journal record for everything marked since the last commit, with current values; clears
   * the marks. Call after the log was capped to `cap`.
   */
  take(data: StoreData, cap: number): TakenChanges {
    const events = data.events;
    let whole = this.whole;
    if (!whole && this.trimmed > 0 && events.length < cap) whole = 'events were removed from the log';
    const record: ChangeRecord = {};
    if (!whole) {
      const set: Array<[string, string, unknown]> = [];
      const history: NonNullable<ChangeRecord['history']> = [];
      const del: Array<[string, string]> = [];
      for (const [c, keys] of this.entries) {
        const coll = (data as unknown as Record<string, unknown>)[c];
        if (!isPlainObject(coll)) {
          whole = `"${c}" is no longer an object`;
          break;
        }
        for (const k of keys) {
          const v = Object.hasOwn(coll, k) ? coll[k] : undefined;
          const grown = c === 'sessions' ? this.grownHistory(k, v) : undefined;
          if (grown) history.push(grown);
          else if (v === undefined) del.push([c, k]);
          else set.push([c, k, v]);
        }
      }
      const top: Record<string, unknown> = {};
      let tops = 0;
      for (const k of this.tops) {
        if (!Object.hasOwn(data, k)) {
          whole = `"${k}" was removed`;
          break;
        }
        top[k] = (data as unknown as Record<string, unknown>)[k];
        tops++;
      }
      let from = events.length;
      while (from > 0 && events[from - 1]!.seq > this.lastSeq) from--;
      if (set.length) record.set = set;
      if (history.length) record.history = history;
      if (del.length) record.delete = del;
      if (tops) record.top = top;
      if (from < events.length) {
        record.events = events.slice(from);
        record.cap = cap;
      }
    }
    this.entries.clear();
    this.historyBase.clear();
    this.tops.clear();
    this.whole = undefined;
    this.trimmed = 0;
    this.lastSeq = Math.max(this.lastSeq, lastSeqOf(data));
    if (whole) return { whole };
    return Object.keys(record).length ? { record } : {};
  }

  private cached(target: object, make: () => object): object {
    let v = this.views.get(target);
    if (!v) {
      v = make();
      this.views.set(target, v);
      this.targets.set(v, target);
    }
    return v;
  }

  /** A view's own data (so that assigning a view stores the plain object, never a Proxy). */
  private unwrap<T>(v: T): T {
    return (typeof v === 'object' && v !== null ? ((this.targets.get(v) as T | undefined) ?? v) : v);
  }

  private topView(data: StoreData): object {
    const rec = this;
    const wrap = (target: Record<string, unknown>, p: string, v: unknown): unknown => {
      if (RECORD_COLLECTIONS.has(p) && isPlainObject(v)) return rec.cached(v, () => rec.entryView(p, v));
      if (p === 'events' && Array.isArray(v)) return rec.cached(v, () => rec.eventsView(v as StoredEventLike[]));
      if (typeof v === 'object' && v !== null && Object.hasOwn(target, p)) rec.tops.add(p);
      return v;
    };
    return new Proxy(data as unknown as Record<string, unknown>, {
      get(target, p) {
        const v = Reflect.get(target, p);
        return typeof p === 'string' ? wrap(target, p, v) : v;
      },
      getOwnPropertyDescriptor(target, p) {
        const d = Reflect.getOwnPropertyDescriptor(target, p);
        if (d && 'value' in d && typeof p === 'string') d.value = wrap(target, p, d.value);
        return d;
      },
      set(target, p, value) {
        const v = rec.unwrap(value);
        if (typeof p === 'string') {
          if (RECORD_COLLECTIONS.has(p) || p === 'events') {
            if (target[p] !== v) rec.requireWhole(`"${p}" was replaced`);
          } else rec.tops.add(p);
        }
        return Reflect.set(target, p, v);
      },
      deleteProperty(target, p) {
        rec.requireWhole(`"${String(p)}" was removed`);
        return Reflect.deleteProperty(target, p);
      },
      defineProperty(target, p, desc) {
        rec.requireWhole(`"${String(p)}" was redefined`);
        return Reflect.defineProperty(target, p, 'value' in desc ? { ...desc, value: rec.unwrap(desc.value) } : desc);
      },
    });
  }

  /** The history append of a session whose history only grew since it was first marked. */
  private grownHistory(id: string, now: unknown): NonNullable<ChangeRecord['history']>[number] | undefined {
    const base = this.historyBase.get(id);
    if (!base || now !== base.session || !isPlainObject(now) || now.history !== base.history || base.history.length < base.length) return undefined;
    const { history, ...fields } = now as Record<string, unknown> & { history: unknown[] };
    return [id, base.length, history.slice(base.length), fields];
  }

  private mark(collection: string, key: string, coll?: Record<string, unknown>): void {
    if (collection === 'sessions' && coll && !this.historyBase.has(key)) {
      const s = Object.hasOwn(coll, key) ? coll[key] : undefined;
      this.historyBase.set(key, isPlainObject(s) && Array.isArray(s.history) ? { session: s, history: s.history, length: s.history.length } : null);
    }
    let keys = this.entries.get(collection);
    if (!keys) this.entries.set(collection, (keys = new Set()));
    keys.add(key);
  }

  private entryView(collection: string, coll: Record<string, unknown>): object {
    const rec = this;
    return new Proxy(coll, {
      get(target, p) {
        if (typeof p === 'string') rec.mark(collection, p, target);
        return Reflect.get(target, p);
      },
      getOwnPropertyDescriptor(target, p) {
        if (typeof p === 'string') rec.mark(collection, p, target);
        return Reflect.getOwnPropertyDescriptor(target, p);
      },
      set(target, p, value) {
        if (typeof p === 'string') rec.mark(collection, p, target);
        return Reflect.set(target, p, rec.unwrap(value));
      },
      deleteProperty(target, p) {
        if (typeof p === 'string') rec.mark(collection, p, target);
        return Reflect.deleteProperty(target, p);
      },
      defineProperty(target, p, desc) {
        if (typeof p === 'string') rec.mark(collection, p, target);
        return Reflect.defineProperty(target, p, desc);
      },
    });
  }

  private eventsView(events: StoredEventLike[]): object {
    const rec = this;
    const appendable = (items: unknown[], after: StoredEventLike | undefined): boolean => {
      let last = after ? after.seq : rec.lastSeq;
      for (const e of items) {
        const seq = (e as StoredEventLike | null)?.seq;
        if (typeof seq !== 'number' || !(seq > last)) return false;
        last = seq;
      }
      return true;
    };
    const push = (...items: StoredEventLike[]): number => {
      if (!appendable(items, events.at(-1))) rec.requireWhole('an event was added out of order');
      return Array.prototype.push.apply(events, items);
    };
    const splice = (...args: [number, number, ...StoredEventLike[]]): StoredEventLike[] => {
      if (args.length === 2 && args[0] === 0) rec.trimmed += Math.max(0, Math.min(args[1], events.length));
      else rec.requireWhole('the event log was rewritten');
      return Array.prototype.splice.apply(events, args) as StoredEventLike[];
    };
    const shift = (): StoredEventLike | undefined => {
      if (events.length) rec.trimmed++;
      return events.shift();
    };
    return new Proxy(events, {
      get(target, p) {
        if (p === 'push') return push;
        if (p === 'splice') return splice;
        if (p === 'shift') return shift;
        const v = Reflect.get(target, p);
        if (typeof p === 'string' && REWRITING_METHODS.has(p)) {
          rec.requireWhole('the event log was rewritten');
          return (...args: unknown[]) => (v as (...a: unknown[]) => unknown).apply(target, args);
        }
        return v;
      },
      set(target, p, value) {
        const v = rec.unwrap(value);
        if (p === 'length') {
          if (typeof v !== 'number' || v < target.length) rec.requireWhole('the event log was cut');
        } else if (typeof p === 'string' && /^\d+$/.test(p)) {
          const i = Number(p);
          if (i < target.length || !appendable([v], target.at(-1))) rec.requireWhole('an event was replaced');
        } else rec.requireWhole('the event log was changed');
        return Reflect.set(target, p, v);
      },
      deleteProperty(target, p) {
        rec.requireWhole('an event was removed');
        return Reflect.deleteProperty(target, p);
      },
      defineProperty(target, p, desc) {
        rec.requireWhole('the event log was changed');
        return Reflect.defineProperty(target, p, desc);
      },
    });
  }
}

interface StoredEventLike {
  seq: number;
}

function lastSeqOf(data: StoreData): number {
  const last = Array.isArray(data.events) ? data.events.at(-1) : undefined;
  return typeof last?.seq === 'number' ? last.seq : 0;
}
