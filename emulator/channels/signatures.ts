// Request authentication as each platform does it: Slack's v0 signature, Meta's
// X-Hub-Signature-256 and Telegram's secret token header. Secrets are only ever fed to HMACs and
// compared in constant time; nothing here returns or logs them.
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Slack rejects requests whose timestamp is more than five minutes away from now. */
export const SLACK_TOLERANCE_SECONDS = 5 * 60;

/** Compares two strings in time independent of where they differ (length leaks, as in Slack's SDKs). */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  if (x.length !== y.length) {
    // Still spend the comparison so a wrong length costs the same as a wrong byte.
    timingSafeEqual(x, x);
    return false;
  }
  return timingSafeEqual(x, y);
}

/** `v0=` + hex HMAC-SHA256 of `v0:<timestamp>:<raw body>` keyed by the signing secret. */
export function slackSignature(signingSecret: string, timestamp: string | number, rawBody: Buffer | string): string {
  const h = createHmac('sha256', signingSecret);
  h.update(`v0:${timestamp}:`);
  h.update(rawBody);
  return `v0=${h.digest('hex')}`;
}

export type SlackVerdict =
  | { ok: true }
  | { ok: false; reason: 'missing-headers' | 'stale-timestamp' | 'bad-signature'; message: string };

/** Verifies `X-Slack-Signature` and `X-Slack-Request-Timestamp` against the raw body. */
export function verifySlackRequest(opts: {
  signingSecret: string;
  timestamp: string | undefined;
  signature: string | undefined;
  rawBody: Buffer;
  nowSeconds: number;
  toleranceSeconds?: number;
}): SlackVerdict {
  const { timestamp, signature } = opts;
  if (!timestamp || !signature) {
    return { ok: false, reason: 'missing-headers', message: 'missing X-Slack-Signature or X-Slack-Request-Timestamp header' };
  }
  const ts = Number(timestamp);
  const tolerance = opts.toleranceSeconds ?? SLACK_TOLERANCE_SECONDS;
  if (!/^\d+$/.test(timestamp) || Math.abs(opts.nowSeconds - ts) > tolerance) {
    return {
      ok: false,
      reason: 'stale-timestamp',
      message: `X-Slack-Request-Timestamp ${timestamp} is more than ${tolerance} seconds away from now (${Math.floor(opts.nowSeconds)}); Slack requests expire to stop replays`,
    };
  }
  const expected = slackSignature(opts.signingSecret, timestamp, opts.rawBody);
  if (!safeEqual(expected, signature)) {
    return { ok: false, reason: 'bad-signature', message: 'X-Slack-Signature does not match the request body and the channel\'s signing_secret' };
  }
  return { ok: true };
}

/** `sha256=` + hex HMAC-SHA256 of the raw body keyed by the Meta app secret. */
export function hubSignature256(appSecret: string, rawBody: Buffer | string): string {
  return `sha256=${createHmac('sha256', appSecret).update(rawBody).digest('hex')}`;
}

export function verifyHubSignature(appSecret: string, header: string | undefined, rawBody: Buffer): boolean {
  if (!header) return false;
  return safeEqual(hubSignature256(appSecret, rawBody), header);
}
