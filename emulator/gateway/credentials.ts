// Integration credentials: the ones a headless answer (`prompts answer --allow`, the API) builds,
// and their wire form (`IntegrationCredential` of the runner protocol).
import { randomBytes } from 'node:crypto';
import { catalog } from '../../catalog/catalog';
import type { StoredIntegration } from '../store';
import type { PendingPrompt } from '../hub';
import { dict } from '../store/dict';
import { PIPEDREAM_FIELDS, defaultBaseUrl, pipedreamCredential, pipedreamWirePayload, validatePipedreamValues } from '../integrations/pipedream';

export interface WireCredential {
  type: string;
  access_token: string;
  token_type: string;
  scopes: string[];
  expires_at: number;
}

export function toWire(c: StoredIntegration): WireCredential {
  // The SDK parses token_type "pipedream" as JSON fields and takes access_token from them.
  if (c.mode === 'pipedream') return { type: c.type, access_token: pipedreamWirePayload(c), token_type: 'pipedream', scopes: [], expires_at: c.expiresAt };
  if (c.mode === 'secret' || c.tokenType === 'fields') {
    return { type: c.type, access_token: JSON.stringify(c.fields), token_type: 'fields', scopes: [], expires_at: 0 };
  }
  return { type: c.type, access_token: c.accessToken, token_type: c.tokenType || 'Bearer', scopes: c.scopes, expires_at: c.expiresAt };
}

export class AnswerError extends Error {}

/**
 * The credential a headless "allow" grants. OAuth: a synthetic token in the provider's style with
 * the granted scopes (default: every requested one) and the provider's lifetime. Secret forms:
 * the given fields, each declared field required. Pipedream: the upstream API's token
 * (`access_token`) and base URL (`api_base_url`, default the declaration's or a known app's).
 */
export function headlessCredential(
  p: PendingPrompt,
  answer: { scopes?: string[]; fields?: Record<string, string> },
  nowMs: number,
): StoredIntegration {
  const connectedAt = new Date(nowMs).toISOString();
  if (p.mode === 'pipedream') {
    const values: Record<string, string> = dict();
    for (const [k, v] of Object.entries(dict(answer.fields))) values[k] = String(v);
    values[PIPEDREAM_FIELDS.baseUrl] ||= defaultBaseUrl(p.type, p.fields)?.url ?? '';
    const errors = validatePipedreamValues(values);
    if (Object.keys(errors).length) throw new AnswerError(`${Object.values(errors).join(' ')} (pass --field ${PIPEDREAM_FIELDS.token}=... and, when ${p.type} has no known API, --field ${PIPEDREAM_FIELDS.baseUrl}=...)`);
    return pipedreamCredential(p.type, values, nowMs);
  }
  if (p.mode === 'secret') {
    const fields = dict(answer.fields);
    const missing = p.fields.filter((f) => !(typeof fields[f] === 'string' && fields[f] !== ''));
    if (missing.length) throw new AnswerError(`missing field${missing.length > 1 ? 's' : ''} for ${p.type}: ${missing.join(', ')} (pass each as --field name=value)`);
    const clean: Record<string, string> = dict();
    for (const [k, v] of Object.entries(fields)) clean[k] = String(v);
    return { type: p.type, mode: 'secret', accessToken: '', tokenType: 'fields', scopes: [], expiresAt: 0, fields: clean, connectedAt };
  }
  const requested = p.scopes;
  const granted = answer.scopes && answer.scopes.length ? answer.scopes : requested;
  const extra = requested.length ? granted.filter((s) => !requested.includes(s)) : [];
  if (extra.length) throw new AnswerError(`scope${extra.length > 1 ? 's' : ''} not requested by the app: ${extra.join(', ')} (requested: ${requested.join(', ') || 'none'})`);
  const info = catalog.integrations.get(p.type);
  const provider = info?.provider ? catalog.providers.get(info.provider) : undefined;
  const lifetime = provider?.expiresInSeconds ?? 3600;
  const prefix = provider?.tokenPrefix ?? '';
  return {
    type: p.type,
    mode: p.mode,
    accessToken: `${prefix}local_${randomBytes(18).toString('base64url')}`,
    tokenType: 'Bearer',
    scopes: [...granted],
    expiresAt: Math.floor(nowMs / 1000) + lifetime,
    fields: {},
    refreshToken: provider?.refresh ? `local_refresh_${randomBytes(18).toString('base64url')}` : undefined,
    connectedAt,
    account: 'headless',
  };
}
