// The built-in web chat. Sends a message (POST /api/webchat/messages), then follows the turn over
// SSE (/api/webchat/turns/<id>/events): streamed deltas grow one bubble, notify is a status line
// replaced in place, blocks become cards, integration prompts get a countdown and a Connect button
// (approval and file prompts: chat-asks.js; terminals, tasks, steps, suggestions, tables and
// previews: chat-blocks.js).
//
// Embedded (`/chat?embed=1&app=<app>&user=<persona>`, the ChatPanel of an app's chat page, framed
// by media/pages.js): no top bar or history list, one app and user (with mode=single, the one
// session of the chat page's thread: POST /api/pages/<app>/chat/thread), and the page that frames it
// is told, by postMessage to this origin only, which session is open and when the app changed the
// session's data (`data-changed`), so that the widgets beside the panel read it again.
'use strict';
(() => {
  const { api, el, stream, time, banner } = capsule;
  const $ = (id) => document.getElementById(id);
  const messages = $('messages');
  const state = { apps: [], personas: [], titles: {}, app: '', userId: '', sessionId: '', busy: false };
  const query = new URLSearchParams(location.search);
  const embed = query.get('embed') === '1' && window.parent !== window
    ? { app: query.get('app') || '', user: query.get('user') || '', single: query.get('mode') === 'single', placeholder: query.get('placeholder') || '' }
    : null;

  /** Tells the page that frames this chat (same origin only) which session is open, or that its data changed. */
  function tellPage(type) {
    if (!embed) return;
    window.parent.postMessage({ source: 'capsule-chat', type, sessionId: state.sessionId || '' }, location.origin);
  }
  /** blockId -> {card, type, timer} for integration prompt cards of the open turn. */
  const promptCards = new Map();

  const sessionKey = () => `capsule.chat.session.${state.app}.${state.userId}`;

  function scrollDown() {
    messages.scrollTop = messages.scrollHeight;
  }

  /** Adds a node to the conversation, keeping the typing indicator last. */
  function append(node) {
    const typing = messages.querySelector('.typing');
    if (typing) messages.insertBefore(node, typing);
    else messages.append(node);
    scrollDown();
    return node;
  }

  function bubble(kind, text) {
    return append(el('div', { class: `msg ${kind}` }, text));
  }

  function integrationTitle(type) {
    if (!type) return 'an integration';
    return state.titles[type] || type.charAt(0).toUpperCase() + type.slice(1);
  }

  function pill(text, kind) {
    return el('span', { class: `pill ${kind || ''}`, role: 'status' }, text);
  }

  // ---- blocks -------------------------------------------------------------------------------

  function promptCard(block, opts) {
    const p = block.payload || {};
    const title = integrationTitle(p.type);
    const row = el('div', { class: 'row' });
    const heading = p.blocking ? `Connect ${title} to continue` : `Connect ${title}`;
    const card = el('div', { class: `block card ${p.blocking ? 'prompt' : 'hint'}`, role: 'group', 'aria-label': heading, dataset: { blockId: block.id } },
      el('h3', {}, heading),
      p.reason ? el('p', { class: 'reason' }, p.reason) : null,
      row);
    if (opts.connected) {
      row.append(pill('Connected', 'ok'));
    } else if (p.blocking && !opts.historic) {
      // The Connect button needs the prompt id, which follows the block in a `prompt` event.
      row.append(el('button', { type: 'button', class: 'primary connect', disabled: true }, 'Connect'), el('span', { class: 'countdown' }, 'Waiting for the prompt…'));
      promptCards.set(block.id, { card, type: p.type, timer: null });
    } else {
      row.append(el('a', { href: '/integrations', target: '_blank', rel: 'noopener' }, p.blocking ? 'Manage integrations' : `Connect ${title} in Integrations`));
      if (!p.blocking) promptCards.set(block.id, { card, type: p.type, timer: null });
    }
    return card;
  }

  function imageCard(block) {
    const p = block.payload || {};
    const src = p.url || p.src || p.source || '';
    const ok = /^(https?:|data:image\/|\/)/.test(src);
    return el('figure', { class: 'block card image' },
      ok ? el('img', { src, alt: p.alt || 'image from the app', width: p.width || null }) : el('p', { class: 'muted' }, `Image not shown: ${src || 'no URL'}`),
      p.alt ? el('figcaption', { class: 'muted' }, p.alt) : null);
  }

  function unavailableCard(block) {
    return el('div', { class: 'block card unavailable', role: 'note' },
      el('h3', {}, `${block.type} block`),
      el('p', {}, 'Not available locally: the hosted web app renders this block; Capsule Local shows its data instead.'),
      el('details', {}, el('summary', {}, 'Payload'), el('pre', {}, JSON.stringify(block.payload, null, 2))));
  }

  /** Puts a card from chat-blocks.js in the conversation: new, in place of its earlier card, or not at all. */
  function place({ node, replaces, skip }) {
    if (skip) return node;
    if (replaces) {
      replaces.replaceWith(node);
      return node;
    }
    return append(node);
  }

  function renderBlock(block, turn, opts = {}) {
    switch (block.type) {
      case 'integration_prompt':
        return append(promptCard(block, opts));
      case 'approval_prompt':
      case 'file_upload': {
        // The SDK shows the same block again when the wait ends: its card is replaced in place.
        const { node, replaces } = capsuleAsks.card(block, opts);
        if (replaces) {
          replaces.replaceWith(node);
          return node;
        }
        return append(node);
      }
      case 'image':
        return append(imageCard(block));
      case 'notification':
        if (turn) setNotify(turn, (block.payload && (block.payload.text || block.payload.message)) || '');
        return null;
      case 'session_title':
        $('session-title').textContent = (block.payload && block.payload.title) || $('session-title').textContent;
        return null;
      case 'widget_update':
        return null; // session.data changed: nothing to show in a chat.
      case 'terminal':
      case 'task_card':
      case 'step_status':
      case 'activity':
      case 'suggestions':
      case 'table_preview':
      case 'ui_preview':
      case 'onboarding_complete':
      case 'browser_preview':
        // chat-blocks.js; a block sent again with the same id updates its card in place.
        return place(capsuleBlocks.card(block, { historic: !!opts.historic, app: state.app, sessionId: state.sessionId, send, runAction }));
      default:
        return append(unavailableCard(block));
    }
  }

  function attachPrompt(p) {
    const entry = promptCards.get(p.blockId);
    if (!entry) return;
    const { card } = entry;
    card.dataset.promptId = p.promptId;
    // The SDK leaves the block's reason empty when it already sent it as a reply; the card keeps it.
    if (p.reason && !card.querySelector('.reason')) card.querySelector('h3').after(el('p', { class: 'reason' }, p.reason));
    const button = card.querySelector('button.connect');
    const countdown = card.querySelector('.countdown');
    button.disabled = false;
    button.addEventListener('click', () => window.open(p.connectUrl, '_blank', 'noopener'));
    const offset = p.serverNow - Date.now();
    const tick = () => {
      const left = Math.max(0, Math.round((p.deadline - (Date.now() + offset)) / 1000));
      countdown.textContent = `Expires in ${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')}`;
    };
    tick();
    entry.timer = setInterval(tick, 1000);
  }

  function resolvePrompt(r) {
    const entry = promptCards.get(r.blockId);
    if (!entry) return;
    clearInterval(entry.timer);
    const row = entry.card.querySelector('.row');
    const labels = { connected: ['Connected', 'ok'], declined: ['Declined', 'bad'], 'timed out': ['Timed out', 'warn'] };
    const [text, kind] = labels[r.outcome] || [r.outcome, ''];
    row.replaceChildren(pill(text, kind));
    promptCards.delete(r.blockId);
  }

  function markConnected(s) {
    const entry = promptCards.get(s.blockId);
    if (!entry) return;
    entry.card.querySelector('.row').replaceChildren(pill('Connected', 'ok'));
    promptCards.delete(s.blockId);
  }

  // ---- turns --------------------------------------------------------------------------------

  function setNotify(turn, text) {
    if (!turn.notifyEl) turn.notifyEl = append(el('div', { class: 'notify', role: 'status' }));
    turn.notifyEl.textContent = text;
  }

  function followTurn(requestId) {
    const turn = { streamEl: null, notifyEl: null, done: false };
    const typing = el('div', { class: 'typing', 'aria-label': 'The app is answering' }, el('span', {}, '•'), el('span', {}, '•'), el('span', {}, '•'));
    messages.append(typing);
    scrollDown();
    const endStream = () => {
      if (turn.streamEl) turn.streamEl.classList.remove('streaming');
      turn.streamEl = null;
    };
    const finish = (error) => {
      if (turn.done) return;
      turn.done = true;
      es.close();
      endStream();
      typing.remove();
      if (turn.notifyEl) turn.notifyEl.classList.add('settled');
      if (error) bubble('error', error);
      for (const entry of promptCards.values()) clearInterval(entry.timer);
      capsuleAsks.clear();
      setBusy(false);
      loadSessions();
    };
    const es = stream(`/api/webchat/turns/${encodeURIComponent(requestId)}/events`, {
      delta(e) {
        if (!turn.streamEl) turn.streamEl = bubble('app streaming', '');
        turn.streamEl.textContent += e.text;
        scrollDown();
      },
      reply(e) {
        endStream();
        bubble('app', e.text);
      },
      notify(e) {
        setNotify(turn, e.text || e.detail || '');
      },
      block(e) {
        endStream();
        renderBlock(e.block, turn);
      },
      'data-changed'() {
        tellPage('data-changed');
        capsuleBlocks.refresh();
      },
      prompt: attachPrompt,
      'prompt-resolved': resolvePrompt,
      'integration-state': markConnected,
      ask: capsuleAsks.attach,
      'ask-resolved': capsuleAsks.resolved,
      done(e) {
        finish(e.error);
      },
      error() {
        // The stream closes after `done`; anything else means the emulator went away.
        if (!turn.done) finish('Lost the connection to the emulator while the app was answering.');
      },
    });
  }

  function setBusy(busy) {
    state.busy = busy;
    $('send').disabled = busy;
  }

  async function send(text) {
    if (!text.trim() || state.busy) return;
    if (!messages.querySelector('.msg, .block')) messages.replaceChildren();
    setBusy(true);
    bubble('user', text);
    try {
      const r = await api('/api/webchat/messages', { method: 'POST', body: { text, userId: state.userId, sessionId: state.sessionId || undefined, app: state.app || undefined } });
      state.sessionId = r.sessionId;
      localStorage.setItem(sessionKey(), r.sessionId);
      $('session-title').textContent = `Session ${r.sessionId}`;
      tellPage('session');
      followTurn(r.requestId);
    } catch (e) {
      bubble('error', e.message);
      setBusy(false);
    }
  }

  /**
   * An action suggestion's click: the app's action runs in this session (POST /api/webchat/actions)
   * and its turn is followed as a message's; no user message is added (the platform keeps none).
   */
  async function runAction(name, payload, label) {
    if (state.busy || !state.sessionId) return;
    if (!messages.querySelector('.msg, .block')) messages.replaceChildren();
    setBusy(true);
    try {
      const r = await api('/api/webchat/actions', { method: 'POST', body: { name, payload, sessionId: state.sessionId, userId: state.userId } });
      followTurn(r.requestId);
    } catch (e) {
      bubble('error', e.status === 413 ? `The action "${label}" was not run: its payload is larger than the emulator takes (${e.message}).` : e.message);
      setBusy(false);
    }
  }

  // ---- sessions and history -----------------------------------------------------------------

  function showEmpty() {
    messages.replaceChildren(el('div', { class: 'empty' }, el('p', {}, 'Say hello to the app.'), el('p', { class: 'muted' }, 'Replies stream in as the handler writes them.')));
  }

  async function selectSession(id) {
    state.sessionId = id;
    localStorage.setItem(sessionKey(), id);
    promptCards.clear();
    capsuleAsks.clear();
    messages.replaceChildren();
    $('session-title').textContent = id ? `Session ${id}` : 'New session';
    for (const b of document.querySelectorAll('#session-list button')) b.setAttribute('aria-current', String(b.dataset.id === id));
    tellPage('session');
    if (!id) return showEmpty();
    try {
      const s = await api(`/api/webchat/sessions/${encodeURIComponent(id)}`);
      for (const h of s.history) {
        // What the open turn sent is replayed by its event stream below.
        if (s.openTurn && h.requestId === s.openTurn && h.sender !== 'user') continue;
        if (h.sender === 'user') bubble('user', h.text);
        else if (h.sender === 'app') bubble('app', h.text);
        else if (h.sender === 'system') append(el('div', { class: 'msg system' }, h.text));
        else if (h.sender === 'block' && h.blockJson) {
          try {
            const block = JSON.parse(h.blockJson);
            renderBlock(block, null, { historic: true, connected: block.type === 'integration_prompt' && s.connected.includes((block.payload || {}).type) });
          } catch {
            append(el('div', { class: 'msg system' }, '(a block that could not be read)'));
          }
        }
      }
      if (!s.history.length) showEmpty();
      if (s.openTurn) {
        setBusy(true);
        followTurn(s.openTurn);
      }
    } catch (e) {
      if (e.status === 404) return selectSession('');
      banner(e.message);
    }
  }

  async function loadSessions() {
    const list = $('session-list');
    try {
      const { sessions } = state.lastSessions = await api(`/api/webchat/sessions?user=${encodeURIComponent(state.userId)}&app=${encodeURIComponent(state.app)}`);
      // In place (keyed.js): a session button stays the same element while the list refreshes.
      keyed.list(list, sessions, (s) => s.id, (s) =>
        el('li', {}, el('button', { type: 'button', dataset: { id: s.id }, 'aria-current': String(s.id === state.sessionId), onclick: () => selectSession(s.id) },
          el('span', { class: 'preview' }, s.preview), el('span', { class: 'when' }, `${time(s.updatedAt)} · ${s.messages} messages`))),
        () => el('li', { class: 'muted' }, 'No sessions yet'));
    } catch (e) {
      banner(e.message);
    }
  }

  function fillSelect(select, items, value) {
    select.replaceChildren(...items.map((i) => el('option', { value: i.value, selected: i.value === value }, i.label)));
  }

  async function linkedSession() {
    const id = query.get('session');
    if (!id) return undefined;
    const rest = new URLSearchParams(location.search);
    rest.delete('session');
    history.replaceState(null, '', `${location.pathname}${rest.size ? `?${rest}` : ''}`);
    try {
      return await api(`/api/webchat/sessions/${encodeURIComponent(id)}`);
    } catch (e) {
      banner(`The linked session ${id} could not be opened: ${e.message}`);
      return undefined;
    }
  }

  async function boot() {
    try {
      const b = await api('/api/webchat/bootstrap');
      state.apps = b.apps;
      state.personas = b.personas;
      state.titles = b.titles || {};
    } catch (e) {
      banner(`Could not reach the emulator: ${e.message}`);
      return;
    }
    // A link to one session (`/chat?session=ID`, from a workflow's screen) opens it with its app and
    // user; a chat page with mode="single" always opens its one session.
    const linked = embed && embed.single ? undefined : await linkedSession();
    const savedApp = linked ? linked.app : embed ? embed.app : localStorage.getItem('capsule.chat.app');
    state.app = state.apps.some((a) => a.name === savedApp) ? savedApp : (state.apps[0] || {}).name || '';
    const savedUser = linked ? linked.userId : embed ? embed.user : localStorage.getItem('capsule.chat.persona');
    state.userId = state.personas.some((p) => p.id === savedUser) ? savedUser : (state.personas[0] || {}).id || '';
    if (linked && linked.app === state.app && linked.userId === state.userId) localStorage.setItem(sessionKey(), linked.id);
    fillSelect($('app'), state.apps.map((a) => ({ value: a.name, label: `${a.name}${a.status === 'running' ? '' : ` (${a.status})`}` })), state.app);
    showAppStatus();
    // A failed reload leaves the previous version answering: the page follows the app's status.
    setInterval(refreshAppStatus, 2000);
    if (!state.apps.length) banner('No app is running: start one with capsule-local serve app.py:app');
    fillSelect($('persona'), state.personas.map((p) => ({ value: p.id, label: p.email ? `${p.name} <${p.email}>` : p.name })), state.userId);
    await loadSessions();
    if (embed && embed.single) {
      // A chat page with mode="single": the one session of this user's owner (their org, or them)
      // for the page's thread key, found or created by the emulator as the platform does.
      try {
        const t = await api(`/api/pages/${encodeURIComponent(state.app)}/chat/thread`, { method: 'POST', body: { user: state.userId } });
        await selectSession(t.sessionId);
      } catch (e) {
        banner(`The chat page's session could not be opened: ${e.message}`);
        return;
      }
    } else {
      await selectSession(localStorage.getItem(sessionKey()) || '');
    }
    // Send is off until the restored session is shown: a message sent sooner would be drawn twice
    // (by its turn's stream, and again by the history of the session it created).
    if (!state.busy) setBusy(false);
  }

  /** Says when the chosen app answers with its previous version because its last reload failed. */
  function showAppStatus() {
    const app = state.apps.find((a) => a.name === state.app);
    const box = $('app-status');
    box.hidden = !app?.reloadError;
    box.textContent = app?.reloadError ? `${app.name} is running the previous version — reload failed: ${app.reloadError}. Fix the error and save to reload.` : '';
  }

  async function refreshAppStatus() {
    try {
      const b = await api('/api/webchat/bootstrap');
      for (const a of b.apps) {
        const known = state.apps.find((x) => x.name === a.name);
        if (known) Object.assign(known, { status: a.status, reloadError: a.reloadError });
      }
      showAppStatus();
    } catch {
      // The emulator is away for a moment (or stopped): the next poll tells.
    }
  }

  $('composer').addEventListener('submit', (ev) => {
    ev.preventDefault();
    // While the app answers, the typed text stays in the box (Send is disabled until done).
    if (state.busy) return;
    const text = $('input').value;
    $('input').value = '';
    send(text);
  });
  $('input').addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && !ev.shiftKey) {
      ev.preventDefault();
      $('composer').requestSubmit();
    }
  });
  $('new-session').addEventListener('click', () => {
    selectSession('');
    $('input').focus();
  });
  $('app').addEventListener('change', async (ev) => {
    state.app = ev.target.value;
    localStorage.setItem('capsule.chat.app', state.app);
    showAppStatus();
    await loadSessions();
    await selectSession(localStorage.getItem(sessionKey()) || '');
  });
  $('persona').addEventListener('change', async (ev) => {
    state.userId = ev.target.value;
    localStorage.setItem('capsule.chat.persona', state.userId);
    await loadSessions();
    await selectSession(localStorage.getItem(sessionKey()) || '');
  });
  $('add-persona').addEventListener('click', () => {
    $('persona-form').hidden = false;
    $('persona-name').focus();
  });
  $('persona-cancel').addEventListener('click', () => ($('persona-form').hidden = true));
  $('persona-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      const p = await api('/api/webchat/personas', { method: 'POST', body: { name: $('persona-name').value, email: $('persona-email').value } });
      state.personas.push(p);
      state.userId = p.id;
      localStorage.setItem('capsule.chat.persona', p.id);
      fillSelect($('persona'), state.personas.map((x) => ({ value: x.id, label: x.email ? `${x.name} <${x.email}>` : x.name })), p.id);
      $('persona-form').hidden = true;
      $('persona-form').reset();
      await loadSessions();
      await selectSession('');
    } catch (e) {
      banner(e.message);
    }
  });

  if (embed) {
    document.body.classList.add('embedded');
    // The chat page draws the panel's title; here only the session and (mode="multi") New session.
    const bar = el('div', { class: 'embed-bar' });
    $('session-title').before(bar);
    bar.append($('session-title'));
    if (!embed.single) bar.append($('new-session'));
    if (embed.placeholder) $('input').placeholder = embed.placeholder;
  }
  boot();
})();
