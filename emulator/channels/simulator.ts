// The channel simulators at /channels/<name>: a conversation view in the platform's style whose
// simulated users send real webhook payloads through the relay, and whose bot messages come from
// the outbox. Also the channel list used by the dashboard.
import express, { type Request, type Response } from 'express';
import type { Hub } from '../hub';
import { channelWebhookPath, maskCredential } from '../store/channels';
import type { StoredEvent } from '../store/schema';
import { channelBinding } from './conversation';
import { OUTBOUND_KIND } from './outbox';
import { RelayError, relayWebhook, type Tamper } from './relay';
import { openSse } from './sse';
import { sendMedia } from './static';
import { REJECTED_KIND, WEBHOOK_KIND } from './webhooks';

const json = express.json({ limit: '1mb' });
const TAMPERS: Tamper[] = ['bad-signature', 'stale-timestamp', 'wrong-secret-token'];

export function channelSummary(hub: Hub, name: string) {
  const c = hub.read().channels[name];
  if (!c) return undefined;
  const binding = channelBinding(hub, name, c.type);
  return {
    name,
    type: c.type,
    id: c.id,
    createdAt: c.createdAt,
    webhookPath: channelWebhookPath(c),
    webhookUrl: new URL(channelWebhookPath(c), hub.url).toString(),
    // Names, and values only where the catalog says they are not secret (phone_number_id).
    credentials: Object.fromEntries(Object.entries(c.credentials).map(([k, v]) => [k, maskCredential(c.type, k, v)])),
    phoneNumberId: c.type === 'whatsapp' ? c.credentials.phone_number_id : undefined,
    /** The served app that receives this channel's messages; otherwise why none does. */
    boundTo: binding.ok ? binding.app : null,
    refusal: binding.ok ? undefined : { reason: binding.reason, message: binding.message },
    checks: {
      signature: c.type === 'slack' || (c.type === 'whatsapp' && !!c.credentials.app_secret),
      secretToken: c.type === 'telegram' && !!c.credentials.secret_token,
    },
  };
}

export function isChannelEvent(e: StoredEvent, name: string): boolean {
  const d = e.detail as { channelName?: unknown } | undefined;
  return d?.channelName === name && [WEBHOOK_KIND, REJECTED_KIND, OUTBOUND_KIND, 'error'].includes(e.kind);
}

export function registerSimulators(hub: Hub): void {
  const r = hub.protectedRouter;

  r.get('/api/channels', (_req, res) => {
    res.json({ channels: Object.keys(hub.read().channels).sort().map((n) => channelSummary(hub, n)) });
  });

  r.get('/channels/:name', (req, res) => {
    if (!hub.read().channels[String(req.params.name)]) {
      res.status(404).type('text/plain').send(`no channel named "${req.params.name}"; create one with capsule-local channel create`);
      return;
    }
    sendMedia(res, 'channels/simulator.html');
  });

  r.get('/api/channels/:name', (req, res) => {
    const name = String(req.params.name);
    const summary = channelSummary(hub, name);
    if (!summary) return void res.status(404).json({ error: `no channel named "${name}"` });
    const events = hub.read().events.filter((e) => isChannelEvent(e, name));
    res.json({ channel: summary, events, personas: hub.read().personas.filter((p) => p.id.startsWith(`${summary.type}:`)) });
  });

  r.get('/api/channels/:name/stream', (req, res) => {
    const name = String(req.params.name);
    if (!hub.read().channels[name]) return void res.status(404).json({ error: `no channel named "${name}"` });
    const sse = openSse(req, res);
    const after = Number(req.query.after ?? 0);
    for (const e of hub.read().events) if (e.seq > after && isChannelEvent(e, name)) sse.send('event', e, e.seq);
    sse.onClose(hub.events.subscribe((e) => isChannelEvent(e, name) && sse.send('event', e, e.seq)));
  });

  // The simulator and replay deliver through here: the emulator adds the platform's headers.
  r.post('/api/channels/:name/deliver', json, async (req: Request, res: Response) => {
    const b = (req.body ?? {}) as Record<string, unknown>;
    const tamper = TAMPERS.includes(b.tamper as Tamper) ? (b.tamper as Tamper) : undefined;
    const handshake = b.handshake && typeof b.handshake === 'object' ? (b.handshake as Record<string, unknown>) : undefined;
    if (!handshake && typeof b.body !== 'string') return void res.status(400).json({ error: 'give "body": the raw payload text to deliver' });
    try {
      const result = await relayWebhook(hub, String(req.params.name), {
        body: typeof b.body === 'string' ? b.body : undefined,
        tamper,
        replayOf: typeof b.replayOf === 'number' ? b.replayOf : undefined,
        handshake: handshake
          ? {
              useChannelToken: handshake.useChannelToken === true,
              verifyToken: typeof handshake.verifyToken === 'string' ? handshake.verifyToken : undefined,
              challenge: typeof handshake.challenge === 'string' ? handshake.challenge : undefined,
            }
          : undefined,
      });
      res.json(result);
    } catch (e) {
      const status = e instanceof RelayError ? e.status : 502;
      res.status(status).json({ error: (e as Error).message });
    }
  });
}
