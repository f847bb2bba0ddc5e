// The hub's event bus: every event goes to the store's event log (durable, capped) and to live
// listeners (the SSE stream `GET /api/events`, the serve console). Callers never pass secret
// values; the scrubber removes any known secret value that slipped into a summary or detail anyway.
import { pushEvent, type Store, type StoredEvent, type StoreData } from '../store';
import type { EventBus } from '../hub';
import type { SecretScrubber } from './scrubber';

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
    out.summary = this.scrubber.text(e.summary);
    if (e.detail) out.detail = this.scrubber.json(e.detail);
    return out;
  }
}
