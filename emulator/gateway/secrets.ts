// The gateway's view of secrets: the store's resolver (store -> .env -> launching environment),
// every resolution logged by name and source only, and the scrubber (scrubber.ts) that learns
// every value handed to an app.
import { SecretResolver, missingSecretMessage, type Store } from '../store';
import { SecretScrubber } from './scrubber';

export class GatewaySecrets {
  readonly resolver: SecretResolver;
  readonly scrubber: SecretScrubber;

  constructor(store: Store, env: NodeJS.ProcessEnv, declaredNames: () => Iterable<string>) {
    this.resolver = new SecretResolver({ data: () => store.read(), envFile: store.paths.envFile, env });
    this.scrubber = new SecretScrubber({ data: () => store.read(), dotenv: () => this.resolver.dotenvValues(), env, declaredNames });
  }

  resolve(name: string): { value: string; source: string } | undefined {
    const r = this.resolver.resolve(name);
    // Kept by value: a secret that changed may still be printed by the process that got the old one.
    if (r) this.scrubber.learn(r.value);
    return r ? { value: r.value, source: r.source } : undefined;
  }

  /** The error text for GetSecret (`secret 'X' not found: <this>` is added by the SDK). */
  notFoundReason(name: string): string {
    return missingSecretMessage(name).replace(`secret '${name}' not found: `, '');
  }

  /** Values for the runner's environment plus what to log about them. */
  environmentFor(names: readonly string[]): ReturnType<SecretResolver['environmentFor']> {
    const r = this.resolver.environmentFor(names);
    for (const v of Object.values(r.env)) this.scrubber.learn(v);
    return r;
  }

  sources(name: string): string[] {
    return this.resolver.sources(name);
  }
}
