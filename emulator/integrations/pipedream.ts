// Capsule Local's stand-in for Pipedream Connect: what a connected account is made of. On the
// platform the user connects an app through Pipedream and the platform keeps a reference to the
// account; locally the developer says which credential the upstream API takes (an access token)
// and where that API is (its base URL), and the emulator keeps that as the user's connection. The
// SDK reads it back as a `pipedream` credential (gateway/credentials.ts), and
// `session.pipedream(slug)` calls reach the API through the gateway's proxy
// (platform/pipedream-proxy.ts), which injects the token as Pipedream Connect's proxy does.
import { randomBytes } from 'node:crypto';
import { catalog } from '../../catalog/catalog';
import type { StoredIntegration } from '../store/schema';
import { dict } from '../store/dict';

/** The values the connect page (and a headless answer) takes. */
export const PIPEDREAM_FIELDS = { token: 'access_token', baseUrl: 'api_base_url', account: 'account_name' } as const;

/** Longest token or URL accepted (the secret forms' limit). */
const MAX_VALUE_CHARS = 8192;

/** The declaration's options: `Pipedream(..., api_base_url=...)` travels as `api_base_url:<url>` in its fields. */
export function declaredOptions(fields: readonly string[]): Record<string, string> {
  const out: Record<string, string> = dict();
  for (const f of fields) {
    const at = f.indexOf(':');
    if (at > 0) out[f.slice(0, at)] = f.slice(at + 1);
  }
  return out;
}

/** Where the base URL the page prefills comes from: the declaration, the catalog's known apps, or nowhere. */
export function defaultBaseUrl(slug: string, declaredFields: readonly string[]): { url: string; from: 'declaration' | 'catalog' } | undefined {
  const declared = declaredOptions(declaredFields).api_base_url?.trim();
  if (declared) return { url: declared, from: 'declaration' };
  const known = catalog.pipedreamApps.get(slug);
  return known ? { url: known.apiBaseUrl, from: 'catalog' } : undefined;
}

export function pipedreamTitle(slug: string): string {
  return catalog.pipedreamApps.get(slug)?.title ?? slug;
}

/** A base URL the proxy can send to: absolute http(s), no credentials, query or fragment. Returns the URL without a trailing slash, or why not. */
export function checkBaseUrl(value: string): { url: string } | { problem: string } {
  const v = value.trim();
  if (!v) return { problem: 'API base URL is required (for example https://api.github.com).' };
  if (v.length > MAX_VALUE_CHARS) return { problem: `API base URL is too long (at most ${MAX_VALUE_CHARS} characters).` };
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    return { problem: `API base URL "${v}" is not an absolute URL (for example https://api.github.com).` };
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return { problem: `API base URL must be http:// or https://, not ${u.protocol}//.` };
  // A user:password@ part would be sent along to every request and shown wherever the URL is.
  if (u.username || u.password) return { problem: 'API base URL must not carry a user name or password: give the credential as the access token.' };
  if (u.search || u.hash) return { problem: 'API base URL must not have a query (?...) or fragment (#...).' };
  return { url: `${u.origin}${u.pathname.replace(/\/+$/, '')}` };
}

/** Per-field problems of what the page or a headless answer gave (empty when valid). */
export function validatePipedreamValues(values: Record<string, string | undefined>): Record<string, string> {
  const errors: Record<string, string> = {};
  const token = values[PIPEDREAM_FIELDS.token] ?? '';
  if (!token.trim()) errors[PIPEDREAM_FIELDS.token] = 'Access token is required: the credential the API takes as Authorization: Bearer <token>.';
  else if (token.length > MAX_VALUE_CHARS) errors[PIPEDREAM_FIELDS.token] = `Access token is too long (at most ${MAX_VALUE_CHARS} characters).`;
  else if (/[\r\n]/.test(token.trim())) errors[PIPEDREAM_FIELDS.token] = 'Access token must be one line.';
  const base = checkBaseUrl(values[PIPEDREAM_FIELDS.baseUrl] ?? '');
  if ('problem' in base) errors[PIPEDREAM_FIELDS.baseUrl] = base.problem;
  if ((values[PIPEDREAM_FIELDS.account] ?? '').length > 256) errors[PIPEDREAM_FIELDS.account] = 'Account name is too long (at most 256 characters).';
  return errors;
}

/**
 * The stored connection: the token as the access token (so the one scrubber masks it with every
 * other integration token), and the account's description as fields: what the platform hands the
 * SDK for a Pipedream account (its id, the app slug, the provider) and the base URL the proxy uses.
 * None of those fields is secret. Call with values validatePipedreamValues accepted.
 */
export function pipedreamCredential(slug: string, values: Record<string, string | undefined>, nowMs: number): StoredIntegration {
  const base = checkBaseUrl(values[PIPEDREAM_FIELDS.baseUrl] ?? '');
  if ('problem' in base) throw new Error(base.problem);
  const account = (values[PIPEDREAM_FIELDS.account] ?? '').trim();
  const fields: Record<string, string> = dict();
  fields.account_id = `apn_local_${randomBytes(9).toString('base64url')}`;
  fields.app_slug = slug;
  fields.provider = 'pipedream';
  fields.api_base_url = base.url;
  if (account) fields.account_name = account;
  return {
    type: slug,
    mode: 'pipedream',
    accessToken: (values[PIPEDREAM_FIELDS.token] ?? '').trim(),
    tokenType: 'pipedream',
    scopes: [],
    expiresAt: 0,
    fields,
    connectedAt: new Date(nowMs).toISOString(),
    ...(account ? { account } : {}),
  };
}

/** The JSON the SDK's credentials_from_wire reads for token_type "pipedream": the account's fields with the token. */
export function pipedreamWirePayload(c: StoredIntegration): string {
  return JSON.stringify({ ...c.fields, access_token: c.accessToken, token_type: 'Bearer', expires_at: String(c.expiresAt || 0) });
}
