// Delivers a platform payload to a channel's own webhook URL over HTTP, with the headers the
// platform would add (Slack signature with a fresh timestamp, Telegram secret token, Meta
// signature). The simulators and the dashboard's replay go through it, so the whole inbound path
// is exercised, while the credentials stay on the emulator's side.
import { randomBytes } from 'node:crypto';
import type { Hub } from '../hub';
import { channelWebhookPath } from '../store/channels';
import type { StoredChannel } from '../store/schema';
import { issueRelayToken, RELAY_TOKEN_HEADER } from './relay-token';
import { hubSignature256, slackSignature, SLACK_TOLERANCE_SECONDS } from './signatures';
import { TELEGRAM_SECRET_HEADER } from './telegram';
import { REPLAY_HEADER } from './webhooks';

/** Ways to spoil a delivery on purpose, to watch the channel reject it. */
export type Tamper = 'bad-signature' | 'stale-timestamp' | 'wrong-secret-token';

export interface RelayRequest {
  /** Raw body to send (the payload as the platform would serialize it). */
  body?: string;
  /** WhatsApp verification handshake instead of a message. */
  handshake?: { verifyToken?: string; useChannelToken?: boolean; challenge?: string };
  tamper?: Tamper;
  replayOf?: number;
}

export interface RelayResult {
  status: number;
  contentType: string;
  body: string;
  /** Headers sent, with secret-bearing ones shown by name only. */
  sent: { method: string; path: string; headers: Record<string, string> };
}

export class RelayError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function spoil(signature: string): string {
  const last = signature.at(-1) === '0' ? '1' : '0';
  return signature.slice(0, -1) + last;
}

export async function relayWebhook(hub: Hub, channelName: string, req: RelayRequest, nowSeconds = Date.now() / 1000): Promise<RelayResult> {
  const channel: StoredChannel | undefined = hub.read().channels[channelName];
  if (!channel) throw new RelayError(404, `no channel named "${channelName}"`);
  let path = channelWebhookPath(channel);
  const headers: Record<string, string> = {};
  const shown: Record<string, string> = {};
  let method = 'POST';
  let body: string | undefined = req.body ?? '';

  if (req.handshake) {
    if (channel.type !== 'whatsapp') throw new RelayError(400, 'only WhatsApp channels have a verification handshake');
    method = 'GET';
    body = undefined;
    const token = req.handshake.useChannelToken ? channel.credentials.verify_token ?? '' : req.handshake.verifyToken ?? '';
    const challenge = req.handshake.challenge ?? randomBytes(6).toString('hex');
    const q = new URLSearchParams({ 'hub.mode': 'subscribe', 'hub.verify_token': token, 'hub.challenge': challenge });
    path += `?${q.toString()}`;
  } else {
    headers['content-type'] = 'application/json';
    if (channel.type === 'slack') {
      const ts = String(Math.floor(nowSeconds) - (req.tamper === 'stale-timestamp' ? SLACK_TOLERANCE_SECONDS + 60 : 0));
      let sig = slackSignature(channel.credentials.signing_secret ?? '', ts, body);
      if (req.tamper === 'bad-signature') sig = spoil(sig);
      headers['x-slack-request-timestamp'] = ts;
      headers['x-slack-signature'] = sig;
      shown['x-slack-request-timestamp'] = ts;
      shown['x-slack-signature'] = req.tamper === 'bad-signature' ? 'v0=… (spoiled)' : 'v0=… (signed with signing_secret)';
    } else if (channel.type === 'telegram' && channel.credentials.secret_token) {
      headers[TELEGRAM_SECRET_HEADER] = req.tamper === 'wrong-secret-token' ? 'not-the-secret' : channel.credentials.secret_token;
      shown[TELEGRAM_SECRET_HEADER] = req.tamper === 'wrong-secret-token' ? '(wrong value)' : '(channel secret_token)';
    } else if (channel.type === 'whatsapp' && channel.credentials.app_secret) {
      let sig = hubSignature256(channel.credentials.app_secret, body);
      if (req.tamper === 'bad-signature') sig = spoil(sig);
      headers['x-hub-signature-256'] = sig;
      shown['x-hub-signature-256'] = req.tamper === 'bad-signature' ? 'sha256=… (spoiled)' : 'sha256=… (signed with app_secret)';
    }
  }
  const relayed = issueRelayToken(hub);
  headers[RELAY_TOKEN_HEADER] = relayed.token;
  if (req.replayOf) headers[REPLAY_HEADER] = String(req.replayOf);

  let res: Response;
  try {
    res = await fetch(new URL(path, hub.url), { method, headers, body, signal: AbortSignal.timeout(10_000) });
  } finally {
    relayed.done();
  }
  return {
    status: res.status,
    contentType: res.headers.get('content-type') ?? '',
    body: await res.text(),
    sent: { method, path: req.handshake ? channelWebhookPath(channel) + '?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…' : path, headers: { ...(headers['content-type'] ? { 'content-type': headers['content-type'] } : {}), ...shown } },
  };
}
