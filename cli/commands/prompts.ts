// `capsule-local prompts [--json]` lists pending prompts of the running emulator (integrations,
// the SDK's approvals and file uploads); `prompts answer ID --allow [--scope S...] [--field k=v...]`
// / `--deny` answers one headlessly (for tests and CI), `--file PATH` uploads the file a file
// prompt asks for. --allow without --scope grants every requested scope.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { DEFAULT_STORE_DIR } from '../../emulator/store';
import { callRunning as call } from './emulator-call';
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
  approve_label?: string;
  reject_label?: string;
  accept?: string;
  expires_in_seconds?: number;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function asksFor(p: PromptRow): string {
  if (p.mode === 'approval') return `${p.approve_label ?? 'Approve'} (--allow) / ${p.reject_label ?? 'Reject'} (--deny)`;
  if (p.mode === 'file') return `a file${p.accept ? ` (${p.accept})` : ''} (--file PATH)`;
  return (p.mode === 'secret' ? p.fields : p.scopes).join(' ') || '-';
}

const MIME: Record<string, string> = { '.txt': 'text/plain', '.csv': 'text/csv', '.json': 'application/json', '.pdf': 'application/pdf', '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.gif': 'image/gif', '.md': 'text/markdown', '.html': 'text/html', '.zip': 'application/zip' };

export function registerPrompts(program: Command): void {
  const prompts = program
    .command('prompts')
    .description('Pending prompts of the running emulator: integrations, approvals, file uploads (and answering them).')
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
          ...rows.map((p) => [p.id, p.app, p.user, p.type, p.mode, asksFor(p), `${p.expires_in_seconds ?? '?'}s`, p.reason]),
        ]),
      );
    });

  prompts
    .command('answer')
    .description('Answer a pending prompt: --allow (optionally fewer scopes, or the form fields) or --deny; a file prompt with --file PATH.')
    .argument('<id>', 'the prompt id (from `capsule-local prompts`)')
    .option('--allow', 'connect the integration, or approve')
    .option('--deny', 'decline (the handler gets IntegrationDeclined), or reject (prompt_approval returns False)')
    .option('--file <path>', 'upload this file to a file prompt (session.prompt_file)')
    .option('--scope <scope>', 'grant this scope (repeat; default: every requested scope)', collect)
    .option('--field <name=value>', 'a secret-form field, or a Pipedream account\'s access_token / api_base_url (repeat for each field)', collect)
    .option('--store <dir>', 'the store folder', DEFAULT_STORE_DIR)
    .action(async (id: string, flags: { allow?: boolean; deny?: boolean; file?: string; scope?: string[]; field?: string[]; store: string }) => {
      // `prompts` has --store too and commander gives it the flag wherever it is written.
      const store = prompts.getOptionValueSource('store') === 'cli' ? (prompts.opts() as { store: string }).store : flags.store;
      if (flags.file !== undefined) {
        if (flags.allow || flags.deny || flags.scope || flags.field) throw new UsageError('--file goes alone (a file prompt has nothing to allow or deny)');
        let data: Buffer;
        try {
          data = readFileSync(flags.file);
        } catch (e) {
          throw new UserError(`cannot read ${flags.file}: ${(e as Error).message}`);
        }
        const ext = /\.[^.]+$/.exec(flags.file.toLowerCase())?.[0] ?? '';
        const headers = { 'content-type': MIME[ext] ?? 'application/octet-stream', 'x-filename': encodeURIComponent(basename(flags.file)) };
        const out = (await call(store, `/api/prompts/${encodeURIComponent(id)}/file`, undefined, { data, headers })) as { name: string; size: number; content_type: string };
        process.stdout.write(`Uploaded ${out.name} (${out.size} bytes, ${out.content_type}).\n`);
        return;
      }
      if (!!flags.allow === !!flags.deny) throw new UsageError('say --allow or --deny (exactly one), or --file PATH for a file prompt');
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
      const said: Record<string, string> = { approved: 'Approved.\n', rejected: 'Rejected.\n', declined: 'Declined.\n' };
      process.stdout.write(out.outcome === 'connected' ? `Connected${out.scopes?.length ? ` (scopes: ${out.scopes.join(' ')})` : ''}.\n` : (said[out.outcome] ?? `${out.outcome}.\n`));
    });
}
