// Real-provider mode: per integration type, the emulator's OAuth client talks to the provider's
// real endpoints instead of the simulated server (off by default). Turned on in the store (fault
// panel, `PUT /api/integrations/real/<type>`) or by the environment:
//   CAPSULE_OAUTH_REAL=gmail,github                 types in real mode
//   CAPSULE_OAUTH_<TYPE>_AUTHORIZE_URL / _TOKEN_URL / _REVOKE_URL   endpoint overrides
// Endpoints default to the catalog's `realEndpoints` of the type's provider family.
import type { Hub } from '../hub';
import type { StoreData } from '../store/schema';
import { providerForType } from './providers';
import { dict } from '../store/dict';

export const SETTINGS_SCOPE = 'emulator:integrations';
const REAL_KEY = 'real-providers';

export interface RealSetting {
  enabled: boolean;
  authorize?: string;
  token?: string;
  revoke?: string;
  issuer?: string;
}

export interface RealEndpointsResolved {
  issuer: string;
  authorize: string;
  token: string;
  revoke?: string;
  authorizeParams: Record<string, string>;
}

function stored(data: StoreData): Record<string, RealSetting> {
  const text = data.kv[SETTINGS_SCOPE]?.[REAL_KEY];
  if (!text) return dict();
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === 'object' ? dict(v as Record<string, RealSetting>) : dict();
  } catch {
    return {};
  }
}

function envKey(type: string, what: string): string {
  return `CAPSULE_OAUTH_${type.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_${what}`;
}

export function realSetting(hub: Hub, type: string, env: NodeJS.ProcessEnv = process.env): RealSetting {
  const fromStore = stored(hub.read())[type];
  const envTypes = (env.CAPSULE_OAUTH_REAL ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  return {
    enabled: fromStore?.enabled ?? envTypes.includes(type),
    authorize: fromStore?.authorize ?? env[envKey(type, 'AUTHORIZE_URL')],
    token: fromStore?.token ?? env[envKey(type, 'TOKEN_URL')],
    revoke: fromStore?.revoke ?? env[envKey(type, 'REVOKE_URL')],
    issuer: fromStore?.issuer,
  };
}

/** The real endpoints for `type`, or a message saying what is missing. */
export function realEndpoints(hub: Hub, type: string): RealEndpointsResolved | { problem: string } {
  const s = realSetting(hub, type);
  const known = providerForType(type).realEndpoints;
  const authorize = s.authorize ?? known?.authorize;
  const token = s.token ?? known?.token;
  if (!authorize || !token) {
    return { problem: `Real-provider mode for ${type} needs its authorize and token URLs: set them in the integrations panel or with ${envKey(type, 'AUTHORIZE_URL')} and ${envKey(type, 'TOKEN_URL')}.` };
  }
  return {
    issuer: s.issuer ?? known?.issuer ?? new URL(authorize).origin,
    authorize,
    token,
    revoke: s.revoke ?? known?.revoke,
    authorizeParams: known?.authorizeParams ?? {},
  };
}

export async function setRealSetting(hub: Hub, type: string, setting: RealSetting | undefined): Promise<void> {
  await hub.update((d) => {
    const all = stored(d);
    if (setting) all[type] = setting;
    else delete all[type];
    (d.kv[SETTINGS_SCOPE] ??= dict())[REAL_KEY] = JSON.stringify(all);
  });
}

export function allRealSettings(hub: Hub): Record<string, RealSetting> {
  return stored(hub.read());
}
