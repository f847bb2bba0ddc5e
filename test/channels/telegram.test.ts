// Telegram Update objects at the channel's webhook URL and the sendMessage calls recorded back.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { listOutbox } from '../../emulator/channels/outbox';
import { relayWebhook } from '../../emulator/channels/relay';
import { channelWebhookPath, newChannel } from '../../emulator/store';
import { waitFor } from '../support/wait';
import type { FakeHub } from './fake-hub';
import { SECRETS, assertNoSecrets, fixtureText, postJson, startWebhookHub } from './helpers';

let hub: FakeHub;
let url: string;

before(async () => {
  ({ hub, url } = await startWebhookHub('support-telegram'));
});
after(() => hub.close());

const post = (body: string, headers: Record<string, string> = {}) => postJson(url, body, headers);

test('a documented message Update reaches the app as telegram:<from.id> and the reply is a sendMessage', async () => {
  const res = await post(fixtureText('telegram-update-message.json'));
  assert.equal(res.status, 200);
  const rec = await waitFor('sendMessage in the outbox', () => listOutbox(hub, 'support-telegram').find((r) => r.body.text === 'echo: /start'));
  const input = hub.dispatched.at(-1)!;
  assert.equal(input.channelType, 'telegram');
  assert.equal(input.userId, 'telegram:123456789');
  assert.equal(input.sessionKey, 'telegram:support-telegram:123456789');
  assert.equal(input.text, '/start');
  assert.equal(rec.method, 'sendMessage');
  assert.deepEqual(rec.body, { chat_id: 123456789, text: 'echo: /start' });
  // The recorded URL names the method; the bot token is never in it.
  assert.equal(rec.url, 'https://api.telegram.org/bot<bot_token>/sendMessage');
  assert.equal(hub.read().personas.find((p) => p.id === 'telegram:123456789')?.name, 'Jane Smith');
});

test('edited_message in a group is a message of that group\'s session', async () => {
  await post(fixtureText('telegram-update-edited.json'));
  const rec = await waitFor('the group reply', () => listOutbox(hub, 'support-telegram').find((r) => r.body.chat_id === -1001234567890));
  assert.equal(rec.body.text, 'echo: Quero cancelar minha assinatura');
  assert.equal(hub.dispatched.at(-1)!.sessionKey, 'telegram:support-telegram:-1001234567890');
  assert.equal(hub.dispatched.at(-1)!.userId, 'telegram:987654321');
});

test('updates that are not messages are acknowledged and never reach the app', async () => {
  const before = hub.dispatched.length;
  const res = await post(fixtureText('telegram-update-callback-query.json'));
  assert.equal(res.status, 200);
  await waitFor('the webhook event', () => hub.read().events.find((e) => e.kind === 'webhook' && /callback_query/.test(e.summary)));
  assert.equal(hub.dispatched.length, before);
});

test('malformed JSON and non-Update objects get 400', async () => {
  const before = hub.dispatched.length;
  const bad = await post('{"update_id": 1, "message": ');
  assert.equal(bad.status, 400);
  assert.equal(((await bad.json()) as { ok: boolean }).ok, false);
  const notUpdate = await post('{"hello": "world"}');
  assert.equal(notUpdate.status, 400);
  assert.equal(hub.dispatched.length, before);
});

test('a configured secret_token is required in X-Telegram-Bot-Api-Secret-Token', async () => {
  await hub.update((d) => {
    d.channels['support-telegram']!.credentials.secret_token = SECRETS.telegramSecretToken;
  });
  try {
    const before = hub.dispatched.length;
    const missing = await post(fixtureText('telegram-update-message.json'));
    assert.equal(missing.status, 401);
    const wrong = await post(fixtureText('telegram-update-message.json'), { 'X-Telegram-Bot-Api-Secret-Token': 'guess' });
    assert.equal(wrong.status, 401);
    assert.equal(hub.dispatched.length, before);
    const right = await post(fixtureText('telegram-update-message.json'), { 'X-Telegram-Bot-Api-Secret-Token': SECRETS.telegramSecretToken });
    assert.equal(right.status, 200);
    await waitFor('the accepted update to reach the app', () => hub.dispatched.length === before + 1);
    // The relay adds the header itself, and can spoil it on purpose.
    const relayed = await relayWebhook(hub, 'support-telegram', { body: fixtureText('telegram-update-message.json') });
    assert.equal(relayed.status, 200);
    const spoiled = await relayWebhook(hub, 'support-telegram', { body: fixtureText('telegram-update-message.json'), tamper: 'wrong-secret-token' });
    assert.equal(spoiled.status, 401);
    assertNoSecrets(JSON.stringify(relayed.sent) + JSON.stringify(spoiled.sent));
  } finally {
    await hub.update((d) => {
      delete d.channels['support-telegram']!.credentials.secret_token;
    });
  }
});

test('an unknown webhook id gets 404', async () => {
  const res = await fetch(`${hub.url}/webhooks/telegram/0000`, { method: 'POST', body: '{}' });
  assert.equal(res.status, 404);
});

test('messages of one chat reach the app in the order they were received', async () => {
  const start = hub.dispatched.length;
  for (let i = 0; i < 5; i++) {
    await post(JSON.stringify({ update_id: 900 + i, message: { message_id: 900 + i, from: { id: 42, is_bot: false, first_name: 'Ord' }, chat: { id: 42, type: 'private' }, date: 1, text: `n${i}` } }));
  }
  await waitFor('five dispatches', () => hub.dispatched.length >= start + 5);
  assert.deepEqual(hub.dispatched.slice(start).map((d) => d.text), ['n0', 'n1', 'n2', 'n3', 'n4']);
});

test('no Telegram credential appears in the event log', () => {
  assertNoSecrets(JSON.stringify(hub.read().events));
});

test('a channel the served app does not declare is refused with 404 and a reason, and never reaches the app', async () => {
  const stray = newChannel({ name: 'stray-telegram', type: 'telegram', credentials: { bot_token: SECRETS.telegramBot } });
  await hub.update((d) => {
    d.channels['stray-telegram'] = stray;
  });
  const before = hub.dispatched.length;
  const res = await postJson(hub.url + channelWebhookPath(stray), fixtureText('telegram-update-message.json'));
  assert.equal(res.status, 404);
  const body = (await res.json()) as { ok: boolean; error_code: number; description: string };
  assert.deepEqual([body.ok, body.error_code], [false, 404]);
  assert.match(body.description, /channel "stray-telegram" is not declared by the served app \(demo\)/);
  assert.match(body.description, /cpsl\.Channel\("stray-telegram"\)/);
  const ev = hub.read().events.filter((e) => e.kind === 'webhook-rejected').at(-1)!;
  assert.equal(ev.detail?.reason, 'undeclared-channel');
  assert.equal(ev.detail?.channelName, 'stray-telegram');
  assert.match(ev.summary, /rejected with 404: channel "stray-telegram" is not declared/);
  assert.equal(hub.dispatched.length, before);

  // Once the app declares it, the same update reaches it.
  hub.declaredChannels.push('stray-telegram');
  assert.equal((await postJson(hub.url + channelWebhookPath(stray), fixtureText('telegram-update-message.json'))).status, 200);
  await waitFor('the message to reach the app', () => hub.dispatched.length > before);
  assert.equal(hub.dispatched.at(-1)!.app, 'demo');
  hub.declaredChannels.pop();
});

test('while the app is starting (channels not known yet) a message gets 503 with Retry-After', async () => {
  hub.appStatus = 'starting';
  const declared = hub.declaredChannels.splice(0);
  try {
    const res = await postJson(url, fixtureText('telegram-update-message.json'));
    assert.equal(res.status, 503);
    assert.equal(res.headers.get('retry-after'), '5');
    assert.match(((await res.json()) as { description: string }).description, /demo is still starting/);
  } finally {
    hub.appStatus = 'running';
    hub.declaredChannels.push(...declared);
  }
});
