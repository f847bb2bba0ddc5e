// The Capsule view: apps, channels, secrets (names and sources, never values), personas and
// pending prompts with a countdown. Secrets and channels come from the store through the CLI (so
// they show without a running emulator); app status, personas and prompts from the emulator.
import * as vscode from 'vscode';
import { findApps, type AppRef } from './apps';
import type { Emulator } from './emulator';
import { describe, secondsLeft, type Prompt, type PromptWatcher } from './prompts';
import { listChannels, listSecrets, type ChannelRow, type SecretRow } from './storeCommands';
import { workspaceFolderFor } from './paths';

type Section = 'apps' | 'channels' | 'secrets' | 'personas' | 'prompts';

export type Node =
  | { kind: 'section'; section: Section }
  | { kind: 'app'; app: AppRef; status?: string }
  | { kind: 'channel'; name: string; type: string; builtin: boolean; detail?: string }
  | { kind: 'secret'; row: SecretRow }
  | { kind: 'persona'; id: string; label: string; detail?: string }
  | { kind: 'prompt'; prompt: Prompt }
  | { kind: 'note'; text: string; command?: vscode.Command };

interface StateSnapshot {
  apps?: Array<{ name: string; entry: string; status: string }>;
  personas?: Array<{ id: string; name?: string; email?: string }>;
}

const SECTIONS: Array<{ section: Section; label: string; icon: string }> = [
  { section: 'apps', label: 'Apps', icon: 'rocket' },
  { section: 'channels', label: 'Channels', icon: 'comment-discussion' },
  { section: 'secrets', label: 'Secrets', icon: 'key' },
  { section: 'personas', label: 'Personas', icon: 'account' },
  { section: 'prompts', label: 'Pending prompts', icon: 'bell' },
];

export class CapsuleView implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private apps: AppRef[] = [];
  private secrets: SecretRow[] = [];
  private channels: ChannelRow[] = [];
  private state: StateSnapshot = {};
  private storeError: string | undefined;
  private readonly promptsSection: Node = { kind: 'section', section: 'prompts' };
  private readonly roots: Node[] = SECTIONS.map((s) => (s.section === 'prompts' ? this.promptsSection : { kind: 'section', section: s.section }));
  private loading: Promise<void> | undefined;

  constructor(
    private readonly cli: string,
    private readonly emulator: () => Emulator | undefined,
    private readonly prompts: PromptWatcher,
  ) {
    prompts.onDidChange(() => this.changed.fire(this.promptsSection));
  }

  /** Reloads everything (store through the CLI, emulator state over HTTP). */
  refresh(): Promise<void> {
    this.loading = this.load().finally(() => this.changed.fire(undefined));
    return this.loading;
  }

  /** Resolves once the latest refresh has finished (the tests read the view after it). */
  settled(): Promise<void> {
    return this.loading ?? Promise.resolve();
  }

  private async load(): Promise<void> {
    const folder = workspaceFolderFor();
    this.apps = await findApps().catch(() => []);
    if (folder) {
      try {
        [this.secrets, this.channels] = await Promise.all([listSecrets(this.cli, folder), listChannels(this.cli, folder)]);
        this.storeError = undefined;
      } catch (e) {
        this.storeError = (e as Error).message;
      }
    }
    const emu = this.emulator();
    this.state = emu?.state === 'running' ? await emu.json<StateSnapshot>('/api/state').catch(() => ({})) : {};
  }

  getTreeItem(node: Node): vscode.TreeItem {
    switch (node.kind) {
      case 'section': {
        const s = SECTIONS.find((x) => x.section === node.section)!;
        const count = node.section === 'prompts' ? this.prompts.prompts.length : undefined;
        const item = new vscode.TreeItem(s.label, vscode.TreeItemCollapsibleState.Expanded);
        item.id = `section:${node.section}`;
        item.iconPath = new vscode.ThemeIcon(s.icon);
        item.contextValue = `section-${node.section}`;
        if (count) item.description = String(count);
        return item;
      }
      case 'app': {
        const item = new vscode.TreeItem(node.app.name ?? node.app.symbol, vscode.TreeItemCollapsibleState.None);
        item.id = `app:${node.app.entry}`;
        item.description = node.status ? `${node.app.entry} · ${node.status}` : node.app.entry;
        item.iconPath = new vscode.ThemeIcon(node.status === 'running' ? 'debug-start' : node.status === 'crashed' ? 'error' : 'rocket');
        item.contextValue = 'app';
        item.tooltip = `${node.app.entry}\nRun, debug or chat with this app locally.`;
        item.command = { command: 'vscode.open', title: 'Open', arguments: [node.app.file, { selection: new vscode.Range(node.app.line, 0, node.app.line, 0) }] };
        return item;
      }
      case 'channel': {
        const item = new vscode.TreeItem(node.name, vscode.TreeItemCollapsibleState.None);
        item.id = `channel:${node.name}`;
        item.description = node.detail ?? node.type;
        item.iconPath = new vscode.ThemeIcon(node.builtin ? 'comment' : 'plug');
        item.contextValue = node.builtin ? 'channel-builtin' : 'channel';
        return item;
      }
      case 'secret': {
        const item = new vscode.TreeItem(node.row.name, vscode.TreeItemCollapsibleState.None);
        item.id = `secret:${node.row.name}`;
        item.description = node.row.sources.length > 1 ? `${node.row.sources[0]} (overrides ${node.row.sources.slice(1).join(', ')})` : node.row.source;
        item.iconPath = new vscode.ThemeIcon('key');
        // Only store secrets can be removed here; .env ones are edited in the file.
        item.contextValue = node.row.sources.includes('store') ? 'secret-store' : 'secret-env';
        item.tooltip = `${node.row.name}: defined in ${node.row.sources.join(' and ')}. The value is never shown.`;
        return item;
      }
      case 'persona': {
        const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
        item.id = `persona:${node.id}`;
        item.description = node.detail;
        item.iconPath = new vscode.ThemeIcon('person');
        item.contextValue = 'persona';
        return item;
      }
      case 'prompt': {
        const p = node.prompt;
        const left = secondsLeft(p);
        const item = new vscode.TreeItem(`${p.type} for ${p.user ?? p.userId ?? 'a user'}`, vscode.TreeItemCollapsibleState.None);
        item.id = `prompt:${p.id}`;
        item.description = `${p.app}${left !== undefined ? ` · ${left} s left` : ''}`;
        item.tooltip = describe(p);
        item.iconPath = new vscode.ThemeIcon('bell-dot');
        item.contextValue = 'prompt';
        return item;
      }
      case 'note': {
        const item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
        item.contextValue = 'note';
        item.command = node.command;
        return item;
      }
    }
  }

  getChildren(node?: Node): Node[] {
    if (!node) return this.roots;
    if (node.kind !== 'section') return [];
    return this.sectionChildren(node.section);
  }

  /** The view's rows as plain text, for the workbench tests. */
  snapshot(): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const root of this.roots) {
      if (root.kind !== 'section') continue;
      out[root.section] = this.sectionChildren(root.section).map((n) => {
        const item = this.getTreeItem(n);
        return [typeof item.label === 'string' ? item.label : item.label?.label, item.description].filter(Boolean).join(' — ');
      });
    }
    return out;
  }

  private sectionChildren(section: Section): Node[] {
    const running = this.emulator()?.state === 'running';
    switch (section) {
      case 'apps': {
        if (!this.apps.length) return [{ kind: 'note', text: 'No cpsl.App(...) found in this workspace' }];
        return this.apps.map((app) => {
          const live = this.state.apps?.find((a) => a.entry === app.entry || a.entry.endsWith(app.entry) || a.name === (app.name ?? app.symbol));
          return { kind: 'app', app, status: live?.status } as Node;
        });
      }
      case 'channels': {
        if (this.storeError) return [{ kind: 'note', text: `Cannot read the store: ${this.storeError}` }];
        return [
          { kind: 'channel', name: 'Web chat', type: 'chat', builtin: true, detail: 'built in, always on' },
          { kind: 'channel', name: 'API', type: 'api', builtin: true, detail: 'built in' },
          ...this.channels.map((c) => ({ kind: 'channel', name: c.name, type: c.type, builtin: false }) as Node),
        ];
      }
      case 'secrets': {
        if (this.storeError) return [{ kind: 'note', text: `Cannot read the store: ${this.storeError}` }];
        if (!this.secrets.length) return [{ kind: 'note', text: 'No secrets yet: add one', command: { command: 'capsule.secret.set', title: 'Set Secret' } }];
        return this.secrets.map((row) => ({ kind: 'secret', row }) as Node);
      }
      case 'personas': {
        if (!running) return [{ kind: 'note', text: 'Start the emulator to see simulated users' }];
        const personas = this.state.personas ?? [];
        if (!personas.length) return [{ kind: 'note', text: 'No simulated users yet' }];
        return personas.map((p) => ({ kind: 'persona', id: p.id, label: p.name ?? p.id, detail: p.email }) as Node);
      }
      case 'prompts': {
        if (!this.prompts.prompts.length) return [{ kind: 'note', text: running ? 'None pending' : 'The emulator is not running' }];
        return this.prompts.prompts.map((prompt) => ({ kind: 'prompt', prompt }) as Node);
      }
    }
  }

  dispose(): void {
    this.changed.dispose();
  }
}
