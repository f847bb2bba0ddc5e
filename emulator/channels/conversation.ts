// From a parsed platform message to the app and back: finds the app bound to the channel, keeps
// one session per conversation, and records what the platform would be asked to send.
import type { AppInfo, Hub } from '../hub';
import type { StoredChannel } from '../store/schema';
import { deliverTurn } from './deliver';
import { recordOutbound } from './outbox';
import { slackPostMessage } from './slack';
import { telegramSendMessage } from './telegram';
import type { ChannelMessage, OutboundRequest } from './types';
import { whatsappSendText } from './whatsapp';

export function sessionKeyFor(type: string, channelName: string, conversation: string): string {
  return `${type}:${channelName}:${conversation}`;
}

export function formatterFor(channel: StoredChannel, replyTo: ChannelMessage['replyTo']): (text: string) => OutboundRequest {
  switch (channel.type) {
    case 'telegram':
      return (text) => telegramSendMessage(replyTo, text);
    case 'slack':
      return (text) => slackPostMessage(replyTo, text);
    case 'whatsapp':
      return (text) => whatsappSendText(channel.credentials.phone_number_id ?? '', replyTo, text);
  }
}

/** Whether an app's declared channels (its registration's config `channels`) include this one. */
function declares(app: AppInfo, channelName: string, type: string): boolean {
  return app.channels.some((c) => {
    const o = c as { type?: string; name?: string } | null;
    // cpsl.Channel("name") registers {type: "_resource", name}; a deprecated inline channel its type.
    return !!o && ((o.type === '_resource' && o.name === channelName) || o.type === type);
  });
}

export type ChannelBinding =
  | { ok: true; app: string }
  | { ok: false; status: 404 | 503; reason: 'undeclared-channel' | 'app-starting'; message: string };

/**
 * The app a channel's messages go to: the served app that declares it. On the platform a channel
 * reaches only the app it is bound to, so a channel no served app declares reaches none.
 */
export function channelBinding(hub: Hub, channelName: string, type: string): ChannelBinding {
  const apps = hub.apps();
  const app = apps.find((a) => declares(a, channelName, type));
  if (app) return { ok: true, app: app.name };
  // An app that has not registered yet has not said which channels it declares.
  const starting = apps.filter((a) => a.status === 'starting' && a.channels.length === 0);
  if (starting.length) {
    return { ok: false, status: 503, reason: 'app-starting', message: `${starting.map((a) => a.name).join(', ')} is still starting and has not declared its channels yet; retry in a few seconds` };
  }
  const served = apps.map((a) => a.name).join(', ');
  return {
    ok: false,
    status: 404,
    reason: 'undeclared-channel',
    message:
      (served ? `channel "${channelName}" is not declared by the served app (${served})` : `no app is being served, so nothing can receive channel "${channelName}"`) +
      `: on the platform a channel reaches only the app it is bound to. Add cpsl.Channel("${channelName}") to App(channels=[...]) to bind it`,
  };
}

// Dispatches for one conversation are chained so messages reach the app in the order received.
const chainsByHub = new WeakMap<Hub, Map<string, Promise<unknown>>>();

/** Where a session's messages go on its platform, for messages sent outside a turn. */
export interface ConversationTarget {
  channelName: string;
  channel: StoredChannel;
  msg: ChannelMessage;
}
const targetsByHub = new WeakMap<Hub, Map<string, ConversationTarget>>();

export function conversationTargets(hub: Hub): Map<string, ConversationTarget> {
  let m = targetsByHub.get(hub);
  if (!m) targetsByHub.set(hub, (m = new Map()));
  return m;
}

/** Sends one platform message to the app bound to the channel; resolves when every reply has been recorded. */
export function converse(hub: Hub, app: string, channelName: string, channel: StoredChannel, msg: ChannelMessage): Promise<void> {
  const key = sessionKeyFor(channel.type, channelName, msg.conversation);
  let chains = chainsByHub.get(hub);
  if (!chains) chainsByHub.set(hub, (chains = new Map()));
  const previous = chains.get(key) ?? Promise.resolve();
  const dispatched = previous.then(async () => {
    await rememberChannelUser(hub, msg);
    return hub.dispatch({
      app,
      channelType: channel.type,
      channelName,
      userId: msg.userId,
      sessionKey: key,
      text: msg.text,
    });
  });
  const tail = dispatched.catch(() => undefined);
  chains.set(key, tail);
  void tail.then(() => {
    if (chains!.get(key) === tail) chains!.delete(key);
  });
  return dispatched.then(
    async (turn) => {
      conversationTargets(hub).set(turn.sessionId, { channelName, channel, msg });
      await deliverTurn(turn, {
        format: formatterFor(channel, msg.replyTo),
        base: { channel: channelName, channelType: channel.type, conversation: msg.conversation, userId: msg.userId },
        record: (rec) => recordOutbound(hub, rec),
      });
    },
    (err: unknown) => {
      hub.events.emit({
        kind: 'error',
        summary: `${channel.type} channel ${channelName}: the message from ${msg.userId} did not reach the app: ${(err as Error).message ?? String(err)}`,
        channel: channel.type,
        userId: msg.userId,
        detail: { channelName },
      });
    },
  );
}

/** Channel users become personas (with their platform name) so the dashboard can list them. */
async function rememberChannelUser(hub: Hub, msg: ChannelMessage): Promise<void> {
  const known = hub.read().personas.find((p) => p.id === msg.userId);
  if (known && (known.name === msg.userName || !msg.userName)) return;
  const name = msg.userName ?? msg.userId;
  await hub.update((d) => {
    const p = d.personas.find((x) => x.id === msg.userId);
    if (p) p.name = name;
    else d.personas.push({ id: msg.userId, name });
  });
}
