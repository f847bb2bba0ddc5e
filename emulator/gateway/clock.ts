// The hub's clock: real time plus an offset the dashboard can move forward (`POST /api/clock/advance`)
// so that prompt timeouts and token expiries fire without waiting. Timers are kept here, not in
// setTimeout alone, because advancing the clock must fire every timer that became due.
import type { Clock } from '../hub';

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

  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError('ms must be a non-negative number');
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
