// The limits of emulator/limits.ts, each at its edge: one over is refused with its status and a
// message naming the limit, or cut with a marker; exactly at the limit passes whole. Nothing
// refused is stored; the event log stays at its documented 5,000 events whatever is sent.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type RunningEmulator } from '../../emulator/gateway';
import { LIMITS, clipText } from '../../emulator/limits';
import { DEFAULT_EVENT_CAP, Store, readStoreSync } from '../../emulator/store';
import { fixture } from '../support/emulator';
import { waitFor } from '../support/wait';

const N = LIMITS.nameChars;
const M = LIMITS.messageChars;

/** [route, body, status wanted, what the error names]: each request alone. */
const CASES: Array<[string, Record<string, unknown>, number, RegExp?]> = [
  ['/api/chat', { text: 'x'.repeat(M) }, 200],
  ['/api/chat', { text: 'x'.repeat(M + 1) }, 413, /at most 100000 characters/],
  ['/api/chat/stream', { text: 'x'.repeat(M + 1) }, 413, /at most 100000 characters/],
  ['/api/webchat/messages', { text: 'x'.repeat(M + 1) }, 413, /at most 100000 characters/],
  ['/api/chat', { text: 'hi', user: 'u'.repeat(N) }, 200],
  ['/api/chat', { text: 'hi', user: 'u'.repeat(N + 1) }, 400, /"user" is 129 characters long: ids and names are at most 128/],
  ['/api/chat', { text: 'hi', user: 'p'.repeat(10_000) }, 400, /at most 128/],
  ['/api/chat', { text: 'hi', session_id: 's'.repeat(N) }, 200],
  ['/api/chat', { text: 'hi', session_id: 's'.repeat(N + 1) }, 400, /"session_id" .* at most 128/],
  ['/api/chat', { text: 'hi', app: 'a'.repeat(N + 1) }, 400, /"app" .* at most 128/],
  ['/api/webchat/personas', { name: 'Ada', email: `${'e'.repeat(N)}@x` }, 400, /"email" .* at most 128/],
];

describe('limits', () => {
  let emu: RunningEmulator;
  let dir: string;
  const post = (path: string, body: unknown) =>
    fetch(emu.url + path, { method: 'POST', headers: { authorization: `Bearer ${emu.token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'capsule-limits-'));
    cpSync(fixture('emulator', 'hostile'), dir, { recursive: true, filter: (p) => !p.includes('__pycache__') });
    emu = await startEmulator({ entries: ['app.py:app'], storeDir: join(dir, '.capsule'), cwd: dir, port: 0, env: { ...process.env } });
    await waitFor('the app to run', () => emu.hub.supervisors[0]?.info().status === 'running', 60_000);
  });
  after(async () => {
    await emu?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const [path, body, want, names] of CASES) {
    const shown = JSON.stringify(body, (_k, v) => (typeof v === 'string' && v.length > 20 ? `<${v.length} characters>` : v));
    test(`${path} ${shown} → ${want}`, async () => {
      const personas = emu.hub.read().personas.length;
      const sessions = Object.keys(emu.hub.read().sessions).length;
      const r = await post(path, body);
      const text = await r.text();
      assert.equal(r.status, want, text.slice(0, 300));
      if (names) {
        assert.match(JSON.parse(text).error, names);
        assert.equal(emu.hub.read().personas.length, personas, 'no persona stored');
        assert.equal(Object.keys(emu.hub.read().sessions).length, sessions, 'no session stored');
      }
    });
  }

  test('a body over 1 MiB is refused with 413 naming the limit', async () => {
    const r = await post('/api/chat', { text: 'x'.repeat(LIMITS.bodyBytes) });
    assert.equal(r.status, 413);
    assert.match(((await r.json()) as { error: string }).error, /the limit is 1024 KiB/);
  });

  test('an app reply over the stored limit: the answer has it whole, history and events are cut with a marker', async () => {
    const size = LIMITS.storedTextChars + 5_000;
    const r = await post('/api/chat', { text: `big ${size}` });
    const answer = (await r.json()) as { reply: string; session_id: string };
    assert.equal(r.status, 200);
    assert.equal(answer.reply.length, size, 'the live answer carries the whole reply');
    await emu.hub.store.flush();
    const s = emu.hub.read().sessions[answer.session_id]!;
    const stored = s.history.at(-1)!.text;
    assert.equal(stored.length, LIMITS.storedTextChars);
    assert.equal(stored, clipText(answer.reply, LIMITS.storedTextChars));
    assert.match(stored, /… \[\d+ more characters not stored\]$/);
    for (const e of emu.hub.read().events.slice(-5)) {
      assert.ok(e.summary.length <= LIMITS.eventTextChars, `${e.kind} summary is ${e.summary.length} characters`);
      assert.ok(JSON.stringify(e.detail ?? {}).length < 2 * LIMITS.eventTextChars);
    }
  });

  test('an event with huge text and thousands of lines is stored within the event limits', async () => {
    await emu.hub.events.emitDurable({ kind: 'log', summary: 's'.repeat(50_000), detail: { lines: Array.from({ length: 5000 }, (_, i) => `line ${i} ${'z'.repeat(10_000)}`) } });
    const e = emu.hub.read().events.at(-1)!;
    assert.equal(e.summary.length, LIMITS.eventTextChars);
    const lines = e.detail!.lines as string[];
    assert.equal(lines.length, LIMITS.eventLines);
    assert.match(lines[0]!, /^line 0 /);
    assert.match(lines[20]!, /more lines not stored/);
    assert.match(lines.at(-1)!, /^line 4999 /, 'the last lines (where a traceback names its error) are kept');
    assert.ok(lines.every((l) => l.length <= LIMITS.eventTextChars));
  });

  test(`the event log holds at most ${DEFAULT_EVENT_CAP} events, in memory, on disk and after a restart`, async () => {
    const before = emu.hub.read().eventSeq;
    const extra = DEFAULT_EVENT_CAP * 2 + 321;
    for (let i = 0; i < extra; i++) emu.hub.events.emit({ kind: 'note', summary: `event ${i}` });
    await emu.hub.store.flush();
    await emu.hub.events.emitDurable({ kind: 'note', summary: 'last' });
    const mem = emu.hub.read().events;
    assert.ok(mem.length <= DEFAULT_EVENT_CAP, `${mem.length} events in memory`);
    assert.equal(mem.at(-1)!.summary, 'last');
    assert.equal(mem.at(-1)!.seq, before + extra + 1, 'numbers keep counting');
    const disk = readStoreSync(join(dir, '.capsule'))!.events;
    assert.equal(disk.length, DEFAULT_EVENT_CAP, 'store.json with its journal');
    assert.deepEqual(disk.map((e) => e.seq), mem.slice(-DEFAULT_EVENT_CAP).map((e) => e.seq), 'the newest are kept');
    // A second reader opening the store (as a restart does) sees the same bound.
    const other = await Store.open(join(dir, '.capsule'));
    assert.equal(other.read().events.length, DEFAULT_EVENT_CAP);
    await other.close();
  });
});
