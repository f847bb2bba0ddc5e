// The outbox: every request the emulator would have made to a platform's API (Telegram
// sendMessage, Slack chat.postMessage, WhatsApp messages). Records are events of kind `outbound`
// in the store's event log, so the simulators and the dashboard read the same list and it
// survives a restart.
import type { Hub } from '../hub';
import type { StoredEvent } from '../store/schema';
import type { ExternalChannelType, OutboundRequest } from './types';

export const OUTBOUND_KIND = 'outbound';

export interface OutboxRecord extends OutboundRequest {
  seq: number;
  at: string;
  channel: string;
  channelType: ExternalChannelType;
  conversation: string;
  /** What produced it: a reply, streamed text, a notify, a block's text fallback or a handler error. */
  source: 'reply' | 'stream' | 'notify' | 'block' | 'error';
  blockType?: string;
  sessionId?: string;
  userId?: string;
  app?: string;
}

export type NewOutbox = Omit<OutboxRecord, 'seq' | 'at'>;

export function outboundText(body: Record<string, unknown>): string {
  if (typeof body.text === 'string') return body.text;
  const t = body.text as { body?: unknown } | undefined;
  return typeof t?.body === 'string' ? t.body : '';
}

export function recordOutbound(hub: Hub, rec: NewOutbox): void {
  hub.events.emit({
    kind: OUTBOUND_KIND,
    summary: `${rec.channelType} ${rec.method} → ${rec.conversation}: "${hub.events.preview(outboundText(rec.body), 80)}"${rec.warnings?.length ? ` (warning: ${rec.warnings.join('; ')})` : ''}`,
    app: rec.app,
    sessionId: rec.sessionId,
    userId: rec.userId,
    // `channel` holds the channel type, as in the gateway's own events; the name is in detail.
    channel: rec.channelType,
    detail: {
      channelName: rec.channel,
      channelType: rec.channelType,
      conversation: rec.conversation,
      method: rec.method,
      httpMethod: rec.httpMethod,
      url: rec.url,
      body: rec.body,
      source: rec.source,
      ...(rec.blockType ? { blockType: rec.blockType } : {}),
      ...(rec.warnings?.length ? { warnings: rec.warnings } : {}),
    },
  });
}

export function toOutboxRecord(e: StoredEvent): OutboxRecord | undefined {
  if (e.kind !== OUTBOUND_KIND || !e.detail) return undefined;
  const d = e.detail as Record<string, unknown>;
  return {
    seq: e.seq,
    at: e.at,
    channel: String(d.channelName ?? ''),
    channelType: d.channelType as ExternalChannelType,
    conversation: String(d.conversation ?? ''),
    method: String(d.method ?? ''),
    httpMethod: 'POST',
    url: String(d.url ?? ''),
    body: (d.body ?? {}) as Record<string, unknown>,
    source: (d.source ?? 'reply') as OutboxRecord['source'],
    blockType: d.blockType as string | undefined,
    warnings: Array.isArray(d.warnings) ? (d.warnings as string[]) : undefined,
    sessionId: e.sessionId,
    userId: e.userId,
    app: e.app,
  };
}

/** The recorded requests of one channel (or all channels), oldest first. */
export function listOutbox(hub: Hub, channel?: string): OutboxRecord[] {
  const out: OutboxRecord[] = [];
  for (const e of hub.read().events) {
    const r = toOutboxRecord(e);
    if (r && (channel === undefined || r.channel === channel)) out.push(r);
  }
  return out;
}
