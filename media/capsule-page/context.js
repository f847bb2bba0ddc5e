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
 * The app changed data (an action ran, a chat turn changed its session's data): the data hooks
 * read again, as the platform's web app refreshes its widgets.
 */
export const changes = new EventTarget();
export const dataChanged = () => changes.dispatchEvent(new Event('changed'));
