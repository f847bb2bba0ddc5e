// The routes a person goes through to connect an integration:
//   GET  /connect/:promptId            (session token) the chat card's Connect link
//   GET  /connect?app=&type=&user=     (session token) the same for a non-blocking show_integration card
//   GET  /integrations/callback        (public) where providers send the browser back (state-checked)
//   GET|POST /integrations/form/...    (session token) the secret form of secret-form integrations
//   GET|POST /integrations/pipedream/... (session token) the local Pipedream Connect page (token, base URL)
import express, { type Request, type Response, type Router } from 'express';
import type { PendingPrompt } from '../../hub';
import { integrationTitle } from '../providers';
import { IntegrationError, type ConnectTarget, type IntegrationsService } from '../service';
import { sendPage } from '../pages/html';
import { renderProviderError } from '../pages/consent';
import { renderPipedreamForm, renderResult, renderSecretForm } from '../pages/platform';
import { PIPEDREAM_FIELDS, pipedreamTitle } from '../pipedream';
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

  /** `page`: the prompt id, or `new?<query>` for a non-blocking card; the form pages take it after their path. */
  const start = async (res: Response, target: ConnectTarget, page: string): Promise<void> => {
    const mode = service.modeOf(target);
    if (mode === 'secret') return res.redirect(302, `/integrations/form/${page}`);
    if (mode === 'pipedream') return res.redirect(302, `/integrations/pipedream/${page}`);
    res.redirect(302, await service.beginOAuth(target));
  };

  r.get('/connect/:promptId', (req, res) => {
    void (async () => {
      const id = String(req.params.promptId);
      const { target } = service.targetOfPrompt(id);
      await start(res, target, encodeURIComponent(id));
    })().catch((e) => showError(res, e));
  });

  r.get('/connect', (req, res) => {
    void (async () => {
      const target = queryTarget(req);
      const qs = new URLSearchParams({ app: target.app, type: target.type, user: target.userId, ...(target.sessionId ? { session: target.sessionId } : {}) });
      await start(res, target, `new?${qs}`);
    })().catch((e) => showError(res, e));
  });

  // -- secret form ---------------------------------------------------------------------------

  const resolve = (req: Request, base = '/integrations/form'): { target: ConnectTarget; prompt?: PendingPrompt; action: string; denyAction?: string } => {
    const id = String(req.params.promptId);
    if (id === 'new') {
      const target = queryTarget(req);
      const qs = new URLSearchParams(req.query as Record<string, string>).toString();
      return { target, action: `${base}/new?${qs}` };
    }
    const { target, prompt } = service.targetOfPrompt(id);
    return { target, prompt, action: `${base}/${encodeURIComponent(id)}`, denyAction: `${base}/${encodeURIComponent(id)}/deny` };
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

  // -- the local Pipedream Connect page --------------------------------------------------------

  const PIPEDREAM = '/integrations/pipedream';
  const renderPipedream = (res: Response, ctx: ReturnType<typeof resolve>, entered: { baseUrl?: string; account?: string }, errors: Record<string, string>, status: number): void => {
    if (service.modeOf(ctx.target) !== 'pipedream') throw new IntegrationError(`${ctx.target.type} is not a Pipedream integration of ${ctx.target.app} (app.add_integration(cpsl.Pipedream("${ctx.target.type}"))).`, 400);
    const prefill = service.pipedreamDefaults(ctx.target, ctx.prompt);
    sendPage(
      res,
      renderPipedreamForm({
        appName: ctx.target.app,
        slug: ctx.target.type,
        title: pipedreamTitle(ctx.target.type),
        reason: ctx.prompt?.reason || undefined,
        action: ctx.action,
        denyAction: ctx.denyAction,
        baseUrl: entered.baseUrl ?? prefill?.url ?? '',
        baseUrlFrom: entered.baseUrl === undefined ? prefill?.from : undefined,
        account: entered.account ?? '',
        errors,
      }),
      status,
    );
  };

  r.get(`${PIPEDREAM}/:promptId`, (req, res) => {
    try {
      renderPipedream(res, resolve(req, PIPEDREAM), {}, {}, 200);
    } catch (e) {
      showError(res, e);
    }
  });

  r.post(`${PIPEDREAM}/:promptId`, form, (req, res) => {
    void (async () => {
      const ctx = resolve(req, PIPEDREAM);
      if (service.modeOf(ctx.target) !== 'pipedream') throw new IntegrationError(`${ctx.target.type} is not a Pipedream integration.`, 400);
      const values: Record<string, string> = dict();
      for (const f of Object.values(PIPEDREAM_FIELDS)) {
        const v = (req.body as Record<string, unknown>)?.[f];
        if (typeof v === 'string') values[f] = v;
      }
      const errors = await service.submitPipedream(ctx.target, values);
      if (Object.keys(errors).length) return renderPipedream(res, ctx, { baseUrl: values[PIPEDREAM_FIELDS.baseUrl] ?? '', account: values[PIPEDREAM_FIELDS.account] ?? '' }, errors, 400);
      const title = pipedreamTitle(ctx.target.type);
      const stored = service.stored(ctx.target.userId, ctx.target.type);
      sendPage(res, renderResult({ ok: true, title: `${title} connected`, message: `${ctx.target.app} can now call ${stored?.fields.api_base_url ?? 'the API'} through session.pipedream("${ctx.target.type}") with the token you gave.` }));
    })().catch((e) => showError(res, e));
  });

  const deny = (req: Request, res: Response): void => {
    try {
      const { target } = service.targetOfPrompt(String(req.params.promptId));
      service.declineTarget(target);
      const title = service.modeOf(target) === 'pipedream' ? pipedreamTitle(target.type) : integrationTitle(target.type);
      sendPage(res, renderResult({ ok: false, title: `${title} not connected`, message: `You declined; ${target.app} was told.` }));
    } catch (e) {
      showError(res, e);
    }
  };
  r.post('/integrations/form/:promptId/deny', deny);
  r.post(`${PIPEDREAM}/:promptId/deny`, deny);

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
