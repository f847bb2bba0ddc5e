// The integrations fault panel: a JSON API and the page the dashboard links to (session token).
//   GET    /api/integrations                                   state (never token or field values)
//   POST   /api/integrations/prompts/:id/approve               {scopes?, account?, fields?}
//   POST   /api/integrations/prompts/:id/deny
//   POST   /api/integrations/users/:user/:type/expire          expire the access token now
//   POST   /api/integrations/users/:user/:type/refresh         refresh now
//   POST   /api/integrations/users/:user/:type/revoke          revoke at the provider, remove
//   POST   /api/integrations/users/:user/:type/fail-next-refresh  {on?: boolean}
//   PUT    /api/integrations/real/:type                        {enabled, authorize?, token?, revoke?}
//   DELETE /api/integrations/real/:type
//   POST   /api/integrations/clock/advance                     {seconds} moves the virtual clock
//   GET    /integrations                                       the panel page
import express, { type Request, type Response, type Router } from 'express';
import { catalog } from '../../../catalog/catalog';
import { IntegrationError, type IntegrationsService } from '../service';
import { allRealSettings, realSetting, setRealSetting } from '../real-mode';
import { catalogProviderIds } from '../providers';
import { personaEmail } from '../personas';
import { sendPage } from '../pages/html';
import { renderPanel } from '../pages/panel';
import { nameTooLong } from '../../limits';

function fail(res: Response, e: unknown): void {
  if (e instanceof IntegrationError) {
    res.status(e.status).json({ error: e.message });
    return;
  }
  const status = (e as { status?: unknown })?.status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    res.status(status).json({ error: e instanceof Error ? e.message : String(e) });
    return;
  }
  res.status(500).json({ error: e instanceof Error ? e.message : String(e) });
}

function handle(fn: (req: Request, res: Response) => Promise<unknown>) {
  return (req: Request, res: Response): void => {
    fn(req, res).then(
      (body) => {
        if (!res.headersSent) res.json(body ?? { ok: true });
      },
      (e) => fail(res, e),
    );
  };
}

export function panelState(service: IntegrationsService): Record<string, unknown> {
  const hub = service.hub;
  const data = hub.read();
  const nowMs = hub.clock.now();
  const nowS = nowMs / 1000;
  const userIds = new Set<string>([...data.personas.map((p) => p.id), ...Object.keys(data.integrations)]);
  const users = [...userIds].map((id) => {
    const p = data.personas.find((x) => x.id === id);
    const integrations = Object.values(data.integrations[id] ?? {}).map((c) => ({
      type: c.type,
      mode: c.mode,
      scopes: c.scopes,
      fields: Object.keys(c.fields ?? {}),
      account: c.account,
      // A Pipedream account's base URL is where its calls go (not a secret).
      apiBaseUrl: c.mode === 'pipedream' ? c.fields.api_base_url : undefined,
      connectedAt: c.connectedAt,
      expiresAt: c.expiresAt,
      expiresInSeconds: c.expiresAt ? Math.round(c.expiresAt - nowS) : null,
      expired: c.expiresAt ? c.expiresAt <= nowS : false,
      hasRefreshToken: !!c.refreshToken,
      real: c.mode === 'oauth' ? service.isReal(id, c.type) : false,
      failNextRefresh: service.willFailNextRefresh(id, c.type),
    }));
    return { id, name: p?.name ?? id, email: p ? personaEmail(p) : undefined, integrations };
  });
  const declared = hub.apps().flatMap((a) => a.integrations.map((i) => ({ app: a.name, type: i.type, mode: i.mode, scopes: i.scopes, fields: i.fields, real: i.mode === 'oauth' ? realSetting(hub, i.type).enabled : false })));
  const providers = [...new Set([...catalogProviderIds(), ...declared.filter((d) => d.mode === 'oauth' && !catalog.integrations.has(d.type)).map((d) => d.type)])]
    .map((id) => service.server(id))
    .filter((s): s is NonNullable<typeof s> => !!s)
    .map((s) => ({ id: s.profile.id, title: s.profile.title, endpoints: s.endpoints(), clients: s.clients().map((c) => ({ app: c.app, type: c.type, problems: c.problems, note: c.note })) }));
  return {
    now: nowMs,
    redirectUri: service.redirectUri(),
    prompts: hub.prompts.list().map((p) => ({ ...p, expiresInSeconds: Math.round((p.deadline - nowMs) / 1000), connectUrl: `/connect/${encodeURIComponent(p.id)}` })),
    users,
    declared,
    providers,
    real: allRealSettings(hub),
  };
}

export function panelRoutes(service: IntegrationsService): Router {
  const r = express.Router();
  const json = express.json({ limit: '32kb' });
  const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

  r.get('/integrations', (_req, res) => sendPage(res, renderPanel()));
  r.get('/api/integrations', (_req, res) => res.json(panelState(service)));

  r.post(
    '/api/integrations/prompts/:id/approve',
    json,
    handle(async (req) => {
      const b = (req.body ?? {}) as Record<string, unknown>;
      const scopes = Array.isArray(b.scopes) ? b.scopes.filter((s): s is string => typeof s === 'string') : undefined;
      const fields = b.fields && typeof b.fields === 'object' ? Object.fromEntries(Object.entries(b.fields as Record<string, unknown>).filter(([, v]) => typeof v === 'string')) as Record<string, string> : undefined;
      const out = await service.approve(String(req.params.id), { scopes, account: str(b.account), fields });
      if ('error' in out) throw new IntegrationError(`${out.error}: ${out.description}`, 400);
      return { ok: true, scopes: 'scopes' in out ? out.scopes : undefined, account: 'account' in out ? out.account : undefined };
    }),
  );
  r.post(
    '/api/integrations/prompts/:id/deny',
    handle(async (req) => {
      service.deny(String(req.params.id));
    }),
  );
  r.post(
    '/api/integrations/users/:user/:type/expire',
    handle(async (req) => service.expire(String(req.params.user), String(req.params.type))),
  );
  r.post(
    '/api/integrations/users/:user/:type/refresh',
    handle(async (req) => service.refresh(String(req.params.user), String(req.params.type))),
  );
  r.post(
    '/api/integrations/users/:user/:type/revoke',
    handle(async (req) => service.revoke(String(req.params.user), String(req.params.type))),
  );
  r.post(
    '/api/integrations/users/:user/:type/fail-next-refresh',
    json,
    handle(async (req) => {
      const on = (req.body as { on?: unknown } | undefined)?.on !== false;
      service.setFailNextRefresh(String(req.params.user), String(req.params.type), on);
      return { ok: true, on };
    }),
  );
  r.put(
    '/api/integrations/real/:type',
    json,
    handle(async (req) => {
      const b = (req.body ?? {}) as Record<string, unknown>;
      const longType = nameTooLong('type', String(req.params.type));
      if (longType) throw new IntegrationError(longType);
      for (const k of ['authorize', 'token', 'revoke', 'issuer']) {
        const v = b[k];
        if (v !== undefined && (typeof v !== 'string' || !/^https?:\/\//.test(v))) throw new IntegrationError(`${k} must be an http(s) URL.`);
      }
      await setRealSetting(service.hub, String(req.params.type), { enabled: b.enabled !== false, authorize: str(b.authorize), token: str(b.token), revoke: str(b.revoke), issuer: str(b.issuer) });
      return { ok: true, setting: realSetting(service.hub, String(req.params.type)) };
    }),
  );
  r.delete(
    '/api/integrations/real/:type',
    handle(async (req) => {
      await setRealSetting(service.hub, String(req.params.type), undefined);
    }),
  );
  r.post(
    '/api/integrations/clock/advance',
    json,
    handle(async (req) => {
      const seconds = Number((req.body as { seconds?: unknown } | undefined)?.seconds);
      if (!Number.isFinite(seconds) || seconds <= 0) throw new IntegrationError('seconds must be a positive number (at most ten years).');
      try {
        service.hub.clock.advance(seconds * 1000);
      } catch (e) {
        // The hub's clock bounds every move (ten years at a time, a hundred ahead in all).
        if (e instanceof RangeError) throw new IntegrationError(`seconds: ${e.message}.`, 422);
        throw e;
      }
      return { ok: true, now: service.hub.clock.now() };
    }),
  );
  return r;
}
