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

/** Events trimmed one by one with shift(); more are cut with one splice(). */
const SHIFT_AT_MOST = 64;

export function capEvents(data: StoreData, cap: number = DEFAULT_EVENT_CAP): void {
  const excess = data.events.length - cap;
  if (excess <= 0) return;
  // A full log loses an event or two with every write: shift() drops them in place (V8 moves the
  // start of the array), where splice() copies the whole log each time.
  if (excess <= SHIFT_AT_MOST) for (let i = 0; i < excess; i++) data.events.shift();
  else data.events.splice(0, excess);
}
