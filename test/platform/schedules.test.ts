// Cron schedules (@app.schedule) on the real SDK: the gateway runs them on the emulator's clock
// (UTC) through the runner's Recv stream, once per due time however far the clock moves; a cron it
// cannot read is named and never runs; `POST /api/schedules/run` runs one now. The bundled runtime
// cannot run them and says so by name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startEmulator } from '../support/emulator';
import { chat, json } from '../emulator/helpers';
import { waitFor } from '../support/wait';

type Schedule = { app: string; name: string; cron: string; nextRun?: string; lastRun?: string; runs: number; problem?: string };
type State = { schedules: Schedule[]; clock: { now: number } };

const MINUTE = 60_000;

test('schedules run on the emulator clock, once per move, and on request; bad names are refused', async () => {
  const emu = await startEmulator({ app: join(__dirname, 'fixtures', 'schedules') });
  try {
    await waitFor('the schedules to be armed', async () => ((await json<State>(emu, '/api/state')).body.schedules.length === 3 ? true : undefined));
    const state = (await json<State>(emu, '/api/state')).body;
    const byName = Object.fromEntries(state.schedules.map((s) => [s.name, s]));
    assert.equal(byName.every_five!.cron, '*/5 * * * *');
    const next = Date.parse(byName.every_five!.nextRun!);
    assert.ok(next > state.clock.now && next <= state.clock.now + 5 * MINUTE, `next run ${byName.every_five!.nextRun} within 5 minutes`);
    assert.equal(new Date(byName.morning_digest!.nextRun!).getUTCHours(), 9, 'cron times are UTC');
    assert.equal(byName.never!.nextRun, undefined);
    assert.match(byName.never!.problem ?? '', /61|range/);
    const declared = /schedules: schedules on the emulator's clock \(UTC\): morning_digest \(0 9 \* \* 1-5\) next at .*every_five .*never \(61 \* \* \* \*\) never runs/;
    await waitFor('serve to list the schedules', () => declared.test(emu.output()) || undefined);
    assert.equal((await chat(emu, 'ticks')).body.reply, 'none');

    // Five minutes: one */5 boundary.
    assert.equal((await json(emu, '/api/clock/advance', { ms: 5 * MINUTE })).status, 200);
    await waitFor('every_five to run', async () => ((await chat(emu, 'ticks')).body.reply === 'every_five=1' ? true : undefined));

    // Three days hold hundreds of */5 times and a weekday 9:00: each runs once, not once per time.
    assert.equal((await json(emu, '/api/clock/advance', { ms: 3 * 24 * 60 * MINUTE })).status, 200);
    await waitFor('one run each', async () => ((await chat(emu, 'ticks')).body.reply === 'every_five=2 morning_digest=1' ? true : undefined));

    const now = await json<Schedule>(emu, '/api/schedules/run', { name: 'morning_digest' });
    assert.equal(now.status, 200, JSON.stringify(now.body));
    assert.equal(now.body.runs, 2);
    await waitFor('the requested run', async () => ((await chat(emu, 'ticks')).body.reply === 'every_five=2 morning_digest=2' ? true : undefined));

    // The CLI: the list, a run, and an unknown name (exit 1 with the emulator's message).
    const listed = await emu.cli(['schedules']);
    assert.equal(listed.status, 0, listed.stderr);
    assert.match(listed.stdout, /schedules\s+every_five\s+\*\/5 \* \* \* \*\s+\d{4}-/);
    assert.match(listed.stdout, /never\s+61 \* \* \* \*\s+never: /);
    const ran = await emu.cli(['schedules', 'run', 'every_five']);
    assert.equal(ran.status, 0, ran.stderr);
    assert.match(ran.stdout, /^Ran schedules: every_five \(run 3; next at \d{4}-/);
    await waitFor('the CLI run', async () => ((await chat(emu, 'ticks')).body.reply === 'every_five=3 morning_digest=2' ? true : undefined));
    const unknown = await emu.cli(['schedules', 'run', 'nope']);
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /declares no schedule named "nope" \(declared: morning_digest, every_five, never\)/);

    for (const [body, status] of [[{ name: '__proto__' }, 404], [{ name: 'never_declared' }, 404], [{}, 400], [{ name: 5 }, 400], [{ app: 'nope', name: 'every_five' }, 404]] as const) {
      const r = await json<{ error: string }>(emu, '/api/schedules/run', body);
      assert.equal(r.status, status, `${JSON.stringify(body)}: ${JSON.stringify(r.body)}`);
      assert.ok(r.body.error, 'a message says why');
    }
    const events = (await json<Array<{ kind: string; summary: string }>>(emu, '/api/events/log')).body.filter((e) => e.kind === 'schedule');
    assert.deepEqual(events.filter((e) => / ran( now, by request)?$/.test(e.summary)).map((e) => e.summary).sort(), [
      'schedules: schedule every_five (*/5 * * * *) ran',
      'schedules: schedule every_five (*/5 * * * *) ran',
      'schedules: schedule every_five (*/5 * * * *) ran now, by request',
      'schedules: schedule morning_digest (0 9 * * 1-5) ran',
      'schedules: schedule morning_digest (0 9 * * 1-5) ran now, by request',
    ]);
  } finally {
    await emu.stop();
    emu.cleanup();
  }
});

test('the bundled runtime names the schedules it cannot run; the app serves', async () => {
  const emu = await startEmulator({ app: join(__dirname, 'fixtures', 'schedules-bundled'), runtime: 'bundled' });
  try {
    const said = /RuntimeWarning: @app.schedule is not available in Capsule Local yet: 'morning_digest' is registered but never runs locally/;
    await waitFor('serve to name the schedule', () => said.test(emu.output()) || undefined);
    assert.equal((await chat(emu, 'hi')).body.reply, 'echo: hi');
    const run = await json<{ error: string }>(emu, '/api/schedules/run', { name: 'morning_digest' });
    assert.equal(run.status, 404);
    assert.match(run.body.error, /bundled runtime/);
  } finally {
    await emu.stop();
    emu.cleanup();
  }
});
