// Channels created with the CLI, credentials read from stdin, enforce the webhook authentication
// they were given: Telegram's secret_token header and WhatsApp's X-Hub-Signature-256, on the real
// gateway over the store the CLI wrote.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type RunningEmulator } from '../../emulator/gateway';
import { hubSignature256 } from '../../emulator/channels/signatures';
import { channelWebhookPath } from '../../emulator/store';
import { assertCliBuilt, cliSync } from '../support/cli';
import { SECRETS, assertNoSecrets, fixtureText, postJson } from './helpers';

let dir: string;
let emu: RunningEmulator;

before(async () => {
  assertCliBuilt();
  dir = mkdtempSync(join(tmpdir(), 'capsule-ch-auth-'));
  const tg = cliSync(dir, ['channel', 'create', 'tg', '--type', 'telegram', '--credentials-file', '-'], `bot_token=${SECRETS.telegramBot}\nsecret_token=${SECRETS.telegramSecretToken}\n`);
  assert.equal(tg.status, 0, tg.stderr);
  const wa = cliSync(dir, ['channel', 'create', 'wa', '--type', 'whatsapp', '--credentials-file', '-'],
    `access_token=${SECRETS.waAccess}\nphone_number_id=123456123\nverify_token=${SECRETS.waVerify}\napp_secret=${SECRETS.waAppSecret}\n`);
  assert.equal(wa.status, 0, wa.stderr);
  emu = await startEmulator({ entries: [], storeDir: join(dir, '.capsule'), cwd: dir, port: 0, env: {} });
});
after(async () => {
  await emu?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const url = (name: string) => emu.url + channelWebhookPath(emu.hub.read().channels[name]!);

test('Telegram: no or a wrong X-Telegram-Bot-Api-Secret-Token gets 401; the right one passes the check', async () => {
  const body = fixtureText('telegram-update-message.json');
  assert.equal((await postJson(url('tg'), body)).status, 401);
  assert.equal((await postJson(url('tg'), body, { 'X-Telegram-Bot-Api-Secret-Token': 'guess' })).status, 401);
  const right = await postJson(url('tg'), body, { 'X-Telegram-Bot-Api-Secret-Token': SECRETS.telegramSecretToken });
  // Past the check, the next refusal is that no served app declares the channel.
  assert.equal(right.status, 404);
  assert.match(((await right.json()) as { description: string }).description, /no app is being served/);
  const reasons = emu.hub.read().events.filter((e) => e.kind === 'webhook-rejected' && e.detail?.channelName === 'tg').map((e) => e.detail?.reason);
  assert.deepEqual(reasons, ['secret-token', 'secret-token', 'undeclared-channel']);
});

test('WhatsApp: an unsigned or wrongly signed POST gets 401; sha256=<HMAC of the raw body with app_secret> passes', async () => {
  const body = fixtureText('whatsapp-message-text.json');
  assert.equal((await postJson(url('wa'), body)).status, 401);
  assert.equal((await postJson(url('wa'), body, { 'X-Hub-Signature-256': hubSignature256('not-the-app-secret', body) })).status, 401);
  assert.equal((await postJson(url('wa'), body, { 'X-Hub-Signature-256': hubSignature256(SECRETS.waAppSecret, body + ' ') })).status, 401);
  assert.equal((await postJson(url('wa'), body, { 'X-Hub-Signature-256': hubSignature256(SECRETS.waAppSecret, body) })).status, 404);
  assertNoSecrets(JSON.stringify(emu.hub.read().events));
});
