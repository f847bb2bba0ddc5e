// When a cron schedule runs next (schedules.ts nextRunOf): UTC, strictly after the given time, and
// every expression the scheduler cannot read is a problem named, never a throw or a hang.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nextRunOf } from '../../emulator/platform/schedules';

const AT = Date.parse('2026-12-07T10:00:00.000Z'); // a Monday

test('next runs, in UTC, strictly after the given time', () => {
  const cases: Array<[string, string]> = [
    ['*/5 * * * *', '2026-12-07T10:05:00.000Z'],
    ['0 9 * * 1-5', '2026-12-08T09:00:00.000Z'],
    ['0 10 * * *', '2026-12-08T10:00:00.000Z'],
    ['30 6 1,15 jan-jun sun', '2027-01-01T06:30:00.000Z'],
    ['0 0 29 2 *', '2028-02-29T00:00:00.000Z'],
    ['59 23 31 12 *', '2026-12-31T23:59:00.000Z'],
  ];
  for (const [cron, want] of cases) assert.equal(new Date(nextRunOf(cron, AT) as number).toISOString(), want, cron);
});

test('expressions the scheduler cannot read are named', () => {
  for (const cron of ['', '*/15 * * *', '61 * * * *', '0 25 * * *', '*/0 * * * *', '1-0 * * * *', '0 0 31 2 *', '@daily', '0 0 1 1 * 2099', 'x'.repeat(10_000), '__proto__ * * * *']) {
    const r = nextRunOf(cron, AT);
    assert.equal(typeof r, 'object', `${cron.slice(0, 40)}: ${String(r)}`);
    assert.ok((r as { problem: string }).problem.length > 0);
  }
});
