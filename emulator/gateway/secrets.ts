// The gateway's view of secrets: the store's resolver (store -> .env -> launching environment),
// every resolution logged by name and source only, and a scrubber that blanks any known secret
// value out of text the emulator records (app output, event summaries) in case an app prints one.
import { createHash } from 'node:crypto';
import { SecretResolver, missingSecretMessage, type Store } from '../store';

/** Values shorter than this are not scrubbed: they would blank ordinary words. */
const MIN_SCRUB_LENGTH = 6;

export class GatewaySecrets {
  readonly resolver: SecretResolver;
  /**
   * Values handed out (injected or resolved) or stored, scrubbed from recorded text. Kept by value:
   * a secret that changed may still be printed by the app process that got the old value.
   */
  private readonly known = new Set<string>();
  private pattern: RegExp | undefined;

  constructor(private readonly store: Store, env: NodeJS.ProcessEnv = process.env) {
    this.resolver = new SecretResolver({ data: () => store.read(), envFile: store.paths.envFile, env });
  }

  resolve(name: string): { value: string; source: string } | undefined {
    const r = this.resolver.resolve(name);
    if (r) this.remember(name, r.value);
    return r ? { value: r.value, source: r.source } : undefined;
  }

  /** The error text for GetSecret (`secret 'X' not found: <this>` is added by the SDK). */
  notFoundReason(name: string): string {
    return missingSecretMessage(name).replace(`secret '${name}' not found: `, '');
  }

  /** Values for the runner's environment plus what to log about them. */
  environmentFor(names: readonly string[]): ReturnType<SecretResolver['environmentFor']> {
    const r = this.resolver.environmentFor(names);
    for (const [k, v] of Object.entries(r.env)) this.remember(k, v);
    return r;
  }

  digest(names: readonly string[]): string {
    const h = createHash('sha256');
    for (const n of [...names].sort()) h.update(`${n}\0${this.resolver.resolve(n)?.value ?? ''}\0`);
    return h.digest('hex');
  }

  sources(name: string): string[] {
    return this.resolver.sources(name);
  }

  /** Every stored secret value too: an app may print one it read some other way. */
  scrub = (text: string): string => {
    this.refreshStored();
    if (!this.pattern || !text) return text;
    return text.replace(this.pattern, '[secret]');
  };

  private storedStamp = '';
  private refreshStored(): void {
    const secrets = this.store.read().secrets;
    const stamp = Object.entries(secrets).map(([k, s]) => `${k}:${s.updatedAt}`).join('|');
    if (stamp === this.storedStamp) return;
    this.storedStamp = stamp;
    for (const [k, s] of Object.entries(secrets)) this.remember(k, s.value, false);
    this.rebuild();
  }

  private remember(_name: string, value: string, rebuild = true): void {
    if (this.known.has(value)) return;
    this.known.add(value);
    if (rebuild) this.rebuild();
  }

  private rebuild(): void {
    const values = [...this.known].filter((v) => v.length >= MIN_SCRUB_LENGTH).sort((a, b) => b.length - a.length);
    this.pattern = values.length ? new RegExp(values.map(escapeRegExp).join('|'), 'g') : undefined;
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
