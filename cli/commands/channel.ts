// `capsule-local channel create|list|rm`: named channels, as the platform's CLI
// (`channel create NAME --type telegram|slack|whatsapp -c key=value...`). Types and credential
// keys come from the catalog; credentials are masked in listings. Credentials can also come from
// a file or stdin (`--credentials-file`), which keeps them out of `ps` and shell history.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parse } from 'dotenv';
import { catalog, nearest } from '../../catalog/catalog';
import { channelProblems, channelWebhookPath, maskCredential, namedChannelTypes, newChannel, webhookAuthKey, webhookAuthKeyOf } from '../../emulator/store';
import { UsageError, UserError } from '../errors';
import { readAll, readHidden } from './read-input';
import { commit, formatTable, openStore, runningEmulator, shortTime, withStoreOption, type StoreFlag } from './store-io';

function collectCredential(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) {
    throw new UsageError(`-c expects key=value, got "${value}" (e.g. -c bot_token=123456:ABC...)`);
  }
  const key = value.slice(0, eq).trim();
  if (key in previous) throw new UsageError(`credential ${key} given twice`);
  return { ...previous, [key]: value.slice(eq + 1) };
}

class AlreadyExists extends Error {}

function credentialHelp(): string {
  const lines = ['', 'Credentials per type (key=value, with -c or in --credentials-file):'];
  for (const t of namedChannelTypes()) {
    for (const [i, [key, info]] of Object.entries(t.credentials ?? {}).entries()) {
      lines.push(`  ${(i === 0 ? t.type : '').padEnd(10)}${key.padEnd(17)}${info.required ? '' : '(optional) '}${info.doc}`);
    }
  }
  lines.push(
    '',
    'Prefer --credentials-file: values given with -c show in `ps` and stay in your shell history.',
    'The file (or stdin, with -) holds key=value lines; on a terminal, - asks for each key without echo.',
    '',
    'Examples:',
    '  capsule-local channel create support --type slack --credentials-file slack.env',
    '  capsule-local channel create tg --type telegram --credentials-file -      # asks for each key',
    '  capsule-local channel create support --type slack -c bot_token=xoxb-... -c signing_secret=...',
  );
  return lines.join('\n');
}

/** key=value lines of a file, or of stdin for "-" (asked key by key, without echo, on a terminal). */
async function credentialsFrom(source: string, type: string): Promise<Record<string, string>> {
  if (source === '-' && process.stdin.isTTY) return askCredentials(type);
  let text: string;
  try {
    text = source === '-' ? await readAll() : readFileSync(source, 'utf8');
  } catch (e) {
    throw new UserError(`cannot read ${source}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  const found = parse(text);
  if (!Object.keys(found).length) {
    throw new UsageError(`no key=value lines in ${source === '-' ? 'stdin' : source} (e.g. bot_token=123456:ABC...)`);
  }
  return found;
}

async function askCredentials(type: string): Promise<Record<string, string>> {
  const keys = catalog.channels.get(type)?.credentials;
  if (!keys) return {};
  const out: Record<string, string> = {};
  for (const [key, info] of Object.entries(keys)) {
    const hint = info.required ? '' : ', optional: Enter skips';
    const value = await readHidden(`${key} (${info.doc}; input hidden${hint}): `);
    if (value !== '') out[key] = value;
    else if (info.required) throw new UserError(`empty ${key}: nothing was saved`);
  }
  return out;
}

function mergeCredentials(a: Record<string, string>, b: Record<string, string>): Record<string, string> {
  for (const key of Object.keys(b)) if (key in a) throw new UsageError(`credential ${key} given twice (with -c and in --credentials-file)`);
  return { ...a, ...b };
}

/** What protects the webhook URL, said plainly when nothing does. */
function authLine(name: string, created: Parameters<typeof webhookAuthKey>[0]): string {
  const key = webhookAuthKey(created);
  if (key) return `  webhook auth: ${key} (requests that fail the check are refused with 401)`;
  const advice = webhookAuthKeyOf(created.type);
  return (
    '  webhook auth: NONE. Anyone who knows the webhook URL can post messages to the app.' +
    (advice ? `\n                To turn it on: capsule-local channel rm ${name}, then create it again with ${advice}=... in --credentials-file.` : '')
  );
}

export function registerChannel(program: Command): void {
  const types = namedChannelTypes().map((t) => t.type);
  const channel = program.command('channel').description('Named channels (Telegram, Slack, WhatsApp) for your apps.');

  withStoreOption(
    channel
      .command('create')
      .description('Create a named channel, as the platform CLI does.')
      .addHelpText('after', credentialHelp())
      .argument('<name>', 'the channel name (lowercase letters, digits, - and _), used as cpsl.Channel("name")')
      .requiredOption('--type <type>', `one of ${types.join(', ')}`)
      .option('-c, --credential <key=value>', 'a credential (repeat for each key); visible in ps and shell history', collectCredential)
      .option('--credentials-file <file>', 'key=value lines from a file, or - for stdin (asked without echo on a terminal)'),
  ).action(async (name: string, opts: StoreFlag & { type: string; credential?: Record<string, string>; credentialsFile?: string }) => {
    let credentials = opts.credential ?? {};
    if (opts.credentialsFile !== undefined) credentials = mergeCredentials(credentials, await credentialsFrom(opts.credentialsFile, opts.type));
    const input = { name, type: opts.type, credentials };
    const problems = channelProblems(input);
    if (!Object.keys(credentials).length && !problems.length) {
      problems.push('give the credentials with --credentials-file FILE (key=value lines; - for stdin) or -c key=value');
    }
    if (problems.length) throw new UsageError(problems.join('\n'));
    const store = await openStore(opts);
    const created = newChannel(input);
    try {
      await commit(store, (d) => {
        const existing = d.channels[name];
        if (existing) {
          throw new AlreadyExists(
            `channel "${name}" already exists (${existing.type}, id ${existing.id}); remove it first with \`capsule-local channel rm ${name}\``,
          );
        }
        d.channels[name] = created;
      });
    } catch (e) {
      throw e instanceof AlreadyExists ? new UserError(e.message) : e;
    }
    const path = channelWebhookPath(created);
    const running = runningEmulator(store);
    const lines = [
      `Created ${created.type} channel ${name}.`,
      `  id:          ${created.id}`,
      `  webhook id:  ${created.webhookId}`,
      `  webhook:     ${running ? new URL(path, running.url).toString() : `${path} (on the emulator's address)`}`,
      authLine(name, created),
      `Use it in your app with cpsl.Channel("${name}").`,
    ];
    process.stdout.write(lines.join('\n') + '\n');
  });

  withStoreOption(
    channel
      .command('list')
      .description('List named channels: name, type, id, created time, webhook URL; credentials masked.')
      .option('--json', 'print a JSON array'),
  ).action(async (opts: StoreFlag & { json?: boolean }) => {
    const store = await openStore(opts);
    const rows = Object.entries(store.read().channels)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, c]) => ({
        name,
        type: c.type,
        id: c.id,
        webhookId: c.webhookId,
        webhookPath: channelWebhookPath(c),
        createdAt: c.createdAt,
        credentials: Object.fromEntries(Object.entries(c.credentials).map(([k, v]) => [k, maskCredential(c.type, k, v)])),
      }));
    if (opts.json) {
      process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
      return;
    }
    if (!rows.length) {
      process.stdout.write('No channels. Create one with `capsule-local channel create NAME --type telegram -c bot_token=...`.\n');
      return;
    }
    // Full webhook URLs when an emulator serves this store; else the paths, on its future address.
    const running = runningEmulator(store);
    const table = [['NAME', 'TYPE', 'ID', 'CREATED', running ? 'WEBHOOK URL' : 'WEBHOOK PATH', 'CREDENTIALS']];
    for (const r of rows) {
      const webhook = running ? new URL(r.webhookPath, running.url).toString() : r.webhookPath;
      table.push([r.name, r.type, r.id, shortTime(r.createdAt), webhook, Object.entries(r.credentials).map(([k, v]) => `${k}=${v}`).join(' ')]);
    }
    process.stdout.write(formatTable(table));
    if (!running) process.stdout.write('Webhook paths are served on the emulator\'s address (`capsule-local serve` prints it).\n');
  });

  withStoreOption(
    channel.command('rm').description('Remove a named channel.').argument('<name>', 'the channel name'),
  ).action(async (name: string, opts: StoreFlag) => {
    const store = await openStore(opts);
    const names = Object.keys(store.read().channels);
    if (!names.includes(name)) {
      const guess = nearest(name, names);
      throw new UserError(`no channel named ${name} in ${store.paths.file}` + (guess ? ` (did you mean ${guess}?)` : ''));
    }
    await commit(store, (d) => {
      delete d.channels[name];
    });
    process.stdout.write(`Removed channel ${name}.\n`);
  });
}
