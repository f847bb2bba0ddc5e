// Provider families the emulator simulates: one per catalog provider (github, google, microsoft,
// linear) plus one per custom OAuth type an app declares. Everything provider-specific (titles,
// scopes and their descriptions, the scope separator, token lifetimes, real endpoints) comes from
// the catalog; custom types get neutral defaults.
import { catalog, type RealEndpoints } from '../../catalog/catalog';

export interface ProviderProfile {
  /** Path segment under /oauth/ (catalog provider id, or the custom type). */
  id: string;
  title: string;
  /** Which page style the consent screen uses. */
  style: 'github' | 'google' | 'microsoft' | 'linear' | 'generic';
  scopeSeparator: string;
  tokenPrefix: string;
  refresh: boolean;
  expiresInSeconds: number;
  scopePrefix?: string;
  /** Known scopes with descriptions; undefined for custom types (any scope is accepted). */
  scopes?: Record<string, string>;
  realEndpoints?: RealEndpoints;
  custom: boolean;
}

/** Refresh tokens of the simulated providers live this long (virtual clock). */
export const REFRESH_TOKEN_LIFETIME_S = 90 * 24 * 3600;
/** Authorization codes live this long, as most providers (RFC 6749 recommends at most 10 min). */
export const AUTHORIZATION_CODE_LIFETIME_S = 600;

const STYLES = new Set(['github', 'google', 'microsoft', 'linear']);

export function catalogProvider(id: string): ProviderProfile | undefined {
  const p = catalog.providers.get(id);
  if (!p) return undefined;
  return {
    id,
    title: p.title,
    style: (STYLES.has(id) ? id : 'generic') as ProviderProfile['style'],
    scopeSeparator: p.scopeSeparator,
    tokenPrefix: p.tokenPrefix,
    refresh: p.refresh,
    expiresInSeconds: p.expiresInSeconds,
    scopePrefix: p.scopePrefix,
    scopes: p.scopes,
    realEndpoints: p.realEndpoints,
    custom: false,
  };
}

/** A custom OAuth integration type declared by the app (not in the catalog). */
export function customProvider(type: string): ProviderProfile {
  return {
    id: type,
    title: type.charAt(0).toUpperCase() + type.slice(1),
    style: 'generic',
    scopeSeparator: ' ',
    tokenPrefix: `${type.replace(/[^A-Za-z0-9]/g, '').slice(0, 8)}_`,
    refresh: true,
    expiresInSeconds: 3600,
    custom: true,
  };
}

/** Provider family id of an OAuth integration type: the catalog's, else the type itself. */
export function providerIdForType(type: string): string {
  return catalog.integrations.get(type)?.provider ?? type;
}

export function providerForType(type: string): ProviderProfile {
  const id = providerIdForType(type);
  return catalogProvider(id) ?? customProvider(type);
}

/** Integration title for pages ("Gmail", "Google Calendar", or the custom type). */
export function integrationTitle(type: string): string {
  return catalog.integrations.get(type)?.title ?? type;
}

/** Every catalog provider id (the simulated servers that always exist). */
export function catalogProviderIds(): string[] {
  return [...catalog.providers.keys()];
}

/** Splits a scope parameter with the provider's separator (and tolerates whitespace). */
export function splitScopes(provider: ProviderProfile, text: string | undefined | null): string[] {
  if (!text) return [];
  const parts = provider.scopeSeparator.trim() === '' ? text.split(/\s+/) : text.split(provider.scopeSeparator);
  return dedupe(parts.map((s) => s.trim()).filter(Boolean));
}

/** Splits a token response's `scope` (GitHub answers comma-separated, most others space-separated). */
export function splitGrantedScopes(text: string | undefined | null): string[] {
  if (!text) return [];
  return dedupe(text.split(/[\s,]+/).filter(Boolean));
}

export function joinScopes(provider: ProviderProfile, scopes: readonly string[]): string {
  return scopes.join(provider.scopeSeparator);
}

/** Description of a scope for the consent screen, or undefined when the provider does not know it. */
export function describeScope(provider: ProviderProfile, scope: string): string | undefined {
  if (!provider.scopes) return undefined;
  if (scope in provider.scopes) return provider.scopes[scope];
  if (provider.scopePrefix && scope.startsWith(provider.scopePrefix)) {
    const bare = scope.slice(provider.scopePrefix.length);
    if (bare in provider.scopes) return provider.scopes[bare];
  }
  return undefined;
}

/** Scopes the provider would refuse with `invalid_scope` (none for custom providers). */
export function unknownScopes(provider: ProviderProfile, scopes: readonly string[]): string[] {
  if (!provider.scopes) return [];
  return scopes.filter((s) => describeScope(provider, s) === undefined);
}

function dedupe(list: string[]): string[] {
  return [...new Set(list)];
}
