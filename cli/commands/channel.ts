// `capsule-local channel create|list|rm`: named channels, as the platform's CLI
// (`channel create NAME --type telegram|slack|whatsapp -c key=value...`). Types and credential
// keys come from the catalog; credentials are masked in listings.
import type { Command } from 'commander';
import { nearest } from '../../catalog/catalog';
import { channelProblems, channelWebhookPath, maskCredential, namedChannelTypes, newChannel } from '../../emulator/store';
import { UsageError, UserError } from '../errors';
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
  const lines = ['', 'Credentials per type (-c key=value):'];
  for (const t of namedChannelTypes()) {
    for (const [i, [key, info]] of Object.entries(t.credentials ?? {}).entries()) {
      lines.push(`  ${(i === 0 ? t.type : '').padEnd(10)}${key.padEnd(17)}${info.required ? '' : '(optional) '}${info.doc}`);
    }
  }
  lines.push('', 'Example: capsule-local channel create support --type slack -c bot_token=xoxb-... -c signing_secret=...');
  return lines.join('\n');
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
      .option('-c, --credential <key=value>', 'a credential (repeat for each key)', collectCredential),
  ).action(async (name: string, opts: StoreFlag & { type: string; credential?: Record<string, string> }) => {
    const credentials = opts.credential ?? {};
    const input = { name, type: opts.type, credentials };
    const problems = channelProblems(input);
    if (!Object.keys(credentials).length && !problems.length) {
      problems.push('give at least one credential with -c key=value');
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
      `Use it in your app with cpsl.Channel("${name}").`,
    ];
    process.stdout.write(lines.join('\n') + '\n');
  });

  withStoreOption(
    channel
      .command('list')
      .description('List named channels: name, type, id, created time; credentials masked.')
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
    const table = [['NAME', 'TYPE', 'ID', 'CREATED', 'CREDENTIALS']];
    for (const r of rows) {
      table.push([r.name, r.type, r.id, shortTime(r.createdAt), Object.entries(r.credentials).map(([k, v]) => `${k}=${v}`).join(' ')]);
    }
    process.stdout.write(formatTable(table));
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
