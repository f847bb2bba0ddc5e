// session.complete_onboarding() on the real SDK (CompleteOnboarding): the completion is kept per
// app and user in the collections database, listed in /api/state, survives a restart, and
// `POST /api/onboarding/reset` lets a user go through onboarding again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startEmulator } from '../support/emulator';
import { chat, json } from '../emulator/helpers';

const APP = join(__dirname, 'fixtures', 'onboarding');

type State = { onboarding: Array<{ app: string; userId: string; completedAt: string }> };
type LoggedEvent = { kind: string; summary: string; userId?: string };

test('complete_onboarding is kept per user, survives a restart, and can be reset', async () => {
  let emu = await startEmulator({ app: APP });
  try {
    assert.deepEqual((await json<State>(emu, '/api/state')).body.onboarding, []);
    const r = await chat(emu, 'done', { user: 'alice' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.reply, 'onboarded');
    assert.equal(r.body.error, undefined);
    const first = (await json<State>(emu, '/api/state')).body.onboarding;
    assert.equal(first.length, 1);
    assert.equal(first[0]!.app, 'onboarding');
    assert.equal(first[0]!.userId, 'user_alice');
    assert.ok(Number.isFinite(Date.parse(first[0]!.completedAt)));
    // Completing again keeps the first time; another user is a record of their own.
    assert.equal((await chat(emu, 'done', { user: 'alice' })).body.reply, 'onboarded');
    assert.equal((await chat(emu, 'done', { user: 'bob' })).body.reply, 'onboarded');
    const both = (await json<State>(emu, '/api/state')).body.onboarding;
    assert.deepEqual(both.map((o) => o.userId).sort(), ['user_alice', 'user_bob']);
    assert.equal(both.find((o) => o.userId === 'user_alice')!.completedAt, first[0]!.completedAt);
    const events = (await json<LoggedEvent[]>(emu, '/api/events/log')).body.filter((e) => e.kind === 'onboarding');
    assert.deepEqual(events.map((e) => e.summary), ['user_alice completed the onboarding of onboarding', 'user_bob completed the onboarding of onboarding']);

    await emu.stop();
    emu = await startEmulator({ app: APP, workspace: emu.workspace });
    assert.deepEqual((await json<State>(emu, '/api/state')).body.onboarding.map((o) => o.userId).sort(), ['user_alice', 'user_bob']);

    const bad = await json(emu, '/api/onboarding/reset', { user: 42 });
    assert.equal(bad.status, 400);
    const unknown = await json<{ error: string }>(emu, '/api/onboarding/reset', { app: '__proto__' });
    assert.equal(unknown.status, 404);
    const one = await json<{ reset: number }>(emu, '/api/onboarding/reset', { user: 'user_alice' });
    assert.equal(one.status, 200, JSON.stringify(one.body));
    assert.equal(one.body.reset, 1);
    assert.deepEqual((await json<State>(emu, '/api/state')).body.onboarding.map((o) => o.userId), ['user_bob']);
    assert.equal((await json<{ reset: number }>(emu, '/api/onboarding/reset', {})).body.reset, 1);
    assert.deepEqual((await json<State>(emu, '/api/state')).body.onboarding, []);
  } finally {
    await emu.stop();
    emu.cleanup();
  }
});
