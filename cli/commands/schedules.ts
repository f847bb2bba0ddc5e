// `capsule-local schedules [--json]` lists the served apps' cron schedules (@app.schedule) with
// their next run on the emulator's clock; `schedules run NAME [--app A]` runs one now, as a tick
// would (the handler's output is in serve's log).
import type { Command } from 'commander';
import { DEFAULT_STORE_DIR } from '../../emulator/store';
import { callRunning } from './emulator-call';
import { formatTable } from './store-io';

interface ScheduleRow {
  app: string;
  name: string;
  cron: string;
  nextRun?: string;
  lastRun?: string;
  runs: number;
  problem?: string;
}

export function registerSchedules(program: Command): void {
  const schedules = program
    .command('schedules')
    .description("The served apps' cron schedules (@app.schedule), with their next run on the emulator's clock (UTC); `schedules run NAME` runs one now.")
    .option('--json', 'print a JSON array of {app, name, cron, nextRun, lastRun, runs, problem}')
    .option('--store <dir>', 'the store folder', DEFAULT_STORE_DIR)
    .action(async (flags: { json?: boolean; store: string }) => {
      const rows = ((await callRunning(flags.store, '/api/state')) as { schedules?: ScheduleRow[] }).schedules ?? [];
      if (flags.json) {
        process.stdout.write(JSON.stringify(rows) + '\n');
        return;
      }
      if (!rows.length) {
        process.stdout.write('No schedules (an app declares them with @app.schedule(cron=...); they run on the real SDK).\n');
        return;
      }
      process.stdout.write(
        formatTable([
          ['APP', 'NAME', 'CRON', 'NEXT RUN (UTC)', 'LAST RUN', 'RUNS'],
          ...rows.map((s) => [s.app, s.name, s.cron, s.problem ? `never: ${s.problem}` : (s.nextRun ?? '-'), s.lastRun ?? '-', String(s.runs)]),
        ]),
      );
    });

  schedules
    .command('run')
    .description('Run a schedule now, outside its times (its next run stays as it was).')
    .argument('<name>', 'the schedule (its function name)')
    .option('--app <name>', 'the app, when several are served')
    .option('--store <dir>', 'the store folder', DEFAULT_STORE_DIR)
    .action(async (name: string, flags: { app?: string; store: string }) => {
      const store = schedules.getOptionValueSource('store') === 'cli' ? (schedules.opts() as { store: string }).store : flags.store;
      const out = (await callRunning(store, '/api/schedules/run', { name, ...(flags.app ? { app: flags.app } : {}) })) as ScheduleRow;
      process.stdout.write(`Ran ${out.app}: ${out.name} (run ${out.runs}; next at ${out.nextRun ?? 'never'}).\n`);
    });
}
