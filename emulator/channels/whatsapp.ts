// WhatsApp Cloud API: the GET verification handshake, inbound `messages` webhooks and the
// `POST /<phone_number_id>/messages` call that answers.
import { safeEqual } from './signatures';
import { MalformedPayload, isObject, lengthWarning, type ChannelMessage, type OutboundRequest, type WebhookParse } from './types';

export const GRAPH_VERSION = 'v21.0';

export type HandshakeResult = { ok: true; challenge: string } | { ok: false; status: 400 | 403; message: string };

/** `GET ?hub.mode=subscribe&hub.verify_token=...&hub.challenge=...`: echo the challenge if the token matches. */
export function whatsappHandshake(query: Record<string, unknown>, verifyToken: string): HandshakeResult {
  const mode = query['hub.mode'];
  const token = query['hub.verify_token'];
  const challenge = query['hub.challenge'];
  if (mode !== 'subscribe' || typeof challenge !== 'string') {
    return { ok: false, status: 400, message: 'expected hub.mode=subscribe with hub.verify_token and hub.challenge' };
  }
  if (typeof token !== 'string' || !safeEqual(token, verifyToken)) {
    return { ok: false, status: 403, message: 'hub.verify_token does not match the channel\'s verify_token' };
  }
  return { ok: true, challenge };
}

function messageText(m: Record<string, unknown>): string | undefined {
  const type = m.type;
  if (type === 'text' && isObject(m.text) && typeof m.text.body === 'string') return m.text.body;
  if (type === 'interactive' && isObject(m.interactive)) {
    const reply = m.interactive.button_reply ?? m.interactive.list_reply;
    if (isObject(reply) && typeof reply.title === 'string') return reply.title;
  }
  if (type === 'button' && isObject(m.button) && typeof m.button.text === 'string') return m.button.text;
  for (const media of ['image', 'video', 'document']) {
    const o = m[media];
    if (type === media && isObject(o) && typeof o.caption === 'string') return o.caption;
  }
  return undefined;
}

/** Reads `entry[].changes[].value.messages[]` for the channel's phone number. */
export function parseWhatsappWebhook(body: unknown, phoneNumberId: string): WebhookParse {
  if (!isObject(body) || body.object !== 'whatsapp_business_account' || !Array.isArray(body.entry)) {
    throw new MalformedPayload('not a WhatsApp webhook: expected {"object":"whatsapp_business_account","entry":[...]}');
  }
  const out: WebhookParse = { messages: [], ignored: [] };
  for (const entry of body.entry) {
    if (!isObject(entry) || !Array.isArray(entry.changes)) throw new MalformedPayload('entry without changes');
    for (const change of entry.changes) {
      if (!isObject(change) || !isObject(change.value)) throw new MalformedPayload('change without value');
      if (change.field !== 'messages') {
        out.ignored.push(`${String(change.field)} changes are not messages`);
        continue;
      }
      const value = change.value;
      const metaId = isObject(value.metadata) ? String(value.metadata.phone_number_id ?? '') : '';
      if (metaId && metaId !== phoneNumberId) {
        // One app URL receives every number of the business account; this channel is one number.
        out.ignored.push(`addressed to phone_number_id ${metaId}, not this channel's ${phoneNumberId}`);
        continue;
      }
      if (Array.isArray(value.statuses)) out.ignored.push(`${value.statuses.length} status update(s)`);
      const names = new Map<string, string>();
      for (const c of Array.isArray(value.contacts) ? value.contacts : []) {
        if (isObject(c) && typeof c.wa_id === 'string' && isObject(c.profile) && typeof c.profile.name === 'string') {
          names.set(c.wa_id, c.profile.name);
        }
      }
      for (const m of Array.isArray(value.messages) ? value.messages : []) {
        if (!isObject(m) || typeof m.from !== 'string') throw new MalformedPayload('message without "from"');
        const text = messageText(m);
        if (text === undefined) {
          out.ignored.push(`${String(m.id ?? 'message')}: ${String(m.type)} messages carry no text`);
          continue;
        }
        const message: ChannelMessage = {
          userId: `whatsapp:${m.from}`,
          userName: names.get(m.from),
          conversation: m.from,
          text,
          replyTo: { to: m.from },
          externalId: typeof m.id === 'string' ? m.id : undefined,
        };
        out.messages.push(message);
      }
    }
  }
  return out;
}

/** `POST https://graph.facebook.com/<version>/<phone_number_id>/messages` with a text body. */
export function whatsappSendText(phoneNumberId: string, replyTo: ChannelMessage['replyTo'], text: string): OutboundRequest {
  return {
    method: 'messages',
    httpMethod: 'POST',
    url: `https://graph.facebook.com/${GRAPH_VERSION}/${phoneNumberId}/messages`,
    body: { messaging_product: 'whatsapp', to: replyTo.to, type: 'text', text: { body: text } },
    warnings: lengthWarning('WhatsApp text messages', text, 4096),
  };
}
