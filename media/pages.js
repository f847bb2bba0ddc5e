// An app's cpsl.ui page (`@app.page` or the home body), drawn from its widget tree as the
// platform's web app draws it. Which widget types are drawn comes from the emulator
// (/api/pages/<app>, emulator/pages/widgets.ts); every other one shows a note naming it, in its
// place. Everything from the app is text (textContent through capsule.el), attribute values are
// checked, lookups are own properties only, and the tree is drawn within caps (widgets, depth,
// text length, rows). Data comes through the routes the web app uses: the runner's
// /collection/<name> and /data/<name> (forwarded with the viewer's identity, `?as=`), and actions
// through the emulator's POST /api/actions/run.
//
// The chat page (`/pages/<app>/chat`, `@app.chat_page`) draws its ChatPanel as the web chat,
// framed (`/chat?embed=1`): the framed chat tells this page, by postMessage from this origin,
// which session is open and when the app changed that session's data; the widgets that read data
// then read it again, as that session (`?session_id=`, whose user is the viewer). The onboarding
// page (`/pages/<app>/_onboarding`) draws the onboarding's tree and says whether the viewer has
// completed it (`session.complete_onboarding()`).
'use strict';

(() => {
  const { api, el, banner } = capsule;
  const [, , rawApp = '', ...rest] = location.pathname.split('/');
  const appName = decodeURIComponent(rawApp);
  const route = rest.filter(Boolean).map(decodeURIComponent).join('/'); // '' is the home body
  const root = document.getElementById('page-root');
  let info;
  let limits;
  let budget;
  let viewer;
  /** Where the tree is drawn: 'page', 'workflow', 'chat' or 'onboarding' (emulator/pages/widgets.ts). */
  let surface = 'page';
  /** The chat page's session (told by its framed chat), and the one frame that may tell it. */
  let chatSession = '';
  let chatFrame = null;
  /** The widgets that read data, each a function that reads it again (the chat page's session changed or its data did). */
  const reloaders = [];
  /**
   * The widgets that follow the app's background tasks and runs (task boards, run lists): each
   * {node, wants(change), load, fallbackMs}. They read again when a notice of the change feed
   * concerns them, and only while the feed is down (it failed, or the emulator does not serve
   * it) every `fallbackMs`.
   */
  const followers = [];
  /** The page's subscription to the change feed (media/feed.js) while it follows it (null while the tab is hidden). */
  let feed = null;
  const feedUp = () => !!feed && feed.up();
  function follow(f) {
    const entry = { ...f, last: Date.now(), queued: false };
    followers.push(entry);
    return entry;
  }
  /** Reads a follower again, once for a burst of notices. */
  function nudge(f) {
    if (f.queued) return;
    f.queued = true;
    setTimeout(() => {
      f.queued = false;
      f.last = Date.now();
      f.load();
    }, 50);
  }
  // The fallback: while the feed is down and the tab is shown, a follower reads every fallbackMs.
  setInterval(() => {
    if (document.hidden || feedUp()) return;
    const now = Date.now();
    for (let i = followers.length - 1; i >= 0; i -= 1) {
      const f = followers[i];
      if (!f.node.isConnected) followers.splice(i, 1);
      else if (now - f.last >= f.fallbackMs) nudge(f);
    }
  }, 1000);

  const own = (o, k) => !!o && typeof o === 'object' && Object.prototype.hasOwnProperty.call(o, k);
  const get = (o, k) => (own(o, k) ? o[k] : undefined);
  const isObject = (v) => !!v && typeof v === 'object' && !Array.isArray(v);
  const text = (v, cap = limits.textChars) => {
    const s = v === undefined || v === null ? '' : typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
    return s.length > cap ? `${s.slice(0, cap)}…` : s;
  };
  const widgetName = (type) => (typeof type === 'string' && own(info.widgets.classes, type) ? `ui.${info.widgets.classes[type]}` : `ui widget type "${text(type, 40)}"`);
  const note = (message) => el('div', { class: 'ui-note', role: 'note' }, message);
  const withViewer = (path) => (viewer ? `${path}${path.includes('?') ? '&' : '?'}as=${encodeURIComponent(viewer)}` : path);
  /** A data source's URL as the page reads it: on the chat page, as its session (the handler's `session`); else as the viewer. */
  const dataUrl = (path) => (chatSession ? `${path}${path.includes('?') ? '&' : '?'}session_id=${encodeURIComponent(chatSession)}` : withViewer(path));
  /**
   * Registers a widget's read of its data, and reads it: `read()` is a promise, `show(result)` and
   * `fail(error)` draw it. An answer that a later read has overtaken is dropped.
   */
  function live(read, show, fail) {
    let generation = 0;
    const load = () => {
      const mine = ++generation;
      read().then((r) => mine === generation && show(r), (e) => mine === generation && fail(e));
    };
    reloaders.push(load);
    load();
  }
  const reloadData = () => {
    for (const load of reloaders) load();
  };
  const pageHref = (path) => (new URLSearchParams(location.search).get('as') ? withViewer(path) : path);
  /** A CSS length or track the app gave (numbers are pixels, or fr for row columns); anything else is dropped. */
  const cssSize = (v, unit = 'px') => (typeof v === 'number' && Number.isFinite(v) ? `${v}${unit}` : typeof v === 'string' && /^[\w.%() ,+-]{1,40}$/.test(v) ? v : '');
  /** Image sources a page may load: the emulator's own paths (also as absolute URLs), https and data images (the page's CSP allows these). */
  const safeSrc = (v) => (typeof v === 'string' && (/^(https:\/\/|\/(?!\/)|data:image\/)/i.test(v) || v.startsWith(`${location.origin}/`)) ? v : '');
  const safeVideo = (v) => (typeof v === 'string' && (/^(https:\/\/|\/(?!\/))/i.test(v) || v.startsWith(`${location.origin}/`)) ? v : '');

  function kids(node, depth) {
    const children = get(node, 'children');
    return Array.isArray(children) ? children.map((c) => render(c, depth + 1)) : [];
  }

  /** One widget, or the note that says why it is not drawn. */
  function render(node, depth) {
    if (depth > limits.depth) return note(`Widgets nested deeper than ${limits.depth} levels are not shown.`);
    budget -= 1;
    if (budget === -1) return note(`This page has more than ${limits.widgets} widgets; the rest are not shown.`);
    if (budget < -1) return null;
    if (!isObject(node)) return note('A widget that is not a JSON object is not shown.');
    const type = get(node, 'type');
    const draw = typeof type === 'string' && info.widgets.rendered.includes(type) ? RENDER.get(type) : undefined;
    if (!draw) return note(`${widgetName(type)} is not rendered in Capsule Local yet.`);
    if (draw === settingInput && (typeof get(node, 'setting') !== 'string' || !get(node, 'setting'))) {
      if (form && typeof get(node, 'name') === 'string' && get(node, 'name')) return formField(node);
      return note(`${widgetName(type)} without setting= (a workflow form's field) is not rendered in Capsule Local yet.`);
    }
    if (FORM_TYPES.has(type) && !form) return note(`${widgetName(type)} belongs on a workflow's screen; outside one it is not rendered.`);
    if (type === 'chat_panel' && surface !== 'chat') return note('ui.ChatPanel belongs on the chat page (@app.chat_page); elsewhere it is not rendered.');
    return draw(node, depth);
  }

  /** A click's outcome under the control: the handler's reply, or the error. */
  function resultLine() {
    return el('div', { class: 'ui-result', role: 'status' });
  }
  async function run(out, call) {
    out.className = 'ui-result';
    out.textContent = 'running…';
    try {
      const r = await call();
      out.textContent = r.reply ? `→ ${text(r.reply)}` : `→ done (session ${text(r.session_id)})`;
    } catch (e) {
      out.className = 'ui-result bad';
      out.textContent = e.message;
    }
  }
  const payloadOf = (node) => (isObject(get(node, 'payload')) ? get(node, 'payload') : {});
  /** After a button's action: what it may have changed is read again (the widgets' data, the onboarding's state). */
  const afterActionHooks = [];
  function afterAction() {
    reloadData();
    for (const h of afterActionHooks) h();
  }
  const user = () => (viewer ? { user: viewer } : {});

  /** What a target (`target`/`value` of Button, ActionCard, Image) does when clicked; undefined: nothing. */
  function targetAction(node, out) {
    const target = get(node, 'target');
    const value = text(get(node, 'value'), 200);
    if (!value) return undefined;
    if (target === 'action') return () => run(out, () => api('/api/actions/run', { method: 'POST', body: { app: appName, name: value, payload: payloadOf(node), ...user(), ...(chatSession ? { session_id: chatSession } : {}) } }).finally(afterAction));
    if (target === 'workflow') return () => run(out, () => api('/api/workflows/start', { method: 'POST', body: { app: appName, name: value, payload: payloadOf(node), ...user() } }));
    if (target === 'prompt') return () => run(out, () => api('/api/chat', { method: 'POST', body: { app: appName, text: value, ...user() } }));
    if (target === 'page') return () => location.assign(pageHref(pathOf(value)));
    return undefined;
  }
  const pathOf = (pageRoute) => `/pages/${encodeURIComponent(appName)}/${pageRoute.split('/').map(encodeURIComponent).join('/')}`;

  function button(node) {
    const out = resultLine();
    const act = targetAction(node, out);
    const label = text(get(node, 'label'), 200);
    const b = el('button', { type: 'button', class: get(node, 'primary') ? 'primary' : null, disabled: !act, onclick: act }, label);
    if (!act && get(node, 'target') !== undefined) out.textContent = `this button's target "${text(get(node, 'target'), 40)}" is not run in Capsule Local`;
    return el('div', { class: 'ui-action' }, b, out);
  }

  function actionCard(node) {
    const out = resultLine();
    const act = targetAction(node, out);
    const img = safeSrc(get(node, 'image'));
    const card = el('button', { type: 'button', class: `ui-action-card${get(node, 'primary') ? ' primary' : ''}`, disabled: !act, onclick: act },
      img ? el('img', { src: img, alt: '' }) : null,
      el('strong', {}, text(get(node, 'label'), 200)),
      get(node, 'description') ? el('span', { class: 'desc' }, text(get(node, 'description'), 1000)) : null);
    return el('div', { class: 'ui-action' }, card, out);
  }

  function image(node) {
    const src = safeSrc(get(node, 'src'));
    const caption = get(node, 'caption');
    const out = resultLine();
    const act = targetAction(node, out);
    const img = src ? el('img', { src, alt: text(get(node, 'alt'), 300) }) : note(`ui.Image: the source ${text(get(node, 'src'), 80)} is not loaded here (only https:, data:image and the emulator's own paths are)`);
    if (typeof get(node, 'aspect_ratio') === 'string' && /^\d+(\.\d+)?\s*\/\s*\d+(\.\d+)?$/.test(get(node, 'aspect_ratio')) && src) {
      img.style.aspectRatio = get(node, 'aspect_ratio');
      img.style.objectFit = 'cover';
    }
    const fig = el('figure', { class: 'ui-image' }, act ? el('button', { type: 'button', class: 'ui-action-card', onclick: act }, img) : img, caption ? el('figcaption', {}, text(caption, 1000)) : null);
    return act ? el('div', { class: 'ui-action' }, fig, out) : fig;
  }

  function formatted(v, fmt) {
    if (typeof v !== 'number' || !Number.isFinite(v)) return text(v, 200);
    if (fmt === 'currency') return v.toLocaleString(undefined, { style: 'currency', currency: 'USD' });
    if (fmt === 'percent') return `${v.toLocaleString()}%`;
    return v.toLocaleString();
  }

  /**
   * A Metric: its value, or (data= naming one of the app's data sources) that source's answer, or
   * the answer's `field`, read with the viewer's identity like a table's rows.
   */
  function metric(node) {
    const label = el('div', { class: 'label' }, text(get(node, 'label'), 200));
    const data = get(node, 'data');
    const fmt = get(node, 'format');
    if (data === undefined || get(node, 'value') !== undefined) return el('div', { class: 'ui-metric' }, label, el('div', { class: 'value' }, formatted(get(node, 'value'), fmt)));
    if (typeof data !== 'string' || !info.data_sources.includes(data)) {
      // Bound to a collection: how the platform aggregates it is not in the SDK.
      return el('div', { class: 'ui-metric' }, label, note(`ui.Metric(data=${text(data, 80)}) over a collection is not rendered in Capsule Local yet: the platform computes its value.`));
    }
    const value = el('div', { class: 'value' }, '…');
    const box = el('div', { class: 'ui-metric' }, label, value);
    const field = get(node, 'field');
    const shown = (n) => box.replaceChildren(label, n);
    live(() => api(dataUrl(`/apps/${encodeURIComponent(appName)}/data/${encodeURIComponent(data)}`)),
      (r) => {
        if (typeof field === 'string' && !own(r, field)) return shown(note(`The data source ${text(data, 80)} answered without a field "${text(field, 80)}".`));
        value.textContent = formatted(typeof field === 'string' ? r[field] : r, fmt);
        shown(value);
      },
      (e) => shown(note(`The data source ${text(data, 80)} failed: ${text(e.message, 300)}`)));
    return box;
  }

  /**
   * A setting's input (Toggle, TextInput, NumberInput, Select with `setting=`): its value read from
   * and saved to the runner's /settings/<name> (the SDK's own routes, with the viewer's identity,
   * so an owner- or user-scoped setting is the viewer's), as the platform's settings panel does.
   */
  function settingInput(node) {
    const type = get(node, 'type');
    const name = get(node, 'setting');
    const out = resultLine();
    const url = withViewer(`/apps/${encodeURIComponent(appName)}/endpoints/settings/${encodeURIComponent(name)}`);
    const options = Array.isArray(get(node, 'options')) ? get(node, 'options').slice(0, 200) : null;
    let input;
    if (type === 'toggle') input = el('input', { type: 'checkbox', role: 'switch' });
    else if (type === 'select' && options) input = el('select', {}, options.map((o) => el('option', { value: text(o, 200) }, text(o, 200))));
    else if (type === 'number_input') {
      input = el('input', { type: 'number' });
      for (const k of ['min', 'max', 'step']) if (typeof get(node, k) === 'number') input.setAttribute(k, String(get(node, k)));
    } else input = get(node, 'multiline') ? el('textarea', { rows: 3 }) : el('input', { type: 'text', placeholder: text(get(node, 'placeholder'), 200) });
    input.disabled = true;
    const valueOf = () => (type === 'toggle' ? input.checked : type === 'number_input' ? (input.value === '' ? null : Number(input.value)) : input.value);
    const show = (v) => {
      if (type === 'toggle') input.checked = v === true;
      else input.value = v === undefined || v === null ? '' : text(v, 2000);
    };
    api(url)
      .then((r) => {
        show(get(r, 'value'));
        input.disabled = false;
      })
      .catch((e) => {
        out.className = 'ui-result bad';
        out.textContent = `The setting ${text(name, 80)} could not be read: ${text(e.message, 300)}`;
      });
    input.addEventListener('change', async () => {
      input.disabled = true;
      out.className = 'ui-result';
      out.textContent = 'Saving…';
      try {
        const r = await api(url, { method: 'PUT', body: { value: valueOf() } });
        show(get(r, 'value'));
        out.textContent = 'Saved';
      } catch (e) {
        out.className = 'ui-result bad';
        out.textContent = `Not saved: ${text(e.message, 300)}`;
      } finally {
        input.disabled = false;
      }
    });
    const label = text(get(node, 'label') || name, 200);
    return el('label', { class: `ui-setting ui-${type}` }, el('span', { class: 'label' }, label), input, out);
  }

  /**
   * An ImageGallery or VideoGallery: its inline items, then (data=) the items its data source
   * answers (a list, or {data: [...]}: what `session.media.image/video` return, kept in data).
   */
  function gallery(node) {
    const video = get(node, 'type') === 'video_gallery';
    const key = video ? 'videos' : 'images';
    const grid = el('div', { class: 'ui-gallery' });
    const cols = get(node, 'columns');
    if (Number.isInteger(cols) && cols > 0 && cols <= 12) grid.style.gridTemplateColumns = `repeat(${cols}, minmax(0, 1fr))`;
    const item = (it) => {
      const src = typeof it === 'string' ? it : get(it, 'src') ?? get(it, 'url');
      const caption = isObject(it) ? get(it, 'caption') : undefined;
      const ok = video ? safeVideo(src) : safeSrc(src);
      const media = !ok
        ? note(`The source ${text(src, 80)} is not loaded here (only https: and the emulator's own paths${video ? '' : ', and data images'} are).`)
        : video
          ? el('video', { src: ok, controls: true, preload: 'metadata' })
          : el('img', { src: ok, alt: text(get(it, 'alt'), 300), loading: 'lazy' });
      return el('figure', { class: 'ui-image' }, media, caption ? el('figcaption', {}, text(caption, 1000)) : null);
    };
    const draw = (items) => {
      const shown = items.slice(0, limits.rowsPerPage);
      grid.replaceChildren(...(shown.length ? shown.map(item) : [el('div', { class: 'ui-empty' }, 'Nothing here yet.')]));
      if (items.length > shown.length) grid.append(note(`${items.length - shown.length} more are not shown.`));
    };
    const inline = Array.isArray(get(node, key)) ? get(node, key) : [];
    const data = get(node, 'data');
    draw(inline);
    if (typeof data === 'string' && data) {
      live(() => api(dataUrl(`/apps/${encodeURIComponent(appName)}/data/${encodeURIComponent(data)}`)),
        (r) => draw([...inline, ...(Array.isArray(r) ? r : Array.isArray(get(r, 'data')) ? r.data : [])]),
        (e) => {
          draw(inline);
          grid.append(note(`The data source ${text(data, 80)} failed: ${text(e.message, 300)}`));
        });
    }
    return el('section', { class: 'ui-gallery-box' }, get(node, 'title') ? el('h3', {}, text(get(node, 'title'), 200)) : null, grid);
  }

  // ---- a workflow's screen (@wf.ui()): its form (media/pages-forms.js), submitted as the platform's launcher does ----

  const FORM_TYPES = new Set(['workflow_shell', 'form_section', 'action_bar', 'text_area', 'url_input', 'url_list_input', 'checkbox_group', 'submit_button', 'run_status', 'file_input', 'image_input', 'run_list']);
  /** The workflow whose screen is drawn: its fields' values, its session once started, its status lines. */
  let form;
  /** The form's controls, drawn by media/pages-forms.js over the page's helpers and the form above. */
  const forms = () => capsuleForms.create({ el, get, text, api, appName, resultLine, user, form });
  const formField = (node) => forms().field(node);
  const submitButton = (node) => forms().submitButton(node);
  const runStatus = () => forms().runStatus();
  const showRun = (action, r) => forms().showRun(action, r);

  /** A column as the SDK serializes it: a key, or {key, type, label, format}. */
  function columnOf(c) {
    if (typeof c === 'string') return { key: c, label: c, type: 'text' };
    if (isObject(c) && typeof get(c, 'key') === 'string') return { key: get(c, 'key'), label: text(get(c, 'label') || get(c, 'key'), 200), type: text(get(c, 'type'), 40) };
    return undefined;
  }
  function cell(row, col) {
    const v = get(row, col.key);
    if (col.type === 'status' && v !== undefined && v !== null) return el('span', { class: 'pill' }, text(v, limits.cellChars));
    if (col.type === 'boolean' && typeof v === 'boolean') return v ? '✓' : '—';
    return text(v, limits.cellChars);
  }

  /**
   * A Table: bound to a collection (the runner's /collection/<name>, page by page, sorted by a
   * header click when sortable), to a data source (its rows, or its paged view with a
   * collection), or inline rows.
   */
  function table(node) {
    const box = el('div', { class: 'ui-table' });
    const collection = typeof get(node, 'collection') === 'string' ? get(node, 'collection') : typeof get(node, 'collection_ref') === 'string' ? get(node, 'collection_ref') : '';
    const data = typeof get(node, 'data') === 'string' ? get(node, 'data') : '';
    const paginate = Number.isInteger(get(node, 'paginate')) && get(node, 'paginate') > 0 ? get(node, 'paginate') : 0;
    const perPage = Math.min(paginate || 50, limits.rowsPerPage);
    const sortable = get(node, 'sortable') === true;
    const state = { page: 1, sort: '', dir: 'asc' };
    const declared = (Array.isArray(get(node, 'columns')) ? get(node, 'columns') : []).map(columnOf).filter(Boolean);
    const missing = ['filterable', 'editable', 'reorderable'].filter((k) => get(node, k) === true);
    if (get(node, 'import_url') || get(node, 'import_page')) missing.push('import');
    const extras = missing.length ? note(`ui.Table's ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} not rendered in Capsule Local yet.`) : null;
    const label = get(node, 'label') ? el('h3', {}, text(get(node, 'label'), 200)) : null;

    async function fetchRows() {
      const q = new URLSearchParams();
      if (collection || paginate) {
        q.set('page', String(state.page));
        q.set('per_page', String(perPage));
        if (state.sort) {
          q.set('sort', state.sort);
          q.set('sort_dir', state.dir);
        }
      }
      if (data) {
        const r = await api(dataUrl(`/apps/${encodeURIComponent(appName)}/data/${encodeURIComponent(data)}${collection ? `?${q}` : ''}`));
        return Array.isArray(r) ? { rows: r, total: r.length, paged: false } : { rows: Array.isArray(get(r, 'data')) ? r.data : [], total: Number(get(r, 'total')) || 0, paged: !!collection, columns: get(r, 'columns') };
      }
      if (collection) {
        if (typeof get(node, 'scope') === 'string') q.set('scope', get(node, 'scope'));
        const r = await api(dataUrl(`/apps/${encodeURIComponent(appName)}/endpoints/collection/${encodeURIComponent(collection)}?${q}`));
        return { rows: Array.isArray(get(r, 'data')) ? r.data : [], total: Number(get(r, 'total')) || 0, paged: true, columns: get(r, 'columns') };
      }
      const rows = Array.isArray(get(node, 'rows')) ? get(node, 'rows') : [];
      return { rows, total: rows.length, paged: false };
    }

    function draw({ rows, total, paged, columns }) {
      rows = rows.filter(isObject);
      let shown = rows;
      if (!paged) {
        if (state.sort) {
          const k = state.sort;
          const sign = state.dir === 'asc' ? 1 : -1;
          shown = [...rows].sort((a, b) => sign * String(get(a, k) ?? '').localeCompare(String(get(b, k) ?? ''), undefined, { numeric: true }));
        }
        shown = shown.slice((state.page - 1) * perPage, state.page * perPage);
      }
      let cols = declared.length ? declared : (Array.isArray(columns) ? columns.map(columnOf).filter(Boolean) : []);
      if (!cols.length) {
        const keys = new Set();
        for (const r of shown.slice(0, 50)) for (const k of Object.keys(r)) if (!k.startsWith('_')) keys.add(k);
        cols = [...keys].slice(0, 30).map((k) => ({ key: k, label: k, type: 'text' }));
      }
      const head = cols.map((c) => {
        if (!sortable) return el('th', {}, c.label);
        const mark = state.sort === c.key ? (state.dir === 'asc' ? ' ▲' : ' ▼') : '';
        return el('th', { 'aria-sort': state.sort === c.key ? (state.dir === 'asc' ? 'ascending' : 'descending') : null },
          el('button', { type: 'button', onclick: () => { state.dir = state.sort === c.key && state.dir === 'asc' ? 'desc' : 'asc'; state.sort = c.key; state.page = 1; load(); } }, c.label + mark));
      });
      const body = shown.length ? shown.map((r) => el('tr', {}, cols.map((c) => el('td', {}, cell(r, c))))) : [el('tr', {}, el('td', { colspan: Math.max(cols.length, 1), class: 'muted' }, 'No rows.'))];
      const pages = Math.max(1, Math.ceil(total / perPage));
      const pager = el('div', { class: 'pager' },
        el('span', { role: 'status' }, `${total} row${total === 1 ? '' : 's'}${pages > 1 ? ` · page ${state.page} of ${pages}` : ''}`),
        pages > 1 ? el('button', { type: 'button', disabled: state.page <= 1, onclick: () => { state.page -= 1; load(); } }, 'Previous') : null,
        pages > 1 ? el('button', { type: 'button', disabled: state.page >= pages, onclick: () => { state.page += 1; load(); } }, 'Next') : null,
        collection || data ? el('button', { type: 'button', onclick: () => load() }, 'Refresh') : null);
      box.replaceChildren(...[label, extras, el('table', {}, el('thead', {}, el('tr', {}, head)), el('tbody', {}, body)), pager].filter(Boolean));
    }

    let generation = 0;
    async function load() {
      const mine = ++generation;
      try {
        const rows = await fetchRows();
        if (mine === generation) draw(rows);
      } catch (e) {
        if (mine !== generation) return;
        const what = data ? `data source ${data}` : `collection ${collection}`;
        box.replaceChildren(...[label, extras, el('div', { class: 'ui-result bad', role: 'alert' }, `The ${what} could not be read: ${e.message}`), el('button', { type: 'button', onclick: () => load() }, 'Retry')].filter(Boolean));
      }
    }
    box.append(el('span', { class: 'muted' }, 'loading…'));
    if (data || collection) reloaders.push(load);
    load();
    return box;
  }

  function row(node, depth) {
    const align = ['start', 'center', 'end', 'stretch'].includes(get(node, 'align')) ? ` align-${get(node, 'align')}` : '';
    const div = el('div', { class: `ui-row${align}` }, kids(node, depth));
    const columns = get(node, 'columns');
    if (Array.isArray(columns)) div.style.gridTemplateColumns = columns.map((c) => cssSize(c, 'fr') || '1fr').join(' ');
    if (cssSize(get(node, 'gap'))) div.style.gap = cssSize(get(node, 'gap'));
    return div;
  }

  function column(node, depth) {
    const div = el('div', { class: 'ui-column' }, kids(node, depth));
    if (cssSize(get(node, 'width'))) div.style.width = cssSize(get(node, 'width'));
    if (typeof get(node, 'flex') === 'number' && Number.isFinite(get(node, 'flex'))) div.style.flex = String(get(node, 'flex'));
    if (cssSize(get(node, 'gap'))) div.style.gap = cssSize(get(node, 'gap'));
    return div;
  }

  /**
   * The chat page's ChatPanel: the web chat, framed (`/chat?embed=1`) with this app, the viewer
   * as its user, the panel's placeholder and the page's mode. One panel per page (the SDK checks).
   */
  function chatPanel(node) {
    if (chatFrame) return note('A second ui.ChatPanel on the page is not rendered: the chat page has one.');
    const q = new URLSearchParams({ embed: '1', app: appName });
    if (viewer) q.set('user', viewer);
    if (info.chat && info.chat.mode === 'single') q.set('mode', 'single');
    if (typeof get(node, 'placeholder') === 'string' && get(node, 'placeholder')) q.set('placeholder', text(get(node, 'placeholder'), 200));
    const linked = new URLSearchParams(location.search).get('session');
    if (linked) q.set('session', linked);
    const height = Number.isInteger(get(node, 'height')) && get(node, 'height') > 0 ? Math.min(get(node, 'height'), 4000) : 560;
    const title = text(get(node, 'title'), 200);
    chatFrame = el('iframe', { class: 'ui-chat-frame', src: `/chat?${q}`, title: title || 'Chat' });
    chatFrame.style.height = `${height}px`;
    return el('section', { class: 'ui-chat-panel card bordered' }, get(node, 'show_header') !== false && title ? el('h2', {}, title) : null, chatFrame);
  }

  /** What the framed chat says: its session (the widgets read as it), or that the app changed its data. */
  window.addEventListener('message', (ev) => {
    if (ev.origin !== location.origin || !chatFrame || ev.source !== chatFrame.contentWindow) return;
    const d = ev.data;
    if (!isObject(d) || get(d, 'source') !== 'capsule-chat') return;
    const id = get(d, 'sessionId');
    if (typeof id !== 'string' || id.length > 200) return;
    if (get(d, 'type') === 'session') {
      if (id === chatSession) return;
      chatSession = id;
      reloadData();
    } else if (get(d, 'type') === 'data-changed' && id === chatSession) reloadData();
  });

  /** What media/pages-charts.js draws with (the page's helpers; limits and info are known once loaded). */
  const chartHelpers = () => ({ el, get, text, note, isObject, api, withViewer, dataUrl, live, follow, limits, appName, appId: info.app_id, dataSources: info.data_sources, palette: window.capsuleTheme.palette(info.theme) });
  /** What media/pages-files.js, pages-tables.js and pages-runs.js draw with: the chart helpers, drawing a child, and the workflow form's hooks. */
  const widgetHelpers = (depth) => ({
    ...chartHelpers(),
    widgetName,
    render: (n) => render(n, depth + 1),
    workflow: form ? form.workflow : '',
    addField: (f) => form.fields.push(f),
    onRun: (hook) => form.afterRun.push(hook),
    useRun: (id) => {
      form.session = id;
      showRun('continue', {});
    },
  });

  const RENDER = new Map([
    ['page', (n, d) => el('div', { class: 'ui-column' }, kids(n, d))],
    ['row', row],
    ['column', column],
    ['card', (n, d) => el('section', { class: `card ui-card${get(n, 'bordered') ? ' bordered' : ''}` }, get(n, 'title') !== undefined ? el('h2', {}, text(get(n, 'title'), 300)) : null, el('div', { class: 'ui-body' }, kids(n, d)))],
    ['divider', () => el('hr', { class: 'ui-divider' })],
    ['text', (n) => el('p', { class: `ui-text${typeof get(n, 'style') === 'string' && /^[a-z][a-z0-9_-]{0,30}$/.test(get(n, 'style')) ? ` style-${get(n, 'style')}` : ''}` }, text(get(n, 'content')))],
    ['metric', metric],
    ['image', image],
    ['empty_state', (n) => el('div', { class: 'ui-empty' }, text(get(n, 'message'), 1000) || 'Nothing here yet.')],
    ['button', button],
    ['action_card', actionCard],
    ['gallery_card', actionCard],
    ['table', table],
    ['toggle', settingInput],
    ['text_input', settingInput],
    ['number_input', settingInput],
    ['select', settingInput],
    ['video', (n) => {
      const src = safeVideo(get(n, 'src'));
      const poster = safeSrc(get(n, 'poster'));
      const media = src ? el('video', { src, controls: get(n, 'controls') !== false, preload: 'metadata', poster: poster || null }) : note(`ui.Video: the source ${text(get(n, 'src'), 80)} is not loaded here (only https: and the emulator's own paths are)`);
      const caption = get(n, 'caption') ?? get(n, 'title');
      return el('figure', { class: 'ui-image' }, media, caption ? el('figcaption', {}, text(caption, 1000)) : null);
    }],
    ['workflow_shell', (n, d) => el('section', { class: 'ui-column ui-workflow' }, get(n, 'title') ? el('h2', {}, text(get(n, 'title'), 300)) : null, kids(n, d))],
    ['form_section', (n, d) => el('fieldset', { class: 'ui-form-section' }, get(n, 'label') ? el('legend', {}, text(get(n, 'label'), 300)) : null, kids(n, d))],
    ['action_bar', (n, d) => el('div', { class: 'ui-action-bar' }, kids(n, d))],
    ['text_area', formField],
    ['url_input', formField],
    ['url_list_input', formField],
    ['checkbox_group', formField],
    ['submit_button', submitButton],
    ['run_status', runStatus],
    ['image_gallery', gallery],
    ['video_gallery', gallery],
    ['chat_panel', chatPanel],
    ['chart', (n) => capsuleCharts.chart(n, chartHelpers())],
    ['task_board', (n) => capsuleCharts.taskBoard(n, chartHelpers())],
    ['file_browser', (n, d) => capsuleFiles.fileBrowser(n, widgetHelpers(d))],
    ['file_input', (n, d) => capsuleFiles.fileField(n, widgetHelpers(d))],
    ['image_input', (n, d) => capsuleFiles.fileField(n, widgetHelpers(d))],
    ['table_browser', (n, d) => capsuleTables.tableBrowser(n, widgetHelpers(d), d)],
    ['table_group', (n, d) => capsuleTables.tableGroup(n, widgetHelpers(d), d)],
    ['run_list', (n, d) => capsuleRuns.runList(n, widgetHelpers(d))],
  ]);

  function nav(pages) {
    const here = route || '';
    const links = [];
    if (info.home) links.push(el('a', { href: pageHref(info.home.path), 'aria-current': here === '' ? 'page' : null }, 'Home'));
    for (const p of pages) links.push(el('a', { href: pageHref(p.path), 'aria-current': here === p.route ? 'page' : null }, text(p.name, 80)));
    if (info.chat) links.push(el('a', { href: pageHref(info.chat.path), 'aria-current': here === 'chat' ? 'page' : null }, `▸ ${text(info.chat.sidebar_label, 80)}`));
    for (const w of info.workflows) links.push(el('a', { href: pageHref(w.path), 'aria-current': here === `_workflow/${w.name}` ? 'page' : null }, `▶ ${text(w.name, 80)}`));
    if (info.onboarding) links.push(el('a', { href: pageHref(info.onboarding.path), 'aria-current': here === ONBOARDING ? 'page' : null }, '▸ Onboarding'));
    document.getElementById('app-nav').replaceChildren(...links);
  }

  /** The onboarding page's last path segment (widgets.ts: no app page's route can be it). */
  const ONBOARDING = '_onboarding';

  /**
   * The onboarding page's state line: whether the viewer completed it (`session.complete_onboarding()`
   * in one of its actions), with the redirect page once done, and a way to go through it again.
   */
  function onboardingStatus(onb) {
    const box = el('div', { class: 'ui-run-status card bordered', role: 'status' }, el('span', { class: 'muted' }, 'Reading whether you completed it…'));
    const redirect = onb.redirect ? info.pages.find((p) => p.name === onb.redirect || p.route === onb.redirect) : undefined;
    const refresh = async () => {
      try {
        const st = await api('/api/state');
        const mine = (Array.isArray(st.onboarding) ? st.onboarding : []).find((o) => o.app === appName && o.userId === viewer);
        if (!mine) return void box.replaceChildren(el('span', {}, `${viewer ? `${viewer} has` : 'You have'} not completed the onboarding yet.`));
        const again = el('button', { type: 'button' }, 'Go through it again');
        again.addEventListener('click', async () => {
          again.disabled = true;
          try {
            await api('/api/onboarding/reset', { method: 'POST', body: { app: appName, user: viewer } });
          } catch (e) {
            box.append(el('p', { class: 'ui-result bad' }, e.message));
          }
          refresh();
        });
        box.replaceChildren(
          el('strong', {}, `Onboarding completed${mine.completedAt ? ` (${text(mine.completedAt, 40)})` : ''}`),
          redirect && redirect.type === 'dsl' ? el('a', { href: pageHref(redirect.path) }, `Continue to ${text(redirect.name, 80)}`) : onb.redirect ? el('span', { class: 'muted' }, `On Capsule the app goes on to ${text(onb.redirect, 80)}.`) : null,
          again);
      } catch (e) {
        box.replaceChildren(el('span', { class: 'ui-result bad' }, `Could not read the onboarding's state: ${e.message}`));
      }
    };
    afterActionHooks.push(refresh);
    refresh();
    return box;
  }

  async function start() {
    try {
      info = await api(`/api/pages/${encodeURIComponent(appName)}`);
    } catch (e) {
      banner(`This page could not be loaded: ${e.message}`);
      return;
    }
    limits = info.widgets.limits;
    budget = limits.widgets;
    // app.theme(...): its colours, radius and fonts on the page's content area (not the top bar).
    window.capsuleTheme.apply(document.querySelector('main.page-layout'), info.theme);
    viewer = new URLSearchParams(location.search).get('as') || info.persona || '';
    document.getElementById('viewer').textContent = viewer ? `viewing as ${viewer}` : 'viewing signed out';
    nav(info.pages);
    const title = document.getElementById('page-title');
    if (!route) {
      title.textContent = `${info.app} — home`;
      document.title = `${info.app} — Capsule Local`;
      if (!info.home) return void root.replaceChildren(note(`${info.app} declares no home body.`));
      return void root.replaceChildren(render(info.home.widget_tree, 0) || note('Nothing to show.'));
    }
    if (route === 'chat') {
      if (!info.chat) return void root.replaceChildren(note(`${info.app} declares no chat page.`));
      surface = 'chat';
      title.textContent = info.chat.sidebar_label;
      document.title = `${info.chat.sidebar_label} — ${info.app} — Capsule Local`;
      document.body.classList.add('chat-surface');
      return void root.replaceChildren(render(info.chat.widget_tree, 0) || note('Nothing to show.'));
    }
    if (route === ONBOARDING) {
      const onb = info.onboarding;
      if (!onb) return void root.replaceChildren(note(`${info.app} declares no onboarding.`));
      surface = 'onboarding';
      title.textContent = `${info.app} — onboarding`;
      document.title = `Onboarding — ${info.app} — Capsule Local`;
      if (onb.type !== 'dsl' || !isObject(onb.widget_tree)) {
        return void root.replaceChildren(el('div', { class: 'ui-column' }, note(onb.type === 'react' ? 'The onboarding is a React component without a component= path: there is nothing to load.' : `The onboarding is of type "${text(onb.type, 40)}", which Capsule Local does not know, or has no widget tree: it is not rendered.`), onboardingStatus(onb)));
      }
      const drawn = render(onb.widget_tree, 0) || note('Nothing to show.');
      return void root.replaceChildren(el('div', { class: 'ui-column' }, drawn, onboardingStatus(onb)));
    }
    if (route.startsWith('_workflow/')) {
      const wf = info.workflows.find((w) => w.name === route.slice('_workflow/'.length));
      if (!wf) return void root.replaceChildren(note(`${info.app} declares no workflow named ${route.slice('_workflow/'.length)}.`));
      title.textContent = wf.name;
      document.title = `${wf.name} — ${info.app} — Capsule Local`;
      form = { workflow: wf.name, fields: [], statuses: [], session: '', afterRun: [] };
      const intro = wf.description ? el('p', { class: 'ui-text style-muted' }, text(wf.description, 2000)) : null;
      if (!isObject(wf.widget_tree)) {
        // No @wf.ui(): the launcher is a Start button with an empty input.
        return void root.replaceChildren(el('div', { class: 'ui-column' }, intro, submitButton({ label: 'Start', action: 'start', primary: true }), runStatus()));
      }
      const drawn = render(wf.widget_tree, 0) || note('Nothing to show.');
      return void root.replaceChildren(el('div', { class: 'ui-column' }, intro, drawn, form.statuses.length ? null : runStatus()));
    }
    const page = info.pages.find((p) => p.route === route);
    if (!page) return void root.replaceChildren(note(`${info.app} declares no page at /${route}.`));
    title.textContent = page.name;
    document.title = `${page.name} — ${info.app} — Capsule Local`;
    if (page.type !== 'dsl') {
      return void root.replaceChildren(note(page.type === 'react' ? `${page.name} is a React page without a component= path: there is nothing to load.` : `${page.name} is a page of type "${text(page.type, 40)}", which Capsule Local does not know: it is not rendered.`));
    }
    root.replaceChildren(render(page.widget_tree, 0) || note('Nothing to show.'));
  }

  /**
   * The app's data changed outside this page's own reads (a task, an action, a data handler, a
   * setting saved, a chat turn; GET /api/pages/<app>/changes, coalesced by the emulator): the
   * data widgets read it again, once for a burst. A change of only other sessions' data is not
   * this page's (its widgets read as the chat page's session, or as the viewer). A notice also
   * names the background tasks whose status changed (ids and statuses): the task boards and run
   * lists read again. The stream is shared by the app's pages open in this browser (media/feed.js:
   * one of them holds it). A hidden tab lets go of it and reads its data again when it is shown;
   * while the stream is down the task boards and run lists fall back to a slow poll, and once it
   * is back everything is read again (what changed meanwhile was not told).
   */
  function followChanges() {
    if (!reloaders.length && !followers.length) return;
    let queued = false;
    const soon = () => {
      if (queued) return;
      queued = true;
      setTimeout(() => {
        queued = false;
        reloadData();
      }, 50);
    };
    const everything = () => {
      soon();
      for (const f of followers) nudge(f);
    };
    const open = () => {
      feed = capsuleFeed.subscribe(appName, {
        change(c) {
          if (!isObject(c)) return;
          for (const f of followers) if (f.node.isConnected && f.wants(c)) nudge(f);
          if (get(c, 'collections') !== true && Array.isArray(get(c, 'sessions')) && !c.sessions.includes(chatSession)) return;
          soon();
        },
        state(up, before) {
          if (up && before === false) everything();
        },
      });
    };
    document.addEventListener('visibilitychange', () => {
      if (document.hidden && feed) {
        feed.close();
        feed = null;
      } else if (!document.hidden && !feed) {
        open();
        everything();
      }
    });
    if (!document.hidden) open();
  }

  start().then(followChanges);
})();
