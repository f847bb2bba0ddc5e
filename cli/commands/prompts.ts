// `capsule-local prompts [--json]` lists pending integration prompts of the running emulator;
// `prompts answer ID --allow [--scope S...] [--field k=v...]` / `--deny` answers one headlessly
// (for tests and CI). --allow without --scope grants every requested scope.
import type { Command } from 'commander';
import { DEFAULT_STORE_DIR } from '../../emulator/store';
import { callEmulator, EmulatorClientError, errorOf, findEmulator } from '../../emulator/gateway/client';
import { UsageError, UserError } from '../errors';
import { formatTable } from './store-io';

interface PromptRow {
  id: string;
  app: string;
  user: string;
  type: string;
  mode: string;
  reason: string;
  scopes: string[];
  fields: string[];
  expires_in_seconds?: number;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

async function call(store: string, path: string, body?: unknown): Promise<unknown> {
  let info;
  try {
    info = findEmulator(store);
  } catch (e) {
    throw new UserError((e as Error).message);
  }
  try {
    const r = await callEmulator(info, path, body === undefined ? {} : { body });
    if (r.status >= 300) throw new UserError(errorOf(r.body, r.status));
    return r.body;
  } catch (e) {
    if (e instanceof EmulatorClientError) throw new UserError(e.message);
    throw e;
  }
}

export function registerPrompts(program: Command): void {
  const prompts = program
    .command('prompts')
    .description('Pending integration prompts of the running emulator (and answering them).')
    .option('--json', 'print a JSON array of {id, app, user, type, mode, reason, scopes, fields}')
    .option('--store <dir>', 'the store folder', DEFAULT_STORE_DIR)
    .action(async (flags: { json?: boolean; store: string }) => {
      const rows = (await call(flags.store, '/api/prompts')) as PromptRow[];
      if (flags.json) {
        process.stdout.write(JSON.stringify(rows.map(({ id, app, user, type, mode, reason, scopes, fields }) => ({ id, app, user, type, mode, reason, scopes, fields }))) + '\n');
        return;
      }
      if (!rows.length) {
        process.stdout.write('No pending prompts.\n');
        return;
      }
      process.stdout.write(
        formatTable([
          ['ID', 'APP', 'USER', 'TYPE', 'MODE', 'ASKS FOR', 'EXPIRES', 'REASON'],
          ...rows.map((p) => [p.id, p.app, p.user, p.type, p.mode, (p.mode === 'secret' ? p.fields : p.scopes).join(' ') || '-', `${p.expires_in_seconds ?? '?'}s`, p.reason]),
        ]),
      );
    });

  prompts
    .command('answer')
    .description('Answer a pending prompt: --allow (optionally fewer scopes, or the form fields) or --deny.')
    .argument('<id>', 'the prompt id (from `capsule-local prompts`)')
    .option('--allow', 'connect the integration')
    .option('--deny', 'decline (the handler gets IntegrationDeclined)')
    .option('--scope <scope>', 'grant this scope (repeat; default: every requested scope)', collect)
    .option('--field <name=value>', 'a secret-form field (repeat for each field)', collect)
    .option('--store <dir>', 'the store folder', DEFAULT_STORE_DIR)
    .action(async (id: string, flags: { allow?: boolean; deny?: boolean; scope?: string[]; field?: string[]; store: string }) => {
      // `prompts` has --store too and commander gives it the flag wherever it is written.
      const store = prompts.getOptionValueSource('store') === 'cli' ? (prompts.opts() as { store: string }).store : flags.store;
      if (!!flags.allow === !!flags.deny) throw new UsageError('say --allow or --deny (exactly one)');
      if (flags.deny && (flags.scope || flags.field)) throw new UsageError('--scope and --field go with --allow');
      const fields: Record<string, string> = {};
      for (const f of flags.field ?? []) {
        const i = f.indexOf('=');
        if (i <= 0) throw new UsageError(`--field takes name=value, not "${f}"`);
        fields[f.slice(0, i).trim()] = f.slice(i + 1);
      }
      const body: Record<string, unknown> = { allow: !!flags.allow };
      if (flags.scope) body.scopes = flags.scope;
      if (flags.field) body.fields = fields;
      const out = (await call(store, `/api/prompts/${encodeURIComponent(id)}/answer`, body)) as { outcome: string; scopes?: string[] };
      process.stdout.write(out.outcome === 'connected' ? `Connected${out.scopes?.length ? ` (scopes: ${out.scopes.join(' ')})` : ''}.\n` : 'Declined.\n');
    });
}
