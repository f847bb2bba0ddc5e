// The emulator as the OAuth client, as the platform is: builds authorization URLs (PKCE S256 and
// state), exchanges codes, refreshes and revokes tokens, all through oauth4webapi. The same code
// talks to the simulated providers and, in real-provider mode, to the real ones.
import * as oauth from 'oauth4webapi';

export interface ClientEndpoints {
  issuer: string;
  authorize: string;
  token: string;
  revoke?: string;
  /** Extra authorization parameters (e.g. Google's access_type=offline). */
  authorizeParams?: Record<string, string>;
}

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

export interface TokenSet {
  accessToken: string;
  tokenType: string;
  refreshToken?: string;
  expiresIn?: number;
  /** The raw `scope` of the response, when the provider sent one. */
  scope?: string;
}

/** An OAuth error answered by the provider (`error` is the RFC 6749 code). */
export class OAuthProtocolError extends Error {
  constructor(
    readonly error: string,
    readonly description: string,
    readonly status?: number,
  ) {
    super(`${error}${description ? `: ${description}` : ''}`);
  }
}

function server(e: ClientEndpoints): oauth.AuthorizationServer {
  return { issuer: e.issuer, authorization_endpoint: e.authorize, token_endpoint: e.token, revocation_endpoint: e.revoke };
}

/**
 * GitHub answers token errors with HTTP 200 and an `error` member; the RFC says 400. Such answers
 * are turned into the 400 they stand for, so they surface as OAuth errors (bad_verification_code,
 * invalid_grant...) instead of a malformed-response failure.
 */
async function tokenFetch(url: string, init: RequestInit): Promise<Response> {
  const r = await fetch(url, init);
  if (r.status !== 200 || !(r.headers.get('content-type') ?? '').includes('json')) return r;
  const text = await r.text();
  let status = 200;
  try {
    const body = JSON.parse(text) as { error?: unknown; access_token?: unknown };
    if (typeof body.error === 'string' && body.access_token === undefined) status = 400;
  } catch {
    // Not JSON after all: let oauth4webapi report it.
  }
  return new Response(text, { status, headers: r.headers });
}

function options(e: ClientEndpoints): { [oauth.allowInsecureRequests]?: boolean; [oauth.customFetch]: typeof tokenFetch; signal: AbortSignal } {
  // Loopback simulated providers speak plain HTTP; real providers are HTTPS.
  const insecure = e.token.startsWith('http://');
  return { ...(insecure ? { [oauth.allowInsecureRequests]: true } : {}), [oauth.customFetch]: tokenFetch, signal: AbortSignal.timeout(15000) };
}

function toTokenSet(r: oauth.TokenEndpointResponse): TokenSet {
  return {
    accessToken: r.access_token,
    tokenType: r.token_type === 'bearer' ? 'Bearer' : r.token_type,
    refreshToken: r.refresh_token,
    expiresIn: typeof r.expires_in === 'number' ? r.expires_in : undefined,
    scope: typeof r.scope === 'string' ? r.scope : undefined,
  };
}

async function rethrow(e: unknown): Promise<never> {
  if (e instanceof oauth.ResponseBodyError) throw new OAuthProtocolError(e.error, e.error_description ?? '', e.status);
  if (e instanceof oauth.AuthorizationResponseError) throw new OAuthProtocolError(e.error, e.error_description ?? '');
  if (e instanceof oauth.WWWAuthenticateChallengeError) {
    // A 401 with a challenge (e.g. invalid_client): the JSON body still carries the OAuth error.
    const body = (await e.response.json().catch(() => ({}))) as { error?: string; error_description?: string };
    throw new OAuthProtocolError(body.error ?? e.cause[0]?.parameters.error ?? 'invalid_client', body.error_description ?? '', e.status);
  }
  throw e;
}

export interface AuthorizationStart {
  url: string;
  state: string;
  codeVerifier: string;
}

export async function startAuthorization(e: ClientEndpoints, c: Pick<ClientCredentials, 'clientId'>, p: { redirectUri: string; scope: string; loginHint?: string }): Promise<AuthorizationStart> {
  const codeVerifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const url = new URL(e.authorize);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', c.clientId);
  url.searchParams.set('redirect_uri', p.redirectUri);
  if (p.scope) url.searchParams.set('scope', p.scope);
  url.searchParams.set('state', state);
  url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(codeVerifier));
  url.searchParams.set('code_challenge_method', 'S256');
  if (p.loginHint) url.searchParams.set('login_hint', p.loginHint);
  for (const [k, v] of Object.entries(e.authorizeParams ?? {})) url.searchParams.set(k, v);
  return { url: url.toString(), state, codeVerifier };
}

/** Checks the callback against the expected state and exchanges the code (RFC 6749 4.1.3). */
export async function finishAuthorization(e: ClientEndpoints, c: ClientCredentials, callback: URL, expectedState: string, redirectUri: string, codeVerifier: string): Promise<TokenSet> {
  const as = server(e);
  const client: oauth.Client = { client_id: c.clientId };
  try {
    const params = oauth.validateAuthResponse(as, client, callback, expectedState);
    const response = await oauth.authorizationCodeGrantRequest(as, client, oauth.ClientSecretPost(c.clientSecret), params, redirectUri, codeVerifier, options(e));
    return toTokenSet(await oauth.processAuthorizationCodeResponse(as, client, response));
  } catch (err) {
    return rethrow(err);
  }
}

export async function refreshTokens(e: ClientEndpoints, c: ClientCredentials, refreshToken: string): Promise<TokenSet> {
  const as = server(e);
  const client: oauth.Client = { client_id: c.clientId };
  try {
    const response = await oauth.refreshTokenGrantRequest(as, client, oauth.ClientSecretPost(c.clientSecret), refreshToken, options(e));
    return toTokenSet(await oauth.processRefreshTokenResponse(as, client, response));
  } catch (err) {
    return rethrow(err);
  }
}

/** RFC 7009 revocation; resolves when the provider accepted it. */
export async function revokeToken(e: ClientEndpoints, c: ClientCredentials, token: string, hint: 'access_token' | 'refresh_token'): Promise<void> {
  if (!e.revoke) throw new OAuthProtocolError('unsupported_operation', 'the provider has no revocation endpoint');
  const as = server(e);
  const client: oauth.Client = { client_id: c.clientId };
  try {
    const response = await oauth.revocationRequest(as, client, oauth.ClientSecretPost(c.clientSecret), token, { ...options(e), additionalParameters: { token_type_hint: hint } });
    await oauth.processRevocationResponse(response);
  } catch (err) {
    return rethrow(err);
  }
}
