// The storage model @node-oauth/oauth2-server needs for one simulated provider: clients,
// authorization codes, access and refresh tokens. Kept in memory.
//
// Time: the library checks expiry against the wall clock (`new Date()`), but the emulator runs on
// a virtual clock the dashboard can move forward. The model stores every expiry on the virtual
// clock and hands the library wall-clock Dates shifted by the same remaining time, so a clock jump
// expires codes and tokens exactly as waiting would.
import { randomBytes } from 'node:crypto';
import type OAuth2Server from '@node-oauth/oauth2-server';
import type { Clock } from '../../hub';
import { unknownScopes, type ProviderProfile } from '../providers';

export interface ProviderUser {
  id: string; // persona id
  name: string;
  email: string;
}

export interface ProviderClient extends OAuth2Server.Client {
  id: string;
  secret: string;
  app: string;
  type: string;
  redirectUris: string[];
  grants: string[];
}

interface CodeRecord {
  code: string;
  expiresAtV: number;
  redirectUri: string;
  scope: string[];
  clientId: string;
  user: ProviderUser;
  codeChallenge?: string;
  codeChallengeMethod?: string;
}

interface TokenRecord {
  grantId: string;
  accessToken: string;
  accessTokenExpiresAtV: number;
  refreshToken?: string;
  refreshTokenExpiresAtV?: number;
  scope: string[];
  clientId: string;
  user: ProviderUser;
}

export interface ClientDirectory {
  /** The client registered under `clientId`, or undefined. Secrets are resolved on each call. */
  find(clientId: string): ProviderClient | undefined;
}

export class ProviderModel implements OAuth2Server.AuthorizationCodeModel, OAuth2Server.RefreshTokenModel {
  private readonly codes = new Map<string, CodeRecord>();
  private readonly accessTokens = new Map<string, TokenRecord>();
  private readonly refreshTokens = new Map<string, TokenRecord>();
  /** Refresh tokens whose next use must fail (fault injected from the panel). */
  private readonly failNext = new Set<string>();

  constructor(
    readonly provider: ProviderProfile,
    private readonly clients: ClientDirectory,
    private readonly clock: Clock,
  ) {}

  // -- clock translation --------------------------------------------------------------------

  private toVirtual(real: Date | undefined): number | undefined {
    return real ? this.clock.now() + (real.getTime() - Date.now()) : undefined;
  }

  private toReal(virtualMs: number | undefined): Date | undefined {
    return virtualMs === undefined ? undefined : new Date(Date.now() + (virtualMs - this.clock.now()));
  }

  // -- clients --------------------------------------------------------------------------------

  async getClient(clientId: string, clientSecret: string | null): Promise<ProviderClient | false> {
    const client = this.clients.find(clientId);
    if (!client) return false;
    // The authorize endpoint looks clients up without a secret; the token endpoint always has one
    // (the router rejects token requests without client authentication before the library runs).
    if (clientSecret !== null && clientSecret !== undefined && !timingSafeEqualText(clientSecret, client.secret)) return false;
    return client;
  }

  // -- authorization codes ------------------------------------------------------------------

  async generateAuthorizationCode(): Promise<string> {
    return `c_${randomBytes(24).toString('base64url')}`;
  }

  async saveAuthorizationCode(
    code: Pick<OAuth2Server.AuthorizationCode, 'authorizationCode' | 'expiresAt' | 'redirectUri' | 'scope' | 'codeChallenge' | 'codeChallengeMethod'>,
    client: OAuth2Server.Client,
    user: OAuth2Server.User,
  ): Promise<OAuth2Server.AuthorizationCode> {
    this.codes.set(code.authorizationCode, {
      code: code.authorizationCode,
      expiresAtV: this.toVirtual(code.expiresAt)!,
      redirectUri: code.redirectUri,
      scope: code.scope ?? [],
      clientId: client.id,
      user: user as ProviderUser,
      codeChallenge: code.codeChallenge,
      codeChallengeMethod: code.codeChallengeMethod,
    });
    return { ...code, client, user };
  }

  async getAuthorizationCode(authorizationCode: string): Promise<OAuth2Server.AuthorizationCode | false> {
    const rec = this.codes.get(authorizationCode);
    if (!rec) return false;
    const client = this.clients.find(rec.clientId);
    if (!client) return false;
    return {
      authorizationCode: rec.code,
      expiresAt: this.toReal(rec.expiresAtV)!,
      redirectUri: rec.redirectUri,
      scope: rec.scope,
      client,
      user: rec.user,
      codeChallenge: rec.codeChallenge,
      codeChallengeMethod: rec.codeChallengeMethod,
    };
  }

  /** The redirect URI a code was issued for (undefined for unknown codes). */
  codeRedirectUri(code: string, clientId: string): string | undefined {
    const rec = this.codes.get(code);
    return rec && rec.clientId === clientId ? rec.redirectUri : undefined;
  }

  burnCode(code: string): void {
    this.codes.delete(code);
  }

  /** Codes are single-use: the library revokes before it verifies PKCE, so a failed try burns it. */
  async revokeAuthorizationCode(code: OAuth2Server.AuthorizationCode): Promise<boolean> {
    return this.codes.delete(code.authorizationCode);
  }

  // -- tokens ---------------------------------------------------------------------------------

  async generateAccessToken(): Promise<string> {
    return `${this.provider.tokenPrefix}${randomBytes(24).toString('base64url')}`;
  }

  async generateRefreshToken(): Promise<string> {
    return `rt_${randomBytes(32).toString('base64url')}`;
  }

  async saveToken(token: OAuth2Server.Token, client: OAuth2Server.Client, user: OAuth2Server.User): Promise<OAuth2Server.Token> {
    // A refresh keeps the grant id (carried on the user object getRefreshToken returned), so
    // revoking any token of a connection revokes all of them.
    const { grantId: carried, ...plainUser } = user as ProviderUser & { grantId?: string };
    const grantId = carried ?? randomBytes(8).toString('hex');
    const rec: TokenRecord = {
      grantId,
      accessToken: token.accessToken,
      accessTokenExpiresAtV: this.toVirtual(token.accessTokenExpiresAt)!,
      refreshToken: this.provider.refresh ? token.refreshToken : undefined,
      refreshTokenExpiresAtV: this.provider.refresh ? this.toVirtual(token.refreshTokenExpiresAt) : undefined,
      scope: token.scope ?? [],
      clientId: client.id,
      user: plainUser,
    };
    this.accessTokens.set(rec.accessToken, rec);
    if (rec.refreshToken) this.refreshTokens.set(rec.refreshToken, rec);
    return { ...token, refreshToken: rec.refreshToken, refreshTokenExpiresAt: rec.refreshToken ? token.refreshTokenExpiresAt : undefined, client, user };
  }

  async getAccessToken(accessToken: string): Promise<OAuth2Server.Token | false> {
    const rec = this.accessTokens.get(accessToken);
    if (!rec) return false;
    const client = this.clients.find(rec.clientId);
    if (!client) return false;
    return {
      accessToken: rec.accessToken,
      accessTokenExpiresAt: this.toReal(rec.accessTokenExpiresAtV),
      scope: rec.scope,
      client,
      user: rec.user,
    };
  }

  async getRefreshToken(refreshToken: string): Promise<OAuth2Server.RefreshToken | false> {
    const rec = this.refreshTokens.get(refreshToken);
    if (!rec) return false;
    if (this.failNext.delete(refreshToken)) {
      // Injected fault: the provider has revoked this grant behind the client's back.
      this.revokeGrant(rec.grantId);
      return false;
    }
    const client = this.clients.find(rec.clientId);
    if (!client) return false;
    return {
      refreshToken,
      refreshTokenExpiresAt: this.toReal(rec.refreshTokenExpiresAtV),
      scope: rec.scope,
      client,
      user: { ...rec.user, grantId: rec.grantId },
    };
  }

  /** Refresh token rotation: the used refresh token dies; its access token lives until expiry. */
  async revokeToken(token: OAuth2Server.RefreshToken | OAuth2Server.Token): Promise<boolean> {
    if (!token.refreshToken) return false;
    return this.refreshTokens.delete(token.refreshToken);
  }

  async validateScope(_user: OAuth2Server.User, _client: OAuth2Server.Client, scope?: string[]): Promise<string[] | false> {
    const list = scope ?? [];
    return unknownScopes(this.provider, list).length ? false : list;
  }

  // -- operations beyond the library ------------------------------------------------------------

  /** RFC 7009: revokes the token and, as the RFC suggests, every token of the same grant. */
  revoke(token: string, clientId: string): void {
    const rec = this.accessTokens.get(token) ?? this.refreshTokens.get(token);
    if (!rec || rec.clientId !== clientId) return; // unknown or foreign tokens: 200 with no effect
    this.revokeGrant(rec.grantId);
  }

  private revokeGrant(grantId: string): void {
    for (const [k, v] of this.accessTokens) if (v.grantId === grantId) this.accessTokens.delete(k);
    for (const [k, v] of this.refreshTokens) if (v.grantId === grantId) this.refreshTokens.delete(k);
  }

  /** Expires the access token now (fault panel). */
  expireAccessToken(accessToken: string): void {
    const rec = this.accessTokens.get(accessToken);
    if (rec) rec.accessTokenExpiresAtV = this.clock.now() - 1000;
  }

  /** Makes the next use of this refresh token fail with invalid_grant (fault panel). */
  failNextRefresh(refreshToken: string, on: boolean): void {
    if (on) this.failNext.add(refreshToken);
    else this.failNext.delete(refreshToken);
  }

  willFailNextRefresh(refreshToken: string): boolean {
    return this.failNext.has(refreshToken);
  }

  /**
   * Re-learns a token pair the emulator recorded in the store before a restart (the simulated
   * provider keeps its tables in memory), so a restarted emulator can still refresh connections.
   */
  adopt(rec: { accessToken: string; accessExpiresAtMs: number; refreshToken?: string; scope: string[]; clientId: string; user: ProviderUser }): void {
    if (this.accessTokens.has(rec.accessToken) || (rec.refreshToken && this.refreshTokens.has(rec.refreshToken))) return;
    const tr: TokenRecord = {
      grantId: randomBytes(8).toString('hex'),
      accessToken: rec.accessToken,
      accessTokenExpiresAtV: rec.accessExpiresAtMs,
      refreshToken: rec.refreshToken,
      refreshTokenExpiresAtV: rec.refreshToken ? this.clock.now() + 90 * 24 * 3600 * 1000 : undefined,
      scope: rec.scope,
      clientId: rec.clientId,
      user: rec.user,
    };
    this.accessTokens.set(tr.accessToken, tr);
    if (tr.refreshToken) this.refreshTokens.set(tr.refreshToken, tr);
  }

  knowsRefreshToken(refreshToken: string): boolean {
    return this.refreshTokens.has(refreshToken);
  }

  /** Drops codes and tokens that expired long ago, so the tables do not grow without bound. */
  sweep(): void {
    const now = this.clock.now();
    for (const [k, v] of this.codes) if (v.expiresAtV < now) this.codes.delete(k);
    for (const [k, v] of this.accessTokens) {
      const refreshAlive = v.refreshToken && this.refreshTokens.has(v.refreshToken);
      if (v.accessTokenExpiresAtV < now && !refreshAlive) this.accessTokens.delete(k);
    }
    for (const [k, v] of this.refreshTokens) if (v.refreshTokenExpiresAtV !== undefined && v.refreshTokenExpiresAtV < now) this.refreshTokens.delete(k);
  }
}

function timingSafeEqualText(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  if (ab.length !== bb.length) return false;
  let diff = 0;
  for (let i = 0; i < ab.length; i++) diff |= ab[i]! ^ bb[i]!;
  return diff === 0;
}
