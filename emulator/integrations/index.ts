// The integrations module: simulated OAuth providers with consent screens, the emulator's OAuth
// client, secret forms and the fault panel. `register(hub)` mounts everything on the gateway.
import express, { type Router } from 'express';
import type { Hub } from '../hub';
import { IntegrationsService } from './service';
import { protectedConnectRoutes, publicCallbackRoutes } from './routes/connect';
import { panelRoutes } from './routes/panel';

export { IntegrationsService } from './service';

/** Routes under /oauth/<provider>/...: each provider family's authorization server. */
function providerRoutes(service: IntegrationsService): Router {
  const r = express.Router();
  r.use('/oauth/:provider', (req, res, next) => {
    const server = service.server(String(req.params.provider));
    if (!server) return next();
    server.router(req, res, next);
  });
  return r;
}

export function register(hub: Hub): IntegrationsService {
  const service = new IntegrationsService(hub);
  hub.publicRouter.use(providerRoutes(service));
  hub.publicRouter.use(publicCallbackRoutes(service));
  hub.protectedRouter.use(protectedConnectRoutes(service));
  hub.protectedRouter.use(panelRoutes(service));
  hub.refreshIntegrations = (userId) => service.refreshUser(userId).catch(() => undefined);
  return service;
}
