// `capsule-local export FILE`, `import FILE` and `reset`, plus the helpers the store commands
// (secret, channel) share: the --store option, opening the store, tables, the running emulator.
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import {
  Store,
  StoreError,
  DEFAULT_STORE_DIR,
  buildExport,
  parseExport,
  applyImport,
  applyReset,
  writeFileAtomic,
  DotenvFile,
  type ImportReport,
  type ResetReport,
} from '../../emulator/store';
import { callEmulator, errorOf } from '../../emulator/gateway/client';
import { SecretScrubber } from '../../emulator/gateway/scrubber';
import { liveEmulator, type DiscoveryInfo } from '../../emulator/gateway/discovery';
import { UsageError, UserError } from '../errors';
import { CollectionsEngine, DataError, dataFile } from '../../emulator/collections';
import { documentCount, exportCollections, importCollections, parseCollectionsExport, type CollectionsExport } from '../../emulator/collections/transfer';
import { clearOnboarding, exportOnboarding, importOnboarding, parseOnboardingExport, type OnboardingRecord } from '../../emulator/platform/onboarding';
import { clearTasks } from '../../emulator/platform/task-queue';

/**
 * The store's collections database (`.capsule/data.sqlite`), or undefined when there is none and
 * `create` is not asked. A running emulator may hold it open too: SQLite shares it.
 */
function openCollections(store: Store, create = false): CollectionsEngine | undefined {
  const file = dataFile(store.paths.dir);
  if (!create && !existsSync(file)) return undefined;
  try {
    return CollectionsEngine.open(file);
  } catch (e) {
    throw e instanceof DataError ? new UserError(e.message) : e;
  }
}

export interface StoreFlag {
  store: string;
}

export function withStoreOption(cmd: Command): Command {
  return cmd.option('--store <dir>', 'the store folder', DEFAULT_STORE_DIR);
}

/** Opens the store named by --store, turning store errors into clear command failures. */
export async function openStore(opts: StoreFlag): Promise<Store> {
  try {
    return await Store.open(opts.store);
  } catch (e) {
    throw asUserError(e);
  }
}

export function asUserError(e: unknown): unknown {
  return e instanceof StoreError ? new UserError(e.message) : e;
}

/** Runs one change and waits until it is on disk. */
export async function commit(store: Store, mutator: Parameters<Store['update']>[0]): Promise<void> {
  try {
    await store.update(mutator);
    await store.close();
  } catch (e) {
    throw asUserError(e);
  }
}

/** Left-aligned columns, two spaces apart; the first row is the header. */
export function formatTable(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n') + '\n';
}

export function shortTime(iso: string | undefined): string {
  return iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '';
}

/** The emulator serving this store, if its discovery file names a live process. */
export function runningEmulator(store: Store): DiscoveryInfo | undefined {
  return liveEmulator(store.paths.discovery);
}

export function noteRunningEmulator(store: Store): void {
  const running = runningEmulator(store);
  if (running) process.stderr.write(`The running emulator (pid ${running.pid}, ${running.url}) picks up the change.\n`);
}

/** What the running emulator's state (`GET /api/state`) shows once it has picked a change up. */
export type PickedUp = (state: { secrets?: Array<{ name: string; sources: string[]; updatedAt: string | null }>; channels?: Array<{ name: string }> }) => boolean;

/**
 * Says whether the running emulator has really picked the change up: it reads the store when the
 * file changes, so this asks its state until it shows the change, for a few seconds at most.
 */
export async function reportPickup(store: Store, what: string, pickedUp: PickedUp, waitMs = 5_000): Promise<void> {
  const running = runningEmulator(store);
  if (!running) return;
  const deadline = Date.now() + waitMs;
  let lastError = '';
  for (;;) {
    try {
      const { status, body } = await callEmulator(running, '/api/state');
      if (status === 200 && pickedUp(body as Parameters<PickedUp>[0])) {
        process.stderr.write(`The running emulator (pid ${running.pid}, ${running.url}) has picked up ${what}.\n`);
        return;
      }
      lastError = status === 200 ? '' : errorOf(body, status);
    } catch (e) {
      lastError = (e as Error).message;
    }
    if (Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  process.stderr.write(
    `The running emulator (pid ${running.pid}, ${running.url}) has not picked up ${what} after ${waitMs / 1000} s` +
      `${lastError ? ` (${lastError})` : ''}: restart it to be sure it uses the change.\n`,
  );
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await rl.question(question)).trim().toLowerCase() === 'yes';
  } finally {
    rl.close();
  }
}

/**
 * The scrubber for what a CLI command writes out of the store: its values, the .env's, and the
 * launching environment's for the names the store, .env or the event log's secret events name.
 */
export function storeScrubber(store: Store): SecretScrubber {
  const dotenv = new DotenvFile(store.paths.envFile);
  const logged = (): string[] =>
    store.read().events.flatMap((e) => (e.kind === 'secret' && typeof e.detail?.name === 'string' ? [e.detail.name] : []));
  return new SecretScrubber({ data: () => store.read(), dotenv: () => dotenv.values(), env: process.env, declaredNames: logged });
}

export function registerStoreCommands(program: Command): void {
  withStoreOption(
    program
      .command('export')
      .description('Write the store to FILE (- for stdout). Secret values are left out unless --include-secrets.')
      .argument('<file>', 'the export file to write')
      .option('--include-secrets', 'also write secret values, channel credentials and integration tokens')
      .option('--force', 'overwrite FILE if it exists'),
  ).action(async (file: string, opts: StoreFlag & { includeSecrets?: boolean; force?: boolean }) => {
    const store = await openStore(opts);
    if (!store.exists()) throw new UserError(`no store at ${store.paths.dir}: nothing has been saved in this workspace yet`);
    const data = store.read();
    const exp = buildExport(data, { includeSecrets: opts.includeSecrets });
    // Sessions, events and the rest go through the scrubber (an old store may hold a value that
    // became a secret later); the secret sections keep what buildExport left in them.
    const { secrets, channels, integrations, ...rest } = exp.data;
    const scrubber = storeScrubber(store);
    exp.data = { ...scrubber.json(rest), secrets, channels, integrations };
    const engine = openCollections(store);
    let collections: CollectionsExport | undefined;
    let onboarding: OnboardingRecord[] = [];
    try {
      collections = engine && scrubber.json(exportCollections(engine));
      if (engine) onboarding = exportOnboarding(engine.db);
    } finally {
      engine?.close();
    }
    const text = JSON.stringify({ ...exp, ...(collections ? { collections } : {}), ...(onboarding.length ? { onboarding } : {}) }, null, 2) + '\n';
    const d = exp.data;
    const summary =
      `${plural(Object.keys(d.secrets).length, 'secret')}, ${plural(Object.keys(d.channels).length, 'channel')}, ` +
      `${plural(Object.keys(d.sessions).length, 'session')}, ${plural(d.personas.length, 'persona')}, ${plural(d.events.length, 'event')}, ` +
      `${plural(documentCount(collections), 'collection document')}, ${plural(onboarding.length, 'onboarding completion')}`;
    const secretsNote = opts.includeSecrets
      ? 'It CONTAINS secret values: keep it private.'
      : 'Secret values, channel credentials and tokens were left out (names kept; use --include-secrets to include them).';
    if (file === '-') {
      process.stdout.write(text);
      process.stderr.write(`Exported ${summary}. ${secretsNote}\n`);
      return;
    }
    const target = resolve(file);
    if (existsSync(target) && !opts.force) throw new UserError(`${file} already exists; pass --force to overwrite it`);
    try {
      await writeFileAtomic(target, text);
    } catch (e) {
      throw new UserError(`cannot write ${file}: ${(e as Error).message}`);
    }
    process.stdout.write(`Exported ${summary} to ${file}. ${secretsNote}\n`);
  });

  withStoreOption(
    program
      .command('import')
      .description('Load an export FILE into the store. Merges by default: entries in FILE replace entries with the same name, others stay.')
      .argument('<file>', 'a file written by `capsule-local export`')
      .option('--replace', 'make the store exactly the export instead of merging (local secret values are still kept where FILE has none)'),
  ).action(async (file: string, opts: StoreFlag & { replace?: boolean }) => {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new UserError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
    }
    let exp;
    try {
      exp = parseExport(file, text);
    } catch (e) {
      throw asUserError(e);
    }
    let collections: CollectionsExport | undefined;
    let onboarding: OnboardingRecord[] | undefined;
    try {
      collections = parseCollectionsExport((exp as { collections?: unknown }).collections);
      onboarding = parseOnboardingExport((exp as { onboarding?: unknown }).onboarding);
    } catch (e) {
      throw new UserError(`${file}: ${(e as Error).message}; nothing was imported`);
    }
    const store = await openStore(opts);
    const mode = opts.replace ? 'replace' : 'merge';
    let report: ImportReport | undefined;
    await commit(store, (d) => {
      report = applyImport(d, exp, mode);
    });
    const engine = collections || onboarding || mode === 'replace' ? openCollections(store, collections !== undefined || onboarding !== undefined) : undefined;
    let imported;
    let onboarded: number | undefined;
    try {
      if (engine) imported = importCollections(engine, collections ?? { documents: {}, schemas: [] }, mode);
      if (engine && (onboarding || mode === 'replace')) onboarded = importOnboarding(engine.db, onboarding ?? [], mode);
    } finally {
      engine?.close();
    }
    process.stdout.write(describeImport(file, store.paths.file, report!));
    if (imported) process.stdout.write(`  collections: ${plural(imported.documents, 'document')} in ${plural(imported.collections, 'collection')}, ${plural(imported.schemas, 'column schema')}\n`);
    if (onboarded !== undefined) process.stdout.write(`  onboarding: ${plural(onboarded, 'completion')}\n`);
    noteRunningEmulator(store);
  });

  withStoreOption(
    program
      .command('reset')
      .description('Delete sessions, key-value state, collections, managed filesystems\' files, background tasks, onboarding completions, connected integrations, personas and the event log. Secrets and channels are kept unless --all.')
      .option('--all', 'also delete secrets and channels (an empty store)')
      .option('-y, --yes', 'do not ask for confirmation (required when not on a terminal)'),
  ).action(async (opts: StoreFlag & { all?: boolean; yes?: boolean }) => {
    const store = await openStore(opts);
    if (!store.exists()) {
      process.stdout.write(`Nothing to reset: no store at ${store.paths.dir}.\n`);
      return;
    }
    const what = opts.all ? 'everything (including secrets and channels)' : 'sessions, state, collections, filesystem files, integrations, personas and events (secrets and channels are kept)';
    if (!opts.yes) {
      if (!process.stdin.isTTY) throw new UsageError(`refusing to reset the store in ${store.paths.dir} without confirmation: pass --yes`);
      if (!(await confirm(`Reset the store in ${store.paths.dir}: delete ${what}? Type "yes" to continue: `))) {
        throw new UserError('reset cancelled; nothing was changed');
      }
    }
    let report: ResetReport | undefined;
    await commit(store, (d) => {
      report = applyReset(d, { all: opts.all });
    });
    const engine = openCollections(store);
    let documents = 0;
    let tasks = 0;
    let onboarded = 0;
    try {
      if (engine) {
        documents = engine.reset();
        tasks = clearTasks(engine.db);
        onboarded = clearOnboarding(engine.db);
      }
    } finally {
      engine?.close();
    }
    // The managed filesystems' folders (runner/filesystems.ts) are the app's data, like its collections.
    const files = countFiles(store.paths.filesystems);
    rmSync(store.paths.filesystems, { recursive: true, force: true });
    const r = report!.removed;
    const parts = [
      plural(r.sessions, 'session'),
      plural(r.integrations, 'connected integration'),
      plural(r.kvScopes, 'state scope'),
      plural(r.events, 'event'),
      plural(r.personas, 'persona'),
      plural(documents, 'collection document'),
      plural(tasks, 'background task'),
      plural(onboarded, 'onboarding completion'),
      plural(files, 'managed filesystem file'),
    ];
    if (opts.all) parts.push(plural(r.secrets, 'secret'), plural(r.channels, 'channel'));
    process.stdout.write(`Reset the store in ${store.paths.dir}: removed ${parts.join(', ')}.${opts.all ? '' : ' Secrets and channels were kept.'}\n`);
    noteRunningEmulator(store);
  });
}

function describeImport(file: string, storeFile: string, r: ImportReport): string {
  const lines = [
    `${r.mode === 'replace' ? 'Replaced' : 'Merged'} ${storeFile} with ${file}` +
      (r.mode === 'replace' ? ' (entries not in the export were removed).' : ' (entries not in the export were kept).'),
  ];
  const names = (list: string[]): string => (list.length ? `: ${list.join(', ')}` : '');
  lines.push(`  secrets: ${r.secrets.imported.length} with values${names(r.secrets.imported)}`);
  if (r.secrets.keptLocalValue.length) lines.push(`  secrets without a value in the export, local value kept${names(r.secrets.keptLocalValue)}`);
  if (r.secrets.skippedNoValue.length) {
    lines.push(`  secrets SKIPPED (no value in the export or the store)${names(r.secrets.skippedNoValue)}`);
    lines.push(`    set them with: ${r.secrets.skippedNoValue.map((n) => `capsule-local secret set ${n}`).join('; ')}`);
  }
  lines.push(`  channels: ${r.channels.imported.length + r.channels.keptLocalCredentials.length}${names([...r.channels.imported, ...r.channels.keptLocalCredentials])}`);
  if (r.channels.skippedNoCredentials.length) {
    lines.push(`  channels SKIPPED (credentials not in the export)${names(r.channels.skippedNoCredentials)}; create them with \`capsule-local channel create\``);
  }
  lines.push(`  integrations: ${r.integrations.imported}` + (r.integrations.skippedNoToken ? ` (${r.integrations.skippedNoToken} skipped without tokens: users reconnect)` : ''));
  lines.push(`  personas: ${r.personas}, sessions: ${r.sessions}, state keys: ${r.kvKeys}, events: ${r.events}`);
  return lines.join('\n') + '\n';
}

/** The files under a folder (0 when it does not exist). */
function countFiles(dir: string): number {
  let n = 0;
  try {
    for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) if (!e.isDirectory()) n++;
  } catch {
    // No folder: nothing to count.
  }
  return n;
}
