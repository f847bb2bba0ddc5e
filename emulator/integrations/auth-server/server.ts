// One simulated provider: a real OAuth 2.0 authorization server (@node-oauth/oauth2-server) with
// the provider's consent screen. Authorization code grant with PKCE (S256 only, required) and
// state, access tokens with expiry, refresh tokens with rotation, RFC 7009 revocation, a userinfo
// endpoint and RFC 8414 metadata. Mounted at /oauth/<provider>/ on the gateway's public router.
import { randomBytes } from 'node:crypto';
import express, { type Request as ExRequest, type Response as ExResponse, type Router } from 'express';
import OAuth2Server from '@node-oauth/oauth2-server';
import type { Hub } from '../../hub';
import { ProviderModel, type ProviderClient, type ProviderUser, type ClientDirectory } from './model';
import {
  AUTHORIZATION_CODE_LIFETIME_S,
  REFRESH_TOKEN_LIFETIME_S,
  describeScope,
  integrationTitle,
  joinScopes,
  providerIdForType,
  splitScopes,
  unknownScopes,
  type ProviderProfile,
} from '../providers';
import { generatedNote, resolveClientConfig } from '../client-config';
import { renderConsent, renderProviderError } from '../pages/consent';
import { sendPage } from '../pages/html';
import { personasAsUsers, addPersona } from '../personas';

/** The path every simulated provider sends the browser back to (the emulator's OAuth client). */
export const CALLBACK_PATH = '/integrations/callback';
const CONSENT_LIFETIME_MS = AUTHORIZATION_CODE_LIFETIME_S * 1000;

type AuthorizeOutcome =
  | { kind: 'consent'; id: string }
  | { kind: 'redirect'; url: string }
  | { kind: 'page'; status: number; code: string; title: string; description: string; details?: string[]; backUrl?: string };

interface ConsentRequest {
  clientId: string;
  redirectUri: string;
  state: string;
  codeChallenge: string;
  codeChallengeMethod: string;
  scopes: string[];
  loginHint?: string;
  createdAt: number; // virtual ms
}

export interface ProviderServerDeps {
  hub: Hub;
  /** Base path of this provider, e.g. /oauth/github */
  basePath: string;
}

export class ProviderServer implements ClientDirectory {
  readonly model: ProviderModel;
  readonly router: Router;
  private readonly oauth: OAuth2Server;
  private readonly consents = new Map<string, ConsentRequest>();

  constructor(
    readonly profile: ProviderProfile,
    private readonly deps: ProviderServerDeps,
  ) {
    this.model = new ProviderModel(profile, this, deps.hub.clock);
    this.oauth = new OAuth2Server({
      model: this.model,
      accessTokenLifetime: profile.expiresInSeconds,
      refreshTokenLifetime: REFRESH_TOKEN_LIFETIME_S,
      authorizationCodeLifetime: AUTHORIZATION_CODE_LIFETIME_S,
      allowEmptyState: false,
      allowBearerTokensInQueryString: false,
    });
    this.router = this.buildRouter();
  }

  /** Absolute URLs of this provider's endpoints. */
  endpoints(): { issuer: string; authorize: string; token: string; revoke: string; userinfo: string } {
    const base = `${this.deps.hub.url}${this.deps.basePath}`;
    return { issuer: base, authorize: `${base}/authorize`, token: `${base}/token`, revoke: `${base}/revoke`, userinfo: `${base}/userinfo` };
  }

  // -- client directory: the apps' OAuth clients for this provider family ----------------------

  find(clientId: string): ProviderClient | undefined {
    for (const c of this.clients()) if (c.id === clientId) return c;
    return undefined;
  }

  /** Clients whose id resolves, with the problems of their configuration (missing secrets). */
  clients(): Array<ProviderClient & { problems: string[]; note?: string }> {
    const out: Array<ProviderClient & { problems: string[]; note?: string }> = [];
    for (const app of this.deps.hub.apps()) {
      for (const integration of app.integrations) {
        if (integration.mode !== 'oauth' || providerIdForType(integration.type) !== this.profile.id) continue;
        const cfg = resolveClientConfig(this.deps.hub, app.name, integration, { simulated: true });
        if (!cfg.clientId) continue;
        out.push({
          id: cfg.clientId,
          secret: cfg.clientSecret ?? '',
          app: app.name,
          type: integration.type,
          redirectUris: [`${this.deps.hub.url}${CALLBACK_PATH}`],
          grants: this.profile.refresh ? ['authorization_code', 'refresh_token'] : ['authorization_code'],
          problems: cfg.problems,
          note: generatedNote(cfg),
        });
      }
    }
    return out;
  }

  // -- routes ----------------------------------------------------------------------------------

  private buildRouter(): Router {
    const r = express.Router();
    const form = express.urlencoded({ extended: false, limit: '32kb' });
    r.get('/.well-known/oauth-authorization-server', (_req, res) => res.json(this.metadata()));
    r.get('/authorize', (req, res) => this.authorize(req, res));
    r.get('/consent/:id', (req, res) => this.showConsent(req, res));
    r.post('/consent', form, (req, res) => void this.decide(req, res).catch((e) => this.fail(res, e)));
    r.post('/accounts', form, (req, res) => void this.addAccount(req, res).catch((e) => this.fail(res, e)));
    r.post('/token', form, (req, res) => void this.token(req, res).catch((e) => this.fail(res, e)));
    r.post('/revoke', form, (req, res) => this.revoke(req, res));
    r.get('/userinfo', (req, res) => void this.userinfo(req, res).catch((e) => this.fail(res, e)));
    return r;
  }

  private metadata(): Record<string, unknown> {
    const e = this.endpoints();
    return {
      issuer: e.issuer,
      authorization_endpoint: e.authorize,
      token_endpoint: e.token,
      revocation_endpoint: e.revoke,
      userinfo_endpoint: e.userinfo,
      response_types_supported: ['code'],
      grant_types_supported: this.profile.refresh ? ['authorization_code', 'refresh_token'] : ['authorization_code'],
      code_challenge_methods_supported: ['S256'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      scopes_supported: this.profile.scopes ? Object.keys(this.profile.scopes) : undefined,
    };
  }

  private errorPage(res: ExResponse, status: number, code: string, title: string, description: string, extra: { details?: string[]; backUrl?: string } = {}): void {
    sendPage(res, renderProviderError({ provider: this.profile, code, title, description, ...extra }), status);
  }

  private authorize(req: ExRequest, res: ExResponse): void {
    const outcome = this.checkAuthorize(req.query as Record<string, unknown>);
    if (outcome.kind === 'consent') return res.redirect(302, `${this.deps.basePath}/consent/${outcome.id}`);
    if (outcome.kind === 'redirect') return res.redirect(302, outcome.url);
    this.errorPage(res, outcome.status, outcome.code, outcome.title, outcome.description, { details: outcome.details, backUrl: outcome.backUrl });
  }

  /** Validates an authorization request; a valid one becomes a pending consent. */
  private checkAuthorize(q: Record<string, unknown>): AuthorizeOutcome {
    const str = (k: string): string | undefined => (typeof q[k] === 'string' ? (q[k] as string) : undefined);
    const clientId = str('client_id');
    const client = clientId ? this.clients().find((c) => c.id === clientId) : undefined;
    // Errors about the client or the redirect URI are shown here, never redirected (RFC 6749 4.1.2.1).
    if (!client) {
      return { kind: 'page', status: 401, code: 'invalid_client', title: 'The OAuth client was not found', description: `No app served by this emulator has a ${this.profile.title} OAuth client with this client_id.` };
    }
    if (client.problems.length) {
      return { kind: 'page', status: 400, code: 'invalid_client', title: `${client.app}'s OAuth client is not fully configured`, description: 'The app declares this integration, but its client credentials are not defined locally.', details: client.problems };
    }
    const redirectUri = str('redirect_uri') ?? client.redirectUris[0]!;
    if (!client.redirectUris.includes(redirectUri)) {
      return { kind: 'page', status: 400, code: 'redirect_uri_mismatch', title: 'The redirect URI is not registered for this client', description: `The request asked to return to ${redirectUri}, which is not a redirect URI of ${client.app}.`, details: client.redirectUris };
    }
    const state = str('state');
    const back = (error: string, description: string): string => {
      const u = new URL(redirectUri);
      u.searchParams.set('error', error);
      u.searchParams.set('error_description', description);
      if (state) u.searchParams.set('state', state);
      return u.toString();
    };
    if (str('response_type') !== 'code') return { kind: 'redirect', url: back('unsupported_response_type', 'Only response_type=code is supported.') };
    if (!state) return { kind: 'redirect', url: back('invalid_request', 'Missing parameter: state.') };
    const codeChallenge = str('code_challenge');
    const method = str('code_challenge_method') ?? 'plain';
    if (!codeChallenge) return { kind: 'redirect', url: back('invalid_request', 'PKCE is required: missing code_challenge.') };
    if (method !== 'S256') return { kind: 'redirect', url: back('invalid_request', 'PKCE code_challenge_method must be S256.') };
    const scopes = splitScopes(this.profile, str('scope'));
    const unknown = unknownScopes(this.profile, scopes);
    if (unknown.length) {
      return {
        kind: 'page',
        status: 400,
        code: 'invalid_scope',
        title: `${client.app}'s request is invalid`,
        description: `Some requested scopes are not ${this.profile.title} scopes.`,
        details: unknown,
        backUrl: back('invalid_scope', `Unknown scope(s): ${unknown.join(' ')}`),
      };
    }
    this.sweep();
    const id = randomBytes(16).toString('base64url');
    this.consents.set(id, {
      clientId: client.id,
      redirectUri,
      state,
      codeChallenge,
      codeChallengeMethod: method,
      scopes,
      loginHint: str('login_hint') ?? str('login'),
      createdAt: this.deps.hub.clock.now(),
    });
    return { kind: 'consent', id };
  }

  private consent(id: unknown): ConsentRequest | undefined {
    if (typeof id !== 'string') return undefined;
    const c = this.consents.get(id);
    if (c && this.deps.hub.clock.now() - c.createdAt > CONSENT_LIFETIME_MS) {
      this.consents.delete(id);
      return undefined;
    }
    return c;
  }

  private expired(res: ExResponse): void {
    this.errorPage(res, 400, 'invalid_request', 'This sign-in request has expired', 'Start again from the app (the Connect button in the chat).');
  }

  private showConsent(req: ExRequest, res: ExResponse, error?: string, status = 200): void {
    const id = String(req.params.id ?? req.body?.consent_id ?? '');
    const c = this.consent(id);
    if (!c) return this.expired(res);
    const client = this.clients().find((k) => k.id === c.clientId);
    if (!client) return this.expired(res);
    const accounts = personasAsUsers(this.deps.hub.read().personas);
    const wanted = typeof req.query.account === 'string' ? req.query.account : typeof req.body?.account === 'string' ? req.body.account : undefined;
    const hinted = accounts.find((a) => a.id === wanted) ?? accounts.find((a) => c.loginHint && (a.email === c.loginHint || a.id === c.loginHint));
    sendPage(
      res,
      renderConsent({
        provider: this.profile,
        appName: client.app,
        integrationTitle: integrationTitle(client.type),
        consentId: id,
        postUrl: `${this.deps.basePath}/consent`,
        addAccountUrl: `${this.deps.basePath}/accounts`,
        accounts,
        selectedAccount: hinted?.id,
        scopes: c.scopes.map((scope) => ({ scope, description: describeScope(this.profile, scope) })),
        clientNote: client.note,
        error,
      }),
      status,
    );
  }

  private async decide(req: ExRequest, res: ExResponse): Promise<void> {
    const id = String(req.body?.consent_id ?? '');
    const c = this.consent(id);
    if (!c) return this.expired(res);
    const deny = req.body?.decision !== 'allow';
    const granted = ([] as string[]).concat(req.body?.granted ?? []).filter((s) => c.scopes.includes(s));
    const accounts = personasAsUsers(this.deps.hub.read().personas);
    const user = accounts.find((a) => a.id === req.body?.account);
    if (!deny) {
      if (!user) return this.showConsent(req, res, 'Choose an account to continue.', 400);
      if (c.scopes.length && !granted.length) return this.showConsent(req, res, 'Select at least one permission, or cancel.', 400);
    }
    this.consents.delete(id);
    const location = await this.issueCode(c, deny ? undefined : user, granted);
    res.redirect(302, location);
  }

  /**
   * Runs the library's authorization endpoint for a decided consent and returns where the browser
   * goes next: the client's redirect URI with `code` and `state`, or with `error=access_denied`.
   */
  private async issueCode(c: ConsentRequest, user: ProviderUser | undefined, granted: string[]): Promise<string> {
    const body: Record<string, string> = {
      response_type: 'code',
      client_id: c.clientId,
      redirect_uri: c.redirectUri,
      state: c.state,
      code_challenge: c.codeChallenge,
      code_challenge_method: c.codeChallengeMethod,
    };
    if (granted.length) body.scope = granted.join(' ');
    if (!user) body.allowed = 'false';
    const request = new OAuth2Server.Request({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, query: {}, body });
    const response = new OAuth2Server.Response({ headers: {} });
    const anonymous: ProviderUser = { id: 'anonymous', name: '', email: '' };
    try {
      await this.oauth.authorize(request, response, { authenticateHandler: { handle: async () => user ?? anonymous } });
    } catch (e) {
      // access_denied and other errors: the library has already set the error redirect.
      if (!(e instanceof OAuth2Server.OAuthError)) throw e;
    }
    const location = response.get('location') as string | undefined;
    if (!location) throw new Error('the authorization endpoint produced no redirect');
    return location;
  }

  /**
   * Decides an authorization request without a browser (the fault panel's Approve and Deny):
   * the same validation and code issuance as the consent screen. Returns where the browser would
   * be sent (the client's redirect URI with code or error); throws with the provider's error code
   * when the provider would show an error page instead.
   */
  async decideHeadless(authorizeUrl: string, opts: { allow: boolean; accountId?: string; granted?: string[] }): Promise<string> {
    const outcome = this.checkAuthorize(Object.fromEntries(new URL(authorizeUrl).searchParams));
    if (outcome.kind === 'redirect') return outcome.url;
    if (outcome.kind === 'page') {
      if (outcome.backUrl) return outcome.backUrl;
      throw new Error(`${outcome.code}: ${outcome.title}${outcome.details ? ` (${outcome.details.join('; ')})` : ''}`);
    }
    const c = this.consents.get(outcome.id)!;
    this.consents.delete(outcome.id);
    const accounts = personasAsUsers(this.deps.hub.read().personas);
    const user = opts.allow ? (accounts.find((a) => a.id === opts.accountId) ?? accounts.find((a) => a.email === c.loginHint || a.id === c.loginHint) ?? accounts[0]) : undefined;
    const scopes = opts.granted ? opts.granted.filter((s) => c.scopes.includes(s)) : c.scopes;
    if (opts.allow && c.scopes.length && !scopes.length) throw new Error('invalid_scope: none of the granted scopes was requested');
    return this.issueCode(c, user, scopes);
  }

  private async addAccount(req: ExRequest, res: ExResponse): Promise<void> {
    const id = String(req.body?.consent_id ?? '');
    if (!this.consent(id)) return this.expired(res);
    const name = String(req.body?.name ?? '').trim().slice(0, 80);
    const email = String(req.body?.email ?? '').trim().slice(0, 120);
    if (!name || !/^[^\s@]+@[^\s@]+$/.test(email)) {
      req.params.id = id;
      return this.showConsent(req, res, 'To add an account, enter a name and a valid email address.', 400);
    }
    const persona = await addPersona(this.deps.hub, name, email);
    this.deps.hub.events.emit({ kind: 'persona', summary: `Persona ${persona.name} added from the ${this.profile.title} account picker`, userId: persona.id });
    res.redirect(302, `${this.deps.basePath}/consent/${id}?account=${encodeURIComponent(persona.id)}`);
  }

  private clientAuthenticated(req: ExRequest): boolean {
    const header = req.get('authorization') ?? '';
    if (/^basic\s+/i.test(header)) return true;
    return typeof req.body?.client_id === 'string' && typeof req.body?.client_secret === 'string';
  }

  private async token(req: ExRequest, res: ExResponse): Promise<void> {
    res.set({ 'Cache-Control': 'no-store', Pragma: 'no-cache' });
    // Our clients are confidential: unlike the library's PKCE-only path, a client secret is required.
    if (!this.clientAuthenticated(req)) {
      res.status(401).set('WWW-Authenticate', 'Basic realm="token"').json({ error: 'invalid_client', error_description: 'Client authentication is required (client_secret_basic or client_secret_post).' });
      return;
    }
    const body = { ...(req.body as Record<string, string>) };
    // RFC 6749 5.2: a redirect_uri that differs from the authorization request's is invalid_grant
    // (the library answers invalid_request); the code is burned as any failed redemption.
    const client = this.authenticatedClient(req);
    if (client && body.grant_type === 'authorization_code' && typeof body.code === 'string') {
      const issuedFor = this.model.codeRedirectUri(body.code, client.id);
      if (issuedFor !== undefined && body.redirect_uri !== issuedFor) {
        this.model.burnCode(body.code);
        res.status(400).json({ error: 'invalid_grant', error_description: 'redirect_uri does not match the one of the authorization request.' });
        return;
      }
    }
    if (body.scope) body.scope = splitScopes(this.profile, body.scope).join(' ');
    const request = new OAuth2Server.Request({ method: req.method, headers: req.headers as Record<string, string>, query: {}, body });
    const response = new OAuth2Server.Response({ headers: {} });
    try {
      await this.oauth.token(request, response);
    } catch (e) {
      if (!(e instanceof OAuth2Server.OAuthError)) throw e;
    }
    for (const [k, v] of Object.entries(response.headers ?? {})) res.set(k, String(v));
    const out = { ...(response.body as Record<string, unknown>) };
    // The library answers with space-separated scopes; the provider's own separator is used instead.
    if (typeof out.scope === 'string') out.scope = joinScopes(this.profile, out.scope.split(' '));
    // The library derives expires_in from the expiry date a moment later, which can round down to
    // one second less; every token here lives exactly the provider's lifetime.
    if (typeof out.expires_in === 'number') out.expires_in = this.profile.expiresInSeconds;
    res.status(response.status ?? 200).json(out);
  }

  /** The client a token or revocation request authenticates as (basic or post), if valid. */
  private authenticatedClient(req: ExRequest): ProviderClient | undefined {
    let clientId: string | undefined;
    let secret: string | undefined;
    const basic = (req.get('authorization') ?? '').match(/^basic\s+(.+)$/i);
    if (basic) {
      const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
      const i = decoded.indexOf(':');
      if (i > 0) {
        clientId = decodeURIComponent(decoded.slice(0, i).replace(/\+/g, ' '));
        secret = decodeURIComponent(decoded.slice(i + 1).replace(/\+/g, ' '));
      }
    } else {
      clientId = typeof req.body?.client_id === 'string' ? req.body.client_id : undefined;
      secret = typeof req.body?.client_secret === 'string' ? req.body.client_secret : undefined;
    }
    const client = clientId ? this.find(clientId) : undefined;
    if (!client || secret === undefined || !client.secret || secret !== client.secret) return undefined;
    return client;
  }

  /** RFC 7009: authenticates the client, revokes the token if it is the client's, answers 200. */
  private revoke(req: ExRequest, res: ExResponse): void {
    res.set({ 'Cache-Control': 'no-store' });
    const client = this.authenticatedClient(req);
    if (!client) {
      res.status(401).set('WWW-Authenticate', 'Basic realm="revoke"').json({ error: 'invalid_client', error_description: 'Client authentication failed.' });
      return;
    }
    const token = req.body?.token;
    if (typeof token !== 'string' || !token) {
      res.status(400).json({ error: 'invalid_request', error_description: 'Missing parameter: token.' });
      return;
    }
    this.model.revoke(token, client.id);
    res.status(200).end();
  }

  private async userinfo(req: ExRequest, res: ExResponse): Promise<void> {
    const request = new OAuth2Server.Request({ method: req.method, headers: req.headers as Record<string, string>, query: {}, body: {} });
    const response = new OAuth2Server.Response({ headers: {} });
    try {
      const token = await this.oauth.authenticate(request, response);
      const user = token.user as ProviderUser;
      res.json({ sub: user.id, name: user.name, email: user.email, login: user.email.split('@')[0], scope: joinScopes(this.profile, token.scope ?? []) });
    } catch (e) {
      if (!(e instanceof OAuth2Server.OAuthError)) throw e;
      const code = e.name === 'unauthorized_request' ? 'invalid_token' : e.name;
      res.status(e.code === 400 ? 400 : 401).set('WWW-Authenticate', `Bearer error="${code}"`).json({ error: code, error_description: e.message });
    }
  }

  private fail(res: ExResponse, e: unknown): void {
    // Never echo request bodies: they may hold client secrets or tokens.
    const message = e instanceof Error ? e.message : String(e);
    this.deps.hub.events.emit({ kind: 'integration', summary: `${this.profile.title} provider error: ${message}` });
    if (!res.headersSent) res.status(500).json({ error: 'server_error', error_description: 'The simulated provider failed; see the emulator log.' });
  }

  private sweep(): void {
    const now = this.deps.hub.clock.now();
    for (const [k, v] of this.consents) if (now - v.createdAt > CONSENT_LIFETIME_MS) this.consents.delete(k);
    this.model.sweep();
  }
}

