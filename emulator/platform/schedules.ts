// Cron schedules (`@app.schedule(cron)`): on the platform the scheduler is the platform's, not the
// app's. The app declares its schedules; at each due time the gateway sends its runner a
// ScheduleDelivery (`{schedule: {schedule_name}}` on the Recv stream) and the SDK runs the handler
// (runner/tasks.py `_handle_schedule`: skipped while the previous tick still runs). Here the times
// come from the emulator's clock, in UTC, as the SDK documents: `POST /api/clock/advance` makes a
// schedule due, and a move over many due times runs it once (no burst of missed ticks), as a
// scheduler that was not running would. `runNow` is the dashboard's and the CLI's "run it now".
// Nothing is stored: the declaration is the app's, and the next time follows from the clock.
import { CronExpressionParser } from 'cron-parser';
import type { HubClock } from '../gateway/clock';
import type { NewHubEvent } from '../gateway/events';
import type { RunnerProcess } from '../runner/process';

export interface DeclaredSchedule {
  name: string;
  cron: string;
}

export interface ScheduleView extends DeclaredSchedule {
  app: string;
  /** ISO time of the next run on the emulator's clock; absent when the cron cannot be read. */
  nextRun?: string;
  lastRun?: string;
  runs: number;
  /** Why the schedule never runs (its cron is not one the scheduler reads). */
  problem?: string;
}

/** The schedules in an app's declaration (`_cpsl_config["schedules"]`), well-formed ones only. */
export function declaredSchedules(config: Record<string, unknown> | undefined): DeclaredSchedule[] {
  const raw = config?.schedules;
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((s: unknown) => {
    const o = s as { name?: unknown; cron?: unknown } | null;
    return o && typeof o.name === 'string' && typeof o.cron === 'string' ? [{ name: o.name, cron: o.cron }] : [];
  });
}

/** The first time after `afterMs` the cron expression names (UTC), or why it cannot be read. */
export function nextRunOf(cron: string, afterMs: number): number | { problem: string } {
  if (cron.trim().split(/\s+/).length !== 5) return { problem: 'a cron expression has 5 fields (minute hour day-of-month month day-of-week)' };
  try {
    return CronExpressionParser.parse(cron, { currentDate: new Date(afterMs), tz: 'UTC' }).next().getTime();
  } catch (e) {
    return { problem: (e as Error).message };
  }
}

interface Armed extends ScheduleView {
  at?: number;
  cancel?: () => void;
}

export class ScheduleClock {
  /** Per app: its runner (the one that last opened its Recv stream) and its schedules. */
  private readonly apps = new Map<string, { runner: RunnerProcess; schedules: Map<string, Armed> }>();

  constructor(
    private readonly clock: HubClock,
    private readonly emit: (e: NewHubEvent) => void,
  ) {}

  /**
   * A runner of the app opened its Recv stream: its declared schedules replace the app's previous
   * ones (a reload may change them); what already ran is remembered by name.
   */
  attach(app: string, runner: RunnerProcess, declared: DeclaredSchedule[]): void {
    const before = this.apps.get(app);
    if (before?.runner === runner) return;
    for (const s of before?.schedules.values() ?? []) s.cancel?.();
    const schedules = new Map<string, Armed>();
    for (const d of declared) {
      const old = before?.schedules.get(d.name);
      const s: Armed = { app, name: d.name, cron: d.cron, runs: old?.runs ?? 0, ...(old?.lastRun ? { lastRun: old.lastRun } : {}) };
      schedules.set(d.name, s);
    }
    this.apps.set(app, { runner, schedules });
    const fresh = declared.map((d) => `${d.name} (${d.cron})`).join(', ');
    const same = before && [...before.schedules.values()].map((d) => `${d.name} (${d.cron})`).join(', ') === fresh;
    for (const s of schedules.values()) this.arm(s);
    if (!declared.length || same) return;
    const bad = [...schedules.values()].filter((s) => s.problem);
    const good = [...schedules.values()].filter((s) => !s.problem);
    const parts = good.map((s) => `${s.name} (${s.cron}) next at ${s.nextRun}`);
    for (const s of bad) parts.push(`${s.name} (${s.cron}) never runs: ${s.problem}`);
    this.emit({ kind: 'schedule', app, summary: `${app}: schedules on the emulator's clock (UTC): ${parts.join('; ')}`, detail: { event: 'declared', schedules: [...schedules.values()].map(view) } });
  }

  list(): ScheduleView[] {
    return [...this.apps.values()].flatMap((a) => [...a.schedules.values()].map(view));
  }

  /** Runs a schedule now, outside its times (the next time stays as it was). */
  runNow(app: string, name: string): ScheduleView {
    const s = this.find(app, name);
    this.fire(s, 'run now');
    return view(s);
  }

  /** Whether the app declares a schedule of that name (`__proto__` and other names are not). */
  has(app: string, name: string): boolean {
    return !!this.apps.get(app)?.schedules.get(name);
  }

  private find(app: string, name: string): Armed {
    const s = this.apps.get(app)?.schedules.get(name);
    if (!s) throw new RangeError(`no schedule named "${name}" in ${app} (declared: ${[...(this.apps.get(app)?.schedules.keys() ?? [])].join(', ') || 'none'})`);
    return s;
  }

  private arm(s: Armed): void {
    s.cancel?.();
    const next = nextRunOf(s.cron, this.clock.now());
    if (typeof next !== 'number') {
      s.problem = next.problem;
      delete s.nextRun;
      return;
    }
    s.at = next;
    s.nextRun = new Date(next).toISOString();
    s.cancel = this.clock.at(next, () => {
      delete s.cancel;
      this.fire(s, 'due');
      this.arm(s);
    });
  }

  private fire(s: Armed, why: 'due' | 'run now'): void {
    const runner = this.apps.get(s.app)?.runner;
    if (!runner?.alive || !runner.inbox) {
      this.emit({ kind: 'schedule', app: s.app, summary: `${s.app}: schedule ${s.name} was due, but the app is not running: skipped`, detail: { event: 'skipped', name: s.name } });
      if (why === 'run now') throw new Error(`${s.app} is not running, so schedule ${s.name} cannot run`);
      return;
    }
    s.runs++;
    s.lastRun = new Date(this.clock.now()).toISOString();
    runner.inbox.deliverSchedule(s.name);
    this.emit({ kind: 'schedule', app: s.app, summary: `${s.app}: schedule ${s.name} (${s.cron}) ${why === 'due' ? 'ran' : 'ran now, by request'}`, detail: { event: why === 'due' ? 'ran' : 'run-now', name: s.name, cron: s.cron } });
  }

  close(): void {
    for (const a of this.apps.values()) for (const s of a.schedules.values()) s.cancel?.();
    this.apps.clear();
  }
}

function view(s: Armed): ScheduleView {
  const { app, name, cron, nextRun, lastRun, runs, problem } = s;
  return { app, name, cron, runs, ...(nextRun ? { nextRun } : {}), ...(lastRun ? { lastRun } : {}), ...(problem ? { problem } : {}) };
}
