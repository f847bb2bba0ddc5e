// Store changes from VS Code: secrets (value typed without echo), .env import, named channels,
// reset. They run the bundled CLI against the workspace store (the same code path as the
// terminal), so a running emulator and the language server see them through the store file.
// The questions here are also asked before the language server's quick fixes run (middleware.ts).
import * as vscode from 'vscode';
import { namedChannelTypes, channelProblems } from '../emulator/store/channels';
import { channelNameProblem, secretNameProblem } from '../emulator/store/names';
import { runCliOrThrow } from './cli';
import { storeDir, workspaceFolderFor } from './paths';
import * as ui from './ui';

export interface StoreContext {
  cli: string;
  log: vscode.OutputChannel;
  /** Called after every change so the view and status refresh at once. */
  changed(): void;
}

function folderOrThrow(uri?: vscode.Uri): vscode.WorkspaceFolder {
  const folder = workspaceFolderFor(uri);
  if (!folder) throw new Error('open a folder first: Capsule keeps its local state in the workspace (.capsule/)');
  return folder;
}

async function cli(ctx: StoreContext, folder: vscode.WorkspaceFolder, args: string[], input?: string): Promise<string> {
  return runCliOrThrow(ctx.cli, [...args, '--store', storeDir(folder)], { cwd: folder.uri.fsPath, input });
}

export async function askSecretName(initial?: string): Promise<string | undefined> {
  return ui.input({
    title: 'Capsule: secret name',
    prompt: 'The environment variable name the app reads, e.g. OPENAI_API_KEY',
    value: initial,
    validateInput: (v) => secretNameProblem(v.trim()),
  });
}

/** The value is typed into a password box: never echoed, never logged. */
export async function askSecretValue(name: string): Promise<string | undefined> {
  return ui.input({
    title: `Capsule: value of ${name}`,
    prompt: `Stored in this workspace's local store (.capsule/), never shown again`,
    password: true,
    validateInput: (v) => (v === '' ? 'the value cannot be empty' : undefined),
  });
}

export async function setSecret(ctx: StoreContext, name?: string, uri?: vscode.Uri): Promise<boolean> {
  const folder = folderOrThrow(uri);
  const chosen = name ?? (await askSecretName());
  if (!chosen) return false;
  const value = await askSecretValue(chosen);
  if (value === undefined) return false;
  // The CLI reads the value from stdin and strips one trailing newline.
  const out = await cli(ctx, folder, ['secret', 'set', chosen], value + '\n');
  ctx.log.appendLine(`[capsule] ${out.trim()}`);
  ctx.changed();
  vscode.window.setStatusBarMessage(`Capsule: secret ${chosen} saved`, 4000);
  return true;
}

export async function removeSecret(ctx: StoreContext, name?: string, uri?: vscode.Uri): Promise<boolean> {
  const folder = folderOrThrow(uri);
  const chosen = name ?? (await pickSecret(ctx, folder));
  if (!chosen) return false;
  const out = await cli(ctx, folder, ['secret', 'rm', chosen]);
  ctx.log.appendLine(`[capsule] ${out.trim()}`);
  ctx.changed();
  return true;
}

async function pickSecret(ctx: StoreContext, folder: vscode.WorkspaceFolder): Promise<string | undefined> {
  const list = await listSecrets(ctx.cli, folder);
  const items = list.filter((s) => s.sources.includes('store')).map((s) => ({ label: s.name, description: s.sources.join(', ') }));
  if (!items.length) throw new Error('no secrets in the local store');
  return (await ui.pick(items, { title: 'Capsule: remove which secret?' }))?.label;
}

export async function importEnv(ctx: StoreContext, file?: vscode.Uri): Promise<boolean> {
  const folder = folderOrThrow(file);
  let target = file;
  if (!target) {
    const picked = await vscode.window.showOpenDialog({
      defaultUri: vscode.Uri.joinPath(folder.uri, '.env'),
      canSelectMany: false,
      openLabel: 'Import into the Capsule store',
      title: 'Capsule: import a .env file',
    });
    target = picked?.[0];
  }
  if (!target) return false;
  const out = await cli(ctx, folder, ['secret', 'import', target.fsPath]);
  // The CLI reports names only, never values.
  ctx.log.appendLine(`[capsule] ${out.trim()}`);
  ctx.changed();
  vscode.window.showInformationMessage(out.trim().split('\n')[0]!);
  return true;
}

export interface ChannelAnswer {
  name: string;
  type: string;
  credentials: Record<string, string>;
}

/**
 * Asks for whatever is missing of a named channel: name, type (quick pick of the catalog's
 * channel types) and each credential key of that type (secret keys without echo).
 */
export async function askChannel(known: Partial<ChannelAnswer> = {}): Promise<ChannelAnswer | undefined> {
  const name =
    known.name ??
    (await ui.input({
      title: 'Capsule: channel name',
      prompt: 'Used as cpsl.Channel("name"): lowercase letters, digits, - and _',
      validateInput: (v) => channelNameProblem(v.trim()),
    }))?.trim();
  if (!name) return undefined;
  const types = namedChannelTypes();
  let type = known.type;
  if (!type || !types.some((t) => t.type === type)) {
    const picked = await ui.pick(
      types.map((t) => ({ label: t.type, description: t.title, detail: t.doc })),
      { title: `Capsule: type of channel "${name}"` },
    );
    if (!picked) return undefined;
    type = picked.label;
  }
  const info = types.find((t) => t.type === type)!;
  const credentials: Record<string, string> = { ...(known.credentials ?? {}) };
  for (const [key, spec] of Object.entries(info.credentials ?? {})) {
    if (credentials[key]) continue;
    const value = await ui.input({
      title: `Capsule: ${info.title} channel "${name}": ${key}`,
      prompt: spec.doc + (spec.required ? '' : ' (optional: leave empty to skip)'),
      password: spec.secret,
      validateInput: (v) => (spec.required && v === '' ? `${key} is required` : undefined),
    });
    if (value === undefined) return undefined;
    if (value !== '') credentials[key] = value;
  }
  return { name, type, credentials };
}

/**
 * `key=value` lines as the CLI reads them (.env syntax): each value quoted with a quote it does
 * not contain, so that a `#` or spaces survive. Single and back quotes take the value as it is.
 */
export function credentialLines(credentials: Record<string, string>): string {
  return Object.entries(credentials)
    .map(([k, v]) => {
      const q = ["'", '`'].find((c) => !v.includes(c));
      if (!q || /[\r\n]/.test(v)) throw new Error(`the value of ${k} cannot be passed to the CLI (it holds both quote kinds or a line break)`);
      return `${k}=${q}${v}${q}\n`;
    })
    .join('');
}

export async function createChannel(ctx: StoreContext, uri?: vscode.Uri): Promise<boolean> {
  const folder = folderOrThrow(uri);
  const answer = await askChannel();
  if (!answer) return false;
  const problems = channelProblems(answer);
  if (problems.length) throw new Error(problems.join('; '));
  // Without the language server (a workspace that does not use cpsl yet) the CLI creates it. The
  // credentials go through its stdin (--credentials-file -), never its command line, which `ps`
  // shows; the CLI masks them in everything it prints.
  const out = await cli(ctx, folder, ['channel', 'create', answer.name, '--type', answer.type, '--credentials-file', '-'], credentialLines(answer.credentials));

  ctx.log.appendLine(`[capsule] ${out.trim()}`);
  ctx.changed();
  vscode.window.showInformationMessage(`Capsule: created ${answer.type} channel "${answer.name}". Use it with cpsl.Channel("${answer.name}").`);
  return true;
}

export async function removeChannel(ctx: StoreContext, name?: string, uri?: vscode.Uri): Promise<boolean> {
  const folder = folderOrThrow(uri);
  let chosen = name;
  if (!chosen) {
    const list = await listChannels(ctx.cli, folder);
    if (!list.length) throw new Error('no named channels in the local store');
    chosen = (await ui.pick(list.map((c) => ({ label: c.name, description: c.type })), { title: 'Capsule: remove which channel?' }))?.label;
  }
  if (!chosen) return false;
  const out = await cli(ctx, folder, ['channel', 'rm', chosen]);
  ctx.log.appendLine(`[capsule] ${out.trim()}`);
  ctx.changed();
  return true;
}

export async function resetState(ctx: StoreContext, uri?: vscode.Uri): Promise<boolean> {
  const folder = folderOrThrow(uri);
  const scope = await ui.pick(
    [
      { label: 'Sessions and state', description: 'sessions, key-value state, connected integrations, personas, events; keeps secrets and channels' },
      { label: 'Everything', description: 'also deletes secrets and channels' },
    ],
    { title: 'Capsule: reset the local state of this workspace' },
  );
  if (!scope) return false;
  const all = scope.label === 'Everything';
  const ok = await ui.confirm(
    `Reset ${all ? 'everything' : 'sessions and state'} in ${folder.name}/.capsule?`,
    all ? 'Secrets and channels are deleted too. This cannot be undone.' : 'Secrets and channels are kept. This cannot be undone.',
    'Reset',
  );
  if (!ok) return false;
  const out = await cli(ctx, folder, ['reset', '--yes', ...(all ? ['--all'] : [])]);
  ctx.log.appendLine(`[capsule] ${out.trim()}`);
  ctx.changed();
  vscode.window.showInformationMessage(out.trim().split('\n')[0]!);
  return true;
}

export interface SecretRow {
  name: string;
  source: string;
  sources: string[];
  updatedAt?: string;
}

export interface ChannelRow {
  name: string;
  type: string;
  id: string;
  webhookPath: string;
}

export async function listSecrets(cliPath: string, folder: vscode.WorkspaceFolder): Promise<SecretRow[]> {
  return JSON.parse(await runCliOrThrow(cliPath, ['secret', 'list', '--json', '--store', storeDir(folder)], { cwd: folder.uri.fsPath })) as SecretRow[];
}

export async function listChannels(cliPath: string, folder: vscode.WorkspaceFolder): Promise<ChannelRow[]> {
  return JSON.parse(await runCliOrThrow(cliPath, ['channel', 'list', '--json', '--store', storeDir(folder)], { cwd: folder.uri.fsPath })) as ChannelRow[];
}
