// The event log: every inbound message, reply, block, secret resolution, prompt and data call, by
// name and never by value. Capped so that a long-running emulator's store stays small.
import type { StoreData, StoredEvent } from './schema';

export const DEFAULT_EVENT_CAP = 5_000;

export type NewEvent = Omit<StoredEvent, 'seq' | 'at'> & { at?: string };

/** Appends an event (call inside a mutator). Returns the stored event with its sequence number. */
export function pushEvent(data: StoreData, event: NewEvent, cap: number = DEFAULT_EVENT_CAP): StoredEvent {
  const stored: StoredEvent = { ...event, seq: ++data.eventSeq, at: event.at ?? new Date().toISOString() };
  data.events.push(stored);
  // Trim in chunks so that each append stays cheap; the write trims exactly to the cap.
  if (data.events.length > cap + Math.ceil(cap / 10)) capEvents(data, cap);
  return stored;
}

export function capEvents(data: StoreData, cap: number = DEFAULT_EVENT_CAP): void {
  if (data.events.length > cap) data.events.splice(0, data.events.length - cap);
}
