// The named channels' inbound webhooks on the public router, one URL per channel:
//   POST /webhooks/telegram/<webhookId>   Telegram Update (secret token header when configured)
//   POST /webhooks/slack/<webhookId>      Slack Events API, v0 signature with signing_secret
//   GET  /webhooks/whatsapp/<webhookId>   WhatsApp verification handshake (verify_token)
//   POST /webhooks/whatsapp/<webhookId>   WhatsApp Cloud API messages (X-Hub-Signature-256 with app_secret)
// A request the platform would have rejected gets the platform's status and never reaches the app.
import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import type { Hub } from '../hub';
import type { StoredChannel } from '../store/schema';
import { channelBinding, converse } from './conversation';
import { BodyError, parseJson, readRawBody } from './raw-body';
import { safeEqual, verifyHubSignature, verifySlackRequest } from './signatures';
import { parseSlackEnvelope } from './slack';
import { consumeRelayToken, RELAY_TOKEN_HEADER } from './relay-token';
import { SlackDedupe } from './slack-dedupe';
import { TELEGRAM_SECRET_HEADER, parseTelegramUpdate } from './telegram';
import { MalformedPayload, type WebhookParse } from './types';
import { parseWhatsappWebhook, whatsappHandshake } from './whatsapp';

export const WEBHOOK_KIND = 'webhook';
export const REJECTED_KIND = 'webhook-rejected';
/**
 * Set by the emulator's own relay (the dashboard's replay) to link a delivery to the event it
 * replays. Believed only with the relay's one-time token (relay-token.ts).
 */
export const REPLAY_HEADER = 'x-capsule-replay-of';

export interface WebhookOptions {
  /** Wall-clock seconds for Slack's timestamp check (tests move it). */
  nowSeconds?: () => number;
  /** Called with the delivery promise of each accepted message (tests wait on it). */
  onDelivery?: (p: Promise<void>) => void;
}

export function findChannel(hub: Hub, type: string, webhookId: string): [string, StoredChannel] | undefined {
  for (const [name, c] of Object.entries(hub.read().channels)) {
    if (c.type === type && c.webhookId === webhookId) return [name, c];
  }
  return undefined;
}

class Rejection extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
    readonly payload?: unknown,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

function replayHeader(req: Request): number | undefined {
  const v = Number(req.headers[REPLAY_HEADER]);
  return Number.isInteger(v) && v > 0 ? v : undefined;
}

/** Slack's retry headers, as Slack sends them when an earlier delivery got no timely 200. */
function slackRetry(req: Request): { num: string; reason: string } | undefined {
  const num = req.headers['x-slack-retry-num'];
  if (typeof num !== 'string') return undefined;
  const reason = req.headers['x-slack-retry-reason'];
  return { num, reason: typeof reason === 'string' ? reason : 'unknown' };
}

function tryJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    return undefined;
  }
}

function asJson(raw: Buffer): unknown {
  try {
    return parseJson(raw);
  } catch (e) {
    throw new Rejection(400, 'malformed-json', (e as Error).message);
  }
}

function parseOr400<T>(payload: unknown, parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    if (e instanceof MalformedPayload) throw new Rejection(400, 'malformed-payload', e.message, payload);
    throw e;
  }
}

export function registerWebhooks(hub: Hub, options: WebhookOptions = {}): void {
  const nowSeconds = options.nowSeconds ?? (() => Date.now() / 1000);
  const slackSeen = new SlackDedupe();
  // Replays the emulator itself sends (its relay's token checked once, in the route below).
  const replays = new WeakMap<Request, number>();
  const replayOf = (req: Request) => replays.get(req);

  /** The app that receives the parse's messages; refuses, before any answer, when none is bound. */
  const boundApp = (name: string, channel: StoredChannel, payload: unknown, parse: WebhookParse): string | undefined => {
    if (!parse.messages.length) return undefined;
    const b = channelBinding(hub, name, channel.type);
    if (!b.ok) throw new Rejection(b.status, b.reason, b.message, payload, b.status === 503 ? 5 : undefined);
    return b.app;
  };

  const accept = (req: Request, name: string, channel: StoredChannel, payload: unknown, parse: WebhookParse, extra: Record<string, unknown> = {}, app?: string) => {
    const replay = replayOf(req);
    const who = parse.messages.map((m) => m.userId).join(', ');
    hub.events.emit({
      kind: WEBHOOK_KIND,
      summary:
        `${channel.type} webhook${replay ? ` (replay of #${replay})` : ''}: ` +
        (parse.messages.length
          ? `${parse.messages.length} message(s) from ${who}: "${hub.events.preview(parse.messages.map((m) => m.text).join(' / '), 80)}"`
          : `nothing for the app (${parse.ignored.join('; ')})`),
      channel: channel.type,
      userId: parse.messages[0]?.userId,
      detail: {
        channelName: name,
        channelType: channel.type,
        payload,
        messages: parse.messages.map(({ userId, userName, conversation, text, externalId }) => ({ userId, userName, conversation, text, externalId })),
        ignored: parse.ignored,
        ...extra,
        ...(replay ? { replayOf: replay } : {}),
      },
    });
    for (const m of parse.messages) {
      const p = converse(hub, app!, name, channel, m);
      options.onDelivery?.(p);
    }
  };

  const reject = (req: Request, res: Response, name: string, channel: StoredChannel, r: Rejection) => {
    const replay = replayOf(req);
    hub.events.emit({
      kind: REJECTED_KIND,
      summary: `${channel.type} webhook rejected with ${r.status}: ${r.message}`,
      channel: channel.type,
      detail: { channelName: name, channelType: channel.type, status: r.status, reason: r.reason, message: r.message, ...(r.payload !== undefined ? { payload: r.payload } : {}), ...(replay ? { replayOf: replay } : {}) },
    });
    if (r.retryAfterSeconds) res.set('Retry-After', String(r.retryAfterSeconds));
    if (channel.type === 'telegram') res.status(r.status).json({ ok: false, error_code: r.status, description: r.message });
    else if (channel.type === 'slack') res.status(r.status).type('text/plain').send(r.message);
    else res.status(r.status).json({ error: { message: r.message, code: r.status } });
  };

  const handlers: Record<StoredChannel['type'], (req: Request, res: Response, name: string, channel: StoredChannel) => Promise<void>> = {
    async telegram(req, res, name, channel) {
      if (req.method !== 'POST') throw new Rejection(405, 'method', 'Telegram delivers updates with POST');
      const raw = await readRawBody(req);
      const expected = channel.credentials.secret_token;
      if (expected) {
        const got = req.headers[TELEGRAM_SECRET_HEADER];
        if (typeof got !== 'string' || !safeEqual(got, expected)) {
          throw new Rejection(401, 'secret-token', 'X-Telegram-Bot-Api-Secret-Token is missing or does not match the channel\'s secret_token', tryJson(raw));
        }
      }
      const payload = asJson(raw);
      const parse = parseOr400(payload, () => parseTelegramUpdate(payload));
      const app = boundApp(name, channel, payload, parse);
      res.status(200).json({ ok: true });
      accept(req, name, channel, payload, parse, {}, app);
    },

    async slack(req, res, name, channel) {
      if (req.method !== 'POST') throw new Rejection(405, 'method', 'Slack delivers events with POST');
      const raw = await readRawBody(req);
      const verdict = verifySlackRequest({
        signingSecret: channel.credentials.signing_secret ?? '',
        timestamp: req.headers['x-slack-request-timestamp'] as string | undefined,
        signature: req.headers['x-slack-signature'] as string | undefined,
        rawBody: raw,
        nowSeconds: nowSeconds(),
      });
      if (!verdict.ok) throw new Rejection(401, verdict.reason, verdict.message, tryJson(raw));
      const payload = asJson(raw);
      const envelope = parseOr400(payload, () => parseSlackEnvelope(payload));
      if (envelope.kind === 'url_verification') {
        res.status(200).json({ challenge: envelope.challenge });
        hub.events.emit({ kind: WEBHOOK_KIND, summary: 'slack url_verification answered with the challenge', channel: 'slack', detail: { channelName: name, channelType: 'slack', payload } });
        return;
      }
      if (envelope.kind === 'other') {
        res.status(200).end();
        accept(req, name, channel, payload, { messages: [], ignored: [`${envelope.type} requests carry no event`] });
      } else {
        const app = boundApp(name, channel, payload, envelope.parse);
        // Slack wants an answer within three seconds; the app runs after the acknowledgement.
        res.status(200).end();
        const now = nowSeconds() * 1000;
        const retry = slackRetry(req);
        // Without an event_id, the exact bytes identify the request (a replay resends them).
        const eventId = envelope.eventId ?? `sha256:${createHash('sha256').update(raw).digest('hex')}`;
        const ago = replayOf(req) ? undefined : slackSeen.deliveredBefore(name, eventId, now);
        if (ago !== undefined) {
          const why = retry ? `Slack retry #${retry.num} (${retry.reason})` : 'the same signed request again (a replay)';
          accept(req, name, channel, payload, { messages: [], ignored: [`${envelope.eventId ?? 'this event'} already reached the app ${Math.round(ago / 1000)} s ago; ${why} acknowledged, not delivered again`] }, { duplicateOf: eventId, ...(retry ? { slackRetry: retry } : {}) });
          return;
        }
        const { messages, ignored } = envelope.parse;
        const fresh = messages.filter((m) => !slackSeen.isMentionTwin(name, envelope.eventType, m, now));
        if (fresh.length < messages.length) ignored.push('already delivered as the other event type (message / app_mention)');
        accept(req, name, channel, payload, { messages: fresh, ignored }, retry ? { slackRetry: retry } : {}, app);
      }
    },

    async whatsapp(req, res, name, channel) {
      if (req.method === 'GET') {
        const r = whatsappHandshake(req.query as Record<string, unknown>, channel.credentials.verify_token ?? '');
        if (!r.ok) throw new Rejection(r.status, 'verify-token', r.message);
        res.status(200).type('text/plain').send(r.challenge);
        hub.events.emit({ kind: WEBHOOK_KIND, summary: 'whatsapp verification handshake: verify_token matched, challenge echoed', channel: 'whatsapp', detail: { channelName: name, channelType: 'whatsapp', handshake: true } });
        return;
      }
      if (req.method !== 'POST') throw new Rejection(405, 'method', 'WhatsApp delivers webhooks with GET (verification) and POST');
      const raw = await readRawBody(req);
      const appSecret = channel.credentials.app_secret;
      if (appSecret && !verifyHubSignature(appSecret, req.headers['x-hub-signature-256'] as string | undefined, raw)) {
        throw new Rejection(401, 'bad-signature', 'X-Hub-Signature-256 is missing or does not match the body and the channel\'s app_secret', tryJson(raw));
      }
      const payload = asJson(raw);
      const parse = parseOr400(payload, () => parseWhatsappWebhook(payload, channel.credentials.phone_number_id ?? ''));
      const app = boundApp(name, channel, payload, parse);
      res.status(200).type('text/plain').send('EVENT_RECEIVED');
      accept(req, name, channel, payload, parse, {}, app);
    },
  };

  hub.publicRouter.all('/webhooks/:type/:webhookId', async (req: Request, res: Response) => {
    const type = String(req.params.type);
    const found = findChannel(hub, type, String(req.params.webhookId));
    if (!found || !(type in handlers)) {
      res.status(404).json({ error: `no ${type} channel has this webhook URL; \`capsule-local channel list\` shows the channels` });
      return;
    }
    const [name, channel] = found;
    const replay = replayHeader(req);
    if (consumeRelayToken(hub, req.headers[RELAY_TOKEN_HEADER]) && replay) replays.set(req, replay);
    try {
      await handlers[channel.type](req, res, name, channel);
    } catch (e) {
      if (e instanceof Rejection) reject(req, res, name, channel, e);
      else if (e instanceof BodyError) reject(req, res, name, channel, new Rejection(e.status, 'body', e.message));
      else if (!res.headersSent) res.status(500).json({ error: `webhook failed: ${(e as Error).message}` });
    }
  });
}
