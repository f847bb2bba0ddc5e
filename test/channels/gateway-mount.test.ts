// The channels and dashboard modules mounted on the real gateway (in process, no app): webhooks are
// public and keep their raw bodies through the gateway's parsers; pages and APIs need the session
// token; a message for a channel no served app declares is refused with the reason and logged.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type RunningEmulator } from '../../emulator/gateway';
import { slackSignature } from '../../emulator/channels/signatures';
import { channelWebhookPath } from '../../emulator/store';
import { waitFor } from '../support/wait';
import { SECRETS, assertNoSecrets, channels, fixtureText } from './helpers';

describe('channels on the gateway', () => {
  let emu: RunningEmulator;
  let dir: string;
  const path = (name: string) => channelWebhookPath(emu.hub.read().channels[name]!);
  const bearer = () => ({ authorization: `Bearer ${emu.token}` });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'capsule-ch-gw-'));
    emu = await startEmulator({ entries: [], storeDir: join(dir, '.capsule'), cwd: dir, port: 0, env: {} });
    await emu.hub.update((d) => Object.assign(d.channels, channels()));
  });
  after(async () => {
    await emu?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a signed Slack url_verification is answered through the gateway\'s JSON parser', async () => {
    const body = fixtureText('slack-url-verification.json');
    const ts = String(Math.floor(Date.now() / 1000));
    const res = await fetch(emu.url + path('team-slack'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-slack-request-timestamp': ts, 'x-slack-signature': slackSignature(SECRETS.slackSigning, ts, body) },
      body,
    });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P' });
    const forged = await fetch(emu.url + path('team-slack'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-slack-request-timestamp': ts, 'x-slack-signature': slackSignature('wrong', ts, body) },
      body,
    });
    assert.equal(forged.status, 401);
  });

  test('the WhatsApp handshake needs no session token', async () => {
    const q = new URLSearchParams({ 'hub.mode': 'subscribe', 'hub.verify_token': SECRETS.waVerify, 'hub.challenge': '42' });
    const res = await fetch(`${emu.url}${path('shop-whatsapp')}?${q}`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), '42');
  });

  test('malformed JSON to a webhook gets 400', async () => {
    const res = await fetch(emu.url + path('support-telegram'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"update_id": ' });
    assert.equal(res.status, 400);
  });

  test('with no app served, a Telegram message is refused with 404 and the reason is in the event log', async () => {
    const res = await fetch(emu.url + path('support-telegram'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: fixtureText('telegram-update-message.json') });
    assert.equal(res.status, 404);
    const body = (await res.json()) as { ok: boolean; description: string };
    assert.equal(body.ok, false);
    assert.match(body.description, /no app is being served/);
    const ev = await waitFor('the rejection event', () => emu.hub.read().events.find((e) => e.kind === 'webhook-rejected' && e.detail?.reason === 'undeclared-channel'));
    assert.equal(ev.channel, 'support-telegram', 'a named channel by its name');
    assert.equal(ev.detail?.channelType, 'telegram');
  });

  test('pages and their APIs need the session token; with it they are served with a strict CSP', async () => {
    for (const p of ['/chat', '/dashboard', '/channels/team-slack', '/api/channels', '/api/dashboard/state', '/api/webchat/bootstrap', '/media/chat.js']) {
      const anon = await fetch(emu.url + p);
      assert.equal(anon.status, 401, `${p} without a token`);
    }
    for (const p of ['/chat', '/dashboard', '/channels/team-slack']) {
      const r = await fetch(emu.url + p, { headers: bearer() });
      assert.equal(r.status, 200, p);
      assert.match(r.headers.get('content-type') ?? '', /text\/html/);
      assert.match(r.headers.get('content-security-policy') ?? '', /script-src 'self'/);
      assert.doesNotMatch(await r.text(), /https?:\/\/(?!127\.0\.0\.1)[a-z]/i, `${p} loads nothing from outside`);
    }
    const unknown = await fetch(emu.url + '/channels/nope', { headers: bearer() });
    assert.equal(unknown.status, 404);
  });

  test('the channel list shows webhook URLs and masks credentials', async () => {
    const r = await fetch(emu.url + '/api/channels', { headers: bearer() });
    const text = await r.text();
    assertNoSecrets(text);
    const { channels: list } = JSON.parse(text) as { channels: Array<{ name: string; webhookUrl: string; credentials: Record<string, string> }> };
    const wa = list.find((c) => c.name === 'shop-whatsapp')!;
    assert.equal(wa.webhookUrl, emu.url + path('shop-whatsapp'));
    assert.equal(wa.credentials.phone_number_id, '123456123');
    assert.match(wa.credentials.verify_token!, /^\*+/);
  });

  test('the web chat refuses a message when no app is served, with a clear error', async () => {
    const r = await fetch(emu.url + '/api/webchat/messages', { method: 'POST', headers: { ...bearer(), 'content-type': 'application/json' }, body: JSON.stringify({ text: 'hi' }) });
    assert.equal(r.status, 503);
    assert.match(((await r.json()) as { error: string }).error, /no app is served/);
  });

  test('replay of a refused webhook delivery goes through the relay and is marked as a replay', async () => {
    await fetch(emu.url + path('team-slack'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: fixtureText('slack-url-verification.json') });
    const refused = await waitFor('the refused event', () => emu.hub.read().events.filter((e) => e.kind === 'webhook-rejected' && e.detail?.reason === 'missing-headers').at(-1));
    const r = await fetch(`${emu.url}/api/dashboard/events/${refused.seq}/replay`, { method: 'POST', headers: { ...bearer(), 'content-type': 'application/json' }, body: '{}' });
    assert.equal(r.status, 200);
    const out = (await r.json()) as { result: { status: number; body: string } };
    assert.equal(out.result.status, 200, 'the replay is signed, so Slack\'s check passes');
    assert.match(out.result.body, /3eZbrw1aBm2r/);
    assertNoSecrets(JSON.stringify(emu.hub.read().events));
  });
});
