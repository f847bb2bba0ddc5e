// A channel simulator: several simulated users talk to the app's bot through the channel's real
// webhook. Each message is built as the platform's payload (payloads.js) and delivered through
// POST /api/channels/<name>/deliver, which adds the platform's headers (Slack signature...) and
// POSTs it to the webhook URL. Bot messages come from the outbox, live over SSE.
'use strict';
(() => {
  const { api, el, stream, time, banner } = capsule;
  const $ = (id) => document.getElementById(id);
  const name = decodeURIComponent(location.pathname.split('/')[2] || '');

  const SKINS = {
    telegram: { title: 'Telegram', bot: 'Bot', tampers: [['wrong-secret-token', 'with a wrong secret token']] },
    slack: { title: 'Slack', bot: 'app', tampers: [['bad-signature', 'with a bad signature'], ['stale-timestamp', 'with a stale timestamp (6 min old)']] },
    whatsapp: { title: 'WhatsApp', bot: 'Business', tampers: [['bad-signature', 'with a bad X-Hub-Signature-256']] },
  };
  const DEFAULT_USERS = {
    telegram: [{ id: '1001', num: 1001, name: 'Alice' }, { id: '1002', num: 1002, name: 'Bob' }],
    slack: [{ id: 'U0ALICE01', name: 'alice' }, { id: 'U0BOB0001', name: 'bob' }],
    whatsapp: [{ id: '15550101001', name: 'Alice' }, { id: '15550101002', name: 'Bob' }],
  };

  const state = { channel: null, users: [], chats: [], current: null, items: new Map(), lastSeq: 0 };

  // ---- users and chats ----------------------------------------------------------------------

  function chatsFor(type, users) {
    if (type === 'telegram') {
      return [
        ...users.map((u) => ({ id: String(u.num), title: u.name, sub: 'private chat', user: u })),
        { id: '-1001000000001', title: 'Team group', sub: 'group · everyone', group: true },
      ];
    }
    if (type === 'slack') {
      return [{ id: 'C0GENERAL1', title: '# general', sub: 'channel · everyone' }, ...users.map((u) => ({ id: `D0${u.id.slice(1)}`, title: u.name, sub: 'direct message', dm: true, user: u }))];
    }
    return users.map((u) => ({ id: u.id, title: u.name, sub: `+${u.id}`, user: u }));
  }

  function userFromPersona(type, p) {
    const id = p.id.slice(type.length + 1);
    return { id, num: Number(id), name: p.name && p.name !== p.id ? p.name : id };
  }

  function addUser(label) {
    const type = state.channel.type;
    const n = state.users.length + 1;
    let user;
    if (type === 'telegram') user = { id: String(1000 + n), num: 1000 + n, name: label };
    else if (type === 'slack') user = { id: `U0${label.toUpperCase().replace(/[^A-Z0-9]/g, '').slice(0, 5)}${String(n).padStart(2, '0')}`, name: label.toLowerCase() };
    else user = { id: `155501010${String(n).padStart(2, '0')}`, name: label };
    while (state.users.some((u) => u.id === user.id)) {
      user.num = (user.num || 0) + 100;
      user.id = type === 'telegram' ? String(user.num) : `${user.id}9`;
    }
    state.users.push(user);
    refreshChats();
    openChat(chatsFor(type, [user])[0].id);
  }

  function refreshChats() {
    state.chats = chatsFor(state.channel.type, state.users);
    // In place (keyed.js): each bot message refreshes the list, and the chat buttons and the
    // chosen "Send as" user must survive it.
    keyed.list($('chat-list'), state.chats, (c) => c.id, (c) => {
      const last = (state.items.get(c.id) || []).at(-1);
      return el('li', {}, el('button', { type: 'button', 'aria-current': String(state.current === c.id), dataset: { chat: c.id }, onclick: () => openChat(c.id) },
        el('span', { class: 'avatar', 'aria-hidden': 'true' }, c.title.replace(/[^A-Za-z]/g, '').charAt(0).toUpperCase() || '#'),
        el('span', { class: 'chat-meta' }, el('strong', {}, c.title), el('span', { class: 'muted' }, last ? last.text.slice(0, 40) : c.sub))));
    });
    keyed.list($('as-user'), state.users, (u) => u.id, (u) => el('option', { value: u.id }, u.name));
  }

  function openChat(id) {
    state.current = id;
    const chat = state.chats.find((c) => c.id === id);
    $('chat-title').textContent = chat.title;
    $('chat-sub').textContent = chat.sub;
    // In a private chat the sender is its user; in groups and channels anyone can post.
    $('as-user-label').hidden = !!chat.user;
    if (chat.user) $('as-user').value = chat.user.id;
    for (const b of document.querySelectorAll('#chat-list button')) b.setAttribute('aria-current', String(b.dataset.chat === id));
    renderMessages();
    $('input').focus();
  }

  // ---- conversation items from events -------------------------------------------------------

  function push(conversation, item) {
    const list = state.items.get(conversation) || [];
    if (item.key && list.some((x) => x.key === item.key)) return;
    list.push(item);
    state.items.set(conversation, list);
    if (conversation === state.current) renderMessages();
  }

  function onEvent(e) {
    if (e.seq <= state.lastSeq) return;
    state.lastSeq = e.seq;
    const d = e.detail || {};
    if (e.kind === 'webhook' && Array.isArray(d.messages)) {
      learnUsers(d.messages);
      for (const m of d.messages) push(m.conversation, { from: 'user', who: m.userName || displayName(m.userId), text: m.text, at: e.at, key: `in:${e.seq}:${m.externalId}` });
    } else if (e.kind === 'outbound') {
      const body = d.body || {};
      const text = typeof body.text === 'string' ? body.text : (body.text && body.text.body) || '';
      const conv = d.conversation;
      push(conv, { from: 'bot', text, at: e.at, source: d.source, key: `out:${e.seq}` });
      $('outbox').prepend(el('li', {}, el('div', {}, el('strong', {}, `${d.httpMethod} ${d.method}`), ' ', el('span', { class: 'muted' }, time(e.at))), el('code', { class: 'url' }, d.url),
        (d.warnings || []).map((w) => el('span', { class: 'pill warn', role: 'note' }, w)),
        el('pre', {}, JSON.stringify(body, null, 2))));
      refreshChats();
    } else if (e.kind === 'error') {
      push(state.current, { from: 'system', text: e.summary, at: e.at, key: `err:${e.seq}` });
    }
  }

  /** Slack payloads carry user ids only; the simulator knows its users' names. */
  function displayName(userId) {
    const id = userId.slice(state.channel.type.length + 1);
    const u = state.users.find((x) => x.id === id);
    return u ? u.name : userId;
  }

  /** Users that wrote through the webhook (curl, replay) join the simulated users. */
  function learnUsers(msgs) {
    const type = state.channel.type;
    let added = false;
    for (const m of msgs) {
      const id = m.userId.slice(type.length + 1);
      if (!state.users.some((u) => u.id === id)) {
        state.users.push({ id, num: Number(id), name: m.userName || id });
        added = true;
      }
    }
    if (added) refreshChats();
  }

  function renderMessages() {
    const list = state.items.get(state.current) || [];
    const nodes = list.map((it) => {
      if (it.from === 'system') return el('div', { class: 'sys' }, it.text);
      const mine = it.from === 'user';
      return el('div', { class: `bubble ${mine ? 'in' : 'out'}` },
        el('span', { class: 'who' }, mine ? it.who : SKINS[state.channel.type].bot),
        el('span', { class: 'text' }, it.text),
        el('span', { class: 'when' }, time(it.at)));
    });
    $('messages').replaceChildren(...(nodes.length ? nodes : [el('div', { class: 'sys' }, 'No messages yet. Send one as a simulated user.')]));
    $('messages').scrollTop = $('messages').scrollHeight;
  }

  // ---- delivery -----------------------------------------------------------------------------

  function showRequest(payload, result) {
    const ok = result.status >= 200 && result.status < 300;
    $('last-request').replaceChildren(
      el('div', {}, el('strong', {}, `${result.sent.method} ${result.sent.path}`)),
      el('pre', { class: 'headers' }, Object.entries(result.sent.headers).map(([k, v]) => `${k}: ${v}`).join('\n')),
      el('details', {}, el('summary', {}, 'Payload'), el('pre', {}, JSON.stringify(payload, null, 2))),
      el('div', { class: 'response' }, el('span', { class: `pill ${ok ? 'ok' : 'bad'}` }, `${result.status}`), ' ', el('code', {}, result.body.slice(0, 200) || '(empty body)')));
  }

  /** The reason inside a platform's error answer (Telegram's description, Meta's error.message, Slack's text). */
  function refusalText(body) {
    try {
      const j = JSON.parse(body);
      return j.description || (j.error && j.error.message) || body;
    } catch {
      return body;
    }
  }

  async function send(text) {
    const chat = state.chats.find((c) => c.id === state.current);
    const user = chat.user || state.users.find((u) => u.id === $('as-user').value) || state.users[0];
    const payload = payloads[state.channel.type]({ chat, user, text, phoneNumberId: state.channel.phoneNumberId });
    const tamper = $('tamper').value || undefined;
    try {
      const result = await api(`/api/channels/${encodeURIComponent(name)}/deliver`, { method: 'POST', body: { body: JSON.stringify(payload), tamper } });
      showRequest(payload, result);
      if (result.status >= 300) {
        push(state.current, { from: 'system', text: `Webhook answered ${result.status}: ${refusalText(result.body).slice(0, 400)} — the app never saw “${text}”.`, at: new Date().toISOString() });
      }
    } catch (e) {
      banner(e.message);
    }
  }

  async function handshake(body) {
    try {
      const r = await api(`/api/channels/${encodeURIComponent(name)}/deliver`, { method: 'POST', body: { handshake: body } });
      $('handshake-result').replaceChildren(
        el('span', { class: `pill ${r.status === 200 ? 'ok' : 'bad'}` }, r.status === 200 ? '200 OK' : `${r.status} ${r.status === 403 ? 'Forbidden' : ''}`),
        ' ',
        r.status === 200 ? `challenge echoed: ${r.body}` : r.body.slice(0, 160));
    } catch (e) {
      banner(e.message);
    }
  }

  // ---- start --------------------------------------------------------------------------------

  async function boot() {
    let info;
    try {
      info = await api(`/api/channels/${encodeURIComponent(name)}`);
    } catch (e) {
      banner(`Could not load channel "${name}": ${e.message}`);
      return;
    }
    const ch = info.channel;
    state.channel = ch;
    const skin = SKINS[ch.type];
    document.body.classList.add(`skin-${ch.type}`);
    document.head.append(el('link', { rel: 'stylesheet', href: `/media/channels/${ch.type}.css` }));
    document.title = `${skin.title} · ${name} — Capsule Local`;
    $('channel-label').replaceChildren(el('strong', {}, name), ' ', el('span', { class: 'pill' }, skin.title));
    $('webhook-url').textContent = ch.webhookUrl;
    $('app-title').textContent = skin.title;
    for (const [value, label] of skin.tampers) $('tamper').append(el('option', { value }, label));
    $('handshake').hidden = ch.type !== 'whatsapp';
    state.users = [...DEFAULT_USERS[ch.type]];
    for (const p of info.personas) {
      const u = userFromPersona(ch.type, p);
      const known = state.users.find((x) => x.id === u.id);
      if (known) known.name = u.name;
      else state.users.push(u);
    }
    // As on the platform, a channel reaches only the app it is bound to: say so before a send fails.
    if (ch.refusal && ch.refusal.reason === 'undeclared-channel') banner(`Messages to this channel are refused: ${ch.refusal.message}.`);
    refreshChats();
    for (const e of info.events) onEvent(e);
    openChat(state.chats[0].id);
    stream(`/api/channels/${encodeURIComponent(name)}/stream?after=${state.lastSeq}`, { event: onEvent });
  }

  $('composer').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const text = $('input').value.trim();
    if (!text) return;
    $('input').value = '';
    send(text);
  });
  $('add-user').addEventListener('submit', (ev) => {
    ev.preventDefault();
    addUser($('new-user-name').value.trim());
    $('new-user-name').value = '';
  });
  $('handshake-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    handshake({ verifyToken: $('verify-token').value });
  });
  $('verify-channel').addEventListener('click', () => handshake({ useChannelToken: true }));

  boot();
})();
