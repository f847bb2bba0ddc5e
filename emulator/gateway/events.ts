// The hub's event bus: every event goes to the store's event log (durable, capped) and to live
// listeners (the SSE stream `GET /api/events`, the serve console). Callers never pass secret
// values; the scrubber removes any known secret value that slipped into a summary or detail anyway.
import { pushEvent, type Store, type StoredEvent, type StoreData } from '../store';
import type { EventBus } from '../hub';
import type { SecretScrubber } from './scrubber';
import { LIMITS, clipText } from '../limits';

export type NewHubEvent = Parameters<EventBus['emit']>[0];

export class HubEvents implements EventBus {
  private readonly listeners = new Set<(e: StoredEvent) => void>();

  constructor(
    private readonly store: Store,
    private readonly scrubber: SecretScrubber,
  ) {}

  emit(e: NewHubEvent): void {
    void this.emitDurable(e).catch(() => undefined);
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
