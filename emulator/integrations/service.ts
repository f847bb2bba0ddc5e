// The integrations module's core: the simulated providers, the emulator's OAuth client and the
// secret forms, tied to the hub's prompts and store. Routes (routes/*.ts) and the fault panel call
// into this; nothing here renders HTML.
import type { Hub, PendingPrompt, PromptAnswer, PromptBroker } from '../hub';
import type { StoredIntegration } from '../store/schema';
import { dict } from '../store/dict';
import { catalog } from '../../catalog/catalog';
import { ProviderServer, CALLBACK_PATH } from './auth-server/server';
import { findAppIntegration, generatedNote, resolveClientConfig, type ClientConfig } from './client-config';
import { finishAuthorization, OAuthProtocolError, refreshTokens, revokeToken, startAuthorization, type ClientEndpoints, type TokenSet } from './oauth-client';
import { catalogProvider, joinScopes, providerForType, providerIdForType, splitGrantedScopes, type ProviderProfile } from './providers';
import { realEndpoints, realSetting } from './real-mode';
import { personaEmail, personasAsUsers } from './personas';
import { fieldLabel } from './fields';
import { PIPEDREAM_FIELDS, defaultBaseUrl, pipedreamCredential, validatePipedreamValues } from './pipedream';

/** Tokens this close to expiry are refreshed before the app sees them (as platforms do). */
export const REFRESH_SKEW_S = 60;
const FLOW_LIFETIME_MS = 15 * 60 * 1000;
const RETRY_AFTER_FAILURE_MS = 60 * 1000;

/** What the user is connecting: from a pending prompt, or from a non-blocking card. */
export interface ConnectTarget {
  app: string;
  userId: string;
  type: string;
  sessionId?: string;
  promptId?: string;
}

interface Flow extends ConnectTarget {
  state: string;
  codeVerifier: string;
  providerId: string;
  real: boolean;
  scopes: string[];
  createdAt: number; // virtual ms
}

/** Which app's client a stored connection belongs to (the store's record does not say). */
interface ConnectionMeta {
  app: string;
  real: boolean;
}

export type CallbackOutcome =
  | { ok: true; target: ConnectTarget; provider: ProviderProfile; account?: string; scopes: string[] }
  | { ok: false; error: string; description: string; target?: ConnectTarget; provider?: ProviderProfile };

export class IntegrationError extends Error {
  constructor(
    message: string,
    readonly status = 400,
    readonly provider?: ProviderProfile,
  ) {
    super(message);
  }
}

export class IntegrationsService {
  private readonly servers = new Map<string, ProviderServer>();
  private readonly flows = new Map<string, Flow>();
  private readonly meta = new Map<string, ConnectionMeta>();
  private readonly inflight = new Map<string, Promise<RefreshResult>>();
  /** Injected refresh failures for connections in real-provider mode (the provider is not ours). */
  private readonly failNextReal = new Set<string>();
  /** Connections whose last automatic refresh failed without dropping them: retry after this. */
  private readonly retryAfter = new Map<string, number>();

  constructor(readonly hub: Hub) {}

  // -- simulated providers -------------------------------------------------------------------

  /** The simulated server of a provider family, created on first use (custom types lazily). */
  server(providerId: string): ProviderServer | undefined {
    let s = this.servers.get(providerId);
    if (s) return s;
    const known = catalog.providers.has(providerId);
    const customDeclared = !known && this.hub.apps().some((a) => a.integrations.some((i) => i.mode === 'oauth' && i.type === providerId && !catalog.integrations.has(i.type)));
    if (!known && !customDeclared) return undefined;
    const profile = catalogProvider(providerId) ?? providerForType(providerId);
    s = new ProviderServer(profile, { hub: this.hub, basePath: `/oauth/${encodeURIComponent(providerId)}` });
    this.servers.set(providerId, s);
    return s;
  }

  private simulatedEndpoints(providerId: string): ClientEndpoints {
    const s = this.server(providerId);
    if (!s) throw new IntegrationError(`No OAuth provider is simulated for ${providerId}.`, 404);
    const e = s.endpoints();
    return { issuer: e.issuer, authorize: e.authorize, token: e.token, revoke: e.revoke };
  }

  private endpointsFor(type: string, real: boolean): ClientEndpoints {
    if (!real) return this.simulatedEndpoints(providerIdForType(type));
    const r = realEndpoints(this.hub, type);
    if ('problem' in r) throw new IntegrationError(r.problem, 409, providerForType(type));
    return r;
  }

  redirectUri(): string {
    return `${this.hub.url}${CALLBACK_PATH}`;
  }

  // -- starting a connection ------------------------------------------------------------------

  /** The target of a pending prompt, or an error when it is gone. */
  targetOfPrompt(id: string): { target: ConnectTarget; prompt: PendingPrompt } {
    const prompt = this.hub.prompts.get(id);
    if (!prompt) throw new IntegrationError('This integration prompt is no longer pending: it was answered, denied or it timed out.', 404);
    return { prompt, target: { app: prompt.app, userId: prompt.userId, type: prompt.type, sessionId: prompt.sessionId, promptId: prompt.id } };
  }

  modeOf(target: ConnectTarget): 'oauth' | 'secret' | 'pipedream' {
    const found = findAppIntegration(this.hub, target.app, target.type);
    if (found) return found.integration.mode as 'oauth' | 'secret' | 'pipedream';
    return catalog.integrations.get(target.type)?.mode ?? 'oauth';
  }

  private clientConfig(target: Pick<ConnectTarget, 'app' | 'type'>, real: boolean): ClientConfig & { clientId: string; clientSecret: string } {
    const found = findAppIntegration(this.hub, target.app, target.type);
    const provider = providerForType(target.type);
    if (!found) throw new IntegrationError(`The app ${target.app} does not declare the ${target.type} integration (app.add_integration("${target.type}", ...)).`, 404, provider);
    const cfg = resolveClientConfig(this.hub, found.app.name, found.integration, { simulated: !real });
    if (cfg.problems.length || !cfg.clientId || !cfg.clientSecret) {
      throw new IntegrationError(cfg.problems.join(' ') || `The ${target.type} OAuth client is incomplete.`, 400, provider);
    }
    return cfg as ClientConfig & { clientId: string; clientSecret: string };
  }

  /** Builds the authorization URL for a connection (the Connect button of the chat card). */
  async beginOAuth(target: ConnectTarget): Promise<string> {
    const found = findAppIntegration(this.hub, target.app, target.type);
    const real = realSetting(this.hub, target.type).enabled;
    const cfg = this.clientConfig(target, real);
    const endpoints = this.endpointsFor(target.type, real);
    const provider = providerForType(target.type);
    const scopes = found?.integration.scopes ?? [];
    const persona = this.hub.read().personas.find((p) => p.id === target.userId);
    const start = await startAuthorization(endpoints, cfg, {
      redirectUri: this.redirectUri(),
      scope: joinScopes(provider, scopes),
      loginHint: persona ? personaEmail(persona) : undefined,
    });
    this.sweepFlows();
    this.flows.set(start.state, { ...target, state: start.state, codeVerifier: start.codeVerifier, providerId: providerIdForType(target.type), real, scopes, createdAt: this.hub.clock.now() });
    this.hub.events.emit({ kind: 'integration', summary: `${target.type}: authorization started for ${target.userId}${real ? ' (real provider)' : ''}`, app: target.app, userId: target.userId, sessionId: target.sessionId, detail: { type: target.type, scopes, real } });
    const note = generatedNote(cfg);
    if (note) this.hub.events.emit({ kind: 'integration', summary: `${target.type}: ${note}`, app: target.app, userId: target.userId, sessionId: target.sessionId, detail: { type: target.type, generated: cfg.generated } });
    return start.url;
  }

  // -- the callback ------------------------------------------------------------------------

  async handleCallback(url: URL): Promise<CallbackOutcome> {
    const state = url.searchParams.get('state') ?? '';
    const flow = this.flows.get(state);
    if (!flow || this.hub.clock.now() - flow.createdAt > FLOW_LIFETIME_MS) {
      if (flow) this.flows.delete(state);
      // Unknown state: a forged or replayed callback. Nothing is exchanged or stored.
      return { ok: false, error: 'invalid_state', description: 'This sign-in response does not match any connection the emulator started (unknown or expired state). Start again from the chat.' };
    }
    this.flows.delete(state);
    const provider = providerForType(flow.type);
    const target: ConnectTarget = { app: flow.app, userId: flow.userId, type: flow.type, sessionId: flow.sessionId, promptId: flow.promptId };
    try {
      const cfg = this.clientConfig(flow, flow.real);
      const endpoints = this.endpointsFor(flow.type, flow.real);
      const tokens = await finishAuthorization(endpoints, cfg, url, flow.state, this.redirectUri(), flow.codeVerifier);
      const scopes = tokens.scope !== undefined ? splitGrantedScopes(tokens.scope) : flow.scopes;
      const account = flow.real ? undefined : await this.accountOf(flow.providerId, tokens.accessToken);
      const credential = this.credentialFrom(flow.type, tokens, scopes, account);
      await this.connect(target, credential, { app: flow.app, real: flow.real });
      return { ok: true, target, provider, account, scopes };
    } catch (e) {
      const err = e instanceof OAuthProtocolError ? e : e instanceof IntegrationError ? new OAuthProtocolError('invalid_request', e.message) : new OAuthProtocolError('server_error', e instanceof Error ? e.message : String(e));
      this.hub.events.emit({ kind: 'integration', summary: `${flow.type}: connection for ${flow.userId} failed: ${err.error}`, app: flow.app, userId: flow.userId, sessionId: flow.sessionId, detail: { type: flow.type, error: err.error } });
      // The user said no (or the provider refused): the waiting handler gets IntegrationDeclined.
      if (err.error === 'access_denied' || err.error === 'invalid_scope') this.declineTarget(target);
      return { ok: false, error: err.error, description: err.description, target, provider };
    }
  }

  /** The account the simulated provider signed in (its userinfo endpoint). */
  private async accountOf(providerId: string, accessToken: string): Promise<string | undefined> {
    const s = this.server(providerId);
    if (!s) return undefined;
    try {
      const r = await fetch(s.endpoints().userinfo, { headers: { authorization: `Bearer ${accessToken}` }, signal: AbortSignal.timeout(5000) });
      if (!r.ok) return undefined;
      const body = (await r.json()) as { email?: string };
      return body.email;
    } catch {
      return undefined;
    }
  }

  private credentialFrom(type: string, t: TokenSet, scopes: string[], account: string | undefined, previous?: StoredIntegration): StoredIntegration {
    const nowS = Math.floor(this.hub.clock.now() / 1000);
    return {
      type,
      mode: 'oauth',
      accessToken: t.accessToken,
      tokenType: t.tokenType || 'Bearer',
      scopes,
      expiresAt: t.expiresIn ? nowS + t.expiresIn : 0,
      fields: {},
      refreshToken: t.refreshToken ?? previous?.refreshToken,
      connectedAt: previous?.connectedAt ?? new Date(this.hub.clock.now()).toISOString(),
      account: account ?? previous?.account,
    };
  }

  /** Stores a new connection: answers every pending prompt of that user and type, or stores it. */
  async connect(target: ConnectTarget, credential: StoredIntegration, meta: ConnectionMeta): Promise<void> {
    this.meta.set(key(target.userId, target.type), meta);
    const pending = this.hub.prompts.list().filter((p) => p.userId === target.userId && p.type === target.type);
    let answered = false;
    for (const p of pending) answered = (await this.answer(p.id, { allow: true, credential })) || answered;
    if (!answered) {
      // No prompt waits (a show_integration card, or the prompt timed out): store it directly.
      await this.hub.update((d) => {
        (d.integrations[target.userId] ??= dict())[target.type] = credential;
      });
    }
    const detail =
      credential.mode === 'oauth'
        ? { type: target.type, scopes: credential.scopes, expiresAt: credential.expiresAt, account: credential.account }
        : credential.mode === 'pipedream'
          ? { type: target.type, mode: 'pipedream', apiBaseUrl: credential.fields.api_base_url, account: credential.account }
          : { type: target.type, fields: Object.keys(credential.fields) };
    this.hub.events.emit({ kind: 'integration', summary: `${target.type} connected for ${target.userId}`, app: target.app, userId: target.userId, sessionId: target.sessionId, detail });
  }

  /**
   * Answers a prompt; waits until the credential is stored when the broker can say so (the
   * gateway's answerDurably), so the page saying "connected" never runs ahead of the store.
   */
  private async answer(id: string, answer: PromptAnswer): Promise<boolean> {
    const broker = this.hub.prompts as PromptBroker & { answerDurably?: (id: string, a: PromptAnswer) => Promise<void> };
    try {
      if (broker.answerDurably) await broker.answerDurably(id, answer);
      else broker.answer(id, answer);
      return true;
    } catch {
      // Answered or timed out in the meantime: nothing is waiting any more.
      return false;
    }
  }

  /** Denies the prompt behind a target (and every other pending prompt of that user and type). */
  declineTarget(target: ConnectTarget): void {
    const pending = this.hub.prompts.list().filter((p) => p.id === target.promptId || (p.userId === target.userId && p.type === target.type));
    for (const p of pending) void this.answer(p.id, { allow: false });
    if (pending.length) this.hub.events.emit({ kind: 'integration', summary: `${target.type} declined for ${target.userId}`, app: target.app, userId: target.userId, sessionId: target.sessionId, detail: { type: target.type } });
  }

  // -- secret forms --------------------------------------------------------------------------

  /** The fields of a secret-form integration: required (declared) and optional (catalog). */
  formFields(target: ConnectTarget, prompt?: PendingPrompt): { required: string[]; optional: string[] } {
    const declared = prompt?.fields.length ? prompt.fields : (findAppIntegration(this.hub, target.app, target.type)?.integration.fields ?? catalog.integrations.get(target.type)?.fields ?? []);
    const optional = (catalog.integrations.get(target.type)?.optionalFields ?? []).filter((f) => !declared.includes(f));
    return { required: [...declared], optional };
  }

  /** Validates submitted fields; returns per-field messages (empty when valid). */
  validateFields(fields: { required: string[]; optional: string[] }, values: Record<string, string>): Record<string, string> {
    const errors: Record<string, string> = {};
    for (const f of fields.required) {
      if (!(values[f] ?? '').trim()) errors[f] = `${fieldLabel(f)} is required.`;
    }
    for (const f of [...fields.required, ...fields.optional]) {
      if ((values[f] ?? '').length > 8192) errors[f] = `${fieldLabel(f)} is too long (at most 8192 characters).`;
    }
    return errors;
  }

  async submitFields(target: ConnectTarget, fields: { required: string[]; optional: string[] }, values: Record<string, string>): Promise<void> {
    const kept: Record<string, string> = dict();
    for (const f of [...fields.required, ...fields.optional]) {
      const v = (values[f] ?? '').trim();
      if (v) kept[f] = v;
    }
    const credential: StoredIntegration = {
      type: target.type,
      mode: 'secret',
      accessToken: '',
      tokenType: 'fields',
      scopes: [],
      expiresAt: 0,
      fields: kept,
      connectedAt: new Date(this.hub.clock.now()).toISOString(),
    };
    await this.connect(target, credential, { app: target.app, real: false });
  }

  // -- Pipedream accounts (pipedream.ts) ----------------------------------------------------------

  /** The base URL the connect page prefills: the declaration's `api_base_url`, else a known app's. */
  pipedreamDefaults(target: ConnectTarget, prompt?: PendingPrompt): ReturnType<typeof defaultBaseUrl> {
    const declared = prompt?.fields.length ? prompt.fields : (findAppIntegration(this.hub, target.app, target.type)?.integration.fields ?? []);
    return defaultBaseUrl(target.type, declared);
  }

  /** Validates and stores the account the developer connected; returns per-field problems instead when invalid. */
  async submitPipedream(target: ConnectTarget, values: Record<string, string>): Promise<Record<string, string>> {
    const errors = validatePipedreamValues(values);
    if (Object.keys(errors).length) return errors;
    await this.connect(target, pipedreamCredential(target.type, values, this.hub.clock.now()), { app: target.app, real: false });
    return {};
  }

  // -- refresh, expiry, revocation -------------------------------------------------------------

  stored(userId: string, type: string): StoredIntegration | undefined {
    return this.hub.read().integrations[userId]?.[type];
  }

  private metaOf(userId: string, type: string): ConnectionMeta | undefined {
    const m = this.meta.get(key(userId, type));
    if (m) return m;
    const found = findAppIntegration(this.hub, undefined, type);
    return found ? { app: found.app.name, real: realSetting(this.hub, type).enabled } : undefined;
  }

  /** Refreshes every expired OAuth connection of the user (the hub's refreshIntegrations seam). */
  async refreshUser(userId: string): Promise<void> {
    const all = this.hub.read().integrations[userId] ?? {};
    const nowS = this.hub.clock.now() / 1000;
    const due = Object.values(all).filter(
      (c) => c.mode === 'oauth' && c.refreshToken && c.expiresAt && c.expiresAt - REFRESH_SKEW_S <= nowS && !((this.retryAfter.get(key(userId, c.type)) ?? 0) > this.hub.clock.now()),
    );
    await Promise.all(due.map((c) => this.refresh(userId, c.type).catch(() => undefined)));
  }

  /** Refreshes one connection now; concurrent callers share one refresh (rotation-safe). */
  refresh(userId: string, type: string): Promise<RefreshResult> {
    const k = key(userId, type);
    const running = this.inflight.get(k);
    if (running) return running;
    const p = this.doRefresh(userId, type).finally(() => this.inflight.delete(k));
    this.inflight.set(k, p);
    return p;
  }

  private async doRefresh(userId: string, type: string): Promise<RefreshResult> {
    const current = this.stored(userId, type);
    if (!current || current.mode !== 'oauth') return { outcome: 'none' };
    if (!current.refreshToken) return { outcome: 'failed', error: 'no_refresh_token', description: 'The provider issued no refresh token.' };
    const meta = this.metaOf(userId, type);
    if (!meta) return { outcome: 'failed', error: 'invalid_client', description: `No served app declares ${type}.` };
    try {
      const cfg = this.clientConfig({ app: meta.app, type }, meta.real);
      const endpoints = this.endpointsFor(type, meta.real);
      if (meta.real && this.failNextReal.delete(key(userId, type))) throw new OAuthProtocolError('invalid_grant', 'refresh failure injected from the integrations panel');
      if (!meta.real) this.adoptIfUnknown(userId, type, current, cfg.clientId);
      const tokens = await refreshTokens(endpoints, cfg, current.refreshToken);
      const scopes = tokens.scope !== undefined ? splitGrantedScopes(tokens.scope) : current.scopes;
      const credential = this.credentialFrom(type, tokens, scopes, undefined, current);
      await this.hub.update((d) => {
        const mine = d.integrations[userId]?.[type];
        // Only replace the record we refreshed (it may have been revoked or reconnected meanwhile).
        if (mine && mine.refreshToken === current.refreshToken) d.integrations[userId]![type] = credential;
      });
      this.retryAfter.delete(key(userId, type));
      this.hub.events.emit({ kind: 'integration', summary: `${type} token refreshed for ${userId}`, app: meta.app, userId, detail: { type, expiresAt: credential.expiresAt } });
      return { outcome: 'refreshed', expiresAt: credential.expiresAt };
    } catch (e) {
      const err = e instanceof OAuthProtocolError ? e : new OAuthProtocolError('temporarily_unavailable', e instanceof Error ? e.message : String(e));
      // invalid_grant: the grant is dead (revoked, expired refresh token); the user must reconnect,
      // so the connection is dropped and the next prompt_integration asks again.
      const dropped = err.error === 'invalid_grant';
      if (dropped) await this.drop(userId, type, current.refreshToken);
      // A failure that keeps the connection (unreachable provider, undefined client secret) is not
      // retried on every read: the app keeps the stored token for a while and the log stays calm.
      else this.retryAfter.set(key(userId, type), this.hub.clock.now() + RETRY_AFTER_FAILURE_MS);
      this.hub.events.emit({ kind: 'integration', summary: `${type} token refresh for ${userId} failed: ${err.error}${dropped ? ' (connection removed; the user must reconnect)' : ''}`, app: meta.app, userId, detail: { type, error: err.error } });
      return { outcome: dropped ? 'dropped' : 'failed', error: err.error, description: err.description };
    }
  }

  /** After an emulator restart the simulated provider re-learns tokens recorded in the store. */
  private adoptIfUnknown(userId: string, type: string, c: StoredIntegration, clientId: string): void {
    const s = this.server(providerIdForType(type));
    if (!s || !c.refreshToken || s.model.knowsRefreshToken(c.refreshToken)) return;
    const user = personasAsUsers(this.hub.read().personas).find((p) => p.email === c.account || p.id === userId) ?? { id: userId, name: userId, email: c.account ?? '' };
    s.model.adopt({ accessToken: c.accessToken, accessExpiresAtMs: c.expiresAt * 1000, refreshToken: c.refreshToken, scope: c.scopes, clientId, user });
  }

  private async drop(userId: string, type: string, refreshToken?: string): Promise<void> {
    await this.hub.update((d) => {
      const mine = d.integrations[userId]?.[type];
      if (mine && (refreshToken === undefined || mine.refreshToken === refreshToken)) delete d.integrations[userId]![type];
    });
    this.meta.delete(key(userId, type));
  }

  /** Expires the access token now: the stored record and, when simulated, at the provider. */
  async expire(userId: string, type: string): Promise<void> {
    const c = this.stored(userId, type);
    if (!c) throw new IntegrationError(`${userId} has no ${type} connection.`, 404);
    if (c.mode !== 'oauth') throw new IntegrationError(`${type} is ${c.mode === 'pipedream' ? 'connected through Pipedream' : 'a secret-form integration'}; it has no token to expire.`, 409);
    const meta = this.metaOf(userId, type);
    if (!meta?.real) this.server(providerIdForType(type))?.model.expireAccessToken(c.accessToken);
    const past = Math.floor(this.hub.clock.now() / 1000) - 1;
    await this.hub.update((d) => {
      const mine = d.integrations[userId]?.[type];
      if (mine) mine.expiresAt = past;
    });
    this.hub.events.emit({ kind: 'integration', summary: `${type} access token of ${userId} expired from the integrations panel`, userId, detail: { type } });
  }

  /** Revokes at the provider (RFC 7009, both tokens) and removes the connection. */
  async revoke(userId: string, type: string): Promise<{ providerRevoked: boolean; note?: string }> {
    const c = this.stored(userId, type);
    if (!c) throw new IntegrationError(`${userId} has no ${type} connection.`, 404);
    let providerRevoked = false;
    let note: string | undefined;
    if (c.mode === 'oauth') {
      const meta = this.metaOf(userId, type);
      try {
        if (!meta) throw new IntegrationError(`No served app declares ${type}.`);
        const cfg = this.clientConfig({ app: meta.app, type }, meta.real);
        const endpoints = this.endpointsFor(type, meta.real);
        if (c.refreshToken) await revokeToken(endpoints, cfg, c.refreshToken, 'refresh_token');
        await revokeToken(endpoints, cfg, c.accessToken, 'access_token');
        providerRevoked = true;
      } catch (e) {
        note = `the provider was not told (${e instanceof OAuthProtocolError ? e.error : e instanceof Error ? e.message : String(e)}); the connection is removed locally`;
      }
    }
    await this.drop(userId, type);
    this.hub.events.emit({ kind: 'integration', summary: `${type} connection of ${userId} revoked${note ? `; ${note}` : ''}`, userId, detail: { type, providerRevoked } });
    return { providerRevoked, note };
  }

  /** Makes the next refresh of this connection fail with invalid_grant. */
  setFailNextRefresh(userId: string, type: string, on: boolean): void {
    const c = this.stored(userId, type);
    if (!c?.refreshToken) throw new IntegrationError(`${userId} has no ${type} connection with a refresh token.`, 404);
    const meta = this.metaOf(userId, type);
    if (meta?.real) {
      if (on) this.failNextReal.add(key(userId, type));
      else this.failNextReal.delete(key(userId, type));
      return;
    }
    const s = this.server(providerIdForType(type));
    const found = findAppIntegration(this.hub, meta?.app, type);
    if (s && found) this.adoptIfUnknown(userId, type, c, resolveClientConfig(this.hub, found.app.name, found.integration, { simulated: true }).clientId ?? '');
    s?.model.failNextRefresh(c.refreshToken, on);
    this.hub.events.emit({ kind: 'integration', summary: `${type}: next token refresh of ${userId} will ${on ? 'fail' : 'succeed'} (integrations panel)`, userId, detail: { type } });
  }

  willFailNextRefresh(userId: string, type: string): boolean {
    const c = this.stored(userId, type);
    if (!c?.refreshToken) return false;
    if (this.failNextReal.has(key(userId, type))) return true;
    return this.server(providerIdForType(type))?.model.willFailNextRefresh(c.refreshToken) ?? false;
  }

  isReal(userId: string, type: string): boolean {
    return this.metaOf(userId, type)?.real ?? false;
  }

  // -- the fault panel's approve / deny ------------------------------------------------------

  /**
   * Approves a pending prompt without a browser. OAuth runs the whole protocol against the
   * simulated provider (authorize, consent decision, callback, code exchange); secret forms are
   * validated as the form would.
   */
  async approve(promptId: string, opts: { scopes?: string[]; account?: string; fields?: Record<string, string> }): Promise<CallbackOutcome | { ok: true }> {
    const { prompt, target } = this.targetOfPrompt(promptId);
    const mode = this.modeOf(target);
    if (mode === 'secret') {
      const fields = this.formFields(target, prompt);
      const values = opts.fields ?? {};
      const errors = this.validateFields(fields, values);
      if (Object.keys(errors).length) throw new IntegrationError(Object.values(errors).join(' '), 400);
      await this.submitFields(target, fields, values);
      return { ok: true };
    }
    if (mode === 'pipedream') {
      const values: Record<string, string> = dict();
      for (const [k, v] of Object.entries(dict(opts.fields))) values[k] = String(v);
      values[PIPEDREAM_FIELDS.baseUrl] ||= this.pipedreamDefaults(target, prompt)?.url ?? '';
      const errors = await this.submitPipedream(target, values);
      if (Object.keys(errors).length) throw new IntegrationError(Object.values(errors).join(' '), 400);
      return { ok: true };
    }
    if (realSetting(this.hub, target.type).enabled) throw new IntegrationError(`${target.type} is in real-provider mode: approve it in the browser (Connect in the chat).`, 409);
    const url = await this.beginOAuth(target);
    const s = this.server(providerIdForType(target.type))!;
    const location = await s.decideHeadless(url, { allow: true, accountId: opts.account, granted: opts.scopes });
    return this.handleCallback(new URL(location));
  }

  deny(promptId: string): void {
    const { target } = this.targetOfPrompt(promptId);
    this.declineTarget(target);
  }

  private sweepFlows(): void {
    const now = this.hub.clock.now();
    for (const [k, f] of this.flows) if (now - f.createdAt > FLOW_LIFETIME_MS) this.flows.delete(k);
  }
}

export interface RefreshResult {
  outcome: 'none' | 'refreshed' | 'failed' | 'dropped';
  expiresAt?: number;
  error?: string;
  description?: string;
}

function key(userId: string, type: string): string {
  return `${userId}\u0000${type}`;
}
