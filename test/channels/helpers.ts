// Shared bits of the channel tests: documented payload fixtures, channel records, and the fake Hub
// holding them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { registerWebhooks } from '../../emulator/channels/webhooks';
import { channelWebhookPath, newChannel } from '../../emulator/store';
import type { StoredChannel } from '../../emulator/store';
import { startFakeHub, type FakeHub } from './fake-hub';

export const FIXTURES = join(__dirname, 'fixtures');

export function fixtureText(name: string): string {
  return readFileSync(join(FIXTURES, name), 'utf8');
}

export function fixture<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(fixtureText(name)) as T;
}

// Credentials are fake but shaped like the real ones; tests assert they never leak.
export const SECRETS = {
  telegramBot: '7012345678:AAF-telegram-bot-token-for-tests',
  telegramSecretToken: 'tg-webhook-secret-for-tests',
  slackBot: 'xoxb-slack-bot-token-for-tests',
  slackSigning: '5f1c7a9e2b3d4c6f8a0b1c2d3e4f5a6b',
  waAccess: 'EAAG-whatsapp-access-token-for-tests',
  waVerify: 'wa-verify-token-for-tests',
  waAppSecret: 'wa-app-secret-for-tests',
};

export function channels(opts: { telegramSecret?: boolean; waAppSecret?: boolean } = {}): Record<string, StoredChannel> {
  return {
    'support-telegram': newChannel({
      name: 'support-telegram',
      type: 'telegram',
      credentials: { bot_token: SECRETS.telegramBot, ...(opts.telegramSecret ? { secret_token: SECRETS.telegramSecretToken } : {}) },
    }),
    'team-slack': newChannel({
      name: 'team-slack',
      type: 'slack',
      credentials: { bot_token: SECRETS.slackBot, signing_secret: SECRETS.slackSigning },
    }),
    'shop-whatsapp': newChannel({
      name: 'shop-whatsapp',
      type: 'whatsapp',
      credentials: {
        access_token: SECRETS.waAccess,
        phone_number_id: '123456123',
        verify_token: SECRETS.waVerify,
        ...(opts.waAppSecret ? { app_secret: SECRETS.waAppSecret } : {}),
      },
    }),
  };
}

export function assertNoSecrets(text: string): void {
  for (const [k, v] of Object.entries(SECRETS)) {
    if (text.includes(v)) throw new Error(`secret ${k} leaked into: ${text.slice(Math.max(0, text.indexOf(v) - 200), text.indexOf(v) + 100)}`);
  }
}

/** A fake Hub whose store holds the three channels of `channels()`. */
export function startChannelHub(): Promise<FakeHub> {
  return startFakeHub((d) => Object.assign(d.channels, channels()));
}

/** A channel hub with the webhooks mounted; `url` is the webhook URL of the channel `name`. */
export async function startWebhookHub(name: string): Promise<{ hub: FakeHub; url: string }> {
  const hub = await startChannelHub();
  registerWebhooks(hub);
  return { hub, url: hub.url + channelWebhookPath(hub.read().channels[name]!) };
}

/** POSTs `body` as JSON, exactly as written (fixtures keep their bytes for signatures). */
export function postJson(url: string, body: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
}
