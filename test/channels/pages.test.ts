// The pages in headless Chromium against a real emulator and a real Python app, as a user would:
// web chat with streaming and a prompt card, a Telegram conversation between two users, Slack's
// signature check from the simulator, the WhatsApp handshake, and the dashboard's live event log
// with replay. Screenshots go where test/support/screenshots.ts says (media/screenshots/ only with
// UPDATE_SCREENSHOTS=1).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { signIn, browserForSuite } from '../support/browser';
import { fixture, type RunningEmulator } from '../support/emulator';
import { screenshotPath } from '../support/screenshots';
import { waitFor } from '../support/wait';
import { SECRETS, assertNoSecrets } from './helpers';

const UI_TIMEOUT = 15_000;

interface ChannelView {
  events: Array<{ seq: number; kind: string; detail?: Record<string, unknown> }>;
}

describe('channel pages in a browser', () => {
  let emu: RunningEmulator;
  let browser: Browser;

  async function page(path: string): Promise<Page> {
    return (await signIn(browser, emu, path, { viewport: { width: 1280, height: 760 }, timeout: UI_TIMEOUT })).page;
  }

  const conversation = (p: Page) => p.getByRole('log', { name: 'Messages' });

  async function outbox(name: string) {
    const r = await emu.api(`/api/channels/${name}`);
    assert.equal(r.status, 200);
    const view = (await r.json()) as ChannelView;
    return view.events.filter((e) => e.kind === 'outbound').map((e) => e.detail!.body as Record<string, unknown>);
  }

  browserForSuite({ app: fixture('channels', 'app'), dotenv: { GITHUB_CLIENT_ID: 'local-github-client', GITHUB_CLIENT_SECRET: 'local-github-secret' } }, async (e, b) => {
    [emu, browser] = [e, b];
    const create = async (args: string[]) => {
      const r = await emu.cli(['channel', 'create', ...args]);
      assert.equal(r.status, 0, r.stderr);
    };
    await create(['support-telegram', '--type', 'telegram', '-c', `bot_token=${SECRETS.telegramBot}`]);
    await create(['team-slack', '--type', 'slack', '-c', `bot_token=${SECRETS.slackBot}`, '-c', `signing_secret=${SECRETS.slackSigning}`]);
    await create(['shop-whatsapp', '--type', 'whatsapp', '-c', `access_token=${SECRETS.waAccess}`, '-c', 'phone_number_id=123456123', '-c', `verify_token=${SECRETS.waVerify}`]);
    // The emulator follows the store: wait until it sees the three channels.
    await waitFor('the emulator to see the new channels', async () => {
      const r = await emu.api('/api/channels');
      return r.ok && ((await r.json()) as { channels: unknown[] }).channels.length === 3;
    });
  });

  test('web chat: a streamed reply grows in place, notify is a status, history lists the session', async () => {
    const p = await page('/chat');
    await p.getByRole('textbox', { name: 'Message' }).fill('stream');
    await p.getByRole('button', { name: 'Send' }).click();
    // Part of the stream is visible before the whole reply.
    const streaming = p.locator('.msg.app.streaming');
    await streaming.waitFor();
    const partial = await streaming.textContent();
    assert.ok(partial && partial.startsWith('Streaming') && partial !== 'Streaming one word at a time.', `partial text: ${partial}`);
    await p.getByText('Streaming one word at a time.', { exact: true }).waitFor();
    assert.equal(await p.locator('.msg.app').count(), 1, 'deltas grew one bubble');

    await waitFor('Send to be enabled once the stream is done', () => p.getByRole('button', { name: 'Send' }).isEnabled());
    await p.getByRole('textbox', { name: 'Message' }).fill('hello chat');
    await p.keyboard.press('Enter');
    await p.getByText('[chat] user_dev said: hello chat').waitFor();
    assert.equal(await p.getByRole('status').filter({ hasText: 'Thinking...' }).count(), 1);
    await p.getByRole('complementary', { name: 'History' }).getByRole('button', { name: /stream/ }).waitFor();

    // Reloading shows the same session from history.
    await p.reload();
    await p.getByText('[chat] user_dev said: hello chat').waitFor();
    await p.getByText('Streaming one word at a time.').waitFor();
    await p.screenshot({ path: screenshotPath('chat.png') });

    await p.getByRole('button', { name: 'New session' }).click();
    await p.getByText('Say hello to the app.').waitFor();
    await p.close();
  });

  test('web chat: a hint card, then a blocking prompt with a countdown and Connect, then Connected', async () => {
    const p = await page('/chat');
    const send = async (text: string) => {
      await waitFor('Send to be enabled', () => p.getByRole('button', { name: 'Send' }).isEnabled());
      await p.getByRole('textbox', { name: 'Message' }).fill(text);
      await p.getByRole('button', { name: 'Send' }).click();
    };
    await send('hint');
    const hint = p.getByRole('group', { name: 'Connect GitHub', exact: true });
    await hint.getByText('Connect GitHub to unlock repository analysis').waitFor();
    await hint.getByRole('link', { name: 'Connect GitHub in Integrations' }).waitFor();
    await p.getByText('Shown a hint.').waitFor();

    await send('connect');
    const card = p.getByRole('group', { name: 'Connect GitHub to continue' });
    await card.getByText('Connect GitHub to list your repositories').waitFor();
    await card.getByText(/Expires in \d+:\d\d/).waitFor();
    const connect = card.getByRole('button', { name: 'Connect' });
    await waitFor('the Connect button to be enabled', () => connect.isEnabled());
    const promptId = await card.getAttribute('data-prompt-id');
    assert.match(promptId ?? '', /^prm_/);
    // A reload while the handler waits follows the same turn again: the card is live, not history.
    await p.reload();
    await card.getByText(/Expires in \d+:\d\d/).waitFor();
    await waitFor('the Connect button to be enabled after the reload', () => connect.isEnabled());
    assert.equal(await card.getAttribute('data-prompt-id'), promptId);
    assert.equal(await p.getByRole('group', { name: 'Connect GitHub to continue' }).count(), 1);
    const answer = await emu.api(`/api/prompts/${promptId}/answer`, { method: 'POST', body: JSON.stringify({ allow: true }) });
    assert.equal(answer.status, 200, await answer.text());
    await card.getByText('Connected').waitFor();
    await p.getByText('GitHub connected with scopes: repo').waitFor();
    // Once connected, a hint card says so instead of offering the link.
    await send('hint');
    await p.getByRole('group', { name: 'Connect GitHub', exact: true }).last().getByText('Connected').waitFor();
    await p.screenshot({ path: screenshotPath('chat-prompt.png') });
    await p.close();
  });

  test('Telegram simulator: two users talk to the bot, each in their own chat', async () => {
    const p = await page('/channels/support-telegram');
    await p.getByRole('button', { name: /Alice/ }).click();
    await p.getByRole('textbox', { name: 'Message' }).fill('hi from alice');
    await p.getByRole('button', { name: 'Send', exact: true }).click();
    await conversation(p).getByText('[telegram] telegram:1001 said: hi from alice').waitFor();
    await p.getByRole('button', { name: /Bob/ }).click();
    await p.getByRole('textbox', { name: 'Message' }).fill('hi from bob');
    await p.getByRole('button', { name: 'Send', exact: true }).click();
    await conversation(p).getByText('[telegram] telegram:1002 said: hi from bob').waitFor();
    assert.equal(await conversation(p).getByText('hi from alice').count(), 0, "Alice's chat is not shown in Bob's");
    await p.screenshot({ path: screenshotPath('telegram.png') });
    const sent = await outbox('support-telegram');
    assert.ok(sent.some((b) => b.chat_id === 1001 && b.text === '[telegram] telegram:1001 said: hi from alice'));
    assert.ok(sent.some((b) => b.chat_id === 1002 && b.text === '[telegram] telegram:1002 said: hi from bob'));
    assert.ok(sent.some((b) => b.chat_id === 1001 && b.text === 'Thinking...'), 'notify reaches Telegram as a message');
    // A block reaches Telegram as its text fallback.
    await p.getByRole('textbox', { name: 'Message' }).fill('hint');
    await p.getByRole('button', { name: 'Send', exact: true }).click();
    await conversation(p).getByText('Open the web app to connect github.').waitFor();
    await conversation(p).getByText('Shown a hint.').waitFor();
    // A notify from a background task, after the handler returned, still reaches the chat.
    await p.getByRole('textbox', { name: 'Message' }).fill('later');
    await p.getByRole('button', { name: 'Send', exact: true }).click();
    await conversation(p).getByText('Started.').waitFor();
    await conversation(p).getByText('Done in the background').waitFor();
    await p.close();
  });

  test('Slack simulator: a badly signed event is refused with 401, a signed one is answered', async () => {
    const p = await page('/channels/team-slack');
    await p.getByRole('combobox', { name: 'Delivery mode' }).selectOption('bad-signature');
    await p.getByRole('textbox', { name: 'Message' }).fill('forged message');
    await p.getByRole('button', { name: 'Send', exact: true }).click();
    await conversation(p).getByText(/Webhook answered 401/).waitFor();
    await p.getByRole('combobox', { name: 'Delivery mode' }).selectOption('stale-timestamp');
    await p.getByRole('textbox', { name: 'Message' }).fill('old message');
    await p.getByRole('button', { name: 'Send', exact: true }).click();
    await conversation(p).getByText(/Webhook answered 401: X-Slack-Request-Timestamp/).waitFor();
    await p.getByRole('combobox', { name: 'Delivery mode' }).selectOption('');
    await p.getByRole('textbox', { name: 'Message' }).fill('signed message');
    await p.getByRole('button', { name: 'Send', exact: true }).click();
    await conversation(p).getByText('[slack] slack:U0ALICE01 said: signed message').waitFor();
    await p.screenshot({ path: screenshotPath('slack.png') });
    const texts = (await outbox('team-slack')).map((b) => String(b.text));
    assert.ok(!texts.some((t) => t.includes('forged') || t.includes('old message')), 'refused events never reached the app');
    await p.close();
  });

  test('WhatsApp simulator: the handshake fails with a wrong verify token and succeeds with the right one', async () => {
    const p = await page('/channels/shop-whatsapp');
    await p.getByRole('textbox', { name: 'Verify token' }).fill('not-the-token');
    await p.getByRole('button', { name: 'Verify', exact: true }).click();
    await p.getByRole('status').filter({ hasText: '403' }).waitFor();
    await p.getByRole('button', { name: "Verify with the channel's token" }).click();
    await p.getByRole('status').filter({ hasText: 'challenge echoed' }).waitFor();
    await p.getByRole('textbox', { name: 'Message' }).fill('hola');
    await p.getByRole('button', { name: 'Send', exact: true }).click();
    await conversation(p).getByText('[whatsapp] whatsapp:15550101001 said: hola').waitFor();
    await p.screenshot({ path: screenshotPath('whatsapp.png') });
    await p.close();
  });

  test('dashboard: the event log updates live and a replayed Telegram message can be edited first', async () => {
    const p = await page('/dashboard');
    await p.getByText('live', { exact: true }).waitFor();
    const log = p.getByRole('table').filter({ hasText: 'Summary' });
    // A message sent elsewhere appears without reloading.
    const r = await emu.api('/api/chat', { method: 'POST', body: JSON.stringify({ text: 'seen live' }) });
    assert.equal(r.status, 200);
    await log.getByText(/seen live/).first().waitFor();

    await p.getByRole('combobox', { name: 'Filter by kind' }).selectOption('webhook');
    const row = log.getByRole('row').filter({ hasText: 'hi from bob' });
    await row.getByRole('button', { name: /Replay event/ }).click();
    const dialog = p.getByRole('dialog');
    const editor = dialog.getByRole('textbox', { name: 'Message to replay' });
    const payload = await editor.inputValue();
    assert.match(payload, /"update_id"/);
    await editor.fill(payload.replace('hi from bob', 'hi again, edited'));
    await dialog.getByRole('button', { name: 'Send replay' }).click();
    await dialog.getByText('Webhook answered 200').waitFor();
    await dialog.getByRole('button', { name: 'Close' }).click();
    await p.getByRole('combobox', { name: 'Filter by kind' }).selectOption('');
    await log.getByText(/said: hi again, edited/).first().waitFor();
    await p.getByRole('region', { name: 'Channels' }).getByText('support-telegram').waitFor();
    await p.screenshot({ path: screenshotPath('dashboard.png') });
    const sent = await outbox('support-telegram');
    assert.ok(sent.some((b) => b.chat_id === 1002 && b.text === '[telegram] telegram:1002 said: hi again, edited'));
    await p.close();
  });

  test('dashboard: a pending prompt can be allowed from the prompts card', async () => {
    const p = await page('/dashboard');
    await p.getByText('live', { exact: true }).waitFor();
    // A user who never connected GitHub asks through the API channel; the answer waits on the prompt.
    const reply = emu.api('/api/chat', { method: 'POST', body: JSON.stringify({ text: 'connect', user: 'carol' }) }).then((r) => r.json() as Promise<{ reply: string }>);
    const prompts = p.getByRole('region', { name: 'Pending prompts' });
    await prompts.getByRole('button', { name: /^Allow prm_/ }).click();
    assert.match((await reply).reply, /GitHub connected with scopes: repo/);
    await prompts.getByText('None waiting.').waitFor();
    await p.getByRole('region', { name: 'Integrations' }).getByText('github (oauth)').first().waitFor();
    await p.close();
  });

  test('dashboard: a session row held while the state refreshes stays the same element and still opens', async () => {
    const p = await page('/dashboard');
    await p.getByText('live', { exact: true }).waitFor();
    const first = (await (await emu.api('/api/chat', { method: 'POST', body: JSON.stringify({ text: 'steady 0', user: 'dora' }) })).json()) as { session_id: string };
    const sessions = p.getByRole('region', { name: 'Sessions' });
    const row = sessions.getByRole('row').filter({ hasText: first.session_id });
    const held = (await row.elementHandle())!;
    const count = row.getByRole('cell').nth(3);
    for (let n = 1; n <= 3; n++) {
      // Each message refreshes the cards; the row's message count changes under the held element.
      const before = await count.textContent();
      const r = await emu.api('/api/chat', { method: 'POST', body: JSON.stringify({ text: `steady ${n}`, user: 'dora', session_id: first.session_id }) });
      assert.equal(r.status, 200);
      await waitFor(`refresh ${n} to show the new message count`, async () => (await count.textContent()) !== before, UI_TIMEOUT);
      assert.ok(await held.evaluate((el) => el.isConnected), `refresh ${n} detached the row`);
      assert.ok(await p.evaluate(([a, b]) => a === b, [held, (await row.elementHandle())!]), `refresh ${n} replaced the row`);
    }
    await held.click();
    await p.getByRole('dialog').getByText(`Session ${first.session_id}`).waitFor();
    await p.close();
  });

  test('simulator of a channel the app does not declare: a visible reason, and a send is refused', async () => {
    const r = await emu.cli(['channel', 'create', 'stray-telegram', '--type', 'telegram', '-c', `bot_token=${SECRETS.telegramBot}`]);
    assert.equal(r.status, 0, r.stderr);
    // The page shows the binding it finds when it opens: wait until the served app is known to
    // leave the channel out (while an app (re)starts, its channels are not known yet).
    await waitFor('the emulator to see the new channel, not declared by the app', async () => {
      const res = await emu.api('/api/channels/stray-telegram');
      return res.ok && ((await res.json()) as { channel: { refusal?: { reason: string } } }).channel.refusal?.reason === 'undeclared-channel';
    });
    const p = await page('/channels/stray-telegram');
    await p.getByRole('alert').filter({ hasText: 'Messages to this channel are refused: channel "stray-telegram" is not declared by the served app' }).waitFor();
    await p.getByRole('textbox', { name: 'Message' }).fill('anyone there?');
    await p.getByRole('button', { name: 'Send', exact: true }).click();
    await conversation(p).getByText(/Webhook answered 404: channel "stray-telegram" is not declared by the served app \(.+\).*cpsl\.Channel\("stray-telegram"\).*the app never saw “anyone there\?”/).waitFor();
    const view = (await (await emu.api('/api/channels/stray-telegram')).json()) as ChannelView;
    const refused = view.events.find((e) => e.kind === 'webhook-rejected');
    assert.equal(refused?.detail?.reason, 'undeclared-channel');
    assert.ok(!view.events.some((e) => e.kind === 'outbound'), 'nothing reached the app, nothing was answered');
    await p.close();
  });

  test('no channel credential reaches the event log or the pages', async () => {
    const log = await emu.api('/api/events/log?limit=5000');
    assertNoSecrets(await log.text());
    const p = await page('/dashboard');
    await p.getByRole('region', { name: 'Channels' }).getByText('team-slack').waitFor();
    assertNoSecrets(await p.content());
    const channels = await emu.api('/api/channels');
    assertNoSecrets(await channels.text());
    await p.close();
  });
});
