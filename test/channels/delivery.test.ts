// What an external channel receives for each kind of app output: replies, streamed text, notify,
// blocks (text fallbacks from the catalog, nothing for the others) and handler errors.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { registerWebhooks } from '../../emulator/channels/webhooks';
import { registerBackgroundDelivery } from '../../emulator/channels/background';
import { listOutbox, outboundText } from '../../emulator/channels/outbox';
import { externalFallback } from '../../emulator/channels/fallbacks';
import { relayWebhook } from '../../emulator/channels/relay';
import { catalog } from '../../catalog/catalog';
import { waitFor } from '../support/wait';
import type { FakeHub } from './fake-hub';
import { startChannelHub } from './helpers';

let hub: FakeHub;
let n = 0;

before(async () => {
  hub = await startChannelHub();
  registerWebhooks(hub);
  registerBackgroundDelivery(hub);
});
after(() => hub.close());

/** Sends one Telegram message from a fresh chat and returns the texts the bot would send. */
async function telegramTurn(): Promise<string[]> {
  const chat = 5000 + ++n;
  const body = JSON.stringify({ update_id: chat, message: { message_id: 1, from: { id: chat, is_bot: false, first_name: 'T' }, chat: { id: chat, type: 'private' }, date: 1, text: 'go' } });
  const res = await relayWebhook(hub, 'support-telegram', { body });
  assert.equal(res.status, 200);
  await waitFor('the turn to be delivered', () => hub.read().events.find((e) => e.kind === 'webhook' && e.userId === `telegram:${chat}`));
  // Delivery ends with the turn; wait until the outbox stops growing for this chat.
  let last = -1;
  await waitFor('delivery to settle', async () => {
    const c = listOutbox(hub, 'support-telegram').filter((r) => r.body.chat_id === chat).length;
    const settled = c === last && c > 0;
    last = c;
    await new Promise((r) => setTimeout(r, 40));
    return settled;
  });
  return listOutbox(hub, 'support-telegram').filter((r) => r.body.chat_id === chat).map((r) => outboundText(r.body));
}

test('every fallback in the catalog fills its placeholders from the block payload', () => {
  assert.equal(externalFallback({ type: 'integration_prompt', payload: { type: 'gmail', reason: 'x', blocking: true } }), 'Open the web app to connect gmail.');
  assert.equal(externalFallback({ type: 'approval_prompt', payload: { message: 'Refund $20?' } }), 'Open the web app to approve or reject: Refund $20?');
  assert.equal(externalFallback({ type: 'task_card', payload: { title: 'Nightly import' } }), 'Task update: Nightly import');
  for (const type of Object.keys(catalog.externalBlockFallbacks)) {
    assert.doesNotMatch(externalFallback({ type, payload: { type: 't', message: 'm', title: 'x' } })!, /[{}]/, type);
  }
  assert.equal(externalFallback({ type: 'image', payload: { url: 'x' } }), undefined);
  assert.equal(externalFallback({ type: 'session_title', payload: {} }), undefined);
});

test('replies, notify and block fallbacks arrive in order; blocks without a fallback send nothing', async () => {
  hub.script = () => [
    { kind: 'notify', text: 'Thinking...' },
    { kind: 'reply', text: 'first answer' },
    { kind: 'block', block: { id: 'blk_1', type: 'integration_prompt', payload: { type: 'gmail', reason: 'Connect Gmail', blocking: true, mode: 'oauth' } } },
    { kind: 'block', block: { id: 'blk_2', type: 'image', payload: { url: '/files/chart.png' } } },
    { kind: 'block', block: { id: 'blk_3', type: 'task_card', payload: { title: 'Import' } } },
    { kind: 'reply', text: 'second answer' },
  ];
  assert.deepEqual(await telegramTurn(), ['Thinking...', 'first answer', 'Open the web app to connect gmail.', 'Task update: Import', 'second answer']);
});

test('streamed deltas are delivered once, as one message', async () => {
  hub.script = () => [
    { kind: 'delta', text: 'Hel' },
    { kind: 'delta', text: 'lo, ' },
    { kind: 'delta', text: 'world' },
  ];
  assert.deepEqual(await telegramTurn(), ['Hello, world']);
});

test('a fallback the runtime already sent through notify is not delivered twice', async () => {
  hub.script = () => [
    { kind: 'notify', text: 'Open the web app to connect github.' },
    { kind: 'block', block: { id: 'blk_4', type: 'integration_prompt', payload: { type: 'github', reason: '', blocking: false } } },
    { kind: 'reply', text: 'done' },
  ];
  assert.deepEqual(await telegramTurn(), ['Open the web app to connect github.', 'done']);
});

test('a handler error is delivered as the platform\'s runner error text', async () => {
  hub.script = () => [{ kind: 'done', error: 'Runner error: ValueError: boom' }];
  assert.deepEqual(await telegramTurn(), ['Runner error: ValueError: boom']);
});

test('each outbound record keeps its source for the dashboard', async () => {
  hub.script = () => [{ kind: 'notify', text: 'n' }, { kind: 'reply', text: 'r' }];
  await telegramTurn();
  const recs = listOutbox(hub, 'support-telegram').slice(-2);
  assert.deepEqual(recs.map((r) => r.source), ['notify', 'reply']);
  assert.ok(recs.every((r) => r.sessionId?.startsWith('ses_')));
});

test('a reply longer than Telegram accepts is recorded with a warning', async () => {
  hub.script = () => [{ kind: 'reply', text: 'x'.repeat(5000) }, { kind: 'reply', text: 'short' }];
  await telegramTurn();
  const [long, short] = listOutbox(hub, 'support-telegram').slice(-2);
  assert.deepEqual(long!.warnings, ['Telegram sendMessage accepts at most 4096 characters per message; this text has 5000']);
  assert.equal(short!.warnings, undefined);
  const ev = hub.read().events.filter((e) => e.kind === 'outbound').at(-2)!;
  assert.match(ev.summary, /warning: Telegram sendMessage accepts at most 4096/);
});

test('a notify sent after the handler returned still reaches the Telegram chat', async () => {
  hub.script = () => [{ kind: 'reply', text: 'Started.' }];
  await telegramTurn();
  const started = listOutbox(hub, 'support-telegram').at(-1)!;
  hub.outside({ kind: 'notify', requestId: 'req_gone', text: 'Done in the background' }, { app: 'demo', sessionId: started.sessionId!, channelType: 'telegram' });
  const later = listOutbox(hub, 'support-telegram').at(-1)!;
  assert.deepEqual(later.body, { chat_id: started.body.chat_id, text: 'Done in the background' });
  assert.equal(later.source, 'notify');
  // In-turn events and web chat sessions are not delivered twice or elsewhere.
  const count = listOutbox(hub).length;
  hub.outside({ kind: 'reply', requestId: 'r', text: 'web only' }, { app: 'demo', sessionId: 'ses_web', channelType: 'chat' });
  assert.equal(listOutbox(hub).length, count);
});

test('output for an external session whose conversation is unknown is reported, not lost silently', () => {
  hub.outside({ kind: 'notify', requestId: 'r', text: 'orphan' }, { app: 'demo', sessionId: 'ses_unknown', channelType: 'slack' });
  const err = hub.read().events.at(-1)!;
  assert.equal(err.kind, 'error');
  assert.match(err.summary, /was not delivered: its conversation is unknown/);
});
