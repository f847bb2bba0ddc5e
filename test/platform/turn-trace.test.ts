// CAPSULE_TRACE_TURNS=1: one line per turn on the emulator's stderr, the gateway's part apart from
// the app's, with the calls the app made for it (emulator/gateway/turn-trace.ts). On the real SDK a
// message costs GetSession and two SubmitResults (the reply, then the end); the bundled runtime
// gets the session with the message. Off by default. No timing is asserted, only the shape.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { turnTrace } from '../../emulator/gateway/turn-trace';
import { startEmulator, fixture } from '../support/emulator';
import { chat } from '../emulator/helpers';

const APP = fixture('emulator', 'reload');
const LINE = /^capsule-local: turn (req_\S+): [\d.]+ ms; gateway [\d.]+ ms \(to the app [\d.]+, answering its calls [\d.]+, end → durable [\d.]+\); app [\d.]+ ms \(([^)]*)\)$/gm;

function tracedTurns(output: string): Map<string, string> {
  return new Map([...output.matchAll(LINE)].map((m) => [m[1]!, m[2]!]));
}

test('without CAPSULE_TRACE_TURNS no turn is traced', () => {
  const saved = process.env.CAPSULE_TRACE_TURNS;
  delete process.env.CAPSULE_TRACE_TURNS;
  try {
    assert.equal(turnTrace(0), undefined);
  } finally {
    if (saved !== undefined) process.env.CAPSULE_TRACE_TURNS = saved;
  }
});

for (const runtime of ['sdk', 'bundled'] as const) {
  test(`each turn of the ${runtime === 'sdk' ? 'real SDK' : 'bundled runtime'} is traced once, with the app's calls`, async () => {
    const emu = await startEmulator({ app: APP, runtime, env: { CAPSULE_TRACE_TURNS: '1' } });
    try {
      const first = await chat(emu, 'one');
      assert.equal(first.status, 200, JSON.stringify(first.body));
      const second = await chat(emu, 'two', { session_id: first.body.session_id });
      assert.equal(second.body.reply, 'v1: two');
      const turns = tracedTurns(emu.output());
      assert.equal(turns.size, 2, emu.output());
      for (const calls of turns.values()) {
        // The first message of a session: the SDK fetches the session twice (a new one, then again).
        if (runtime === 'sdk') assert.match(calls, /^GetSession ×[12], SubmitResult ×2$/);
        else assert.match(calls, /^SubmitResult ×\d+$/);
      }
      assert.ok(!emu.output().includes('v1: two'), 'no text of the conversation in the trace');
    } finally {
      await emu.stop();
      emu.cleanup();
    }
  });
}
