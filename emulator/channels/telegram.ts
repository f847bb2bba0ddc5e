// Telegram Bot API: inbound Update objects (as POSTed to the URL given to setWebhook) and the
// sendMessage call a bot makes to answer.
import { MalformedPayload, isObject, lengthWarning, type ChannelMessage, type OutboundRequest, type WebhookParse } from './types';

export const TELEGRAM_SECRET_HEADER = 'x-telegram-bot-api-secret-token';

/** Reads an Update; `message` and `edited_message` with text (or a media caption) reach the app. */
export function parseTelegramUpdate(update: unknown): WebhookParse {
  if (!isObject(update) || typeof update.update_id !== 'number') {
    throw new MalformedPayload('not a Telegram Update: expected an object with a numeric update_id');
  }
  const out: WebhookParse = { messages: [], ignored: [] };
  const edited = isObject(update.edited_message);
  const msg = edited ? update.edited_message : update.message;
  if (!isObject(msg)) {
    const kinds = Object.keys(update).filter((k) => k !== 'update_id');
    out.ignored.push(`update ${update.update_id}: ${kinds.join(', ') || 'empty'} updates are not messages`);
    return out;
  }
  const from = msg.from;
  const chat = msg.chat;
  if (!isObject(chat) || (typeof chat.id !== 'number' && typeof chat.id !== 'string')) {
    throw new MalformedPayload(`update ${update.update_id}: message without chat.id`);
  }
  if (!isObject(from) || typeof from.id !== 'number') {
    out.ignored.push(`update ${update.update_id}: message without a sender (channel post)`);
    return out;
  }
  if (from.is_bot === true) {
    out.ignored.push(`update ${update.update_id}: sent by a bot`);
    return out;
  }
  const text = typeof msg.text === 'string' ? msg.text : typeof msg.caption === 'string' ? msg.caption : undefined;
  if (text === undefined) {
    out.ignored.push(`update ${update.update_id}: message has no text`);
    return out;
  }
  const name = [from.first_name, from.last_name].filter((p) => typeof p === 'string').join(' ') ||
    (typeof from.username === 'string' ? from.username : undefined);
  const message: ChannelMessage = {
    userId: `telegram:${from.id}`,
    userName: name || undefined,
    conversation: String(chat.id),
    text,
    replyTo: { chat_id: chat.id as number | string },
    externalId: typeof msg.message_id === 'number' ? String(msg.message_id) : undefined,
  };
  out.messages.push(message);
  return out;
}

/** `POST https://api.telegram.org/bot<token>/sendMessage {chat_id, text}`. */
export function telegramSendMessage(replyTo: ChannelMessage['replyTo'], text: string): OutboundRequest {
  return {
    method: 'sendMessage',
    httpMethod: 'POST',
    url: 'https://api.telegram.org/bot<bot_token>/sendMessage',
    body: { chat_id: replyTo.chat_id, text },
    warnings: lengthWarning('Telegram sendMessage', text, 4096),
  };
}
