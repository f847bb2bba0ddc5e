// The routes a person goes through to connect an integration:
//   GET  /connect/:promptId            (session token) the chat card's Connect link
//   GET  /connect?app=&type=&user=     (session token) the same for a non-blocking show_integration card
//   GET  /integrations/callback        (public) where providers send the browser back (state-checked)
//   GET|POST /integrations/form/...    (session token) the secret form of secret-form integrations
import express, { type Request, type Response, type Router } from 'express';
import type { PendingPrompt } from '../../hub';
import { integrationTitle } from '../providers';
import { IntegrationError, type ConnectTarget, type IntegrationsService } from '../service';
import { sendPage } from '../pages/html';
import { renderProviderError } from '../pages/consent';
import { renderResult, renderSecretForm } from '../pages/platform';
import { dict } from '../../store/dict';

function showError(res: Response, e: unknown): void {
  if (e instanceof IntegrationError) {
    if (e.provider) {
      sendPage(res, renderProviderError({ provider: e.provider, code: e.status === 404 ? 'not_found' : 'invalid_client', title: 'This connection cannot start', description: e.message }), e.status);
    } else {
      sendPage(res, renderResult({ ok: false, title: 'This connection cannot start', message: e.message }), e.status);
    }
    return;
  }
  // Unexpected failures: a generic message (request data may hold secrets, so none is echoed).
  sendPage(res, renderResult({ ok: false, title: 'Something went wrong', message: e instanceof Error ? e.message : String(e) }), 500);
}

/** A non-prompt target from the query (show_integration cards). */
function queryTarget(req: Request): ConnectTarget {
  const q = req.query as Record<string, unknown>;
  const s = (k: string): string | undefined => (typeof q[k] === 'string' && q[k] ? (q[k] as string) : undefined);
  const app = s('app');
  const type = s('type');
  const userId = s('user');
  if (!app || !type || !userId) throw new IntegrationError('A connection link needs app, type and user (or a prompt id: /connect/<promptId>).', 400);
  return { app, type, userId, sessionId: s('session') };
}

export function protectedConnectRoutes(service: IntegrationsService): Router {
  const r = express.Router();
  const form = express.urlencoded({ extended: false, limit: '64kb' });

  const start = async (res: Response, target: ConnectTarget, formUrl: string): Promise<void> => {
    const mode = service.modeOf(target);
    if (mode === 'secret') return res.redirect(302, formUrl);
    if (mode === 'pipedream') throw new IntegrationError('Pipedream integrations are not available in Capsule Local yet.', 501);
    res.redirect(302, await service.beginOAuth(target));
  };

  r.get('/connect/:promptId', (req, res) => {
    void (async () => {
      const id = String(req.params.promptId);
      const { target } = service.targetOfPrompt(id);
      await start(res, target, `/integrations/form/${encodeURIComponent(id)}`);
    })().catch((e) => showError(res, e));
  });

  r.get('/connect', (req, res) => {
    void (async () => {
      const target = queryTarget(req);
      const qs = new URLSearchParams({ app: target.app, type: target.type, user: target.userId, ...(target.sessionId ? { session: target.sessionId } : {}) });
      await start(res, target, `/integrations/form/new?${qs}`);
    })().catch((e) => showError(res, e));
  });

  // -- secret form ---------------------------------------------------------------------------

  const resolve = (req: Request): { target: ConnectTarget; prompt?: PendingPrompt; action: string; denyAction?: string } => {
    const id = String(req.params.promptId);
    if (id === 'new') {
      const target = queryTarget(req);
      const qs = new URLSearchParams(req.query as Record<string, string>).toString();
      return { target, action: `/integrations/form/new?${qs}` };
    }
    const { target, prompt } = service.targetOfPrompt(id);
    return { target, prompt, action: `/integrations/form/${encodeURIComponent(id)}`, denyAction: `/integrations/form/${encodeURIComponent(id)}/deny` };
  };

  const renderForm = (res: Response, ctx: ReturnType<typeof resolve>, values: Record<string, string>, errors: Record<string, string>, status: number): void => {
    if (service.modeOf(ctx.target) !== 'secret') throw new IntegrationError(`${ctx.target.type} is not a secret-form integration.`, 400);
    const fields = service.formFields(ctx.target, ctx.prompt);
    sendPage(
      res,
      renderSecretForm({
        appName: ctx.target.app,
        type: ctx.target.type,
        title: integrationTitle(ctx.target.type),
        reason: ctx.prompt?.reason || undefined,
        action: ctx.action,
        denyAction: ctx.denyAction,
        required: fields.required,
        optional: fields.optional,
        values,
        errors,
      }),
      status,
    );
  };

  r.get('/integrations/form/:promptId', (req, res) => {
    try {
      renderForm(res, resolve(req), {}, {}, 200);
    } catch (e) {
      showError(res, e);
    }
  });

  r.post('/integrations/form/:promptId', form, (req, res) => {
    void (async () => {
      const ctx = resolve(req);
      if (service.modeOf(ctx.target) !== 'secret') throw new IntegrationError(`${ctx.target.type} is not a secret-form integration.`, 400);
      const fields = service.formFields(ctx.target, ctx.prompt);
      const values: Record<string, string> = dict();
      for (const f of [...fields.required, ...fields.optional]) {
        const v = (req.body as Record<string, unknown>)?.[f];
        if (typeof v === 'string') values[f] = v;
      }
      const errors = service.validateFields(fields, values);
      if (Object.keys(errors).length) return renderForm(res, ctx, values, errors, 400);
      await service.submitFields(ctx.target, fields, values);
      sendPage(res, renderResult({ ok: true, title: `${integrationTitle(ctx.target.type)} connected`, message: `${ctx.target.app} received the ${Object.keys(values).filter((k) => values[k]?.trim()).length} field(s) you entered.` }));
    })().catch((e) => showError(res, e));
  });

  r.post('/integrations/form/:promptId/deny', (req, res) => {
    try {
      const { target } = service.targetOfPrompt(String(req.params.promptId));
      service.declineTarget(target);
      sendPage(res, renderResult({ ok: false, title: `${integrationTitle(target.type)} not connected`, message: `You declined; ${target.app} was told.` }));
    } catch (e) {
      showError(res, e);
    }
  });

  return r;
}

export function publicCallbackRoutes(service: IntegrationsService): Router {
  const r = express.Router();
  r.get('/integrations/callback', (req, res) => {
    void (async () => {
      const url = new URL(req.originalUrl, service.hub.url);
      const out = await service.handleCallback(url);
      if (out.ok) {
        const title = `${integrationTitle(out.target.type)} connected`;
        const who = out.account ? ` as ${out.account}` : '';
        return sendPage(res, renderResult({ ok: true, title, message: `${out.target.app} can now use ${integrationTitle(out.target.type)}${who}. Granted scopes:`, details: out.scopes.length ? out.scopes : ['(none)'] }));
      }
      const title = out.error === 'access_denied' ? `${out.target ? integrationTitle(out.target.type) : 'Integration'} not connected` : 'The connection failed';
      const message = out.error === 'access_denied' ? `You denied access${out.target ? `; ${out.target.app} was told` : ''}.` : out.description || 'The provider refused the request.';
      sendPage(res, renderResult({ ok: false, title, code: out.error, message }), out.error === 'access_denied' ? 200 : 400);
    })().catch((e) => showError(res, e));
  });
  return r;
}
