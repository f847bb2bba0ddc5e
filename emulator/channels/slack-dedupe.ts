// Which Slack events have already reached the app, so that each reaches it once:
// - Slack retries a delivery (X-Slack-Retry-Num, X-Slack-Retry-Reason) with the same event_id,
//   and a signed request captured by someone else stays valid for the whole timestamp window
//   (five minutes either way of its X-Slack-Request-Timestamp). An event_id seen within that
//   window is acknowledged and not delivered again, as Slack's retry rules expect of an app.
// - A Slack app subscribed to both `message.*` and `app_mention` receives a mention twice, once as
//   each event type, with the same channel and ts (and different event_ids).
// The emulator's own replays (the dashboard's Replay) are deliberate and bypass the first rule.
import { SLACK_TOLERANCE_SECONDS } from './signatures';
import type { ChannelMessage } from './types';

/** A request is valid from 5 minutes before its timestamp to 5 minutes after: remember that long, plus a margin. */
const WINDOW_MS = (2 * SLACK_TOLERANCE_SECONDS + 60) * 1000;
/** Bounds memory under a flood of signed events; the oldest are forgotten first. */
const MAX_REMEMBERED = 20_000;

class Window<V> {
  private readonly seen = new Map<string, V & { at: number }>();

  get(key: string, now: number): (V & { at: number }) | undefined {
    this.expire(now);
    return this.seen.get(key);
  }

  set(key: string, value: V, now: number): void {
    this.seen.delete(key);
    this.seen.set(key, { ...value, at: now });
    if (this.seen.size > MAX_REMEMBERED) this.seen.delete(this.seen.keys().next().value!);
  }

  private expire(now: number): void {
    // Insertion order is time order, so the expired entries are at the front.
    for (const [k, v] of this.seen) {
      if (now - v.at <= WINDOW_MS) break;
      this.seen.delete(k);
    }
  }
}

export class SlackDedupe {
  private readonly events = new Window<Record<string, never>>();
  private readonly mentions = new Window<{ type: string }>();

  /**
   * When the event (by channel and event_id) already reached the app: how many milliseconds ago.
   * Otherwise records it and returns undefined.
   */
  deliveredBefore(channelName: string, eventId: string, now: number): number | undefined {
    const key = `${channelName}\n${eventId}`;
    const prior = this.events.get(key, now);
    if (prior) return now - prior.at;
    this.events.set(key, {}, now);
    return undefined;
  }

  /** True when the same message already reached the app as the other event type. */
  isMentionTwin(channelName: string, eventType: string, msg: ChannelMessage, now: number): boolean {
    if (!msg.externalId) return false;
    const key = `${channelName}\n${String(msg.replyTo.channel)}\n${msg.externalId}`;
    const prior = this.mentions.get(key, now);
    if (prior && prior.type !== eventType) return true;
    this.mentions.set(key, { type: eventType }, now);
    return false;
  }
}
