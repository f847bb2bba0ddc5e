// The hub's event bus: every event goes to the store's event log (durable, capped) and to live
// listeners (the SSE stream `GET /api/events`, the serve console). Callers never pass secret
// values; the scrubber removes any known secret value that slipped into a summary or detail anyway.
import { pushEvent, type Store, type StoredEvent, type StoreData } from '../store';
import type { EventBus } from '../hub';
import type { SecretScrubber } from './scrubber';
import { LIMITS, clipText } from '../limits';

export type NewHubEvent = Parameters<EventBus['emit']>[0];

/** Resolutions of one secret this close together are one event. */
const COLLAPSE_QUIET_MS = 250;
const COLLAPSE_MAX_MS = 2_000;

export class HubEvents implements EventBus {
  private readonly listeners = new Set<(e: StoredEvent) => void>();
  private readonly repeats = new Map<string, { e: NewHubEvent; count: number; since: number; timer: NodeJS.Timeout }>();

  constructor(
    private readonly store: Store,
    private readonly scrubber: SecretScrubber,
  ) {}

  preview(text: string, chars: number): string {
    const one = this.scrubber.text(text).replace(/\s+/g, ' ').trim();
    return one.length > chars ? `${one.slice(0, chars - 3)}...` : one;
  }

  emit(e: NewHubEvent): void {
    // Injections happen once per app start; resolutions on demand come in bursts.
    if (e.kind === 'secret' && e.detail?.by !== 'injection') return this.collapse(e);
    void this.emitDurable(e).catch(() => undefined);
  }

  /**
   * The same secret resolved again and again (an OAuth connect reads its client id and secret at
   * every step): one event with a count, once the resolutions pause for COLLAPSE_QUIET_MS (or
   * COLLAPSE_MAX_MS after the first).
   */
  private collapse(e: NewHubEvent): void {
    const key = `${e.app ?? ''}\u0000${e.summary}`;
    const open = this.repeats.get(key);
    if (open) {
      open.count++;
      if (Date.now() - open.since >= COLLAPSE_MAX_MS) this.release(key);
      else open.timer.refresh();
      return;
    }
    const timer = setTimeout(() => this.release(key), COLLAPSE_QUIET_MS);
    timer.unref();
    this.repeats.set(key, { e, count: 1, since: Date.now(), timer });
  }

  private release(key: string): void {
    const open = this.repeats.get(key);
    if (!open) return;
    clearTimeout(open.timer);
    this.repeats.delete(key);
    const { e, count } = open;
    const summary = count > 1 ? `${e.summary} (${count} times)` : e.summary;
    void this.emitDurable({ ...e, summary, detail: { ...e.detail, count } }).catch(() => undefined);
  }

  /** Writes the collapsed resolutions still waiting (on close). */
  flushRepeats(): void {
    for (const key of [...this.repeats.keys()]) this.release(key);
  }

  /** Like emit, but resolves when the event is on disk. */
  emitDurable(e: NewHubEvent): Promise<void> {
    const clean = this.clean(e);
    let stored: StoredEvent | undefined;
    const done = this.store.update((d) => {
      stored = pushEvent(d, clean);
    });
    if (stored) this.notify(stored);
    return done;
  }

  /** Appends inside a caller's mutator (so one write carries the change and its event). */
  pushIn(d: StoreData, e: NewHubEvent): StoredEvent {
    return pushEvent(d, this.clean(e));
  }

  /** Tells live listeners about events pushed with pushIn (after the update call returned). */
  notify(e: StoredEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        // One broken listener (a closed SSE socket) must not stop the others.
      }
    }
  }

  subscribe(listener: (e: StoredEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private clean(e: NewHubEvent): NewHubEvent {
    // Built without `delete` (objects stay in V8's fast shape): only the fields that are set.
    const out = {} as NewHubEvent;
    for (const k of Object.keys(e) as Array<keyof NewHubEvent>) {
      if (e[k] !== undefined) (out as Record<string, unknown>)[k] = e[k];
    }
    out.summary = clipText(this.scrubber.text(e.summary), LIMITS.eventTextChars);
    if (e.detail) out.detail = bounded(this.scrubber.json(e.detail)) as Record<string, unknown>;
    // One channel naming everywhere (messages, replies, errors, webhooks): a named channel by its
    // name (`shop-whatsapp`), the built-in ones by their type (`chat`, `api`). The type stays in
    // detail.channelType.
    const name = out.detail?.channelName;
    if (typeof name === 'string' && name && out.channel !== name) {
      if (out.channel && out.detail!.channelType === undefined) out.detail!.channelType = out.channel;
      out.channel = name;
    }
    return out;
  }
}

/**
 * An event's detail within the limits (emulator/limits.ts): every string cut at eventTextChars,
 * every list at eventLines (the first lines and the last ones, where a traceback names its error).
 */
function bounded(v: unknown): unknown {
  if (typeof v === 'string') return clipText(v, LIMITS.eventTextChars);
  if (Array.isArray(v)) {
    const max = LIMITS.eventLines;
    const items = v.length <= max ? v : [...v.slice(0, 20), `… [${v.length - (max - 1)} more lines not stored]`, ...v.slice(v.length - (max - 21))];
    return items.map(bounded);
  }
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    // defineProperty: a key named `__proto__` stays a key.
    for (const [k, x] of Object.entries(v)) Object.defineProperty(out, k, { value: bounded(x), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return v;
}
