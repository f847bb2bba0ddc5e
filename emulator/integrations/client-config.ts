// An app's OAuth client credentials for one integration. The SDK serializes `client_id` and
// `client_secret` as `client_id_secret` / `client_secret_secret`, holding either a Secret's name
// (`cpsl.Secret.from_name("GITHUB_CLIENT_ID")`) or the raw string the app passed. The wire does not
// say which: a value that resolves as a secret is a name; an unresolved value shaped like an
// environment variable name is a secret the developer has not defined yet; anything else is raw.
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
}

const SECRET_NAME_SHAPE = /^[A-Z][A-Z0-9_]*$/;

type Resolver = NonNullable<Hub['secrets']>;

function resolveOne(resolver: Resolver | undefined, ref: string | undefined, what: string, type: string): { value?: string; problem?: string } {
  if (!ref) {
    return { problem: `The ${type} integration has no ${what}: pass ${what}=cpsl.Secret.from_name("NAME") to app.add_integration.` };
  }
  const found = resolver?.resolve(ref);
  if (found) return { value: found.value };
  if (SECRET_NAME_SHAPE.test(ref)) {
    return { problem: `The ${type} integration's ${what} is the secret ${ref}, which is not defined. ${missingSecretMessage(ref)}` };
  }
  return { value: ref };
}

export function resolveClientConfig(hub: Hub, app: string, integration: AppIntegration): ClientConfig {
  const id = resolveOne(hub.secrets, integration.client_id_secret, 'client_id', integration.type);
  const secret = resolveOne(hub.secrets, integration.client_secret_secret, 'client_secret', integration.type);
  const problems = [id.problem, secret.problem].filter((p): p is string => !!p);
  return { app, type: integration.type, clientId: id.value, clientSecret: secret.value, problems };
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
