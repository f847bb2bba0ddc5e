// Shapes shared by the three external channels: what a webhook yields for the app and what the
// platform would be asked to send back.
import type { StoredChannel } from '../store/schema';

/** One user message taken from a platform webhook, ready for hub.dispatch. */
export interface ChannelMessage {
  /** Channel-scoped identity, e.g. `telegram:12345`. */
  userId: string;
  userName?: string;
  /** Identifies the conversation within the channel; the session key is built from it. */
  conversation: string;
  text: string;
  /** Where the reply goes, in the platform's own terms ({chat_id} / {channel, thread_ts} / {to}). */
  replyTo: Record<string, string | number>;
  /** The platform's id of the inbound message (message_id, ts, wamid). */
  externalId?: string;
}

/** A webhook that was understood: messages for the app, or a reason it carries none. */
export interface WebhookParse {
  messages: ChannelMessage[];
  /** Why items were skipped (bot messages, status updates, unsupported types). */
  ignored: string[];
}

/** A request the emulator records instead of sending it to the platform's API. */
export interface OutboundRequest {
  /** The platform API method, e.g. `sendMessage`, `chat.postMessage`, `messages`. */
  method: string;
  httpMethod: 'POST';
  /** The real URL with the credential replaced by a placeholder (never the token itself). */
  url: string;
  body: Record<string, unknown>;
  /** What the real API would object to (e.g. a text over its length limit); the record is kept. */
  warnings?: string[];
}

/** A warning when `text` is longer than the platform API accepts in one message. */
export function lengthWarning(api: string, text: string, max: number): string[] | undefined {
  const n = [...text].length;
  return n > max ? [`${api} accepts at most ${max} characters per message; this text has ${n}`] : undefined;
}

export type ExternalChannelType = StoredChannel['type'];

/** Thrown by parsers for a payload the platform would never send (answered 400). */
export class MalformedPayload extends Error {}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
