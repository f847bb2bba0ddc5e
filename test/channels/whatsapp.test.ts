// WhatsApp Cloud API: the verify_token handshake, documented message webhooks, the optional
// X-Hub-Signature-256 check and the `messages` calls recorded back.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { listOutbox } from '../../emulator/channels/outbox';
import { hubSignature256 } from '../../emulator/channels/signatures';
import { relayWebhook } from '../../emulator/channels/relay';
import { waitFor } from '../support/wait';
import type { FakeHub } from './fake-hub';
import { SECRETS, assertNoSecrets, fixtureText, postJson, startWebhookHub } from './helpers';

let hub: FakeHub;
let url: string;

before(async () => {
  ({ hub, url } = await startWebhookHub('shop-whatsapp'));
});
after(() => hub.close());

const post = (body: string, headers: Record<string, string> = {}) => postJson(url, body, headers);

test('handshake: the right verify_token gets the challenge echoed as plain text', async () => {
  const q = new URLSearchParams({ 'hub.mode': 'subscribe', 'hub.verify_token': SECRETS.waVerify, 'hub.challenge': '1158201444' });
  const res = await fetch(`${url}?${q}`);
  assert.equal(res.status, 200);
  assert.equal(await res.text(), '1158201444');
});

test('handshake: a wrong verify_token gets 403, a missing mode 400', async () => {
  const q = new URLSearchParams({ 'hub.mode': 'subscribe', 'hub.verify_token': 'guess', 'hub.challenge': '1158201444' });
  const res = await fetch(`${url}?${q}`);
  assert.equal(res.status, 403);
  assert.doesNotMatch(await res.text(), /1158201444/);
  const noMode = await fetch(`${url}?hub.challenge=1`);
  assert.equal(noMode.status, 400);
});

test('a documented text message reaches the app as whatsapp:<wa_id> and the reply is POST /<phone_number_id>/messages', async () => {
  const res = await post(fixtureText('whatsapp-message-text.json'));
  assert.equal(res.status, 200);
  const rec = await waitFor('the reply', () => listOutbox(hub, 'shop-whatsapp').find((r) => r.body.to === '16315551181'));
  const input = hub.dispatched.at(-1)!;
  assert.equal(input.userId, 'whatsapp:16315551181');
  assert.equal(input.sessionKey, 'whatsapp:shop-whatsapp:16315551181');
  assert.equal(input.text, 'this is a text message');
  assert.equal(rec.url, 'https://graph.facebook.com/v21.0/123456123/messages');
  assert.deepEqual(rec.body, { messaging_product: 'whatsapp', to: '16315551181', type: 'text', text: { body: 'echo: this is a text message' } });
  assert.equal(hub.read().personas.find((p) => p.id === 'whatsapp:16315551181')?.name, 'test user name');
});

test('an interactive button reply reaches the app as its title', async () => {
  await post(fixtureText('whatsapp-interactive-button.json'));
  await waitFor('the button reply', () => hub.dispatched.find((d) => d.userId === 'whatsapp:16505551234' && d.text === 'Cancel'));
});

test('status updates are acknowledged and never reach the app', async () => {
  const before = hub.dispatched.length;
  const res = await post(fixtureText('whatsapp-status-sent.json'));
  assert.equal(res.status, 200);
  await waitFor('the webhook event', () => hub.read().events.find((e) => e.kind === 'webhook' && /status update/.test(e.summary)));
  assert.equal(hub.dispatched.length, before);
});

test('malformed JSON and non-WhatsApp objects get 400', async () => {
  assert.equal((await post('{"object": ')).status, 400);
  assert.equal((await post('{"object": "page", "entry": []}')).status, 400);
});

test('with an app_secret, X-Hub-Signature-256 must match the body', async () => {
  await hub.update((d) => {
    d.channels['shop-whatsapp']!.credentials.app_secret = SECRETS.waAppSecret;
  });
  try {
    const body = fixtureText('whatsapp-message-text.json');
    const before = hub.dispatched.length;
    assert.equal((await post(body)).status, 401);
    assert.equal((await post(body, { 'X-Hub-Signature-256': hubSignature256('other', body) })).status, 401);
    assert.equal(hub.dispatched.length, before);
    assert.equal((await post(body, { 'X-Hub-Signature-256': hubSignature256(SECRETS.waAppSecret, body) })).status, 200);
    await waitFor('the signed message to reach the app', () => hub.dispatched.length === before + 1);
    assert.equal((await relayWebhook(hub, 'shop-whatsapp', { body })).status, 200);
    assert.equal((await relayWebhook(hub, 'shop-whatsapp', { body, tamper: 'bad-signature' })).status, 401);
  } finally {
    await hub.update((d) => {
      delete d.channels['shop-whatsapp']!.credentials.app_secret;
    });
  }
});

test('the relay performs the handshake with the channel\'s token or a typed one', async () => {
  const good = await relayWebhook(hub, 'shop-whatsapp', { handshake: { useChannelToken: true, challenge: 'abc123' } });
  assert.equal(good.status, 200);
  assert.equal(good.body, 'abc123');
  const bad = await relayWebhook(hub, 'shop-whatsapp', { handshake: { verifyToken: 'nope', challenge: 'abc123' } });
  assert.equal(bad.status, 403);
  assertNoSecrets(JSON.stringify(good.sent));
});

test('no WhatsApp credential appears in the event log', () => {
  assertNoSecrets(JSON.stringify(hub.read().events));
});

test('when the app does not declare the channel: the handshake still works, a message gets 404 in Meta\'s error format', async () => {
  const declared = hub.declaredChannels.splice(0);
  try {
    const q = new URLSearchParams({ 'hub.mode': 'subscribe', 'hub.verify_token': SECRETS.waVerify, 'hub.challenge': '77' });
    assert.equal(await (await fetch(`${url}?${q}`)).text(), '77');
    const before = hub.dispatched.length;
    const res = await post(fixtureText('whatsapp-message-text.json'));
    assert.equal(res.status, 404);
    const body = (await res.json()) as { error: { message: string; code: number } };
    assert.equal(body.error.code, 404);
    assert.match(body.error.message, /channel "shop-whatsapp" is not declared by the served app \(demo\)/);
    assert.equal(hub.dispatched.length, before);
  } finally {
    hub.declaredChannels.push(...declared);
  }
});
