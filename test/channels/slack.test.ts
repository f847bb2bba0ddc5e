// Slack Events API at the channel's webhook URL: url_verification, signed message events, and
// the requests Slack's own verification would refuse (bad signature, stale timestamp).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { slackSignature, verifySlackRequest } from '../../emulator/channels/signatures';
import { listOutbox } from '../../emulator/channels/outbox';
import { waitFor } from '../support/wait';
import type { FakeHub } from './fake-hub';
import { SECRETS, assertNoSecrets, fixture, fixtureText, startWebhookHub } from './helpers';

let hub: FakeHub;
let url: string;

before(async () => {
  ({ hub, url } = await startWebhookHub('team-slack'));
});
after(() => hub.close());

function signed(body: string, opts: { ts?: number; secret?: string } = {}): RequestInit {
  const ts = String(opts.ts ?? Math.floor(Date.now() / 1000));
  return {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-slack-request-timestamp': ts,
      'x-slack-signature': slackSignature(opts.secret ?? SECRETS.slackSigning, ts, body),
    },
    body,
  };
}

test('the signature of Slack\'s documented example request is reproduced and verified', () => {
  const v = fixture<{ signing_secret: string; timestamp: string; body: string; signature: string }>('slack-signature-vector.json');
  assert.equal(slackSignature(v.signing_secret, v.timestamp, v.body), v.signature);
  const base = { signingSecret: v.signing_secret, timestamp: v.timestamp, signature: v.signature, rawBody: Buffer.from(v.body) };
  assert.deepEqual(verifySlackRequest({ ...base, nowSeconds: Number(v.timestamp) + 299 }), { ok: true });
  const stale = verifySlackRequest({ ...base, nowSeconds: Number(v.timestamp) + 301 });
  assert.equal(stale.ok ? 'ok' : stale.reason, 'stale-timestamp');
  const tampered = verifySlackRequest({ ...base, rawBody: Buffer.from(v.body.replace('foobar', 'foobaz')), nowSeconds: Number(v.timestamp) });
  assert.equal(tampered.ok ? 'ok' : tampered.reason, 'bad-signature');
  const missing = verifySlackRequest({ ...base, signature: undefined, nowSeconds: Number(v.timestamp) });
  assert.equal(missing.ok ? 'ok' : missing.reason, 'missing-headers');
});

test('url_verification: a signed challenge is echoed, an unsigned one is refused', async () => {
  const body = fixtureText('slack-url-verification.json');
  const ok = await fetch(url, signed(body));
  assert.equal(ok.status, 200);
  assert.deepEqual(await ok.json(), { challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P' });
  const unsigned = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  assert.equal(unsigned.status, 401);
  assert.equal(hub.dispatched.length, 0);
});

test('a signed message event reaches the app as slack:<user> and the reply is recorded as chat.postMessage', async () => {
  const before = hub.dispatched.length;
  const res = await fetch(url, signed(fixtureText('slack-event-message.json')));
  assert.equal(res.status, 200);
  await waitFor('the reply in the outbox', () => listOutbox(hub, 'team-slack').find((r) => r.body.text === 'echo: Hello world'));
  const input = hub.dispatched[before]!;
  assert.equal(input.channelType, 'slack');
  assert.equal(input.channelName, 'team-slack');
  assert.equal(input.userId, 'slack:U123ABC456');
  assert.equal(input.sessionKey, 'slack:team-slack:C123ABC456');
  const rec = listOutbox(hub, 'team-slack').find((r) => r.body.text === 'echo: Hello world')!;
  assert.equal(rec.method, 'chat.postMessage');
  assert.equal(rec.url, 'https://slack.com/api/chat.postMessage');
  assert.deepEqual(rec.body, { channel: 'C123ABC456', text: 'echo: Hello world' });
});

test('a thread reply keeps its own session and is answered in the thread', async () => {
  await fetch(url, signed(fixtureText('slack-event-thread-reply.json')));
  const rec = await waitFor('the threaded reply', () => listOutbox(hub, 'team-slack').find((r) => r.body.text === 'echo: and a follow-up in the thread'));
  assert.deepEqual(rec.body, { channel: 'C123ABC456', text: 'echo: and a follow-up in the thread', thread_ts: '1355517523.000005' });
  assert.equal(hub.dispatched.at(-1)!.sessionKey, 'slack:team-slack:C123ABC456:1355517523.000005');
  assert.equal(hub.dispatched.at(-1)!.userId, 'slack:U222BBB222');
});

test('a bad signature gets 401 and never reaches the app', async () => {
  const before = hub.dispatched.length;
  const res = await fetch(url, signed(fixtureText('slack-event-message.json'), { secret: 'not-the-signing-secret' }));
  assert.equal(res.status, 401);
  assert.match(await res.text(), /X-Slack-Signature does not match/);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(hub.dispatched.length, before);
  const rejected = hub.read().events.filter((e) => e.kind === 'webhook-rejected').at(-1)!;
  assert.equal(rejected.detail?.reason, 'bad-signature');
});

test('a stale timestamp (replayed request) gets 401 even with a valid signature', async () => {
  const before = hub.dispatched.length;
  const res = await fetch(url, signed(fixtureText('slack-event-message.json'), { ts: Math.floor(Date.now() / 1000) - 6 * 60 }));
  assert.equal(res.status, 401);
  assert.match(await res.text(), /more than 300 seconds/);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(hub.dispatched.length, before);
});

test('bot messages and subtypes are acknowledged and ignored, as Slack apps do', async () => {
  const before = hub.dispatched.length;
  const res = await fetch(url, signed(fixtureText('slack-event-bot-message.json')));
  assert.equal(res.status, 200);
  const ev = await waitFor('the webhook event', () => hub.read().events.find((e) => e.kind === 'webhook' && /bot_message/.test(e.summary)));
  assert.match(ev.summary, /nothing for the app/);
  assert.equal(hub.dispatched.length, before);
});

test('malformed JSON with a valid signature gets 400', async () => {
  const res = await fetch(url, signed('{"type": "event_callback", '));
  assert.equal(res.status, 400);
  assert.match(await res.text(), /malformed JSON/);
});

test('no Slack credential appears in the event log', () => {
  assertNoSecrets(JSON.stringify(hub.read().events));
});

test('a mention delivered as both app_mention and message reaches the app once, without the mention', async () => {
  const base = fixture<Record<string, unknown> & { event: Record<string, unknown> }>('slack-event-message.json');
  const ts = '1355517999.000100';
  const mention = { ...base, event_id: 'EvMENTION1', event: { ...base.event, type: 'app_mention', text: '<@U0LOCALBOT> what is new?', ts, event_ts: ts } };
  const message = { ...base, event_id: 'EvMESSAGE1', event: { ...base.event, text: '<@U0LOCALBOT> what is new?', ts, event_ts: ts } };
  const before = hub.dispatched.length;
  assert.equal((await fetch(url, signed(JSON.stringify(mention)))).status, 200);
  assert.equal((await fetch(url, signed(JSON.stringify(message)))).status, 200);
  await waitFor('the mention to reach the app', () => hub.dispatched.length > before);
  await waitFor('the duplicate to be logged', () => hub.read().events.find((e) => e.kind === 'webhook' && /already delivered/.test(e.summary)));
  assert.equal(hub.dispatched.length, before + 1);
  assert.equal(hub.dispatched.at(-1)!.text, 'what is new?');
});

/** A signed copy of the message fixture with its own event_id and ts, sent once so it is known. */
async function deliveredEvent(eventId: string, text: string): Promise<{ body: string; init: RequestInit }> {
  const base = fixture<Record<string, unknown> & { event: Record<string, unknown> }>('slack-event-message.json');
  const ts = `1355518${eventId.length}${Math.floor(Math.random() * 1e6)}.000200`;
  const body = JSON.stringify({ ...base, event_id: eventId, event: { ...base.event, text, ts, event_ts: ts } });
  const init = signed(body);
  const before = hub.dispatched.length;
  assert.equal((await fetch(url, init)).status, 200);
  await waitFor('the first delivery', () => hub.dispatched.length > before);
  return { body, init };
}

test('the same signed request sent again inside the 5-minute window is acknowledged and does not reach the app again', async () => {
  const { init } = await deliveredEvent('EvREPLAY001', 'pay the invoice');
  const before = hub.dispatched.length;
  const again = await fetch(url, init);
  assert.equal(again.status, 200);
  const ev = await waitFor('the duplicate to be logged', () => hub.read().events.find((e) => e.kind === 'webhook' && /EvREPLAY001 already reached the app/.test(e.summary)));
  assert.match(ev.summary, /a replay/);
  assert.equal(ev.detail?.duplicateOf, 'EvREPLAY001');
  assert.equal(hub.dispatched.length, before);
  assert.equal(hub.dispatched.filter((d) => d.text === 'pay the invoice').length, 1);
});

test('a replay that claims to be the emulator\'s own replay, without its token, is still a duplicate', async () => {
  const { init } = await deliveredEvent('EvREPLAY002', 'forged replay');
  const forged = { ...init, headers: { ...(init.headers as Record<string, string>), 'x-capsule-replay-of': '1', 'x-capsule-relay-token': 'guessed' } };
  assert.equal((await fetch(url, forged)).status, 200);
  await waitFor('the duplicate to be logged', () => hub.read().events.find((e) => e.kind === 'webhook' && /EvREPLAY002 already reached the app/.test(e.summary)));
  assert.equal(hub.dispatched.filter((d) => d.text === 'forged replay').length, 1);
  assert.ok(!hub.read().events.some((e) => e.kind === 'webhook' && /EvREPLAY002/.test(e.summary) && e.detail?.replayOf !== undefined));
});

test('a Slack retry (X-Slack-Retry-Num) of a delivered event gets 200 and no second delivery; a retry of an unseen event is delivered', async () => {
  const { body } = await deliveredEvent('EvRETRY0001', 'retried question');
  const retry = signed(body);
  (retry.headers as Record<string, string>)['x-slack-retry-num'] = '1';
  (retry.headers as Record<string, string>)['x-slack-retry-reason'] = 'http_timeout';
  const res = await fetch(url, retry);
  assert.equal(res.status, 200);
  const ev = await waitFor('the retry to be logged', () => hub.read().events.find((e) => e.kind === 'webhook' && /EvRETRY0001 already reached the app/.test(e.summary)));
  assert.match(ev.summary, /Slack retry #1 \(http_timeout\) acknowledged, not delivered again/);
  assert.deepEqual(ev.detail?.slackRetry, { num: '1', reason: 'http_timeout' });
  assert.equal(hub.dispatched.filter((d) => d.text === 'retried question').length, 1);

  // The first delivery never arrived (the emulator was down): the retry is the delivery.
  const base = fixture<Record<string, unknown> & { event: Record<string, unknown> }>('slack-event-message.json');
  const fresh = signed(JSON.stringify({ ...base, event_id: 'EvRETRY0002', event: { ...base.event, text: 'first seen as a retry', ts: '1355519000.000300' } }));
  (fresh.headers as Record<string, string>)['x-slack-retry-num'] = '2';
  (fresh.headers as Record<string, string>)['x-slack-retry-reason'] = 'http_error';
  assert.equal((await fetch(url, fresh)).status, 200);
  await waitFor('the retried event to reach the app', () => hub.dispatched.find((d) => d.text === 'first seen as a retry'));
});

test('when the app does not declare the channel: url_verification is answered, an event gets 404 in plain text and is not remembered', async () => {
  const declared = hub.declaredChannels.splice(0);
  const base = fixture<Record<string, unknown> & { event: Record<string, unknown> }>('slack-event-message.json');
  const body = JSON.stringify({ ...base, event_id: 'EvUNBOUND01', event: { ...base.event, text: 'before binding', ts: '1355519100.000400' } });
  try {
    assert.equal((await fetch(url, signed(fixtureText('slack-url-verification.json')))).status, 200);
    const res = await fetch(url, signed(body));
    assert.equal(res.status, 404);
    assert.match(await res.text(), /channel "team-slack" is not declared by the served app \(demo\)/);
  } finally {
    hub.declaredChannels.push(...declared);
  }
  // Slack retries a refused delivery; once the channel is bound the retry reaches the app.
  const retry = signed(body);
  (retry.headers as Record<string, string>)['x-slack-retry-num'] = '1';
  (retry.headers as Record<string, string>)['x-slack-retry-reason'] = 'http_error';
  assert.equal((await fetch(url, retry)).status, 200);
  await waitFor('the retried event to reach the app', () => hub.dispatched.find((d) => d.text === 'before binding'));
});
