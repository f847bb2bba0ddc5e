// Replay of an inbound message from the event log, optionally edited first. A webhook delivery is
// sent again to the channel's webhook URL through the relay (for Slack re-signed with a fresh
// timestamp); a web chat or API message is dispatched again into its session.
import type { Hub } from '../hub';
import { relayWebhook, type RelayResult } from '../channels/relay';
import { REJECTED_KIND, WEBHOOK_KIND } from '../channels/webhooks';
import type { StoredEvent } from '../store/schema';

export class ReplayError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export type ReplaySource =
  | { kind: 'webhook'; channelName: string; channelType: string; body: string }
  | { kind: 'message'; channelType: string; app?: string; userId: string; sessionId?: string; text: string };

/** What a replay of the event would send, for the editor; undefined when it cannot be replayed. */
export function replaySource(hub: Hub, e: StoredEvent): ReplaySource | undefined {
  const d = (e.detail ?? {}) as Record<string, unknown>;
  if ((e.kind === WEBHOOK_KIND || e.kind === REJECTED_KIND) && d.payload !== undefined && typeof d.channelName === 'string') {
    return { kind: 'webhook', channelName: d.channelName, channelType: String(d.channelType ?? ''), body: JSON.stringify(d.payload, null, 2) };
  }
  if (e.kind === 'inbound' && (e.channel === 'chat' || e.channel === 'api') && e.userId) {
    const requestId = d.requestId;
    const session = e.sessionId ? hub.read().sessions[e.sessionId] : undefined;
    const item = session?.history.find((h) => h.sender === 'user' && h.requestId === requestId);
    if (!item) return undefined;
    return { kind: 'message', channelType: e.channel, app: e.app, userId: e.userId, sessionId: e.sessionId, text: item.text };
  }
  return undefined;
}

export interface ReplayOutcome {
  kind: ReplaySource['kind'];
  /** Webhook replays: the platform-facing answer of the webhook URL. */
  result?: RelayResult;
  /** Message replays: the turn started. */
  sessionId?: string;
  requestId?: string;
}

export async function replayEvent(hub: Hub, seq: number, edited?: string): Promise<ReplayOutcome> {
  const e = hub.read().events.find((x) => x.seq === seq);
  if (!e) throw new ReplayError(404, `no event #${seq} in the log (it may have been trimmed)`);
  const src = replaySource(hub, e);
  if (!src) throw new ReplayError(400, `event #${seq} (${e.kind}) is not an inbound message that can be replayed`);
  if (src.kind === 'webhook') {
    const body = edited ?? src.body;
    if (!hub.read().channels[src.channelName]) throw new ReplayError(404, `channel "${src.channelName}" no longer exists`);
    const result = await relayWebhook(hub, src.channelName, { body, replayOf: seq });
    return { kind: 'webhook', result };
  }
  const text = edited ?? src.text;
  if (!text.trim()) throw new ReplayError(400, 'the replayed message is empty');
  const turn = await hub.dispatch({ app: src.app, channelType: src.channelType, userId: src.userId, sessionId: src.sessionId, text });
  hub.events.emit({ kind: 'replay', app: src.app, sessionId: turn.sessionId, userId: src.userId, channel: src.channelType, summary: `replayed #${seq}${edited !== undefined ? ' (edited)' : ''} as ${turn.requestId}`, detail: { replayOf: seq, requestId: turn.requestId } });
  return { kind: 'message', sessionId: turn.sessionId, requestId: turn.requestId };
}
