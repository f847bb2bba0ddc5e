// The platforms' webhook payloads, built the way Telegram, Slack and WhatsApp send them, for the
// simulator's users. Kept apart from the page logic so each shape is easy to compare with the
// platform's documentation.
'use strict';

const payloads = (() => {
  let seq = Math.floor(Date.now() / 1000) % 100000;
  const next = () => ++seq;
  const now = () => Math.floor(Date.now() / 1000);
  const rand = (n) => Array.from(crypto.getRandomValues(new Uint8Array(n)), (b) => b.toString(16).padStart(2, '0')).join('');

  /** Telegram Update with a message; `chat` is the user's private chat or a group. */
  function telegram({ chat, user, text }) {
    const from = { id: user.num, is_bot: false, first_name: user.name, username: user.name.toLowerCase().replace(/\W+/g, ''), language_code: 'en' };
    const tgChat = chat.group
      ? { id: Number(chat.id), title: chat.title, type: 'supergroup' }
      : { id: user.num, first_name: user.name, username: from.username, type: 'private' };
    return { update_id: next(), message: { message_id: next(), from, chat: tgChat, date: now(), text } };
  }

  /** Slack Events API event_callback wrapping a message event. */
  function slack({ chat, user, text }) {
    const ts = `${now()}.${String(next()).padStart(6, '0')}`;
    return {
      token: 'simulated-verification-token',
      team_id: 'T0LOCAL01',
      api_app_id: 'A0LOCAL01',
      event: { type: 'message', channel: chat.id, user: user.id, text, ts, event_ts: ts, channel_type: chat.dm ? 'im' : 'channel', client_msg_id: crypto.randomUUID() },
      type: 'event_callback',
      event_id: `Ev${rand(5).toUpperCase()}`,
      event_time: now(),
      authorizations: [{ enterprise_id: null, team_id: 'T0LOCAL01', user_id: 'U0LOCALBOT', is_bot: true, is_enterprise_install: false }],
      is_ext_shared_channel: false,
    };
  }

  /** WhatsApp Cloud API webhook with one text message. */
  function whatsapp({ user, text, phoneNumberId }) {
    return {
      object: 'whatsapp_business_account',
      entry: [{
        id: '100000000000001',
        changes: [{
          field: 'messages',
          value: {
            messaging_product: 'whatsapp',
            metadata: { display_phone_number: '15550000000', phone_number_id: phoneNumberId },
            contacts: [{ profile: { name: user.name }, wa_id: user.id }],
            messages: [{ from: user.id, id: `wamid.${rand(16)}`, timestamp: String(now()), type: 'text', text: { body: text } }],
          },
        }],
      }],
    };
  }

  return { telegram, slack, whatsapp };
})();
