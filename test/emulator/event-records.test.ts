// The event log reads as records: each case is an app's output, line by line, and the events it
// must become (how many lines each, and the summary shown in the log's row).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LogRecords, recordSummary } from '../../emulator/gateway/log-records';
import { startEmulator, type RunningEmulator } from '../../emulator/gateway';
import { fixture } from '../support/emulator';
import { waitFor } from '../support/wait';

const HANDLER_ERROR = [
  'cpsl: the message handler raised (session ses_1):',
  'Traceback (most recent call last):',
  '  File "runtime.py", line 254, in _run_message_locked',
  '    await handler(*args)',
  '  File "app.py", line 46, in handle',
  '    raise ValueError("boom")',
  'ValueError: boom',
];
const CHAINED = [
  'Traceback (most recent call last):',
  '  File "app.py", line 3, in f',
  "KeyError: 'x'",
  '',
  'During handling of the above exception, another exception occurred:',
  '',
  'Traceback (most recent call last):',
  '  File "app.py", line 5, in f',
  'RuntimeError: no x',
];

const CASES: Array<{ name: string; lines: string[]; want: Array<[number, string]> }> = [
  { name: 'plain lines stay one event each', lines: ['ready', 'hello'], want: [[1, 'ready'], [1, 'hello']] },
  { name: 'a handler error: its introduction and traceback are one event', lines: [...HANDLER_ERROR, 'next line'], want: [[7, 'cpsl: the message handler raised (session ses_1): ValueError: boom'], [1, 'next line']] },
  { name: 'a chained traceback is one event, named by its last error', lines: [...CHAINED, 'after'], want: [[9, 'RuntimeError: no x'], [1, 'after']] },
  { name: 'a line ending with a colon and no traceback is a line', lines: ['Settings:', '  debug = 1'], want: [[1, 'Settings:'], [1, '  debug = 1']] },
  { name: 'two tracebacks in a row are two events', lines: [...CHAINED.slice(0, 3), ...CHAINED.slice(6)], want: [[3, "KeyError: 'x'"], [3, 'RuntimeError: no x']] },
  { name: 'a traceback at the end of the output ends after a pause', lines: HANDLER_ERROR.slice(1), want: [[6, 'ValueError: boom']] },
];

describe('log records', () => {
  for (const c of CASES) {
    test(c.name, async () => {
      const got: string[][] = [];
      const records = new LogRecords((_k, lines) => got.push(lines), 20);
      for (const l of c.lines) records.line('p stderr', l);
      await waitFor('the last record', () => got.reduce((n, r) => n + r.length, 0) >= c.lines.filter((l, i, all) => l.trim() || i < all.length - 1).length);
      assert.deepEqual(got.map((r) => [r.length, recordSummary(r)]), c.want);
    });
  }
});

describe('the event log of a running app', () => {
  let emu: RunningEmulator;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'capsule-records-'));
    cpSync(fixture('emulator', 'echo'), dir, { recursive: true, filter: (p) => !p.includes('__pycache__') });
    writeFileSync(join(dir, '.env'), 'GH_CLIENT_ID=gh-client-id-value\nGH_CLIENT_SECRET=gh-client-secret-value\n');
    emu = await startEmulator({ entries: ['app.py:app'], storeDir: join(dir, '.capsule'), cwd: dir, port: 0, env: { ...process.env } });
    await waitFor('the app to run', () => emu.hub.supervisors[0]?.info().status === 'running', 60_000);
    // The runner's start-up line is logged a moment after it runs (later still on a busy machine):
    // wait for it, so that the tests below see only the log events they cause.
    await waitFor('the app to log that it is ready', () => emu.hub.read().events.some((e) => e.kind === 'log' && /ready on/.test(e.summary)), 60_000);
  });
  after(async () => {
    await emu?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a handler traceback is one event holding its lines, top to bottom', async () => {
    const from = emu.hub.read().eventSeq;
    const r = await fetch(emu.url + '/api/chat', { method: 'POST', headers: { authorization: `Bearer ${emu.token}`, 'content-type': 'application/json' }, body: '{"text":"boom"}' });
    assert.equal(r.status, 422);
    const trace = await waitFor('the traceback event', () => emu.hub.read().events.find((e) => e.seq > from && e.kind === 'log' && Array.isArray(e.detail?.lines)));
    const lines = trace.detail!.lines as string[];
    assert.match(lines[0]!, /handler raised/);
    assert.equal(lines[1], 'Traceback (most recent call last):');
    assert.equal(lines.at(-1), 'ValueError: boom from the handler');
    assert.match(trace.summary, /handler raised .*ValueError: boom from the handler$/);
    const logRows = emu.hub.read().events.filter((e) => e.seq > from && e.kind === 'log');
    assert.deepEqual(logRows.map((e) => e.summary), [trace.summary], 'one log event');
  });

  test('a named channel is named one way on every event: its messages, replies and webhooks', async () => {
    const now = new Date().toISOString();
    await emu.hub.update((d) => {
      d.sessions['ses_wa'] = { id: 'ses_wa', app: 'echo', userId: 'whatsapp:1', channelType: 'whatsapp', channelName: 'shop-whatsapp', createdAt: now, updatedAt: now, history: [], dataJson: '{}' };
    });
    const from = emu.hub.read().eventSeq;
    // A background notification into that conversation (an app's reply outside a turn), and a
    // module's webhook event naming the channel in its detail.
    emu.hub.outbound('ses_wa', undefined, { kind: 'notify', requestId: '', text: 'your order shipped' }, { text: 'your order shipped', sender: 'app' });
    emu.hub.events.emit({ kind: 'webhook', channel: 'whatsapp', summary: 'whatsapp message', detail: { channelName: 'shop-whatsapp', channelType: 'whatsapp' } });
    emu.hub.events.emit({ kind: 'inbound', channel: 'api', summary: 'api message' });
    const rows = await waitFor('the four events', () => {
      const e = emu.hub.read().events.filter((x) => x.seq > from);
      return e.length >= 4 ? e : undefined;
    }).catch((err: Error) => assert.fail(`${err.message}: ${JSON.stringify(emu.hub.read().events.filter((x) => x.seq > from))}`));
    assert.deepEqual(rows.map((e) => [e.kind, e.channel, e.detail?.channelType]), [
      ['notify', 'shop-whatsapp', 'whatsapp'],
      // The channels module could not deliver it (no conversation since this emulator started).
      ['error', 'shop-whatsapp', 'whatsapp'],
      ['webhook', 'shop-whatsapp', 'whatsapp'],
      ['inbound', 'api', undefined],
    ]);
  });

  test('one secret resolved many times in a row is one event with the count', async () => {
    const from = emu.hub.read().eventSeq;
    for (let i = 0; i < 14; i++) emu.hub.secrets!.resolve('GH_CLIENT_ID');
    emu.hub.secrets!.resolve('GH_CLIENT_SECRET');
    const rows = await waitFor('both secret events', () => {
      const s = emu.hub.read().events.filter((e) => e.seq > from && e.kind === 'secret');
      return s.length === 2 ? s : undefined;
    });
    const id = rows.find((e) => e.summary.startsWith('secret GH_CLIENT_ID'))!;
    assert.equal(id.summary, 'secret GH_CLIENT_ID resolved from .env (14 times)');
    assert.equal(id.detail!.count, 14);
    assert.equal(rows.find((e) => e !== id)!.summary, 'secret GH_CLIENT_SECRET resolved from .env');
  });
});
