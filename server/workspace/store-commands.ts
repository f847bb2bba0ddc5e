// The store changes behind quick fixes: define a secret, store a credential moved out of the
// source, create a channel. Values pass through here on their way to the store and are never
// logged or returned; results name what changed, by name only.
import { appendFile, readFile } from 'node:fs/promises';
import { Store, SecretResolver, channelProblems, newChannel, secretNameProblem, StoreError } from '../../emulator/store/index';
import type { CommandResult, CreateChannelArgs, DefineSecretArgs, SourceSpan, StoreCredentialArgs } from '../features/commands';
import type { Folder } from './folder';
import { catalog } from '../../catalog/catalog';

/** Reads the text of an open document span (the server owns the open buffers). */
export type SpanReader = (span: SourceSpan) => { text: string } | { problem: string };

async function withStore<T>(folder: Folder, f: (store: Store) => Promise<T>): Promise<T> {
  const store = await Store.open(folder.storeDir);
  try {
    return await f(store);
  } finally {
    await store.close();
  }
}

function failure(message: string, missing?: string[]): CommandResult {
  return { ok: false, message, ...(missing ? { missing } : {}) };
}

function describeError(e: unknown): string {
  return e instanceof StoreError || e instanceof Error ? e.message : String(e);
}

async function setSecret(folder: Folder, name: string, value: string): Promise<void> {
  const now = new Date().toISOString();
  await withStore(folder, (store) =>
    store.update((d) => {
      const old = d.secrets[name];
      d.secrets[name] = { value, createdAt: old?.createdAt ?? now, updatedAt: now };
    }),
  );
}

/** A Python string literal's value (the credential being moved out of the source). */
export function literalValue(token: string): string | undefined {
  const m = /^([rRuU]?)('''|"""|'|")([\s\S]*)\2$/.exec(token.trim());
  if (!m) return undefined;
  const body = m[3]!;
  if (m[1]!.toLowerCase() === 'r') return body;
  return body.replace(/\\(["'\\nt])/g, (_, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : c));
}

export async function defineSecret(folder: Folder, args: DefineSecretArgs): Promise<CommandResult & { openEnvLine?: number }> {
  const problem = secretNameProblem(args.name);
  if (problem) return failure(problem);
  if (args.value === undefined && args.target !== 'env') {
    // Editors without an input box cannot ask for the value: say how to set it instead.
    return failure(`Secret ${args.name} needs a value: run \`capsule-local secret set ${args.name}\`, or use "Add ${args.name} to .env".`, ['value']);
  }
  if (args.target === 'env') {
    // Without a value (editors that cannot ask for one) the name goes to .env for the user to fill.
    let text = '';
    try {
      text = await readFile(folder.envFile, 'utf8');
    } catch {
      // a new .env
    }
    const value = args.value === undefined ? '' : /^[A-Za-z0-9_./:@-]*$/.test(args.value) ? args.value : JSON.stringify(args.value);
    const prefix = text === '' || text.endsWith('\n') ? '' : '\n';
    await appendFile(folder.envFile, `${prefix}${args.name}=${value}\n`, { mode: 0o600 });
    const line = (text + prefix).split('\n').length - 1;
    return { ok: true, message: `Added ${args.name} to ${folder.envLocationPath}${args.value === undefined ? ': fill in its value there' : ''}.`, openEnvLine: line };
  }
  if (args.value === undefined || args.value === '') return failure(`No value given for ${args.name}; nothing was saved.`, ['value']);
  try {
    await setSecret(folder, args.name, args.value);
  } catch (e) {
    return failure(`Could not store ${args.name}: ${describeError(e)}`);
  }
  return { ok: true, message: `Stored secret ${args.name} in the Capsule Local store.` };
}

export async function storeCredential(folder: Folder, args: StoreCredentialArgs, read: SpanReader): Promise<CommandResult> {
  const problem = secretNameProblem(args.name);
  if (problem) return failure(problem);
  let value = args.value;
  if (value === undefined && args.source) {
    const r = read(args.source);
    if ('problem' in r) return failure(r.problem);
    value = literalValue(r.text);
    if (value === undefined) return failure(`The text at the given range is not a string literal; nothing was stored for ${args.name}.`);
  }
  if (value === undefined || value === '') return failure(`No value for ${args.name}; nothing was stored.`, ['value']);
  try {
    await setSecret(folder, args.name, value);
  } catch (e) {
    return failure(`Could not store ${args.name}: ${describeError(e)}`);
  }
  return { ok: true, message: `Stored the credential as secret ${args.name}.` };
}

export async function createChannel(folder: Folder, args: CreateChannelArgs, read: SpanReader): Promise<CommandResult> {
  const info = catalog.channels.get(args.type);
  if (!info?.credentials) return failure(`"${args.type}" is not a channel type that can be created (telegram, slack, whatsapp).`);
  try {
    return await withStore(folder, async (store) => {
      const resolver = new SecretResolver({ data: () => store.read(), envFile: folder.envFile });
      const credentials: Record<string, string> = {};
      const missing: string[] = [];
      for (const [key, src] of Object.entries(args.credentials ?? {})) {
        if ('value' in src) credentials[key] = src.value;
        else if ('secret' in src) {
          const r = resolver.resolve(src.secret);
          if (r) credentials[key] = r.value;
          else missing.push(key);
        } else {
          const r = read(src.source);
          const v = 'text' in r ? literalValue(r.text) : undefined;
          if (v !== undefined) credentials[key] = v;
          else missing.push(key);
        }
      }
      for (const [key, k] of Object.entries(info.credentials!)) if (k.required && !(key in credentials) && !missing.includes(key)) missing.push(key);
      if (missing.length) {
        return failure(
          `Channel ${args.name} needs ${missing.join(', ')}. Create it with: capsule-local channel create ${args.name} --type ${args.type} ${missing.map((m) => `-c ${m}=...`).join(' ')}`,
          missing,
        );
      }
      const problems = channelProblems({ name: args.name, type: args.type, credentials }, store.read());
      if (problems.length) return failure(`Channel ${args.name} was not created: ${problems.join('; ')}`);
      const channel = newChannel({ name: args.name, type: args.type, credentials });
      await store.update((d) => {
        d.channels[args.name] = channel;
      });
      return { ok: true, message: `Created ${info.title} channel ${args.name} in the Capsule Local store.` };
    });
  } catch (e) {
    return failure(`Could not create channel ${args.name}: ${describeError(e)}`);
  }
}
