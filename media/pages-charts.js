// Two widgets of an app's cpsl.ui page, drawn for media/pages.js (which passes its helpers in):
// ui.Chart as inline SVG made with DOM calls (bars, lines, areas, scatter points, a pie, with
// axes and labels), over a data source's rows (a list, or {data: [...]}) or, when `data` names no
// data source, a collection's rows; and ui.TaskBoard, the app's background tasks in columns by
// status, from the emulator's /api/state, read again every `refresh_ms` while the page is open.
// Everything from the app is text (textContent, never markup), lookups are own properties only,
// numbers are parsed strictly (what is not a number is skipped and said) and what is drawn is
// capped (limits.chartPoints points, limits.boardTasks tasks).
'use strict';

window.capsuleCharts = (() => {
  const NS = 'http://www.w3.org/2000/svg';
  const CHART_TYPES = ['line', 'bar', 'pie', 'scatter', 'area'];
  const W = 640;
  const H = 300;
  const M = { left: 56, right: 16, top: 16, bottom: 48 };
  // The series' colours: the app's theme's primary and accent first (media/pages-theme.js).
  const DEFAULT_COLORS = ['#2563eb', '#0f766e', '#d97706', '#9333ea', '#dc2626', '#0891b2', '#65a30d', '#db2777'];
  const colorsOf = (h) => (Array.isArray(h.palette) && h.palette.length ? h.palette : DEFAULT_COLORS);

  /** An SVG element: attributes set one by one, children text nodes or nodes. */
  function svg(tag, attrs = {}, ...children) {
    const node = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) node.setAttribute(k, String(v));
    for (const c of children.flat()) if (c !== undefined && c !== null) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return node;
  }
  const tip = (s) => svg('title', {}, s);

  /** A number as the app gave it: a finite number, or a string that is only a decimal number. */
  function num(v) {
    if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
    if (typeof v === 'string' && /^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/.test(v)) {
      const n = Number(v);
      return Number.isFinite(n) ? n : undefined;
    }
    return undefined;
  }
  const short = (n) => (Math.abs(n) >= 1e6 || (Math.abs(n) < 1e-3 && n !== 0) ? n.toExponential(2) : Number(n.toPrecision(6)).toLocaleString());

  /** About five round steps covering [lo, hi]. */
  function ticks(lo, hi) {
    if (lo === hi) [lo, hi] = lo === 0 ? [0, 1] : [Math.min(0, lo), Math.max(0, hi)];
    const raw = (hi - lo) / 5;
    const mag = 10 ** Math.floor(Math.log10(raw));
    const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) || raw;
    const start = Math.floor(lo / step) * step;
    const out = [];
    for (let t = start; t <= hi + step * 1e-9 && out.length < 20; t += step) out.push(Number(t.toPrecision(12)));
    if (out[out.length - 1] < hi) out.push(Number((out[out.length - 1] + step).toPrecision(12)));
    return out;
  }

  /** The axes: y ticks with grid lines, the x baseline, the two columns' names. */
  function axes(yt, sy, xName, yName) {
    const g = svg('g', { class: 'axes' });
    for (const t of yt) {
      g.append(svg('line', { class: 'grid', x1: M.left, x2: W - M.right, y1: sy(t), y2: sy(t) }),
        svg('text', { class: 'tick y', x: M.left - 6, y: sy(t) + 4, 'text-anchor': 'end' }, short(t)));
    }
    g.append(svg('line', { class: 'axis', x1: M.left, x2: M.left, y1: M.top, y2: H - M.bottom }),
      svg('line', { class: 'axis', x1: M.left, x2: W - M.right, y1: sy(Math.max(yt[0], Math.min(0, yt[yt.length - 1]))), y2: sy(Math.max(yt[0], Math.min(0, yt[yt.length - 1]))) }),
      svg('text', { class: 'axis-name x', x: (M.left + W - M.right) / 2, y: H - 6, 'text-anchor': 'middle' }, xName),
      svg('text', { class: 'axis-name y', x: 12, y: (M.top + H - M.bottom) / 2, 'text-anchor': 'middle', transform: `rotate(-90 12 ${(M.top + H - M.bottom) / 2})` }, yName));
    return g;
  }

  /** A category label under the x axis (every k-th when there are many). */
  function xLabels(points, cx, text) {
    const g = svg('g', { class: 'x-labels' });
    const every = Math.max(1, Math.ceil(points.length / 12));
    points.forEach((p, i) => {
      if (i % every) return;
      g.append(svg('text', { class: 'tick x', x: cx(i), y: H - M.bottom + 16, 'text-anchor': 'middle' }, text(p.label, 24)));
    });
    return g;
  }

  function cartesian(kind, points, xName, yName, h) {
    const COLORS = colorsOf(h);
    const box = svg('svg', { class: `ui-chart-svg ${kind}`, viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': `${kind} chart of ${yName} by ${xName}` });
    const ys = points.map((p) => p.y);
    const yt = ticks(Math.min(0, ...ys), Math.max(0, ...ys));
    const [y0, y1] = [yt[0], yt[yt.length - 1]];
    const sy = (v) => M.top + (H - M.top - M.bottom) * (1 - (v - y0) / (y1 - y0 || 1));
    box.append(axes(yt, sy, xName, yName));
    const plotW = W - M.left - M.right;
    if (kind === 'scatter') {
      const xs = points.map((p) => p.x);
      const xt = ticks(Math.min(...xs), Math.max(...xs));
      const [x0, x1] = [xt[0], xt[xt.length - 1]];
      const sx = (v) => M.left + plotW * ((v - x0) / (x1 - x0 || 1));
      const g = svg('g', { class: 'x-labels' }, xt.map((t) => svg('text', { class: 'tick x', x: sx(t), y: H - M.bottom + 16, 'text-anchor': 'middle' }, short(t))));
      box.append(g, svg('g', { class: 'series' }, points.map((p) => svg('circle', { class: 'point', cx: sx(p.x), cy: sy(p.y), r: 3.5, fill: COLORS[0] }, tip(`${h.text(p.label, 200)}: ${short(p.y)}`)))));
      return box;
    }
    const band = plotW / points.length;
    const cx = (i) => M.left + band * (i + 0.5);
    box.append(xLabels(points, cx, h.text));
    const base = sy(Math.max(y0, Math.min(0, y1)));
    const series = svg('g', { class: 'series' });
    if (kind === 'bar') {
      const bw = Math.max(1, band * 0.7);
      for (const [i, p] of points.entries()) {
        const top = sy(p.y);
        series.append(svg('rect', { class: 'bar', x: cx(i) - bw / 2, y: Math.min(top, base), width: bw, height: Math.max(Math.abs(base - top), 0.5), fill: COLORS[0] }, tip(`${h.text(p.label, 200)}: ${short(p.y)}`)));
      }
    } else {
      const coords = points.map((p, i) => `${cx(i).toFixed(2)},${sy(p.y).toFixed(2)}`);
      if (kind === 'area') series.append(svg('polygon', { class: 'area', points: `${cx(0).toFixed(2)},${base} ${coords.join(' ')} ${cx(points.length - 1).toFixed(2)},${base}`, fill: COLORS[0], 'fill-opacity': 0.18 }));
      series.append(svg('polyline', { class: 'line', points: coords.join(' '), fill: 'none', stroke: COLORS[0], 'stroke-width': 2 }));
      for (const [i, p] of points.entries()) series.append(svg('circle', { class: 'point', cx: cx(i), cy: sy(p.y), r: points.length > 100 ? 1.5 : 3, fill: COLORS[0] }, tip(`${h.text(p.label, 200)}: ${short(p.y)}`)));
    }
    box.append(series);
    return box;
  }

  /** A pie: one slice per row (negative values cannot be slices: skipped), with a legend. */
  function pie(points, h) {
    const COLORS = colorsOf(h);
    const total = points.reduce((s, p) => s + p.y, 0);
    const box = svg('svg', { class: 'ui-chart-svg pie', viewBox: '0 0 300 300', role: 'img', 'aria-label': 'pie chart' });
    const legend = h.el('ul', { class: 'ui-chart-legend' });
    let a = -Math.PI / 2;
    const [cx, cy, r] = [150, 150, 130];
    for (const [i, p] of points.entries()) {
      const color = COLORS[i % COLORS.length];
      const share = total > 0 ? p.y / total : 0;
      const label = `${h.text(p.label, 200)}: ${short(p.y)} (${(share * 100).toFixed(1)}%)`;
      legend.append(h.el('li', {}, h.el('span', { class: 'swatch', 'aria-hidden': 'true' }), h.text(p.label, 80), ` ${short(p.y)}`));
      legend.lastChild.firstChild.style.background = color;
      if (share >= 0.999999) {
        box.append(svg('circle', { class: 'slice', cx, cy, r, fill: color }, tip(label)));
        a += 2 * Math.PI;
        continue;
      }
      const b = a + share * 2 * Math.PI;
      const d = `M${cx},${cy} L${(cx + r * Math.cos(a)).toFixed(2)},${(cy + r * Math.sin(a)).toFixed(2)} A${r},${r} 0 ${b - a > Math.PI ? 1 : 0} 1 ${(cx + r * Math.cos(b)).toFixed(2)},${(cy + r * Math.sin(b)).toFixed(2)} Z`;
      box.append(svg('path', { class: 'slice', d, fill: color, 'stroke-width': 1 }, tip(label)));
      a = b;
    }
    return h.el('div', { class: 'ui-chart-pie' }, box, legend);
  }

  /**
   * ui.Chart(data=, chart_type=, x=, y=): `data` names a data source of the app (its answer a
   * list of rows or {data: [...]}) or else a collection (its rows, read page by page up to the cap).
   */
  function chart(node, h) {
    const { el, get, text, note, isObject } = h;
    const limit = h.limits.chartPoints;
    const data = get(node, 'data');
    const kind = get(node, 'chart_type') === undefined ? 'line' : get(node, 'chart_type');
    const x = get(node, 'x');
    const y = get(node, 'y');
    const box = el('figure', { class: 'ui-chart' });
    if (typeof kind !== 'string' || !CHART_TYPES.includes(kind)) return el('figure', { class: 'ui-chart' }, note(`ui.Chart: the chart type "${text(kind, 40)}" is not one the SDK has (${CHART_TYPES.join(', ')}).`));
    const missing = [typeof data === 'string' && data ? '' : 'data=', typeof x === 'string' && x ? '' : 'x=', typeof y === 'string' && y ? '' : 'y='].filter(Boolean);
    if (missing.length) return el('figure', { class: 'ui-chart' }, note(`ui.Chart has no ${missing.join(', ')}: it needs a data source or collection and the columns of its x and y axes to be drawn.`));
    const source = h.dataSources.includes(data);
    const what = source ? `data source ${text(data, 80)}` : `collection ${text(data, 80)}`;
    const caption = el('figcaption', {}, `${text(y, 80)} by ${text(x, 80)}`);

    async function read() {
      if (source) {
        const r = await h.api(h.dataUrl(`/apps/${encodeURIComponent(h.appName)}/data/${encodeURIComponent(data)}`));
        if (Array.isArray(r)) return { rows: r, total: r.length };
        if (Array.isArray(get(r, 'data'))) return { rows: r.data, total: Math.max(r.data.length, Number(get(r, 'total')) || 0) };
        throw new Error('its answer is neither a list of rows nor {data: [...]}');
      }
      const rows = [];
      let total = 0;
      for (let page = 1; rows.length <= limit && page <= Math.ceil((limit + 1) / 200); page += 1) {
        const r = await h.api(h.dataUrl(`/apps/${encodeURIComponent(h.appName)}/endpoints/collection/${encodeURIComponent(data)}?page=${page}&per_page=200`));
        const got = Array.isArray(get(r, 'data')) ? r.data : [];
        total = Number(get(r, 'total')) || rows.length + got.length;
        rows.push(...got);
        if (got.length < 200 || rows.length >= total) break;
      }
      return { rows, total: Math.max(total, rows.length) };
    }

    function show({ rows, total }) {
      const points = [];
      const skipped = [];
      for (const row of rows.slice(0, limit)) {
        if (!isObject(row)) {
          skipped.push('a row that is not an object');
          continue;
        }
        const yv = num(get(row, y));
        const xv = kind === 'scatter' ? num(get(row, x)) : undefined;
        const label = text(get(row, x), 200);
        if (yv === undefined) skipped.push(`${text(x, 40)} ${label || '(none)'}: ${text(y, 40)} is ${get(row, y) === undefined ? 'missing' : `"${text(get(row, y), 40)}"`}`);
        else if (kind === 'scatter' && xv === undefined) skipped.push(`${text(x, 40)} "${label}" is not a number`);
        else if (kind === 'pie' && yv < 0) skipped.push(`${text(x, 40)} ${label}: a negative value`);
        else points.push({ label, x: xv, y: yv });
      }
      const notes = [];
      if (skipped.length) notes.push(note(`${skipped.length} row${skipped.length === 1 ? '' : 's'} not drawn (not a number): ${skipped.slice(0, 5).join('; ')}${skipped.length > 5 ? '; …' : ''}`));
      if (total > limit) notes.push(note(`The ${what} has ${total} rows; the first ${limit} are drawn.`));
      const drawn = !points.length ? el('div', { class: 'ui-empty' }, 'No points to draw.') : kind === 'pie' ? pie(points, h) : cartesian(kind, points, text(x, 80), text(y, 80), h);
      box.replaceChildren(caption, drawn, ...notes);
    }

    box.append(caption, el('span', { class: 'muted' }, 'loading…'));
    h.live(read, show, (e) => box.replaceChildren(caption, note(`The ${what} could not be read: ${text(e.message, 300)}`)));
    return box;
  }

  /** The platform's default columns (TaskBoard's docstring: Pending / Running / Completed / Failed). */
  const DEFAULT_COLUMNS = [
    { label: 'Pending', statuses: ['pending', 'scheduled', 'retry'] },
    { label: 'Running', statuses: ['claimed', 'running'] },
    { label: 'Completed', statuses: ['completed'] },
    { label: 'Failed', statuses: ['failed', 'cancelled', 'timeout'] },
  ];
  /** The filter keys the board applies (TaskBoard's docstring names these). */
  const FILTERS = ['task_name', 'session_id', 'status'];

  /**
   * ui.TaskBoard(title=, filter=, columns=, refresh_ms=): the app's tasks (the emulator's latest
   * ones, /api/state), filtered by `filter` (task_name, session_id, status), in columns by status.
   * Read again when the page's change feed says a task's status changed; only while the feed is
   * down every `refresh_ms` (at least 5 s).
   */
  function taskBoard(node, h) {
    const { el, get, text, note, isObject } = h;
    const title = get(node, 'title');
    const filter = isObject(get(node, 'filter')) ? get(node, 'filter') : {};
    const ignored = Object.keys(filter).filter((k) => !FILTERS.includes(k));
    const declared = Array.isArray(get(node, 'columns')) ? get(node, 'columns').slice(0, 20) : [];
    const columns = declared.length
      ? declared.map((c) => ({ label: text(get(c, 'label'), 80) || '(no label)', statuses: (Array.isArray(get(c, 'statuses')) ? get(c, 'statuses') : []).slice(0, 20).map((s) => text(s, 40).toLowerCase()) }))
      : DEFAULT_COLUMNS;
    const refresh = Number.isInteger(get(node, 'refresh_ms')) ? Math.min(Math.max(get(node, 'refresh_ms'), 5000), 60_000) : 5000;
    const board = el('div', { class: 'ui-task-columns' });
    const status = el('div', { class: 'muted ui-task-status', role: 'status' }, 'loading…');
    const extra = el('div', {});
    const box = el('section', { class: 'ui-task-board card bordered' }, title !== undefined ? el('h3', {}, text(title, 200)) : null,
      ignored.length ? note(`ui.TaskBoard's filter ${ignored.map((k) => text(k, 40)).join(', ')} ${ignored.length > 1 ? 'are' : 'is'} not applied in Capsule Local (task_name, session_id and status are).`) : null,
      board, extra, status);
    const wanted = (key) => {
      const v = get(filter, key);
      if (v === undefined || v === null) return undefined;
      return (Array.isArray(v) ? v : [v]).map((s) => text(s, 200));
    };
    const matches = (t) => {
      if (!isObject(t) || get(t, 'app') !== h.appId) return false;
      const names = wanted('task_name');
      if (names && !names.includes(get(t, 'name')) && !names.includes(get(t, 'display_name'))) return false;
      const sessions = wanted('session_id');
      if (sessions && !sessions.includes(get(t, 'session_id'))) return false;
      const statuses = wanted('status');
      if (statuses && !statuses.map((s) => s.toLowerCase()).includes(String(get(t, 'status')))) return false;
      return true;
    };
    const card = (t) => el('li', { class: 'ui-task', 'data-status': text(get(t, 'status'), 20) },
      el('strong', {}, text(get(t, 'display_name') || get(t, 'name'), 120)),
      el('span', { class: 'pill' }, text(get(t, 'status'), 20)),
      Number(get(t, 'attempt')) > 1 ? el('span', { class: 'muted' }, ` attempt ${text(get(t, 'attempt'), 10)}`) : null,
      el('div', { class: 'muted' }, text(get(t, 'created_at'), 40)),
      get(t, 'error') ? el('div', { class: 'ui-result bad' }, text(get(t, 'error'), 300)) : null);

    let generation = 0;
    async function load() {
      const mine = ++generation;
      try {
        const st = await h.api('/api/state');
        if (mine !== generation) return;
        const all = (Array.isArray(get(st, 'tasks')) ? get(st, 'tasks') : []).filter(matches);
        const tasks = all.slice(0, h.limits.boardTasks);
        const placed = new Set();
        board.replaceChildren(...columns.map((c) => {
          const mine = tasks.filter((t) => c.statuses.includes(String(get(t, 'status'))));
          for (const t of mine) placed.add(t);
          return el('div', { class: 'ui-task-column', 'data-label': c.label },
            el('h4', {}, c.label, el('span', { class: 'muted' }, ` ${mine.length}`)),
            el('ul', {}, mine.length ? mine.map(card) : el('li', { class: 'muted empty' }, 'None')));
        }));
        const other = tasks.filter((t) => !placed.has(t));
        extra.replaceChildren(other.length ? note(`${other.length} task${other.length === 1 ? ' is' : 's are'} in no column (status ${[...new Set(other.map((t) => text(get(t, 'status'), 20)))].join(', ')}).`) : '');
        status.textContent = `${all.length} task${all.length === 1 ? '' : 's'} (of the emulator's latest) · read ${new Date().toLocaleTimeString()}${all.length > tasks.length ? ` · the first ${tasks.length} shown` : ''}`;
      } catch (e) {
        if (mine === generation) status.textContent = `The tasks could not be read: ${text(e.message, 300)}`;
      }
    }
    // A notice naming tasks (null: any task) is this board's; the emulator's tasks are the app's own.
    h.follow({ node: box, wants: (c) => get(c, 'tasks') === null || (Array.isArray(get(c, 'tasks')) && c.tasks.length > 0), load, fallbackMs: refresh });
    load();
    return box;
  }

  return Object.freeze({ chart, taskBoard });
})();
