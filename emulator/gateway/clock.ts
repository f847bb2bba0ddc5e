// The hub's clock: real time plus an offset the dashboard can move forward (`POST /api/clock/advance`)
// so that prompt timeouts and token expiries fire without waiting. Timers are kept here, not in
// setTimeout alone, because advancing the clock must fire every timer that became due.
import type { Clock } from '../hub';

const YEAR_MS = 365 * 24 * 3600 * 1000;
/** The longest single move of the clock. */
export const MAX_CLOCK_MOVE_MS = 10 * YEAR_MS;
/**
 * How far the clock may run ahead of real time in all. Dates the app is handed (token expiries,
 * timestamps) must stay far inside what JavaScript and Python's datetime (year 9999) can hold.
 */
export const MAX_CLOCK_AHEAD_MS = 100 * YEAR_MS;

/** Why the clock cannot move by `ms` from an offset of `ahead` ms, or undefined when it can. */
export function clockMoveProblem(ms: unknown, ahead: number): string | undefined {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) return 'the clock moves forward by a non-negative number of milliseconds';
  if (ms > MAX_CLOCK_MOVE_MS) return `the clock moves at most ten years (${MAX_CLOCK_MOVE_MS} ms) at a time`;
  if (ahead + ms > MAX_CLOCK_AHEAD_MS) return `the clock may run at most 100 years ahead of real time (it is ${Math.floor(ahead / YEAR_MS)} years ahead now)`;
  return undefined;
}

/** A clock move refused by clockMoveProblem: bad input, answered 422. */
export class ClockMoveError extends RangeError {
  readonly status = 422;
}

interface Timer {
  at: number;
  fire: () => void;
  handle?: NodeJS.Timeout;
}

export class HubClock implements Clock {
  private offset = 0;
  private readonly timers = new Set<Timer>();

  now(): number {
    return Date.now() + this.offset;
  }

  /** How far ahead of real time the clock runs (ms). */
  get ahead(): number {
    return this.offset;
  }

  /** Moves the clock forward; a move clockMoveProblem refuses throws a ClockMoveError. */
  advance(ms: number): void {
    const problem = clockMoveProblem(ms, this.offset);
    if (problem) throw new ClockMoveError(problem);
    this.offset += ms;
    this.fireDue();
  }

  /** Calls `fire` once the clock reaches `at` (epoch ms on this clock). Returns a cancel function. */
  at(at: number, fire: () => void): () => void {
    const timer: Timer = { at, fire };
    this.timers.add(timer);
    this.arm(timer);
    return () => {
      if (timer.handle) clearTimeout(timer.handle);
      this.timers.delete(timer);
    };
  }

  private arm(timer: Timer): void {
    // setTimeout caps at ~24.8 days; re-arm when a long timer wakes early.
    const delay = Math.min(Math.max(0, timer.at - this.now()), 2 ** 31 - 1);
    timer.handle = setTimeout(() => {
      if (this.now() >= timer.at) this.run(timer);
      else this.arm(timer);
    }, delay);
    timer.handle.unref();
  }

  private fireDue(): void {
    const now = this.now();
    for (const t of [...this.timers]) if (t.at <= now) this.run(t);
  }

  private run(timer: Timer): void {
    if (!this.timers.delete(timer)) return;
    if (timer.handle) clearTimeout(timer.handle);
    try {
      timer.fire();
    } catch {
      // A timer's failure is its owner's; the clock keeps going.
    }
  }

  dispose(): void {
    for (const t of this.timers) if (t.handle) clearTimeout(t.handle);
    this.timers.clear();
  }
}
