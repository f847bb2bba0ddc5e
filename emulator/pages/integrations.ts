// A React page's view of the viewer's integrations (@capsule/page `useSession().integrations()`):
// the connection state of the app's declared integrations for the persona the page is seen as,
// never another persona's, never a token, a refresh token, a field value or a client secret.
//   GET /api/pages/<app>/integrations?as=<user>          {app, viewer, integrations: [status]}:
//        one per integration the app declares (app.add_integration), in declaration order
//   GET /api/pages/<app>/integrations/<type>?as=<user>   {app, viewer, ...status} for one
// A status is {type, mode, connected, expired, scopes, account, connectedAt, expiresAt}: `scopes`
// the granted ones (none while not connected), `account` the label the provider gave, the times
// ISO strings (null when there is none; `expiresAt` on the emulator's clock, as `expired` is).
// Refused: an app not served here (404), a type the app does not declare (404, naming it and the
// declared ones; `__proto__` and the like are never found), an over-long type (400), a viewer
// that is no persona (400). The connection itself starts at GET /connect?app=&type=&user=
// (integrations/routes/connect.ts), as a non-blocking show_integration card's does.
import type { AppInfo, Hub } from '../hub';
import type { StoredIntegration } from '../store';
import { HttpError } from '../gateway/errors';
import { nameTooLong } from '../limits';
import { appOf, pageRoute, viewerOfQuery } from './page-api';

export interface PageIntegrationStatus {
  type: string;
  mode: string;
  connected: boolean;
  expired: boolean;
  scopes: string[];
  account: string | null;
  connectedAt: string | null;
  expiresAt: string | null;
}

type Declared = AppInfo['integrations'][number];

/** The viewer's stored connection of `type`: an own entry only (a hostile key finds nothing). */
function storedOf(hub: Hub, user: string, type: string): StoredIntegration | undefined {
  const mine = hub.read().integrations[user];
  if (!mine || !Object.prototype.hasOwnProperty.call(mine, type)) return undefined;
  return mine[type];
}

/** What a page may learn of one connection: its state, none of its values. */
export function pageStatus(hub: Hub, user: string, declared: Declared): PageIntegrationStatus {
  const c = storedOf(hub, user, declared.type);
  if (!c) return { type: declared.type, mode: declared.mode, connected: false, expired: false, scopes: [], account: null, connectedAt: null, expiresAt: null };
  const nowS = hub.clock.now() / 1000;
  const expiresAt = typeof c.expiresAt === 'number' && c.expiresAt > 0 ? c.expiresAt : 0;
  return {
    type: declared.type,
    mode: c.mode || declared.mode,
    connected: true,
    expired: expiresAt ? expiresAt <= nowS : false,
    scopes: Array.isArray(c.scopes) ? c.scopes.filter((s) => typeof s === 'string') : [],
    account: typeof c.account === 'string' && c.account ? c.account : null,
    connectedAt: typeof c.connectedAt === 'string' && c.connectedAt ? c.connectedAt : null,
    expiresAt: expiresAt ? new Date(expiresAt * 1000).toISOString() : null,
  };
}

export function registerPageIntegrations(hub: Hub): void {
  const r = hub.protectedRouter;

  r.get('/api/pages/:app/integrations', pageRoute('the integrations could not be read', (req, res) => {
    const a = appOf(hub, req);
    const user = viewerOfQuery(hub, req);
    res.json({ app: a.name, viewer: user, integrations: a.integrations.map((i) => pageStatus(hub, user, i)) });
  }));

  r.get('/api/pages/:app/integrations/:type', pageRoute('the integrations could not be read', (req, res) => {
    const a = appOf(hub, req);
    const type = String(req.params.type);
    const long = nameTooLong('type', type);
    if (long) throw new HttpError(400, long);
    const declared = a.integrations.find((i) => i.type === type);
    if (!declared) {
      const names = a.integrations.map((i) => i.type).join(', ') || 'none';
      throw new HttpError(404, `${a.name} declares no integration "${type}" (app.add_integration("${type}", ...); its integrations: ${names})`);
    }
    const user = viewerOfQuery(hub, req);
    res.json({ app: a.name, viewer: user, ...pageStatus(hub, user, declared) });
  }));
}
