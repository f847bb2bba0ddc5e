// An app's OAuth client credentials for one integration. The SDK serializes `client_id` and
// `client_secret` as `client_id_secret` / `client_secret_secret`, holding either a Secret's name
// (`cpsl.Secret.from_name("GITHUB_CLIENT_ID")`) or the raw string the app passed. The wire does not
// say which: a value that resolves as a secret is a name; an unresolved value shaped like an
// environment variable name is a secret the developer has not defined yet; anything else is raw.
//
// A simulated provider needs no real client: when the app's client id or secret is a secret that
// is not defined, the emulator stands in generated local credentials (both its OAuth client and
// the simulated provider use them), so Connect works on a fresh checkout. A defined secret is
// always used, and checked by the provider. A real provider gets no stand-ins.
import { createHmac, randomBytes } from 'node:crypto';
import { missingSecretMessage } from '../store/secret-resolver';
import type { AppInfo, Hub } from '../hub';

export type AppIntegration = AppInfo['integrations'][number];

export interface ClientConfig {
  app: string;
  type: string;
  clientId?: string;
  clientSecret?: string;
  /** Human explanations of what is missing and how to define it (never values). */
  problems: string[];
  /** Secret names not defined locally, stood in for by generated local credentials. */
  generated: string[];
}

/** Keys the generated client secrets of this emulator run; nothing outside the process sees it. */
const LOCAL_KEY = randomBytes(32);

function generatedValue(app: string, type: string, what: 'client_id' | 'client_secret'): string {
  if (what === 'client_id') return `capsule-local-${app}-${type}`;
  return createHmac('sha256', LOCAL_KEY).update(`${app}\u0000${type}`).digest('base64url');
}

const SECRET_NAME_SHAPE = /^[A-Z][A-Z0-9_]*$/;

type Resolver = NonNullable<Hub['secrets']>;

function resolveOne(resolver: Resolver | undefined, ref: string | undefined, what: string, type: string): { value?: string; problem?: string; undefinedName?: string } {
  if (!ref) {
    return { problem: `The ${type} integration has no ${what}: pass ${what}=cpsl.Secret.from_name("NAME") to app.add_integration.` };
  }
  const found = resolver?.resolve(ref);
  if (found) return { value: found.value };
  if (SECRET_NAME_SHAPE.test(ref)) {
    return { problem: `The ${type} integration's ${what} is the secret ${ref}, which is not defined. ${missingSecretMessage(ref)}`, undefinedName: ref };
  }
  return { value: ref };
}

/**
 * The client of `integration`. `simulated`: the connection goes to a simulated provider, so an
 * undefined client secret is stood in for (see the top of this file) instead of being a problem.
 */
export function resolveClientConfig(hub: Hub, app: string, integration: AppIntegration, opts: { simulated: boolean }): ClientConfig {
  const generated: string[] = [];
  const one = (ref: string | undefined, what: 'client_id' | 'client_secret'): { value?: string; problem?: string } => {
    const r = resolveOne(hub.secrets, ref, what, integration.type);
    if (!r.undefinedName || !opts.simulated) return r;
    generated.push(r.undefinedName);
    return { value: generatedValue(app, integration.type, what) };
  };
  const id = one(integration.client_id_secret, 'client_id');
  const secret = one(integration.client_secret_secret, 'client_secret');
  const problems = [id.problem, secret.problem].filter((p): p is string => !!p);
  return { app, type: integration.type, clientId: id.value, clientSecret: secret.value, problems, generated };
}

/** The one line that says a connection uses generated local credentials (consent screen, event log). */
export function generatedNote(cfg: Pick<ClientConfig, 'type' | 'generated'>): string | undefined {
  if (!cfg.generated.length) return undefined;
  const names = cfg.generated.join(' and ');
  return `Local test client: ${names} ${cfg.generated.length > 1 ? 'are' : 'is'} not defined, so the simulated provider uses generated local credentials (define ${cfg.generated.length > 1 ? 'them' : 'it'} with capsule-local secret set NAME to use your own).`;
}

/** The app's declaration of `type`, if the app is served and declares it. */
export function findAppIntegration(hub: Hub, app: string | undefined, type: string): { app: AppInfo; integration: AppIntegration } | undefined {
  const apps = hub.apps();
  const candidates = app ? apps.filter((a) => a.name === app) : apps;
  for (const a of candidates) {
    const integration = a.integrations.find((i) => i.type === type);
    if (integration) return { app: a, integration };
  }
  return undefined;
}
