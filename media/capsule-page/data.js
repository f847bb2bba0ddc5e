// The data hooks of @capsule/page: useData (an `@app.data` source: the runner's /data/<name>),
// useEndpoint (an `@app.endpoint`), useCollection (the runner's /collection/<name>, paged, sorted,
// filtered and scoped as the SDK's route takes them) and useAction (`@app.action`, through the
// emulator's POST /api/actions/run). All read as the viewer, through the emulator's forward routes.
import { useCallback, useEffect, useRef, useState } from 'react';
import { api, appName, appPath, asViewer, dataChanged, onDataChange, touchesData, viewer } from './context.js';

/** Calls `load` again whenever the app changed data (not when only a session's data did). */
function useRefreshOnChange(load) {
  useEffect(() => onDataChange((detail) => touchesData(detail) && load()), [load]);
}

/** A read whose answer is dropped when a later read overtook it. */
function useLatest() {
  const gen = useRef(0);
  return () => {
    const mine = ++gen.current;
    return () => mine === gen.current;
  };
}

export function useData(name, opts = {}) {
  const [st, setSt] = useState({ data: null, loading: true, error: null });
  const params = opts && opts.params && typeof opts.params === 'object' ? opts.params : {};
  const key = JSON.stringify(params);
  const next = useLatest();
  const load = useCallback(() => {
    const current = next();
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(JSON.parse(key))) q.set(k, String(v));
    const qs = q.toString();
    setSt((s) => ({ ...s, loading: true }));
    api(asViewer(appPath(`data/${encodeURIComponent(name)}${qs ? `?${qs}` : ''}`))).then(
      (data) => current() && setSt({ data, loading: false, error: null }),
      (e) => current() && setSt((s) => ({ data: s.data, loading: false, error: e.message })),
    );
  }, [name, key]);
  useEffect(load, [load]);
  useRefreshOnChange(load);
  return { ...st, refresh: load };
}

/** An endpoint's path (and query, kept as given) under the app's forward route. */
function endpointUrl(path) {
  const [p, ...q] = String(path).split('?');
  const encoded = p.replace(/^\/+/, '').split('/').map((s) => encodeURIComponent(decodeURIComponentSafe(s))).join('/');
  return asViewer(appPath(`endpoints/${encoded}${q.length ? `?${q.join('?')}` : ''}`));
}
function decodeURIComponentSafe(s) {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export function useEndpoint(path) {
  const [st, setSt] = useState({ data: null, loading: false, error: null });
  const call = useCallback(async (body) => {
    setSt((s) => ({ ...s, loading: true, error: null }));
    try {
      const data = await api(endpointUrl(path), body === undefined ? {} : { method: 'POST', body });
      setSt({ data, loading: false, error: null });
      return data;
    } catch (e) {
      setSt((s) => ({ ...s, loading: false, error: e.message }));
      throw e;
    }
  }, [path]);
  return { ...st, call };
}

export function useCollection(name, opts = {}) {
  const o = opts || {};
  // The SDK serves at most MAX_PAGE_SIZE (200) rows a page; the emulator refuses a larger per_page.
  const pageSize = Number.isInteger(o.pageSize) && o.pageSize > 0 ? Math.min(o.pageSize, 200) : 50;
  const [page, setPageState] = useState(1);
  const [sort, setSortState] = useState(o.sort && o.sort.field ? { field: o.sort.field, dir: o.sort.dir === 'desc' ? 'desc' : 'asc' } : null);
  const [filter, setFilterState] = useState(o.filter && typeof o.filter === 'object' ? o.filter : null);
  const [st, setSt] = useState({ data: [], total: 0, columns: [], loading: true, error: null });
  const next = useLatest();
  const scope = typeof o.scope === 'string' ? o.scope : '';
  const filterKey = filter ? JSON.stringify(filter) : '';
  const load = useCallback(() => {
    const current = next();
    const q = new URLSearchParams({ page: String(page), per_page: String(pageSize) });
    if (sort) {
      q.set('sort', sort.field);
      q.set('sort_dir', sort.dir);
    }
    if (filterKey) q.set('filter', filterKey);
    if (scope) q.set('scope', scope);
    setSt((s) => ({ ...s, loading: true }));
    api(asViewer(appPath(`endpoints/collection/${encodeURIComponent(name)}?${q}`))).then(
      (r) => current() && setSt({ data: Array.isArray(r && r.data) ? r.data : [], total: Number(r && r.total) || 0, columns: Array.isArray(r && r.columns) ? r.columns : [], loading: false, error: null }),
      (e) => current() && setSt((s) => ({ ...s, loading: false, error: e.message })),
    );
  }, [name, page, pageSize, sort && sort.field, sort && sort.dir, filterKey, scope]);
  useEffect(load, [load]);
  useRefreshOnChange(load);
  const totalPages = Math.max(1, Math.ceil(st.total / pageSize));
  return {
    ...st,
    page,
    totalPages,
    setPage: (p) => setPageState(Math.max(1, Math.floor(Number(p)) || 1)),
    setSort: (field, dir = 'asc') => {
      setSortState(field ? { field, dir: dir === 'desc' ? 'desc' : 'asc' } : null);
      setPageState(1);
    },
    setFilter: (f) => {
      setFilterState(f && typeof f === 'object' ? f : null);
      setPageState(1);
    },
    refresh: load,
  };
}

/** Runs an action (`@app.action(name)`) as the viewer; with a chat thread, in that thread's session. */
export async function runAction(name, payload, sessionId) {
  const r = await api('/api/actions/run', { method: 'POST', body: { app: appName(), name, payload: payload || {}, ...(viewer() ? { user: viewer() } : {}), ...(sessionId ? { session_id: sessionId } : {}) } });
  dataChanged();
  return r;
}

export function useAction(name, opts = {}) {
  const [st, setSt] = useState({ loading: false, error: null });
  const o = opts || {};
  const run = useCallback(async (payload) => {
    setSt({ loading: true, error: null });
    try {
      let sessionId;
      if (o.threadKey) sessionId = (await threadSession(o.chatName || '', o.threadKey)).sessionId;
      const r = await runAction(name, payload, sessionId);
      setSt({ loading: false, error: null });
      return r;
    } catch (e) {
      setSt({ loading: false, error: e.message });
      throw e;
    }
  }, [name, o.chatName, o.threadKey]);
  return { ...st, run };
}

/** The session of a chat thread (app, viewer, chat name, key): its id, and its history if it has one. */
export function threadSession(chatName, threadKey) {
  return api('/api/webchat/threads', { method: 'POST', body: { app: appName(), userId: viewer() || undefined, chatName: chatName || '', threadKey } });
}
