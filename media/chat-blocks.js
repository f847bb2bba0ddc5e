// The web chat's cards for the SDK's structured blocks beyond prompts and images:
//   terminal             session.terminal(...).show/shell/exec: a transcript per run, redrawn in
//                        place when the same block id comes again with a higher revision
//   task_card            session.show_task: the task's live state, read from the emulator
//   step_status          session.show_step: a status row, updated in place by its block id
//   activity             session.show_activity: an activity row, replaced in place by its block id
//   suggestions          session.show_suggestions: buttons; a prompt suggestion sends its text,
//                        an action suggestion runs the app's action in the session
//   table_preview        session.show_table: an HTML table of the payload's inline rows, or of
//                        the collection or data source it names, read as the chat's session
//                        (a collection page by page with its total, sorted by a header click
//                        when the table is sortable)
//   ui_preview           session.show_ui: a card saying what the hosted web app would draw (a
//                        ui.Table is drawn as show_table's)
//   onboarding_complete  session.complete_onboarding: a card saying what the web app would do
//   browser_preview      session.show_browser: the app's preview port framed on its own origin
// Every text of a payload comes from the app: it goes into text nodes and attributes through
// capsule.el, never into markup. Blocks re-sent with the same id (live, or replayed from a
// reloaded session's history, where every revision is stored) update the card already drawn.
'use strict';
const capsuleBlocks = (() => {
  const { el, api } = capsule;
  const messages = () => document.getElementById('messages');
  const TABLE_ROW_CAP = 50;
  const FINAL_TASK = new Set(['completed', 'failed', 'cancelled', 'timeout']);
  const PANE_MODES = { split: 'beside the chat', copilot: 'in a wide pane beside the chat', preview: 'in a narrow pane beside the chat' };

  const obj = (v) => (v && typeof v === 'object' && !Array.isArray(v) ? v : {});
  /** Nodes for append/replaceChildren, which (unlike el) would write a null as the text "null". */
  const some = (...nodes) => nodes.filter((n) => n !== null && n !== undefined && n !== false);
  const str = (v) => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));

  function pill(text, kind) {
    return el('span', { class: `pill ${kind || ''}`, role: 'status' }, text);
  }

  function statusPill(status) {
    const kinds = { completed: 'ok', failed: 'bad', timeout: 'bad', cancelled: '', skipped: '', disconnected: 'warn', running: 'warn', pending: 'warn', scheduled: 'warn', claimed: 'warn', retry: 'warn' };
    return pill(status || 'unknown', kinds[status] ?? '');
  }

  /** A link the app gave, when it is http(s) or a path of the emulator; otherwise its text only. */
  function link(label, url) {
    const href = str(url);
    if (/^https?:\/\//i.test(href) || /^\/(?!\/)/.test(href)) return el('a', { href, target: '_blank', rel: 'noopener noreferrer' }, label || href);
    return el('span', {}, label || href);
  }

  function payloadDetails(payload, summary = 'Payload') {
    return el('details', {}, el('summary', {}, summary), el('pre', {}, JSON.stringify(payload, null, 2)));
  }

  /** The card already drawn for this block id in the open conversation, if any. */
  function drawn(id) {
    return id ? messages().querySelector(`.block[data-block-id="${CSS.escape(id)}"]`) : null;
  }

  // ---- terminal ------------------------------------------------------------------------------

  function terminalRun(run) {
    const r = obj(run);
    const chunks = (Array.isArray(r.chunks) ? r.chunks : []).map(obj).slice().sort((a, b) => (Number(a.seq) || 0) - (Number(b.seq) || 0));
    const status = str(r.status) || 'running';
    const ended = r.exit_code !== undefined && r.exit_code !== null;
    return el('div', { class: 'term-run', dataset: { runId: str(r.id), status } },
      el('div', { class: 'term-command' },
        r.cwd ? el('span', { class: 'term-cwd' }, str(r.cwd)) : null,
        el('span', { class: 'term-prompt', 'aria-hidden': 'true' }, '$ '),
        el('span', { class: 'term-cmd' }, str(r.command) || (Array.isArray(r.argv) ? r.argv.map(str).join(' ') : ''))),
      el('pre', { class: 'term-output' }, chunks.map((c) =>
        el('span', { class: c.stream === 'stderr' ? 'stderr' : 'stdout', title: c.stream === 'stderr' ? 'stderr' : null }, str(c.text)))),
      el('div', { class: 'term-status' }, statusPill(status), ended ? el('span', { class: 'term-exit' }, `exit ${str(r.exit_code)}`) : null));
  }

  function terminalCard(block) {
    const p = obj(block.payload);
    const title = str(p.title) || str(p.name) || 'Terminal';
    const runs = Array.isArray(p.runs) ? p.runs : [];
    return el('div', { class: 'block card terminal', role: 'group', 'aria-label': `Terminal ${title}`, dataset: { blockId: block.id, revision: String(Number(p.revision) || 0) } },
      el('div', { class: 'term-head' }, el('h3', {}, title), p.cwd ? el('span', { class: 'term-cwd' }, str(p.cwd)) : null),
      runs.length ? runs.map(terminalRun) : el('p', { class: 'term-empty' }, 'No command has run yet.'));
  }

  function terminal(block) {
    const existing = drawn(block.id);
    const p = obj(block.payload);
    const revision = Number(p.revision) || 0;
    // An older or repeated revision of the transcript drawn (its runs are among the card's) is kept
    // as drawn. A lower revision with other runs is a new transcript under the same name (an SDK
    // that did not get the earlier one back in the session's history counts again from 1).
    if (existing && Number(existing.dataset.revision) >= revision) {
      const runIds = new Set([...existing.querySelectorAll('.term-run')].map((r) => r.dataset.runId));
      if ((Array.isArray(p.runs) ? p.runs : []).every((r) => runIds.has(str(obj(r).id)))) return { node: existing, replaces: null, skip: true };
    }
    const node = terminalCard(block);
    for (const pre of node.querySelectorAll('.term-output')) queueMicrotask(() => (pre.scrollTop = pre.scrollHeight));
    return { node, replaces: existing };
  }

  // ---- task card -----------------------------------------------------------------------------

  function taskBody(node, p, task) {
    const body = node.querySelector('.task-body');
    if (!task) {
      body.replaceChildren(el('span', { class: 'muted' }, p.task_id ? `Task ${str(p.task_id)}` : 'No task id'), pill('status unknown', ''));
      return;
    }
    body.replaceChildren(...some(
      el('code', {}, str(task.display_name || task.name)),
      statusPill(str(task.status)),
      task.max_retries ? el('span', { class: 'muted' }, `attempt ${str(task.attempt)} of ${Number(task.max_retries) + 1}`) : null,
      task.error ? el('code', { class: 'task-error' }, str(task.error)) : null));
    node.dataset.status = str(task.status);
  }

  // show_task names only the task (the hosted card polls the task endpoint): this card reads the
  // task's state from the emulator's /api/state (its `tasks`, the latest 50, as the dashboard
  // shows them), and again each time the app's change feed says the task's status changed, until
  // it is final, also on a reloaded session; only while the feed is down it polls (every 5 s). A
  // task the state no longer lists shows as "status unknown".
  function taskCard(block, ctx) {
    const p = obj(block.payload);
    const heading = str(p.message) || 'Background task';
    const node = el('div', { class: 'block card task', role: 'group', 'aria-label': heading, dataset: { blockId: block.id, taskId: str(p.task_id) } },
      el('h3', {}, heading),
      el('div', { class: 'row task-body' }, el('span', { class: 'muted' }, 'Reading the task…')));
    let reads = 0;
    let generation = 0;
    let entry = null;
    let timer = null;
    const done = () => {
      if (entry) liveTasks.delete(entry);
      entry = null;
      clearInterval(timer);
    };
    const read = async () => {
      if (reads++ > 0 && !node.isConnected) return done();
      const mine = ++generation;
      let task;
      try {
        const state = await api('/api/state');
        task = (state.tasks || []).find((t) => t.id === p.task_id);
      } catch {
        task = undefined;
      }
      if (mine !== generation) return;
      taskBody(node, p, task);
      if (!task || FINAL_TASK.has(task.status) || reads > 2000) done();
    };
    if (p.task_id) {
      if (ctx && ctx.app) {
        entry = { node, taskId: str(p.task_id), load: read };
        liveTasks.add(entry);
        follow(ctx.app);
      }
      // The fallback while the feed is down (or not followed: no app known).
      timer = setInterval(() => {
        if (!node.isConnected) return done();
        if (!document.hidden && !(entry && feed && feed.es && feed.es.up())) read();
      }, 5000);
      read();
    } else taskBody(node, p, undefined);
    return { node, replaces: drawn(block.id) };
  }

  // ---- steps and activities ------------------------------------------------------------------

  function timelineDetails(p) {
    const links = Array.isArray(p.links) ? p.links.map(obj) : [];
    const fields = Object.entries(obj(p.fields));
    if (!p.detail && !links.length && !fields.length) return null;
    return el('details', { open: p.expanded === true },
      el('summary', {}, 'Details'),
      p.detail ? el('p', { class: 'timeline-detail' }, str(p.detail)) : null,
      fields.length ? el('dl', {}, fields.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, typeof v === 'string' ? v : JSON.stringify(v))])) : null,
      links.length ? el('ul', { class: 'timeline-links' }, links.map((l) => el('li', {}, link(str(l.label), l.url)))) : null);
  }

  function step(block) {
    const p = obj(block.payload);
    const status = str(p.status) || 'running';
    const icons = { running: '◌', completed: '✓', failed: '✕', skipped: '–' };
    const node = el('div', { class: `block timeline step ${status}`, role: 'group', 'aria-label': `Step ${str(p.label)}`, dataset: { blockId: block.id, status } },
      el('div', { class: 'timeline-row' },
        el('span', { class: 'timeline-icon', 'aria-hidden': 'true' }, icons[status] || '•'),
        el('span', { class: 'timeline-label' }, str(p.label)),
        statusPill(status)),
      timelineDetails(p));
    return { node, replaces: drawn(block.id) };
  }

  function activity(block) {
    const p = obj(block.payload);
    const node = el('div', { class: 'block timeline activity', role: 'group', 'aria-label': `Activity ${str(p.label)}`, dataset: { blockId: block.id } },
      el('div', { class: 'timeline-row' },
        // The icon is a name of the web app's icon set or a short glyph: a glyph is shown as given.
        el('span', { class: 'timeline-icon', 'aria-hidden': 'true' }, p.icon && str(p.icon).length <= 2 ? str(p.icon) : '•'),
        el('span', { class: 'timeline-label' }, str(p.label))),
      timelineDetails(p));
    return { node, replaces: drawn(block.id) };
  }

  // ---- suggestions ---------------------------------------------------------------------------

  function suggestions(block, ctx) {
    const p = obj(block.payload);
    const items = (Array.isArray(p.suggestions) ? p.suggestions : []).map(obj);
    const node = el('div', { class: 'block suggestions', role: 'group', 'aria-label': str(p.title) || 'Suggestions', dataset: { blockId: block.id } },
      p.title ? el('div', { class: 'suggestions-title muted' }, str(p.title)) : null,
      el('div', { class: 'row' }, items.map((s) => {
        const label = str(s.label) || str(s.value);
        if (s.target === 'action') {
          // An action suggestion posts the action, with its payload, to the same session.
          return el('button', { type: 'button', class: `suggestion action${s.primary ? ' primary' : ''}`, title: str(s.description) || `Runs the app's action "${str(s.value)}"`, dataset: { action: str(s.value) }, onclick: () => ctx.runAction(str(s.value), s.payload === undefined ? {} : s.payload, label) }, label);
        }
        return el('button', { type: 'button', class: `suggestion${s.primary ? ' primary' : ''}`, title: str(s.description) || null, onclick: () => ctx.send(str(s.value) || label) }, label);
      })));
    return { node, replaces: drawn(block.id) };
  }

  // ---- table ---------------------------------------------------------------------------------

  function cell(v) {
    if (v === undefined || v === null) return '';
    return typeof v === 'object' ? JSON.stringify(v) : String(v);
  }

  function paneNote(mode, what) {
    return PANE_MODES[mode] ? el('p', { class: 'muted pane-note' }, `The hosted web app opens ${what} ${PANE_MODES[mode]}; Capsule Local shows it here.`) : null;
  }

  function closed(block, what) {
    const existing = drawn(block.id);
    if (existing) {
      existing.classList.add('closed');
      if (!existing.querySelector('.closed-note')) existing.append(el('p', { class: 'muted closed-note' }, `The app closed this ${what}.`));
      return { node: existing, replaces: null, skip: true };
    }
    return { node: el('div', { class: 'msg system', dataset: { blockId: block.id } }, `The app closed the ${what}.`), replaces: null };
  }

  /** A column as the SDK serializes it: a key, or {key, label, type}. */
  function columnOf(c) {
    if (typeof c === 'string') return { key: c, label: c };
    const o = obj(c);
    return typeof o.key === 'string' && o.key ? { key: o.key, label: str(o.label || o.key) } : null;
  }

  /** The columns to draw: the declared ones, else the rows' keys (without the SDK's "_" fields when `skipHidden`). */
  function columnsFor(rows, columns, skipHidden) {
    if (columns.length) return columns;
    const keys = [];
    for (const r of rows) for (const k of Object.keys(r)) if (!keys.includes(k) && !(skipHidden && k.startsWith('_'))) keys.push(k);
    return keys.map((k) => ({ key: k, label: k }));
  }

  const bodyRows = (rows, cols) => rows.map((r) => el('tr', {}, cols.map((c) => el('td', {}, cell(Object.prototype.hasOwnProperty.call(r, c.key) ? r[c.key] : undefined)))));

  /**
   * Draws one page of a table's rows into `box`: the header (a button per column when the
   * table is sortable: a click sorts by it, again the other way), the rows, and the pager (the
   * total, the page of how many, Previous and Next). `view` is {page, perPage, sort, dir,
   * sortable, go(page), sortBy(key)}.
   */
  function drawPage(box, rows, columns, total, view) {
    const cols = columnsFor(rows, columns, true);
    const pages = Math.max(1, Math.ceil(total / view.perPage));
    const head = cols.map((c) => {
      if (!view.sortable) return el('th', { scope: 'col' }, c.label);
      const on = view.sort === c.key;
      return el('th', { scope: 'col', 'aria-sort': on ? (view.dir === 'asc' ? 'ascending' : 'descending') : null },
        el('button', { type: 'button', class: 'table-sort', title: `Sort by ${c.label}`, onclick: () => view.sortBy(c.key) }, c.label + (on ? (view.dir === 'asc' ? ' ▲' : ' ▼') : '')));
    });
    const first = total ? (view.page - 1) * view.perPage + 1 : 0;
    const last = total ? Math.min(total, first + rows.length - 1) : 0;
    box.replaceChildren(...some(
      el('div', { class: 'table-scroll' },
        el('table', {},
          el('thead', {}, el('tr', {}, head)),
          el('tbody', {}, bodyRows(rows, cols)))),
      rows.length ? null : el('p', { class: 'muted' }, 'No rows.'),
      el('div', { class: 'row table-pager' },
        el('span', { class: 'muted table-count', role: 'status' }, `${total} row${total === 1 ? '' : 's'}${pages > 1 ? ` · ${first}–${last} · page ${view.page} of ${pages}` : ''}`),
        pages > 1 ? el('button', { type: 'button', class: 'table-prev', disabled: view.page <= 1, onclick: () => view.go(view.page - 1) }, 'Previous') : null,
        pages > 1 ? el('button', { type: 'button', class: 'table-next', disabled: view.page >= pages, onclick: () => view.go(view.page + 1) }, 'Next') : null)));
  }

  /** The rows a page of the table shows: the SDK's 50 (DEFAULT_PAGE_SIZE), or its `paginate`, at most the SDK's MAX_PAGE_SIZE (200). */
  const pageSize = (w) => (Number.isInteger(w.paginate) && w.paginate > 0 ? Math.min(w.paginate, 200) : TABLE_ROW_CAP);

  /** A table's page, sort and direction; `redraw` shows it again after a click. */
  function tableView(w, redraw) {
    const view = {
      page: 1,
      perPage: pageSize(w),
      sort: '',
      dir: 'asc',
      sortable: w.sortable === true,
      go: (page) => {
        view.page = Math.max(1, page);
        redraw();
      },
      sortBy: (key) => {
        view.dir = view.sort === key && view.dir === 'asc' ? 'desc' : 'asc';
        view.sort = key;
        view.page = 1;
        redraw();
      },
    };
    return view;
  }

  /** Rows the table already has (inline, or a data source's whole answer), paged and sorted here as the page view does. */
  function drawLocal(box, rows, columns, skipHidden, view) {
    let shown = rows;
    if (view.sort) {
      const k = view.sort;
      const sign = view.dir === 'asc' ? 1 : -1;
      const at = (r) => cell(Object.prototype.hasOwnProperty.call(r, k) ? r[k] : undefined);
      shown = [...rows].sort((a, b) => sign * at(a).localeCompare(at(b), undefined, { numeric: true }));
    }
    const pages = Math.max(1, Math.ceil(rows.length / view.perPage));
    if (view.page > pages) view.page = pages;
    drawPage(box, shown.slice((view.page - 1) * view.perPage, view.page * view.perPage), columnsFor(rows, columns, skipHidden), rows.length, view);
  }

  /** Tables over a collection or a data source in the open conversation: read again when the app's data changes. */
  const liveTables = new Set();
  /** Task cards whose task is not final yet: read again when the feed names their task. */
  const liveTasks = new Set();

  /**
   * A table's rows: inline, or read as the page view reads a ui.Table's (media/pages.js): the
   * runner's /collection/<name> page by page (its scope; `paginate` rows a page, else the SDK's
   * 50; sorted by the server when the table is sortable), or the data source, as the chat's
   * session, so a collection scoped to the session, its user or their org shows theirs.
   */
  function tableRows(w, ctx, payload) {
    const box = el('div', { class: 'table-rows' });
    const declared = (Array.isArray(w.columns) ? w.columns : []).map(columnOf).filter(Boolean);
    if (Array.isArray(w.rows)) {
      const rows = w.rows.map(obj);
      const view = tableView(w, () => drawLocal(box, rows, declared, false, view));
      drawLocal(box, rows, declared, false, view);
      return box;
    }
    const collection = typeof w.collection === 'string' ? w.collection : typeof w.collection_ref === 'string' ? w.collection_ref : '';
    const data = typeof w.data === 'string' ? w.data : '';
    if (w.type === 'table_browser' || (!collection && !data) || !ctx.app) {
      box.append(
        el('p', {}, w.type === 'table_browser' ? 'A table browser: the hosted web app lists the app\'s collections here.' : 'No inline rows in this table.'),
        payloadDetails(payload, 'Table'));
      return box;
    }
    const what = data ? `data source "${data}"` : `collection "${collection}"`;
    // A collection's page and sort are the server's (each click reads that page); a data source's
    // whole answer is paged and sorted here.
    let local = null;
    const view = tableView(w, () => (local ? drawLocal(rowsBox, local.rows, local.columns, true, view) : load()));
    const url = () => {
      const q = new URLSearchParams();
      if (collection) {
        q.set('page', String(view.page));
        q.set('per_page', String(view.perPage));
        if (view.sort) {
          q.set('sort', view.sort);
          q.set('sort_dir', view.dir);
        }
      }
      if (!data && typeof w.scope === 'string') q.set('scope', w.scope);
      if (ctx.sessionId) q.set('session_id', ctx.sessionId);
      const app = encodeURIComponent(ctx.app);
      const path = data ? `/apps/${app}/data/${encodeURIComponent(data)}` : `/apps/${app}/endpoints/collection/${encodeURIComponent(collection)}`;
      return `${path}${q.size ? `?${q}` : ''}`;
    };
    const rowsBox = el('div', {}, el('span', { class: 'muted' }, 'Reading the rows…'));
    let generation = 0;
    const load = async () => {
      const mine = ++generation;
      try {
        const r = await api(url());
        if (mine !== generation) return;
        const rows = (Array.isArray(r) ? r : Array.isArray(obj(r).data) ? r.data : []).map(obj);
        const total = Array.isArray(r) ? rows.length : Number(obj(r).total) || rows.length;
        const answered = Array.isArray(obj(r).columns) ? r.columns.map(columnOf).filter(Boolean) : [];
        if (!collection || Array.isArray(r)) {
          local = { rows, columns: declared.length ? declared : answered };
          return drawLocal(rowsBox, local.rows, local.columns, true, view);
        }
        local = null;
        // Rows went away under the page shown (deleted elsewhere): the last page there is now.
        const pages = Math.max(1, Math.ceil(total / view.perPage));
        if (view.page > pages) return view.go(pages);
        drawPage(rowsBox, rows, declared.length ? declared : answered, total, view);
      } catch (e) {
        if (mine !== generation) return;
        rowsBox.replaceChildren(el('p', { class: 'table-error', role: 'alert' }, `The ${what} could not be read: ${e.message}`));
      }
    };
    const entry = { node: box, load, sessionId: ctx.sessionId || '' };
    liveTables.add(entry);
    follow(ctx.app);
    box.append(rowsBox, el('div', { class: 'row table-source' },
      el('span', { class: 'muted' }, `Rows of the ${what}`),
      el('button', { type: 'button', class: 'table-refresh', onclick: () => load() }, 'Refresh')));
    load();
    return box;
  }

  /**
   * Reads the tables over the app's data in the conversation again: all of them (the app changed
   * its data in the open turn), or those a change concerns (a collection, or their session's data);
   * and the task cards whose task a change names (or all, for "any task").
   */
  function refresh(change) {
    for (const entry of liveTables) {
      if (!entry.node.isConnected) liveTables.delete(entry);
      else if (!change || change.collections === true || !Array.isArray(change.sessions) || change.sessions.includes(entry.sessionId)) entry.load();
    }
    const tasks = change ? change.tasks : null;
    for (const entry of liveTasks) {
      if (!entry.node.isConnected) liveTasks.delete(entry);
      else if (!change || tasks === null || (Array.isArray(tasks) && tasks.some((t) => obj(t).id === entry.taskId))) entry.load();
    }
    if (!liveTables.size && !liveTasks.size && feed) {
      if (feed.es) feed.es.close();
      feed = null;
    }
  }

  /**
   * Changes of the app's data made elsewhere (a task, an action, a page; GET
   * /api/pages/<app>/changes, shared with the app's other pages in this browser: media/feed.js),
   * followed while a table over its data, or a card of a task not final yet, is in the conversation. Back up after being down, it
   * reads the tables again (what changed meanwhile was not told).
   */
  let feed = null;
  function follow(app) {
    if (feed && feed.app === app) return;
    if (feed && feed.es) feed.es.close();
    feed = { app, es: document.hidden ? null : listen(app) };
  }
  const listen = (app) => capsuleFeed.subscribe(app, {
    change: (c) => refresh(obj(c)),
    state: (up, before) => {
      if (up && before === false) refresh();
    },
  });
  // A hidden tab lets go of the stream (a browser keeps few connections to one host); shown
  // again, it reads its tables again.
  document.addEventListener('visibilitychange', () => {
    if (!feed) return;
    if (document.hidden && feed.es) {
      feed.es.close();
      feed.es = null;
    } else if (!document.hidden && !feed.es) {
      feed.es = listen(feed.app);
      refresh();
    }
  });

  function table(block, ctx) {
    const p = obj(block.payload);
    if (p.close) return closed(block, 'table preview');
    const w = obj(p.table);
    const title = str(p.title) || str(w.label) || 'Table';
    const card = el('div', { class: 'block card table-preview', role: 'group', 'aria-label': `Table ${title}`, dataset: { blockId: block.id } }, el('h3', {}, title), paneNote(p.mode, 'this table'));
    card.append(tableRows(w, ctx, p));
    return { node: card, replaces: drawn(block.id) };
  }

  // ---- ui preview, onboarding ----------------------------------------------------------------

  function uiPreview(block, ctx) {
    const p = obj(block.payload);
    if (p.close) return closed(block, 'custom UI');
    const title = str(p.title) || 'Custom UI';
    const widget = obj(p.widget);
    if (p.kind === 'widget' && widget.type === 'table') {
      // A ui.Table shown as custom UI is drawn as show_table's: its rows, read as the session.
      const node = el('div', { class: 'block card table-preview ui-preview', role: 'group', 'aria-label': `Table ${title}`, dataset: { blockId: block.id } }, el('h3', {}, title), paneNote(p.mode, 'this table'));
      node.append(tableRows(widget, ctx, p));
      return { node, replaces: drawn(block.id) };
    }
    const what = p.kind === 'component' ? `the React component ${str(p.component)}` : p.kind === 'page' ? `the app's page "${str(p.page)}"` : `a ${str(obj(p.widget).type) || 'cpsl.ui'} widget`;
    const where = PANE_MODES[p.mode] || 'in the chat';
    const page = p.kind === 'page' && /^\/(?!\/)/.test(str(p.page)) ? `/pages/${encodeURIComponent(ctx.app)}${str(p.page)}` : '';
    const node = el('div', { class: 'block card ui-preview', role: 'group', 'aria-label': `Custom UI ${title}`, dataset: { blockId: block.id } },
      el('h3', {}, title),
      el('p', {}, `The hosted web app draws ${what} ${where}. Capsule Local does not render custom UI in the chat; its description is below.`),
      page ? el('p', {}, el('a', { href: page, target: '_blank', rel: 'noopener' }, 'Open the page in the emulator\'s page view')) : null,
      payloadDetails(p));
    return { node, replaces: drawn(block.id) };
  }

  function onboardingComplete(block) {
    const node = el('div', { class: 'block card onboarding-complete', role: 'note', 'aria-label': 'Onboarding complete', dataset: { blockId: block.id } },
      el('h3', {}, 'Onboarding complete'),
      el('p', {}, 'The hosted web app closes the onboarding screen here and opens the app. Capsule Local recorded the completion: the dashboard lists it under Onboarding, where it can be reset.'),
      payloadDetails(obj(block.payload)));
    return { node, replaces: drawn(block.id) };
  }

  // ---- browser preview -----------------------------------------------------------------------

  /**
   * `/apps/<app>/preview/<port><path>` on the emulator: opened in a browser it signs the browser in
   * to the preview's own origin with a single-use link and goes on there.
   */
  function previewUrl(app, port, path) {
    let rest = str(path) || '/';
    if (!rest.startsWith('/')) rest = `/${rest}`;
    const url = new URL(`/apps/${encodeURIComponent(app)}/preview/${port}${rest.replace(/^\/+/, '/')}`, location.origin);
    return url.origin === location.origin ? url.pathname + url.search + url.hash : '';
  }

  /** `http://<port>-<app>.preview.localhost:<emulator port><path>`: where the page is served (preview-origin.ts). */
  function previewOrigin(app, port, path) {
    const label = str(app).toLowerCase();
    if (!/^[a-z0-9](?:[a-z0-9-]{0,50}[a-z0-9])?$/.test(label)) return '';
    let rest = str(path) || '/';
    if (!rest.startsWith('/')) rest = `/${rest}`;
    try {
      const url = new URL(rest.replace(/^\/+/, '/'), `http://${port}-${label}.preview.localhost:${location.port || 80}`);
      return url.href;
    } catch {
      return '';
    }
  }

  function browserPreview(block, ctx) {
    const p = obj(block.payload);
    if (p.close) return closed(block, 'browser preview');
    const title = str(p.title) || 'Browser preview';
    const card = el('div', { class: 'block card browser-preview', role: 'group', 'aria-label': `Browser preview ${title}`, dataset: { blockId: block.id } },
      el('h3', {}, title), paneNote(p.mode, 'this preview'));
    const port = Number(p.port);
    if (Number.isInteger(port) && port > 0 && port <= 65535 && ctx.app) {
      const src = previewUrl(ctx.app, port, p.path);
      const origin = previewOrigin(ctx.app, port, p.path);
      // The frame opens the emulator's preview path, which signs it in to the preview's own origin
      // (another site than the emulator's pages) and goes on there: its absolute paths reach the
      // app's server, and it cannot use the emulator's signed-in session. allow-same-origin keeps
      // that origin its own (its own cookies and calls); no top navigation.
      card.append(
        el('iframe', { class: 'preview-frame', src, title: `Preview of port ${port}`, sandbox: 'allow-scripts allow-same-origin allow-forms allow-popups allow-modals', referrerpolicy: 'no-referrer' }),
        el('p', { class: 'muted' }, `Port ${port} of the app, on its own origin: `,
          el('a', { href: src, target: '_blank', rel: 'noopener', title: 'Opens the preview signed in, on its own origin' }, origin || src)));
    } else if (p.url) {
      // The pages frame only the emulator's own origin and its previews' (CSP frame-src): an outside URL is a link.
      card.append(el('p', {}, 'The hosted web app shows this page in a pane; open it here: ', link(str(p.url), p.url)));
    } else {
      card.append(el('p', { class: 'muted' }, 'No port or URL to preview.'), payloadDetails(p));
    }
    return { node: card, replaces: drawn(block.id) };
  }

  const RENDERERS = {
    terminal,
    task_card: taskCard,
    step_status: step,
    activity,
    suggestions,
    table_preview: table,
    ui_preview: uiPreview,
    onboarding_complete: onboardingComplete,
    browser_preview: browserPreview,
  };

  /**
   * The card of a block: {node, replaces} (replaces: the card drawn before for the same id, to be
   * replaced in place; skip: nothing new to place). `ctx`: {historic, app, sessionId, send(text),
   * runAction(name, payload, label)}.
   */
  function card(block, ctx) {
    return RENDERERS[block.type](block, ctx);
  }

  return { card, refresh, types: Object.keys(RENDERERS) };
})();
