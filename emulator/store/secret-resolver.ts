// Where the emulator finds a secret's value. Precedence: the store (`capsule-local secret set`),
// then the workspace `.env`, then the environment the emulator was launched from. The app process
// itself checks its own environment first (the SDK's `Secret.value`), then asks this resolver.
// Results carry the source so that each resolution can be logged by name and source, never value.
// Values are parsed with the `dotenv` package: the language server's .env reader returns names
// only (by design), and the emulator does not depend on server/.
import { readFileSync, statSync } from 'node:fs';
import { parse } from 'dotenv';
import type { StoreData } from './schema';
import { dict } from './dict';

export type SecretSource = 'store' | '.env' | 'environment';

export interface SecretResolution {
  name: string;
  value: string;
  source: SecretSource;
}

export interface SecretResolverOptions {
  /** The store's current data (e.g. `() => store.read()`). */
  data: () => StoreData;
  /** The workspace `.env` (StorePaths.envFile). Missing file = no names. */
  envFile: string;
  /** The launching environment; default process.env. */
  env?: NodeJS.ProcessEnv;
}

export class SecretResolver {
  private readonly envFile: DotenvFile;
  private readonly env: NodeJS.ProcessEnv;

  constructor(private readonly options: SecretResolverOptions) {
    this.envFile = new DotenvFile(options.envFile);
    this.env = options.env ?? process.env;
  }

  resolve(name: string): SecretResolution | undefined {
    const stored = this.options.data().secrets[name];
    if (stored) return { name, value: stored.value, source: 'store' };
    const fromFile = this.envFile.values()[name];
    if (fromFile !== undefined) return { name, value: fromFile, source: '.env' };
    const fromEnv = this.fromEnv(name);
    if (fromEnv !== undefined) return { name, value: fromEnv, source: 'environment' };
    return undefined;
  }

  /** The workspace .env's entries (re-read when the file changes). */
  dotenvValues(): Record<string, string> {
    return this.envFile.values();
  }

  /** Every source that defines `name`, in precedence order (the first one wins). */
  sources(name: string): SecretSource[] {
    const out: SecretSource[] = [];
    if (this.options.data().secrets[name]) out.push('store');
    if (this.envFile.values()[name] !== undefined) out.push('.env');
    if (this.fromEnv(name) !== undefined) out.push('environment');
    return out;
  }

  /** process.env inherits Object.prototype: `toString` is not a variable of the environment. */
  private fromEnv(name: string): string | undefined {
    return Object.hasOwn(this.env, name) ? this.env[name] : undefined;
  }

  /** Values for `App(secrets=[...])`, injected into the app's environment at start. */
  environmentFor(names: readonly string[]): { env: Record<string, string>; resolved: Array<Omit<SecretResolution, 'value'>>; missing: string[] } {
    const env: Record<string, string> = {};
    const resolved: Array<Omit<SecretResolution, 'value'>> = [];
    const missing: string[] = [];
    for (const name of names) {
      const r = this.resolve(name);
      if (!r) {
        missing.push(name);
        continue;
      }
      env[name] = r.value;
      resolved.push({ name, source: r.source });
    }
    return { env, resolved, missing };
  }
}

/** The SDK's not-found error plus how to define the secret locally. */
export function missingSecretMessage(name: string, err = 'not defined locally'): string {
  return (
    `secret '${name}' not found: ${err}. Define it with \`capsule-local secret set ${name}\` ` +
    `(the value is read from stdin), add ${name}=... to the workspace .env, ` +
    `or export ${name} before starting the emulator.`
  );
}

/** A `.env` file parsed with dotenv, re-read only when it changes. */
export class DotenvFile {
  private stamp = '';
  private cached: Record<string, string> = dict();

  constructor(readonly file: string) {}

  values(): Record<string, string> {
    let stamp: string;
    try {
      const s = statSync(this.file);
      stamp = `${s.ino}:${s.size}:${s.mtimeMs}`;
    } catch {
      this.stamp = '';
      this.cached = dict();
      return this.cached;
    }
    if (stamp !== this.stamp) {
      try {
        this.cached = dict(parse(readFileSync(this.file)));
      } catch {
        this.cached = dict();
      }
      this.stamp = stamp;
    }
    return this.cached;
  }

  names(): string[] {
    return Object.keys(this.values());
  }
}
