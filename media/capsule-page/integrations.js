// useSession(name).integrations() of @capsule/page: the viewer's connections of the app's declared
// integrations (emulator/pages/integrations.ts: `GET /api/pages/<app>/integrations[/<type>]?as=`,
// the viewer's own state, never a token or a field value) and the connect flow a non-blocking
// show_integration card starts (`GET /connect?app=&type=&user=&session=`), in a window of its own.
import { api, appName, asViewer, viewer } from './context.js';

/** How often a connect window is looked at (closed? connected?). */
const POLL_MS = 400;

const base = () => `/api/pages/${encodeURIComponent(appName())}/integrations`;

/** A status as the route answers it, without the route's envelope (app, viewer). */
function statusOf(r) {
  const status = { ...(r || {}) };
  delete status.app;
  delete status.viewer;
  return status;
}

/**
 * `status(type)`: the viewer's connection of that integration,
 * `{type, mode, connected, expired, scopes, account, connectedAt, expiresAt}`; without a type one
 * per integration the app declares. A type the app does not declare rejects (404, naming it).
 */
export async function integrationStatus(type) {
  if (type === undefined || type === null) return (await api(asViewer(base()))).integrations || [];
  if (typeof type !== 'string' || !type) throw new Error('integrations().status(type): the type is a non-empty string (e.g. "github"), or none for all of them');
  return statusOf(await api(asViewer(`${base()}/${encodeURIComponent(type)}`)));
}

const usable = (s) => !!s && s.connected === true && s.expired !== true;
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/**
 * `connect(type)`: opens the integration's connect flow (consent screen, secret form or the local
 * Pipedream Connect page) for the viewer in a new window and resolves with the viewer's new
 * status once the connection is stored (a connection that was already there resolves when it
 * changes, or when the window is closed). Rejects for a type the app does not declare (before any
 * window opens), a window the browser blocked, and a window closed without a connection.
 */
export async function connectIntegration(type, sessionId) {
  if (typeof type !== 'string' || !type) throw new Error('integrations().connect(type): name the integration to connect (e.g. "github")');
  const before = await integrationStatus(type);
  const q = new URLSearchParams({ app: appName(), type, user: viewer() });
  if (sessionId) q.set('session', sessionId);
  const win = window.open(`/connect?${q}`, '_blank', 'popup,width=640,height=780');
  if (!win) throw new Error(`integrations().connect("${type}"): the browser blocked the connect window; allow pop-ups for this page (or call connect from a click)`);
  return new Promise((resolve, reject) => {
    let busy = false;
    const timer = setInterval(async () => {
      if (busy) return;
      busy = true;
      try {
        const closed = win.closed;
        const now = await integrationStatus(type);
        if (usable(now) && (!usable(before) || !same(now, before) || closed)) {
          clearInterval(timer);
          if (!closed) win.close();
          resolve(now);
        } else if (closed) {
          clearInterval(timer);
          reject(Object.assign(new Error(`integrations().connect("${type}"): the connect window was closed before ${type} was connected`), { status: 0, type }));
        }
      } catch (e) {
        clearInterval(timer);
        if (!win.closed) win.close();
        reject(e);
      } finally {
        busy = false;
      }
    }, POLL_MS);
  });
}
