// What every part of the @capsule/page kit shares: the page's configuration (written into the
// shell by emulator/pages/react.ts), the app's page info (/api/pages/<app>, read by boot.js before
// the page is mounted), the viewer (the persona the page is seen as: `?as=`, else the default
// persona) and JSON calls to the emulator. No React here.

const configElement = typeof document !== 'undefined' ? document.getElementById('capsule-page-config') : null;
/** {app, route, bundleName, title, component, packages, onboarding, bundle} */
export const config = configElement ? JSON.parse(configElement.textContent || '{}') : {};

export const state = {
  /** /api/pages/<app> */
  info: null,
  /** The personas of the emulator ({id, name, email}). */
  personas: [],
  viewer: '',
};

export function setPageInfo(info, personas) {
  state.info = info;
  state.personas = Array.isArray(personas) ? personas : [];
  state.viewer = new URLSearchParams(location.search).get('as') || info.persona || '';
}

/** The kit before boot.js has read the page info: only when a page module is loaded by something else. */
export function pageInfo() {
  if (!state.info) throw new Error('@capsule/page: the page is not mounted by Capsule Local (its info is not loaded yet)');
  return state.info;
}

export const appName = () => config.app || '';
export const viewer = () => state.viewer;
export const viewerPersona = () => state.personas.find((p) => p.id === state.viewer) || null;

/** The emulator's path for the app: `/apps/<app>/<kind>/...`. */
export const appPath = (rest) => `/apps/${encodeURIComponent(appName())}/${rest}`;

/** A URL read as the viewer (the forward routes' `?as=`). */
export function asViewer(path) {
  const v = viewer();
  return v ? `${path}${path.includes('?') ? '&' : '?'}as=${encodeURIComponent(v)}` : path;
}

/** A JSON call to the emulator; a non-2xx answer throws its error message (with .status). */
export async function api(path, options = {}) {
  const init = { credentials: 'same-origin', ...options, headers: { ...(options.headers || {}) } };
  if (init.body !== undefined && typeof init.body !== 'string') {
    init.body = JSON.stringify(init.body);
    init.headers['content-type'] = 'application/json';
  }
  const res = await fetch(path, init);
  const text = await res.text();
  let data;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = text;
  }
  if (!res.ok) {
    const message = data && typeof data === 'object' ? data.error === 'bundle_failed' ? data.message : data.message || data.error : typeof data === 'string' && data ? data : '';
    const err = new Error(typeof message === 'string' && message ? message : `${res.status} ${res.statusText}`);
    err.status = res.status;
    throw err;
  }
  return data;
}

/** What the kit does not provide here: an error naming it, never a silent no-op. */
export function notAvailable(what) {
  return new Error(`${what} of @capsule/page is not available in Capsule Local yet`);
}

/**
 * The app changed data (an action ran, a chat turn changed its session's data, a page wrote a
 * session's data): the data hooks read again, as the platform's web app refreshes its widgets.
 * `detail` is what changed, as the emulator's feed says it (`{sessions, collections}`: the
 * sessions whose data changed, null for any; whether a collection did); none is everything.
 */
export const changes = new EventTarget();
export const dataChanged = (detail) => changes.dispatchEvent(new CustomEvent('changed', { detail: detail || null }));

/** Whether a change touches session `id`'s data (a change of everything does). */
export const touchesSession = (detail, id) => !detail || detail.sessions === null || (Array.isArray(detail.sessions) && detail.sessions.includes(id));
/** Whether a change may touch what the data hooks read (collections, data sources): all but session data only. */
export const touchesData = (detail) => !detail || detail.collections === true;

// The emulator's feed of the app's data changes (GET /api/pages/<app>/changes, SSE, coalesced):
// writes by the app's turns, tasks and handlers, and by other pages and tabs. The shell loads
// media/feed.js, which shares one stream among the app's pages open in this browser (the page
// view's and the web chat's too). Followed while a hook listens; a hidden tab lets go of it (a
// browser keeps few connections to one host) and its hooks read again when it is shown, as they
// do when the stream comes back after being down (what changed meanwhile was not told).
let listeners = 0;
let feed = null;
const noticeDetail = (d) => (d && typeof d === 'object' ? { sessions: Array.isArray(d.sessions) ? d.sessions : null, collections: d.collections === true } : null);
function openFeed() {
  if (feed || !appName()) return;
  if (typeof capsuleFeed === 'undefined') throw new Error('@capsule/page: the change feed (media/feed.js) is not loaded by this page');
  feed = capsuleFeed.subscribe(appName(), {
    change: (notice) => dataChanged(noticeDetail(notice)),
    state: (up, before) => {
      if (up && before === false) dataChanged();
    },
  });
}
function closeFeed() {
  if (feed) feed.close();
  feed = null;
}
if (typeof document !== 'undefined') {
  document.addEventListener('visibilitychange', () => {
    if (document.hidden) closeFeed();
    else if (listeners > 0 && !feed) {
      openFeed();
      dataChanged();
    }
  });
}

/** Calls `listener(detail)` on each change of the app's data; returns the function that stops it. */
export function onDataChange(listener) {
  const on = (ev) => listener(ev.detail || null);
  changes.addEventListener('changed', on);
  listeners += 1;
  if (typeof document === 'undefined' || !document.hidden) openFeed();
  return () => {
    changes.removeEventListener('changed', on);
    listeners -= 1;
    if (listeners <= 0) {
      listeners = 0;
      closeFeed();
    }
  };
}
