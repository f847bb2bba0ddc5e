// `capsule-local secret set|list|rm|import`: local secrets. Values come from stdin (never from the
// command line, which would leave them in shell history) and are never printed.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parse } from 'dotenv';
import { DotenvFile, secretNameProblem } from '../../emulator/store';
import { MIN_SECRET_LENGTH } from '../../emulator/gateway/scrubber';
import { nearest } from '../../catalog/catalog';
import { UsageError, UserError } from '../errors';
import { readAll, readHidden, stripNewline } from './read-input';
import { commit, formatTable, openStore, reportPickup, shortTime, withStoreOption, type StoreFlag } from './store-io';

function checkName(name: string): void {
  const problem = secretNameProblem(name);
  if (problem) throw new UsageError(problem);
}

/** Reads the value: hidden typing on a terminal, else all of stdin minus one trailing newline. */
async function readValue(name: string): Promise<string> {
  const value = process.stdin.isTTY ? await readHidden(`Value for ${name} (input hidden): `) : stripNewline(await readAll());
  if (value === '') throw new UserError(`empty value: nothing was saved for ${name}. Pipe the value in, e.g. \`printf %s "$VALUE" | capsule-local secret set ${name}\``);
  return value;
}

/** Values too short for the scrubber to mask (emulator/gateway/scrubber.ts) get a warning, not a refusal. */
function warnShort(entries: Array<[string, string]>): void {
  const short = entries.filter(([, v]) => v.length < MIN_SECRET_LENGTH).map(([n]) => n);
  if (!short.length) return;
  process.stderr.write(
    `warning: ${short.join(', ')} ${short.length === 1 ? 'has a value' : 'have values'} shorter than ${MIN_SECRET_LENGTH} characters: ` +
      `the emulator cannot mask ${short.length === 1 ? 'it' : 'them'} in logs, events and answers (that would blank ordinary words).\n`,
  );
}

export function registerSecret(program: Command): void {
  const secret = program
    .command('secret')
    .description('Local secrets for your apps (names and sources are shown, values never).');

  withStoreOption(
    secret
      .command('set')
      .description('Set a secret; the value is read from stdin (typed without echo on a terminal).')
      .argument('<name>', 'the secret name, a valid environment variable name such as OPENAI_API_KEY'),
  ).action(async (name: string, opts: StoreFlag) => {
    checkName(name);
    const store = await openStore(opts);
    const value = await readValue(name);
    const now = new Date().toISOString();
    let existed = false;
    await commit(store, (d) => {
      const old = d.secrets[name];
      existed = old !== undefined;
      d.secrets[name] = { value, createdAt: old?.createdAt ?? now, updatedAt: now };
    });
    process.stdout.write(`${existed ? 'Updated' : 'Saved'} secret ${name} in ${store.paths.file}.\n`);
    warnShort([[name, value]]);
    await reportPickup(store, `the new value of ${name}`, (state) => !!state.secrets?.some((s) => s.name === name && s.updatedAt === now));
  });

  withStoreOption(
    secret
      .command('list')
      .description('List secret names with their source (store or .env) and update time; never values.')
      .option('--json', 'print a JSON array of {name, source, sources, updatedAt}'),
  ).action(async (opts: StoreFlag & { json?: boolean }) => {
    const store = await openStore(opts);
    const stored = store.read().secrets;
    const fromEnv = new Set(new DotenvFile(store.paths.envFile).names());
    const names = [...new Set([...Object.keys(stored), ...fromEnv])].sort();
    const rows = names.map((name) => {
      const sources = [...(stored[name] ? ['store'] : []), ...(fromEnv.has(name) ? ['.env'] : [])];
      return { name, source: sources[0]!, sources, updatedAt: stored[name]?.updatedAt };
    });
    if (opts.json) {
      process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
      return;
    }
    if (!rows.length) {
      process.stdout.write('No secrets. Set one with `capsule-local secret set NAME` or add NAME=... to .env.\n');
      return;
    }
    const table = [['NAME', 'SOURCE', 'UPDATED']];
    for (const r of rows) {
      table.push([r.name, r.sources.length > 1 ? `store (overrides .env)` : r.source, shortTime(r.updatedAt)]);
    }
    process.stdout.write(formatTable(table));
  });

  withStoreOption(
    secret.command('rm').description('Remove a secret from the store.').argument('<name>', 'the secret name'),
  ).action(async (name: string, opts: StoreFlag) => {
    const store = await openStore(opts);
    if (!store.read().secrets[name]) {
      const inEnv = new DotenvFile(store.paths.envFile).names().includes(name);
      const guess = nearest(name, Object.keys(store.read().secrets));
      throw new UserError(
        inEnv
          ? `${name} is defined in ${store.paths.envFile}, not in the store: edit that file to remove it`
          : `no secret named ${name} in ${store.paths.file}` + (guess ? ` (did you mean ${guess}?)` : ''),
      );
    }
    await commit(store, (d) => {
      delete d.secrets[name];
    });
    process.stdout.write(`Removed secret ${name}.\n`);
    await reportPickup(store, `the removal of ${name}`, (state) => !state.secrets?.some((s) => s.name === name && s.sources.includes('store')));
  });

  withStoreOption(
    secret
      .command('import')
      .description('Copy every NAME=VALUE of a .env file into the store (names are reported, values never).')
      .argument('<file>', 'a .env file'),
  ).action(async (file: string, opts: StoreFlag) => {
    let parsed: Record<string, string>;
    try {
      parsed = parse(readFileSync(file));
    } catch (e) {
      throw new UserError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
    }
    const problems = Object.keys(parsed).map(secretNameProblem).filter((p): p is string => p !== undefined);
    if (problems.length) throw new UsageError(`nothing was imported from ${file}:\n  ${problems.join('\n  ')}`);
    const empty = Object.keys(parsed).filter((n) => parsed[n] === '');
    const entries = Object.entries(parsed).filter(([, v]) => v !== '');
    if (!entries.length) throw new UserError(`no NAME=VALUE lines with a value in ${file}; nothing was imported`);
    const store = await openStore(opts);
    const now = new Date().toISOString();
    const added: string[] = [];
    const updated: string[] = [];
    await commit(store, (d) => {
      added.length = updated.length = 0;
      for (const [name, value] of entries) {
        const old = d.secrets[name];
        (old ? updated : added).push(name);
        d.secrets[name] = { value, createdAt: old?.createdAt ?? now, updatedAt: now };
      }
    });
    const lines = [`Imported ${entries.length} secret${entries.length === 1 ? '' : 's'} from ${file} into ${store.paths.file}:`];
    if (added.length) lines.push(`  new: ${added.join(', ')}`);
    if (updated.length) lines.push(`  updated: ${updated.join(', ')}`);
    if (empty.length) lines.push(`  skipped (empty value): ${empty.join(', ')}`);
    process.stdout.write(lines.join('\n') + '\n');
    warnShort(entries);
    await reportPickup(store, 'the imported secrets', (state) => entries.every(([n]) => state.secrets?.some((s) => s.name === n && s.updatedAt === now)));
  });
}
