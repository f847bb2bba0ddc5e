// The same app, the same conversation, on both runtimes: the real SDK (from .venv) and the
// bundled stdlib runtime (the fallback when no interpreter has cpsl). What a user sees must agree:
// replies, streamed text, session data, history, handler errors, data handlers and endpoints with
// their identity rules, and secrets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startEmulator, type RunningEmulator } from '../support/emulator';
import { ECHO_APP, chat, json } from './helpers';

async function conversation(emu: RunningEmulator): Promise<unknown[]> {
  const out: unknown[] = [];
  const first = await chat(emu, 'hello there', { user: 'ana' });
  const sid = first.body.session_id;
  out.push(first.status, first.body.reply, first.body.blocks);
  for (const text of ['count', 'count', 'history', 'stream', 'secret']) {
    const r = await chat(emu, text, { session_id: sid });
    out.push(text, r.status, r.body.reply);
  }
  const bad = await chat(emu, 'boom', { session_id: sid });
  out.push('boom', bad.status, /boom from the handler/.test(bad.body.error ?? ''));
  out.push('after', (await chat(emu, 'after', { session_id: sid })).body.reply);
  for (const path of ['/apps/echo/data/public_info', '/apps/echo/data/whoami', '/apps/echo/data/whoami?as=ana', `/apps/echo/data/whoami?session_id=${sid}`, '/apps/echo/endpoints/ping', '/apps/echo/endpoints/ping?as=ana', '/apps/echo/endpoints/open']) {
    const r = await json(emu, path);
    out.push(path.replace(sid, '<session>'), r.status, r.body);
  }
  return out;
}

test('the real SDK and the bundled runtime answer the same conversation the same way', async () => {
  const results: Record<string, unknown[]> = {};
  for (const runtime of ['sdk', 'bundled'] as const) {
    const emu = await startEmulator({ app: ECHO_APP, runtime, env: { ECHO_TOKEN: 'differential-token-1' } });
    try {
      const state = (await json<{ apps: Array<{ runtime: string }> }>(emu, '/api/state')).body;
      assert.equal(state.apps[0]!.runtime, runtime);
      results[runtime] = await conversation(emu);
    } finally {
      await emu.stop();
      emu.cleanup();
    }
  }
  assert.deepEqual(results.sdk, results.bundled);
  // And the conversation is the one the app means (not two equal failures).
  assert.deepEqual(results.sdk!.slice(0, 3), [200, 'echo: hello there', []]);
  assert.ok(results.sdk!.includes('count 2'));
  assert.ok(results.sdk!.includes('one two three'));
});
