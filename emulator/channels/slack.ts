// Slack Events API: url_verification, event_callback message events (as a Slack app sees them,
// ignoring bot messages and subtypes) and the chat.postMessage call that answers.
import { MalformedPayload, isObject, lengthWarning, type ChannelMessage, type OutboundRequest, type WebhookParse } from './types';

export type SlackEnvelope =
  | { kind: 'url_verification'; challenge: string }
  | { kind: 'event_callback'; eventType: string; eventId?: string; parse: WebhookParse }
  | { kind: 'other'; type: string };

export function parseSlackEnvelope(body: unknown): SlackEnvelope {
  if (!isObject(body) || typeof body.type !== 'string') {
    throw new MalformedPayload('not a Slack Events API request: expected an object with a "type"');
  }
  if (body.type === 'url_verification') {
    if (typeof body.challenge !== 'string') throw new MalformedPayload('url_verification without a challenge');
    return { kind: 'url_verification', challenge: body.challenge };
  }
  if (body.type !== 'event_callback') return { kind: 'other', type: body.type };
  const event = body.event;
  if (!isObject(event) || typeof event.type !== 'string') {
    throw new MalformedPayload('event_callback without an event object');
  }
  const parse: WebhookParse = { messages: [], ignored: [] };
  const id = typeof body.event_id === 'string' ? body.event_id : 'event';
  if (event.type !== 'message' && event.type !== 'app_mention') {
    parse.ignored.push(`${id}: ${event.type} events are not messages`);
  } else if (typeof event.subtype === 'string') {
    // Edits, joins, bot_message, file shares...: Slack apps answer only plain user messages.
    parse.ignored.push(`${id}: message subtype ${event.subtype}`);
  } else if (event.bot_id !== undefined || event.bot_profile !== undefined) {
    parse.ignored.push(`${id}: sent by a bot`);
  } else if (typeof event.user !== 'string' || typeof event.channel !== 'string' || typeof event.text !== 'string') {
    parse.ignored.push(`${id}: message without user, channel or text`);
  } else {
    const threadTs = typeof event.thread_ts === 'string' ? event.thread_ts : undefined;
    // A mention arrives as "<@U0BOT> question"; the app wants the question.
    const text = event.type === 'app_mention' ? event.text.replace(/^\s*<@[A-Z0-9]+>\s*/, '') : event.text;
    const replyTo: ChannelMessage['replyTo'] = { channel: event.channel };
    if (threadTs) replyTo.thread_ts = threadTs;
    parse.messages.push({
      userId: `slack:${event.user}`,
      conversation: threadTs ? `${event.channel}:${threadTs}` : event.channel,
      text,
      replyTo,
      externalId: typeof event.ts === 'string' ? event.ts : undefined,
    });
  }
  return { kind: 'event_callback', eventType: event.type, eventId: typeof body.event_id === 'string' ? body.event_id : undefined, parse };
}

/** `POST https://slack.com/api/chat.postMessage` with `Authorization: Bearer <bot_token>`. */
export function slackPostMessage(replyTo: ChannelMessage['replyTo'], text: string): OutboundRequest {
  const body: Record<string, unknown> = { channel: replyTo.channel, text };
  if (replyTo.thread_ts !== undefined) body.thread_ts = replyTo.thread_ts;
  // Slack truncates longer texts; 40,000 characters is its documented ceiling.
  return { method: 'chat.postMessage', httpMethod: 'POST', url: 'https://slack.com/api/chat.postMessage', body, warnings: lengthWarning('Slack chat.postMessage', text, 40_000) };
}
