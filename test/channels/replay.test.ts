// Replay from the event log: webhook deliveries go back through the channel's webhook URL (Slack
// re-signed), web chat messages are dispatched again into their session; both can be edited.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { registerChannels } from '../../emulator/channels';
import { registerDashboard } from '../../emulator/dashboard';
import { relayWebhook } from '../../emulator/channels/relay';
import { waitFor } from '../support/wait';
import type { FakeHub } from './fake-hub';
import { fixtureText, startChannelHub } from './helpers';

let hub: FakeHub;

before(async () => {
  hub = await startChannelHub();
  registerChannels(hub);
  registerDashboard(hub);
});
after(() => hub.close());

const replay = (seq: number, edited?: string) =>
  fetch(`${hub.url}/api/dashboard/events/${seq}/replay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(edited === undefined ? {} : { edited }) });

test('an edited Slack event is re-signed with a fresh timestamp and reaches the app as edited', async () => {
  assert.equal((await relayWebhook(hub, 'team-slack', { body: fixtureText('slack-event-message.json') })).status, 200);
  const original = await waitFor('the webhook event', () => hub.read().events.find((e) => e.kind === 'webhook' && e.detail?.channelName === 'team-slack'));
  const source = (await (await fetch(`${hub.url}/api/dashboard/events/${original.seq}/replay`)).json()) as { kind: string; body: string };
  assert.equal(source.kind, 'webhook');
  const res = await replay(original.seq, source.body.replace('Hello world', 'Hello again'));
  assert.equal(res.status, 200);
  assert.equal(((await res.json()) as { result: { status: number } }).result.status, 200);
  await waitFor('the edited text to reach the app', () => hub.dispatched.find((d) => d.text === 'Hello again'));
  const replayed = hub.read().events.find((e) => e.kind === 'webhook' && e.detail?.replayOf === original.seq);
  assert.ok(replayed, 'the new webhook event names the event it replays');
  assert.match(replayed.summary, /replay of #/);
});

test('an edited payload that is no longer valid JSON is refused by the webhook, as the platform would see it', async () => {
  const original = hub.read().events.find((e) => e.kind === 'webhook' && e.detail?.channelName === 'team-slack')!;
  const res = await replay(original.seq, '{"type": ');
  assert.equal(res.status, 200);
  assert.equal(((await res.json()) as { result: { status: number } }).result.status, 400);
});

test('a web chat message is dispatched again into its session, edited', async () => {
  // What the gateway records for a web chat message: a session with the user's text and an inbound event.
  await hub.update((d) => {
    d.sessions.ses_chat1 = {
      id: 'ses_chat1', app: 'demo', userId: 'user_dev', channelType: 'chat', createdAt: '', updatedAt: '', dataJson: '{}',
      history: [{ text: 'first try', sender: 'user', channelType: 'chat', timestamp: 1, requestId: 'req_one' }],
    };
  });
  hub.events.emit({ kind: 'inbound', app: 'demo', sessionId: 'ses_chat1', userId: 'user_dev', channel: 'chat', summary: 'chat user_dev: first try', detail: { requestId: 'req_one' } });
  const inbound = hub.read().events.at(-1)!;
  const src = (await (await fetch(`${hub.url}/api/dashboard/events/${inbound.seq}/replay`)).json()) as { kind: string; text: string };
  assert.deepEqual([src.kind, src.text], ['message', 'first try']);
  const res = await replay(inbound.seq, 'second try');
  assert.equal(res.status, 200);
  const d = hub.dispatched.at(-1)!;
  assert.deepEqual([d.text, d.sessionId, d.userId, d.channelType], ['second try', 'ses_chat1', 'user_dev', 'chat']);
});

test('events that are not inbound messages cannot be replayed', async () => {
  const outbound = await waitFor('an outbound record', () => hub.read().events.find((e) => e.kind === 'outbound'));
  const res = await replay(outbound.seq);
  assert.equal(res.status, 400);
  assert.match(((await res.json()) as { error: string }).error, /not an inbound message/);
  assert.equal((await replay(999_999)).status, 404);
});

test('the dashboard\'s replay of a Slack event reaches the app again, unedited (its event_id is already known)', async () => {
  const original = hub.read().events.find((e) => e.kind === 'webhook' && e.detail?.channelName === 'team-slack' && e.detail?.replayOf === undefined)!;
  const before = hub.dispatched.filter((d) => d.text === 'Hello world').length;
  const res = await replay(original.seq);
  assert.equal(((await res.json()) as { result: { status: number } }).result.status, 200);
  await waitFor('the replay to reach the app', () => hub.dispatched.filter((d) => d.text === 'Hello world').length > before);
});
