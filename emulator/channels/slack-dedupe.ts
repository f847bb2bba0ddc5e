// A Slack app subscribed to both `message.*` and `app_mention` receives a mention twice: once as
// each event type, with the same channel and ts. The app sees it once. A replay of the same event
// type is not a duplicate (replays are meant to reach the app again).
import type { ChannelMessage } from './types';

const WINDOW_MS = 5 * 60_000;

export class SlackMentionDedupe {
  private readonly seen = new Map<string, { type: string; at: number }>();

  /** True when the same message already reached the app as the other event type. */
  isDuplicate(eventType: string, msg: ChannelMessage, now = Date.now()): boolean {
    for (const [k, v] of this.seen) if (now - v.at > WINDOW_MS) this.seen.delete(k);
    if (!msg.externalId) return false;
    const key = `${String(msg.replyTo.channel)}:${msg.externalId}`;
    const prior = this.seen.get(key);
    if (prior && prior.type !== eventType) return true;
    this.seen.set(key, { type: eventType, at: now });
    return false;
  }
}
