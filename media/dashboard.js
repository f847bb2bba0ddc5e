// The dashboard: the emulator's state (apps, prompts, channels, sessions, personas, secrets,
// integrations) and the live event log from the gateway's SSE stream (GET /api/events), with
// filters and replay of inbound messages (editable; Slack payloads are re-signed on send).
'use strict';
(() => {
  const { api, el, time, banner } = capsule;
  // keyed (keyed.js) updates the state cards' rows in place.
  const $ = (id) => document.getElementById(id);
  const events = [];
  const seenKinds = new Set();
  const seenChannels = new Set();
  let lastSeq = 0;
  let refreshTimer = null;

  // ---- state cards --------------------------------------------------------------------------

  /**
   * Fills the card `id` with a table of `items` (or the `empty` text), updated in place on each
   * refresh (keyed.js): rows keep their elements, so a button stays put while the page refreshes.
   */
  function table(id, head, items, key, row, empty) {
    const box = $(id);
    if (!items.length) {
      const p = box.querySelector(':scope > p.muted');
      if (p && p.textContent === empty && box.childElementCount === 1) return;
      box.replaceChildren(el('p', { class: 'muted' }, empty));
      return;
    }
    let tbody = box.querySelector(':scope > table > tbody');
    if (!tbody || box.childElementCount !== 1) {
      tbody = el('tbody');
      box.replaceChildren(el('table', {}, el('thead', {}, el('tr', {}, head.map((h) => el('th', {}, h)))), tbody));
    }
    keyed.list(tbody, items, key, row);
  }

  function statusPill(status) {
    const kind = { running: 'ok', starting: 'warn', crashed: 'bad', stopped: '' }[status] || '';
    return el('span', { class: `pill ${kind}` }, status);
  }

  /** A failed reload leaves the previous version serving: said next to the (green) status. */
  function reloadFailed(error) {
    return el('div', { class: 'reload-failed', role: 'status' }, el('span', { class: 'pill warn' }, 'running the previous version — reload failed'), ' ', el('code', {}, error));
  }

  /** Links to the app's pages the emulator renders, cpsl.ui and React (/pages/<app>/<route>, the home body at /pages/<app>). */
  function pageLinks(a) {
    const base = `/pages/${encodeURIComponent(a.name)}`;
    const d = a.declarations || {};
    const links = d.home && d.home.widget_tree ? [el('a', { href: base }, 'Home')] : [];
    for (const p of Array.isArray(d.pages) ? d.pages : []) {
      if (p && (p.type === 'dsl' || (p.type === 'react' && typeof p.component === 'string')) && typeof p.route === 'string') links.push(el('a', { href: `${base}/${p.route.split('/').map(encodeURIComponent).join('/')}` }, String(p.name)));
    }
    // The chat page (@app.chat_page): `chat` is a reserved page route.
    if (d.chat && d.chat.widget_tree) links.push(el('a', { href: `${base}/chat` }, `▸ ${typeof d.chat.sidebar_label === 'string' && d.chat.sidebar_label ? d.chat.sidebar_label : 'Chat'}`));
    // A workflow's screen (its @wf.ui() form, or a Start button): page routes never start with `_`.
    for (const w of Array.isArray(d.workflows) ? d.workflows : []) {
      if (w && typeof w.name === 'string' && w.name) links.push(el('a', { href: `${base}/_workflow/${encodeURIComponent(w.name)}` }, `▶ ${w.name}`));
    }
    // The onboarding page: no page route starts with "_" (emulator/pages/widgets.ts onboardingPath).
    if (d.onboarding) links.push(el('a', { href: `${base}/_onboarding` }, '▸ Onboarding'));
    return links;
  }

  /** What an app uses and declares besides chat, one line per kind: "collections: notes, todos". */
  function declarations(a) {
    const label = (x) => (typeof x === 'string' ? x : x && (x.name || x.route || x.path || x.type)) || '?';
    const lines = [];
    if (a.integrations.length) lines.push(`integrations: ${a.integrations.map((i) => `${i.type} (${i.mode})`).join(', ')}`);
    if (a.secrets.length) lines.push(`secrets: ${a.secrets.join(', ')}`);
    if (a.channels && a.channels.length) lines.push(`channels: ${a.channels.map((c) => c.name || c.type).join(', ')}`);
    if (a.dataSources && a.dataSources.length) lines.push(`data: ${a.dataSources.map((d) => d.name).join(', ')}`);
    if (a.endpoints && a.endpoints.length) lines.push(`endpoints: ${a.endpoints.map((e) => `${e.method} ${e.path}`).join(', ')}`);
    const links = pageLinks(a);
    if (links.length) lines.push(el('span', {}, 'open pages: ', links.flatMap((l, i) => (i ? [', ', l] : [l]))));
    for (const [kind, v] of Object.entries(a.declarations || {})) {
      if (Array.isArray(v)) lines.push(`${kind.replace(/_/g, ' ')}: ${v.map(label).join(', ')}`);
      else if (kind === 'image') lines.push(`image: ${(v.python_packages || []).join(', ') || 'no packages'}`);
      else if (typeof v === 'object') lines.push(kind);
      else lines.push(`${kind.replace(/_/g, ' ')}: ${v}`);
    }
    return lines.length ? el('ul', { class: 'declares' }, lines.map((l) => el('li', {}, l))) : '—';
  }

  function render(s, gatewaySecrets) {
    // Four columns, so the card never overflows: the entry under the name, the integrations and
    // secrets as the first lines of what the app declares.
    table('apps', ['App', 'Status', 'Runtime', 'Declares'], s.apps, (a) => a.name, (a) =>
      el('tr', {}, el('td', {}, el('strong', {}, a.name), el('div', { class: 'entry' }, el('code', {}, a.entry))),
        el('td', {}, statusPill(a.status), a.reloadError ? reloadFailed(a.reloadError) : null),
        el('td', {}, a.runtime === 'sdk' ? `cpsl ${a.sdk || ''}`.trim() : el('span', { class: 'pill warn', title: 'no interpreter with the real SDK was found' }, 'bundled runtime')),
        el('td', {}, declarations(a))), 'No app is being served.');

    table('actions', ['Handler', 'App', 'Kind', 'Payload', ''], triggers(s.apps), (x) => JSON.stringify([x.app, x.kind, x.name]), (x) =>
      el('tr', {}, el('td', {}, el('code', {}, x.name)), el('td', {}, x.app), el('td', {}, x.kind === 'workflow' ? 'app.workflow' : `@app.${x.kind}`),
        el('td', {}, x.kind === 'session' ? '—' : el('input', { type: 'text', class: 'payload', placeholder: '{}', spellcheck: 'false', 'aria-label': `Payload for ${x.name}` })),
        el('td', {}, triggerButton(x))),
      'No actions, named sessions or workflows (the real SDK runs @app.action, @app.session and workflow handlers here).');

    table('prompts', ['Prompt', 'User', 'Type', 'Expires in', ''], s.prompts, (p) => p.id, (p) =>
      el('tr', {}, el('td', {}, el('a', { href: `/connect/${encodeURIComponent(p.id)}`, target: '_blank', rel: 'noopener' }, p.id)), el('td', {}, p.userId), el('td', {}, `${p.type} (${p.mode})`), el('td', {}, `${p.expiresInSeconds}s`),
        el('td', { class: 'row' },
          el('button', { type: 'button', 'aria-label': `Allow ${p.id}`, onclick: () => answerPrompt(p.id, true) }, 'Allow'),
          el('button', { type: 'button', 'aria-label': `Deny ${p.id}`, onclick: () => answerPrompt(p.id, false) }, 'Deny'))), 'None waiting.');

    table('channels', ['Channel', 'Type', 'Webhook', 'Checks', ''], s.channels, (c) => c.name, (c) =>
      el('tr', {}, el('td', {}, el('strong', {}, c.name)), el('td', {}, c.type), el('td', {}, el('code', {}, c.webhookPath)),
        el('td', {}, c.type === 'slack' ? 'v0 signature' : c.checks.signature ? 'X-Hub-Signature-256' : c.checks.secretToken ? 'secret token' : c.type === 'whatsapp' ? 'none (verify token: handshake only)' : 'none'),
        el('td', {}, el('a', { href: `/channels/${encodeURIComponent(c.name)}` }, 'Open simulator'))), 'No named channels. Create one with capsule-local channel create NAME --type telegram -c bot_token=…');

    table('sessions', ['Session', 'User', 'Channel', 'Messages', 'Updated'], s.sessions.slice(0, 50), (x) => x.id, (x) =>
      el('tr', { class: 'clickable', tabindex: 0, onclick: () => openSession(x.id), onkeydown: (ev) => ev.key === 'Enter' && openSession(x.id) },
        el('td', {}, el('code', {}, x.id)), el('td', {}, x.userId), el('td', {}, x.channelName ? `${x.channelType}:${x.channelName}` : x.channelType), el('td', {}, String(x.messages)), el('td', {}, time(x.updatedAt))), 'No sessions yet.');

    table('personas', ['Persona', 'Name', 'Email'], s.personas, (p) => p.id, (p) =>
      el('tr', {}, el('td', {}, el('code', {}, p.id)), el('td', {}, p.name), el('td', {}, p.email || '—')), 'No personas.');

    const sources = new Map((gatewaySecrets || []).map((x) => [x.name, x.source]));
    table('secrets', ['Secret', 'Source', 'Value', 'Declared by'], s.secrets, (x) => x.name, (x) =>
      el('tr', {}, el('td', {}, el('code', {}, x.name)), el('td', {}, (x.defined && (sources.get(x.name) || x.source)) || el('span', { class: 'pill bad' }, 'not defined')),
        // An undefined secret has no value to hide: say how to define it instead of showing a mask.
        el('td', {}, x.defined ? el('span', { class: 'muted', 'aria-label': 'value hidden' }, x.value) : el('span', {}, 'not defined: ', el('code', {}, x.howToDefine), ` or ${x.name}=… in .env`)), el('td', {}, x.declaredBy.join(', ') || '—')), 'No secrets.');

    table('integrations', ['User', 'Integration', 'Scopes / fields', 'Expires'], s.integrations.flatMap((u) => u.connections.map((c) => ({ u, c }))), ({ u, c }) => JSON.stringify([u.userId, c.type]), ({ u, c }) =>
      el('tr', {}, el('td', {}, u.userId), el('td', {}, `${c.type} (${c.mode})`), el('td', {}, [...c.scopes, ...c.fields].join(', ') || '—'),
        el('td', {}, c.expiresAt ? new Date(c.expiresAt * 1000).toLocaleString() : 'never')), 'No user has connected an integration yet.');
  }

  /** A time a cron names, in the zone it is written in: "2026-12-08 09:00 UTC". */
  const utc = (iso) => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;

  /** What the platform side keeps for the apps: schedules, background tasks, onboarding. */
  function renderPlatform(g) {
    table('schedules', ['Schedule', 'App', 'Cron', 'Next run', 'Last run', 'Runs', ''], g.schedules || [], (x) => JSON.stringify([x.app, x.name]), (x) =>
      el('tr', {}, el('td', {}, el('code', {}, x.name)), el('td', {}, x.app), el('td', { class: 'nowrap' }, el('code', {}, x.cron)),
        el('td', { class: 'nowrap' }, x.problem ? el('span', { class: 'pill bad', title: x.problem }, 'never runs') : utc(x.nextRun)), el('td', {}, x.lastRun ? utc(x.lastRun) : '—'), el('td', {}, String(x.runs)),
        el('td', {}, x.problem ? '' : el('button', { type: 'button', 'aria-label': `Run ${x.name} now`, onclick: () => runSchedule(x.app, x.name) }, 'Run now'))),
      'No schedules (the real SDK runs @app.schedule handlers here).');
    table('tasks', ['Task', 'App', 'Status', 'Attempt', 'Created', 'Error'], g.tasks || [], (t) => t.id, (t) =>
      el('tr', {}, el('td', {}, el('code', {}, t.display_name || t.name), ' ', el('span', { class: 'muted' }, t.id)), el('td', {}, t.app),
        el('td', {}, el('span', { class: `pill ${{ completed: 'ok', failed: 'bad', timeout: 'bad', cancelled: '' }[t.status] ?? 'warn'}` }, t.status)),
        el('td', {}, `${t.attempt} of ${t.max_retries + 1}`), el('td', {}, time(t.created_at)), el('td', {}, t.error ? el('code', {}, t.error) : '—')),
      'No background tasks yet.');
    table('onboarding', ['User', 'App', 'Completed', ''], g.onboarding || [], (o) => JSON.stringify([o.app, o.userId]), (o) =>
      el('tr', {}, el('td', {}, o.userId), el('td', {}, o.app), el('td', {}, time(o.completedAt)),
        el('td', {}, el('button', { type: 'button', 'aria-label': `Reset the onboarding of ${o.userId}`, onclick: () => resetOnboarding(o.app, o.userId) }, 'Reset'))),
      'No user has completed an onboarding yet.');
  }

  /** A button's request: the state refreshes after it, a refusal shows in the banner. Resolves with the answer, or undefined. */
  async function post(path, body) {
    try {
      const out = await api(path, { method: 'POST', body });
      refreshSoon();
      return out;
    } catch (e) {
      banner(e.message);
      refreshSoon();
      return undefined;
    }
  }

  /** The handlers a person can trigger from here: actions and named sessions, on the real SDK only. */
  function triggerButton(x) {
    const payload = (ev) => ev.target.closest('tr').querySelector('input.payload').value;
    if (x.kind === 'action') return el('button', { type: 'button', 'aria-label': `Run action ${x.name}`, onclick: (ev) => runAction(x.app, x.name, payload(ev)) }, 'Run');
    if (x.kind === 'workflow') return el('button', { type: 'button', 'aria-label': `Start workflow ${x.name}`, onclick: (ev) => runAction(x.app, x.name, payload(ev), '/api/workflows/start') }, 'Start');
    return el('button', { type: 'button', 'aria-label': `Start session ${x.name}`, onclick: () => startSession(x.app, x.name) }, 'Start');
  }

  function triggers(apps) {
    return apps.filter((a) => a.runtime === 'sdk').flatMap((a) => [
      ...(a.declarations.actions || []).map((name) => ({ app: a.name, kind: 'action', name })),
      ...(a.declarations.session_handlers || []).map((name) => ({ app: a.name, kind: 'session', name })),
      ...(a.declarations.workflows || []).map((w) => ({ app: a.name, kind: 'workflow', name: w.name })),
    ]);
  }

  /** The payload field's JSON, or undefined (said in the banner) when it is not JSON. */
  function payloadOf(name, payloadText) {
    if (!payloadText.trim()) return {};
    try {
      return JSON.parse(payloadText);
    } catch (e) {
      banner(`The payload for ${name} is not JSON: ${e.message}`);
      return undefined;
    }
  }

  /** Runs the action as a click would (a workflow starts as its launcher would); its session opens with the handler's reply. */
  async function runAction(app, name, payloadText, path = '/api/actions/run') {
    const payload = payloadOf(name, payloadText);
    if (payload === undefined) return;
    banner('');
    const out = await post(path, { app, name, payload });
    if (out) await openSession(out.session_id);
  }

  async function startSession(app, name) {
    banner('');
    const out = await post('/api/sessions/start', { app, name });
    if (out) await openSession(out.session_id);
  }

  const runSchedule = (app, name) => post('/api/schedules/run', { app, name });
  const resetOnboarding = (app, user) => post('/api/onboarding/reset', { app, user });

  /** Answers a prompt headlessly (all requested scopes; secret forms need their connect page). */
  const answerPrompt = (id, allow) => post(`/api/prompts/${encodeURIComponent(id)}/answer`, { allow });

  // Refreshes can overlap; on a busy machine an older answer can arrive after a newer one, and
  // rendering it would take rows away and bring them back as new elements.
  let refreshesStarted = 0;
  let newestRendered = 0;

  async function refresh() {
    const mine = ++refreshesStarted;
    try {
      const [s, g, c] = await Promise.all([
        api('/api/dashboard/state'),
        api('/api/state').catch(() => ({})),
        api('/api/dashboard/collections').catch((e) => ({ error: e.message })),
      ]);
      if (mine < newestRendered) return;
      newestRendered = mine;
      render(s, g.secrets);
      renderPlatform(g);
      renderCollections(c);
    } catch (e) {
      banner(`Could not load the state: ${e.message}`);
    }
  }

  function refreshSoon() {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(refresh, 300);
  }

  // ---- collections (read-only browser) ------------------------------------------------------

  function renderCollections(c) {
    if (c.error) {
      $('collections').replaceChildren(el('p', { class: 'muted' }, `Collections are unavailable: ${c.error}`));
      return;
    }
    table('collections', ['Collection', 'App', 'Scope', 'Documents'], c.collections, (x) => JSON.stringify([x.app, x.name]), (x) =>
      el('tr', { class: 'clickable', tabindex: 0, onclick: () => openCollection(x.app, x.name), onkeydown: (ev) => ev.key === 'Enter' && openCollection(x.app, x.name) },
        el('td', {}, el('code', {}, x.name)), el('td', {}, x.app), el('td', {}, x.scope), el('td', {}, String(x.count))), 'No documents yet: collections appear once the app writes to one.');
  }

  const browsing = { app: '', name: '', page: 1, perPage: 25, total: 0 };

  function openCollection(app, name) {
    Object.assign(browsing, { app, name, page: 1, total: 0 });
    $('collection-title').textContent = `${name} · ${app}`;
    $('collection-filter').value = '';
    $('collection-sort').value = '';
    $('collection-dialog').showModal();
    loadCollection();
  }

  function cell(v) {
    if (v === undefined) return '';
    return typeof v === 'string' ? v : JSON.stringify(v);
  }

  async function loadCollection() {
    const q = new URLSearchParams({ page: String(browsing.page), per_page: String(browsing.perPage) });
    const filter = $('collection-filter').value.trim();
    if (filter) q.set('filter', filter);
    const sort = $('collection-sort').value.trim();
    if (sort) {
      q.set('sort', sort);
      q.set('sort_dir', $('collection-dir').value);
    }
    const err = $('collection-error');
    try {
      const r = await api(`/api/dashboard/collections/${encodeURIComponent(browsing.app)}/${encodeURIComponent(browsing.name)}?${q}`);
      err.hidden = true;
      browsing.total = r.total;
      // Columns: _id first, then every field of the page's documents in order of appearance.
      const cols = [];
      for (const d of r.documents) for (const k of Object.keys(d)) if (!cols.includes(k)) cols.push(k);
      const box = $('collection-docs');
      if (!r.documents.length) box.replaceChildren(el('p', { class: 'muted' }, r.total ? 'No documents on this page.' : 'No document matches.'));
      else {
        box.replaceChildren(el('table', { class: 'collection-table' },
          el('thead', {}, el('tr', {}, cols.map((k) => el('th', {}, k)))),
          el('tbody', {}, r.documents.map((d) => el('tr', {}, cols.map((k) => el('td', {}, cell(d[k]))))))));
      }
      const pages = Math.max(1, Math.ceil(r.total / browsing.perPage));
      $('collection-page').textContent = `page ${r.page} of ${pages} · ${r.total} document${r.total === 1 ? '' : 's'}`;
      $('collection-prev').disabled = r.page <= 1;
      $('collection-next').disabled = r.page >= pages;
    } catch (e) {
      err.textContent = e.message;
      err.hidden = false;
    }
  }

  $('collection-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    browsing.page = 1;
    loadCollection();
  });
  $('collection-prev').addEventListener('click', () => {
    browsing.page = Math.max(1, browsing.page - 1);
    loadCollection();
  });
  $('collection-next').addEventListener('click', () => {
    browsing.page += 1;
    loadCollection();
  });
  $('collection-dialog').querySelector('.close').addEventListener('click', () => $('collection-dialog').close());

  // ---- sessions -----------------------------------------------------------------------------

  async function openSession(id) {
    const s = await api(`/api/dashboard/sessions/${encodeURIComponent(id)}`);
    $('session-dialog-title').textContent = `Session ${s.id} · ${s.userId} · ${s.channelName ? `${s.channelType}:${s.channelName}` : s.channelType}`;
    $('session-body').replaceChildren(el('div', { class: 'transcript' }, s.history.map((h) =>
      el('div', { class: `line ${h.sender}` }, el('span', { class: 'who' }, `${h.sender} · ${time(h.timestamp)}`), h.blockJson ? blockSummary(h.blockJson) : h.text))));
    $('session-dialog').showModal();
  }

  function blockSummary(json) {
    try {
      const b = JSON.parse(json);
      return `[${b.type}] ${JSON.stringify(b.payload)}`;
    } catch {
      return json;
    }
  }

  // ---- event log ----------------------------------------------------------------------------

  // The gateway names every event's channel one way (a named channel by its name, chat and api by type).
  const channelOf = (e) => e.channel || '';

  function replayable(e) {
    const d = e.detail || {};
    if ((e.kind === 'webhook' || e.kind === 'webhook-rejected') && d.payload !== undefined && d.channelName) return true;
    return e.kind === 'inbound' && (e.channel === 'chat' || e.channel === 'api') && !!e.sessionId;
  }

  function matches(e) {
    const kind = $('filter-kind').value;
    const channel = $('filter-channel').value;
    const text = $('filter-text').value.toLowerCase();
    if (kind && e.kind !== kind) return false;
    if (channel && channelOf(e) !== channel) return false;
    if (text && !`${e.summary} ${e.userId || ''} ${e.sessionId || ''}`.toLowerCase().includes(text)) return false;
    return true;
  }

  function row(e, fresh) {
    const tr = el('tr', { class: fresh ? 'fresh' : '', dataset: { seq: e.seq } },
      el('td', {}, String(e.seq)),
      el('td', { title: e.at }, new Date(e.at).toLocaleTimeString([], { hour12: false })),
      el('td', {}, el('span', { class: `kind kind-${e.kind}` }, e.kind)),
      el('td', {}, channelOf(e)),
      el('td', {}, e.summary),
      el('td', {}, replayable(e) ? el('button', { type: 'button', 'aria-label': `Replay event ${e.seq}`, onclick: (ev) => { ev.stopPropagation(); openReplay(e); } }, 'Replay') : null));
    tr.addEventListener('click', () => toggleDetail(tr, e));
    return tr;
  }

  function toggleDetail(tr, e) {
    const next = tr.nextElementSibling;
    if (next && next.classList.contains('detail')) return next.remove();
    // A multi-line record (a traceback) shows its lines as printed, top to bottom.
    const { lines, ...rest } = e.detail || {};
    const text = Array.isArray(lines) ? el('pre', { class: 'lines' }, lines.join('\n')) : null;
    tr.after(el('tr', { class: 'detail' }, el('td', { colspan: 6 }, text, el('pre', {}, JSON.stringify({ app: e.app, sessionId: e.sessionId, userId: e.userId, detail: rest }, null, 2)))));
  }

  function addOption(select, value) {
    if (!value || [...select.options].some((o) => o.value === value)) return;
    select.append(el('option', { value }, value));
  }

  function addEvent(e, fresh) {
    if (e.seq <= lastSeq) return;
    lastSeq = e.seq;
    events.push(e);
    if (!seenKinds.has(e.kind)) {
      seenKinds.add(e.kind);
      addOption($('filter-kind'), e.kind);
    }
    const ch = channelOf(e);
    if (ch && !seenChannels.has(ch)) {
      seenChannels.add(ch);
      addOption($('filter-channel'), ch);
    }
    if (matches(e)) $('events').prepend(row(e, fresh));
  }

  function rerender() {
    $('events').replaceChildren(...events.filter(matches).reverse().slice(0, 1000).map((e) => row(e, false)));
  }

  function connect() {
    const es = new EventSource(`/api/events?since=${lastSeq}`);
    es.addEventListener('open', () => {
      $('live').textContent = 'live';
      $('live').className = 'pill ok';
    });
    es.addEventListener('message', (m) => {
      addEvent(JSON.parse(m.data), true);
      refreshSoon();
    });
    es.addEventListener('error', () => {
      $('live').textContent = 'reconnecting…';
      $('live').className = 'pill warn';
      // EventSource retries with the original URL; reopen with the latest sequence instead.
      es.close();
      setTimeout(connect, 1500);
    });
  }

  // ---- replay -------------------------------------------------------------------------------

  let replaying = null;

  async function openReplay(e) {
    try {
      const src = await api(`/api/dashboard/events/${e.seq}/replay`);
      replaying = e.seq;
      $('replay-title').textContent = `Replay event #${e.seq}`;
      $('replay-note').textContent = src.kind === 'webhook'
        ? `Sent again to the ${src.channelType} webhook of "${src.channelName}"${src.channelType === 'slack' ? ', re-signed with a fresh timestamp' : ''}. Edit the payload first if you like.`
        : `Sent again as ${src.userId} into session ${src.sessionId} (${src.channelType}). Edit the text first if you like.`;
      $('replay-edit').value = src.kind === 'webhook' ? src.body : src.text;
      $('replay-result').textContent = '';
      $('replay-dialog').showModal();
    } catch (err) {
      banner(err.message);
    }
  }

  $('replay-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    $('replay-send').disabled = true;
    try {
      const r = await api(`/api/dashboard/events/${replaying}/replay`, { method: 'POST', body: { edited: $('replay-edit').value } });
      $('replay-result').replaceChildren(r.kind === 'webhook'
        ? el('span', { class: `pill ${r.result.status < 300 ? 'ok' : 'bad'}` }, `Webhook answered ${r.result.status}${r.result.body ? `: ${r.result.body.slice(0, 120)}` : ''}`)
        : el('span', { class: 'pill ok' }, `Dispatched as ${r.requestId}`));
    } catch (err) {
      $('replay-result').replaceChildren(el('span', { class: 'pill bad' }, err.message));
    } finally {
      $('replay-send').disabled = false;
    }
  });

  for (const d of document.querySelectorAll('dialog')) d.querySelector('.close').addEventListener('click', () => d.close());
  for (const id of ['filter-kind', 'filter-channel', 'filter-text']) $(id).addEventListener('input', rerender);

  (async () => {
    await refresh();
    try {
      for (const e of await api('/api/events/log?limit=1000')) addEvent(e, false);
    } catch (err) {
      banner(`Could not load the event log: ${err.message}`);
    }
    connect();
  })();
})();
