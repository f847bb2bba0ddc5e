// The language server: the only module that speaks LSP. It keeps the open documents (incremental
// sync), reads and watches the rest of each workspace folder (Python files, the store's names, the
// `.env`), runs the analysis after a short adaptive delay, and answers feature requests through the
// pure functions in server/features/.
//
// Started three ways: `node dist/server.js --stdio | --node-ipc` (the bundle of this file), the
// CLI's `capsule-local lsp --stdio` (calls startServer), and in-process by the tests (streams).
import {
  createConnection,
  ProposedFeatures,
  TextDocuments,
  TextDocumentSyncKind,
  CodeActionKind,
  DidChangeWatchedFilesNotification,
  FileChangeType,
  ShowMessageNotification,
  MessageType,
  StreamMessageReader,
  StreamMessageWriter,
  type Connection,
  type InitializeParams,
  type InitializeResult,
  type WorkspaceFolder,
  type Diagnostic,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { dirname, sep } from 'node:path';
import { cpslScopeOf, LineIndex, REFERENCED_FILE_EXTENSIONS, type Scope, type CapsuleDiagnostic, type Range, type Position } from './analysis/index';
import { Folder } from './workspace/folder';
import { normalizeUri, pathToUri, uriToPath } from './workspace/uri';
import { watchFolder, type LocalWatch } from './workspace/watch';
import { createChannel, defineSecret, storeCredential, type SpanReader } from './workspace/store-commands';
import type { FileInput, Providers } from './features/input';
import { complete } from './features/completion';
import { hover } from './features/hover';
import { definition, references } from './features/navigation';
import { codeLenses, documentSymbols } from './features/symbols';
import { codeActions, type FixableDiagnostic } from './features/code-actions';
import { signatureHelp } from './features/signature-help';
import { toLspDiagnostic, type DiagnosticData } from './features/diagnostics';
import { codeActionParams, commandArgsProblem, commandParams, documentParams, positionParams, referenceParams } from './params';
import {
  CREATE_CHANNEL,
  DEFINE_SECRET,
  REFRESH,
  SERVER_COMMANDS,
  STORE_CREDENTIAL,
  type CommandResult,
  type CreateChannelArgs,
  type DefineSecretArgs,
  type StoreCredentialArgs,
} from './features/commands';

/** Initialization options (and `capsule.*` settings pushed through workspace/didChangeConfiguration). */
export interface ServerSettings {
  /** Store folder, relative to each workspace folder (default `.capsule`) or absolute. */
  storeDir?: string;
  /** Upper bound of the adaptive diagnostics delay in ms (default 150). */
  maxDiagnosticsDelay?: number;
  /** false: do not show window/showMessage for command results (a client that reports them itself). */
  commandMessages?: boolean;
}

export interface ServerStreams {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
}

export interface ServerHandle {
  connection: Connection;
  /** Stops timers and watchers (in-process use; `exit` ends the process otherwise). */
  dispose(): Promise<void>;
}

const DEFAULT_STORE_DIR = '.capsule';

export function startServer(streams?: ServerStreams): ServerHandle {
  // Explicit streams become message readers, so that the library does not exit the process when
  // they end (it does so for raw streams); without streams the transport comes from argv.
  const connection = streams
    ? createConnection(ProposedFeatures.all, new StreamMessageReader(streams.input), new StreamMessageWriter(streams.output))
    : createConnection(ProposedFeatures.all);
  const server = new CapsuleServer(connection);
  server.listen();
  return { connection, dispose: () => server.dispose() };
}

interface ScopeEntry {
  text: string;
  scope: Scope;
}

class CapsuleServer {
  private readonly documents = new TextDocuments(TextDocument);
  private readonly folders = new Map<string, Folder>();
  /** Implicit folders for files opened outside every workspace folder (by directory). */
  private readonly loose = new Map<string, Folder>();
  private readonly timers = new Map<Folder, NodeJS.Timeout>();
  private readonly running = new Set<Folder>();
  private readonly lastEdit = new Map<Folder, number>();
  private readonly published = new Map<string, string>();
  private readonly publishedBy = new Map<Folder, Set<string>>();
  private readonly watchers = new Map<Folder, LocalWatch>();
  private readonly scopes = new Map<string, ScopeEntry>();
  private settings: Required<ServerSettings> = { storeDir: DEFAULT_STORE_DIR, maxDiagnosticsDelay: 150, commandMessages: true };
  private clientWatches = false;
  private canShowDocument = false;
  private folderEvents = false;
  private initialized = false;
  private disposed = false;

  constructor(private readonly connection: Connection) {}

  listen(): void {
    const c = this.connection;
    c.onInitialize((p) => this.initialize(p));
    c.onInitialized(() => void this.afterInitialized());
    c.onShutdown(() => this.dispose());
    c.onDidChangeConfiguration((p) => {
      const s = (p.settings as { capsule?: ServerSettings } | undefined)?.capsule;
      if (s) void this.applySettings(s);
    });
    c.onDidChangeWatchedFiles((p) => void this.watched(p.changes.map((ch) => ({ path: uriToPath(ch.uri), deleted: ch.type === FileChangeType.Deleted }))));

    this.documents.onDidOpen((e) => this.track(e.document));
    this.documents.onDidChangeContent((e) => this.track(e.document));
    this.documents.onDidClose((e) => this.untrack(e.document));
    this.documents.listen(c);

    c.onCompletion((p, token) => {
      const q = positionParams(p);
      const ctx = this.context(q.uri);
      if (!ctx || token.isCancellationRequested) return null;
      return complete(ctx.input, ctx.providers, ctx.input.index.offsetAt(q.position));
    });
    c.onHover((p) => {
      const q = positionParams(p);
      const ctx = this.context(q.uri);
      return ctx ? hover(ctx.input, ctx.providers, ctx.input.index.offsetAt(q.position)) : null;
    });
    c.onSignatureHelp((p, token) => {
      const q = positionParams(p);
      const ctx = this.context(q.uri);
      if (!ctx || token.isCancellationRequested) return null;
      return signatureHelp(ctx.input, ctx.input.index.offsetAt(q.position));
    });
    c.onDefinition((p) => {
      const q = positionParams(p);
      const ctx = this.context(q.uri);
      return ctx ? definition(ctx.input, ctx.providers, ctx.input.index.offsetAt(q.position)) : null;
    });
    c.onReferences((p) => {
      const q = referenceParams(p);
      const ctx = this.context(q.uri);
      return ctx ? references(ctx.input, ctx.providers, ctx.input.index.offsetAt(q.position), q.includeDeclaration) : null;
    });
    c.onDocumentSymbol((p) => {
      const ctx = this.context(documentParams(p).uri);
      return ctx ? documentSymbols(ctx.input, ctx.providers.model) : null;
    });
    c.onCodeLens((p) => {
      const ctx = this.context(documentParams(p).uri);
      return ctx ? codeLenses(ctx.input, ctx.providers.model, ctx.providers.uriOf) : null;
    });
    c.onCodeAction((p) => {
      const q = codeActionParams(p);
      const ctx = this.context(q.uri);
      if (!ctx) return null;
      return codeActions(ctx.input, ctx.providers, this.diagnosticsForActions(ctx.folder, ctx.input.path, q.range, q.diagnostics));
    });
    c.onExecuteCommand((p) => {
      const q = commandParams(p);
      return this.execute(q.command, q.args);
    });
    c.listen();
  }

  private initialize(params: InitializeParams): InitializeResult {
    const opts = (params.initializationOptions ?? {}) as ServerSettings;
    this.settings = { ...this.settings, ...definedOnly(opts) };
    const caps = params.capabilities;
    this.clientWatches = !!caps.workspace?.didChangeWatchedFiles?.dynamicRegistration;
    this.canShowDocument = !!caps.window?.showDocument?.support;
    this.folderEvents = !!caps.workspace?.workspaceFolders;
    const folders: WorkspaceFolder[] = params.workspaceFolders ?? (params.rootUri ? [{ uri: params.rootUri, name: 'root' }] : []);
    for (const f of folders) void this.addFolder(f);
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
        completionProvider: { triggerCharacters: ['"', "'", '.', '[', '(', ',', '='], resolveProvider: false },
        hoverProvider: true,
        signatureHelpProvider: { triggerCharacters: ['(', ','], retriggerCharacters: ['='] },
        definitionProvider: true,
        referencesProvider: true,
        documentSymbolProvider: true,
        codeLensProvider: { resolveProvider: false },
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
        executeCommandProvider: { commands: SERVER_COMMANDS },
        workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
      },
      serverInfo: { name: 'capsule-local', version: process.env.CAPSULE_LOCAL_VERSION ?? '0.1.0' },
    };
  }

  private async afterInitialized(): Promise<void> {
    this.initialized = true;
    if (this.folderEvents) {
      // Only clients that announced workspace folder support may be asked for these events.
      this.connection.workspace.onDidChangeWorkspaceFolders((e) => {
        for (const f of e.removed) this.removeFolder(f);
        for (const f of e.added) void this.addFolder(f).then((folder) => folder && this.schedule(folder, 0));
      });
    }
    if (this.clientWatches) {
      // The client watches (cheaper than our own watchers and it already knows its excludes).
      await this.connection.client
        .register(DidChangeWatchedFilesNotification.type, {
          watchers: [{ globPattern: '**/*.py' }, { globPattern: '**/.env' }, { globPattern: '**/store.json' }, { globPattern: `**/*.{${REFERENCED_FILE_EXTENSIONS.map((e) => e.slice(1)).join(',')}}` }],
        })
        .catch(() => {
          this.clientWatches = false;
        });
    }
    for (const folder of this.folders.values()) {
      this.ensureWatch(folder);
      this.schedule(folder, 0);
    }
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    await Promise.all([...this.watchers.values()].map((w) => w.close().catch(() => undefined)));
    this.watchers.clear();
  }

  private async applySettings(s: ServerSettings): Promise<void> {
    const before = this.settings.storeDir;
    this.settings = { ...this.settings, ...definedOnly(s) };
    if (this.settings.storeDir === before) return;
    for (const folder of this.allFolders()) {
      folder.setStoreDir(this.settings.storeDir);
      await this.restartWatch(folder);
      await this.refreshNames(folder);
      this.schedule(folder, 0);
    }
  }

  private allFolders(): Folder[] {
    return [...this.folders.values(), ...this.loose.values()];
  }

  private async addFolder(f: WorkspaceFolder): Promise<Folder | undefined> {
    const root = uriToPath(f.uri);
    if (!root) return undefined;
    const key = normalizeUri(f.uri);
    if (this.folders.has(key)) return this.folders.get(key);
    const folder = new Folder(root, f.name, this.settings.storeDir);
    this.folders.set(key, folder);
    // Files already open that belong to the new folder move into it.
    for (const doc of this.documents.all()) if (this.folderFor(doc.uri) === folder) this.track(doc);
    if (this.initialized) this.ensureWatch(folder);
    return folder;
  }

  private removeFolder(f: WorkspaceFolder): void {
    const key = normalizeUri(f.uri);
    const folder = this.folders.get(key);
    if (!folder) return;
    this.folders.delete(key);
    void this.watchers.get(folder)?.close();
    this.watchers.delete(folder);
    clearTimeout(this.timers.get(folder));
    this.clearPublished(folder);
  }

  private ensureWatch(folder: Folder): void {
    if (this.clientWatches || this.watchers.has(folder) || this.disposed || !folder.scanDisk) return;
    this.watchers.set(
      folder,
      watchFolder(folder.root, folder.storeDir, folder.envFile, (path, kind) => void this.watched([{ path, deleted: kind === 'deleted' }])),
    );
  }

  private async restartWatch(folder: Folder): Promise<void> {
    const w = this.watchers.get(folder);
    if (!w) return;
    this.watchers.delete(folder);
    await w.close();
    this.ensureWatch(folder);
  }

  /** The workspace folder holding a document (the innermost one), else an implicit one for its directory. */
  private folderFor(uri: string): Folder | undefined {
    const path = uriToPath(uri);
    if (!path) return undefined;
    let best: Folder | undefined;
    for (const f of this.folders.values()) {
      if (f.rel(path) !== undefined && (!best || f.root.length > best.root.length)) best = f;
    }
    if (best) return best;
    const dir = dirname(path);
    let folder = this.loose.get(dir);
    if (!folder) {
      folder = new Folder(dir, dir, this.settings.storeDir, false);
      this.loose.set(dir, folder);
      void this.refreshNames(folder).then(() => this.schedule(folder!, 0));
    }
    return folder;
  }

  private isPython(doc: TextDocument): boolean {
    return doc.languageId === 'python' || doc.uri.endsWith('.py');
  }

  private track(doc: TextDocument): void {
    if (!this.isPython(doc)) return;
    const path = uriToPath(doc.uri)!;
    const folder = this.folderFor(doc.uri);
    const rel = folder && folder.rel(path);
    if (!folder || !rel) return;
    // Remove it from an implicit folder it may have been in before its workspace folder arrived.
    for (const [dir, f] of this.loose) {
      const looseRel = f === folder ? undefined : f.rel(path);
      if (!looseRel || !f.open.delete(looseRel)) continue;
      if (f.open.size === 0) {
        this.loose.delete(dir);
        this.clearPublished(f);
      } else this.schedule(f);
    }
    folder.open.set(rel, { text: doc.getText(), version: doc.version });
    this.schedule(folder);
  }

  private untrack(doc: TextDocument): void {
    const folder = this.folderFor(doc.uri);
    const rel = folder && folder.rel(uriToPath(doc.uri)!);
    if (!folder || !rel) return;
    folder.open.delete(rel);
    if (!folder.scanDisk && folder.open.size === 0) {
      this.loose.delete(folder.root);
      this.clearPublished(folder);
      return;
    }
    this.schedule(folder);
  }

  /**
   * Runs the folder's analysis, debounced only when edits arrive faster than an analysis takes:
   * an edit after a pause longer than the last run's cost is analysed at once (the next macrotask,
   * so changes already queued are coalesced); during a faster burst each edit pushes the run back
   * by that cost (capped), so typing never waits behind analyses of texts already outdated.
   * The run always reads the newest text.
   */
  private schedule(folder: Folder, delay?: number): void {
    if (this.disposed) return;
    clearTimeout(this.timers.get(folder));
    const now = performance.now();
    const gap = now - (this.lastEdit.get(folder) ?? -Infinity);
    if (delay === undefined) this.lastEdit.set(folder, now);
    const burst = gap < folder.lastCost;
    const wait = delay ?? (burst ? Math.min(this.settings.maxDiagnosticsDelay, Math.round(folder.lastCost)) : 0);
    this.timers.set(
      folder,
      setTimeout(() => {
        this.timers.delete(folder);
        void this.run(folder);
      }, wait),
    );
  }

  private async run(folder: Folder): Promise<void> {
    if (this.running.has(folder)) {
      // A first run is still reading the folder from disk; try again when it is done.
      this.schedule(folder, 10);
      return;
    }
    this.running.add(folder);
    try {
      if (!folder.analysis) {
        await folder.scan();
        await this.refreshNames(folder);
      }
      if (this.disposed || (!this.folders.has(normalizeUri(folder.uri)) && !this.loose.has(folder.root))) return;
      const analysis = folder.analyze();
      this.publish(folder, analysis.diagnostics);
    } catch (e) {
      this.connection.console.error(`analysis failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
    } finally {
      this.running.delete(folder);
    }
  }

  private publish(folder: Folder, diagnostics: CapsuleDiagnostic[]): void {
    const byUri = new Map<string, Diagnostic[]>();
    const uriOf = (p: string) => folder.uriOf(p);
    for (const d of diagnostics) {
      const uri = uriOf(d.path);
      const list = byUri.get(uri) ?? [];
      list.push(toLspDiagnostic(d, uriOf));
      byUri.set(uri, list);
    }
    const previous = this.publishedBy.get(folder) ?? new Set<string>();
    // Open documents always get a (possibly empty) list, so a client waiting for one gets it.
    for (const rel of folder.open.keys()) {
      const uri = uriOf(rel);
      if (!byUri.has(uri)) byUri.set(uri, []);
    }
    for (const uri of previous) if (!byUri.has(uri)) byUri.set(uri, []);
    const now = new Set<string>();
    for (const [uri, list] of byUri) {
      // In nested workspace folders a file belongs to the innermost one only.
      if (this.folders.size > 1 && folder.scanDisk && this.folderFor(uri) !== folder) continue;
      const doc = this.documents.get(uri) ?? this.documents.get(normalizeUri(uri));
      const sig = JSON.stringify(list);
      if (list.length) now.add(uri);
      const key = `${uri}@${doc?.version ?? ''}`;
      if (this.published.get(uri) === `${key}:${sig}`) continue;
      this.published.set(uri, `${key}:${sig}`);
      void this.connection.sendDiagnostics({ uri: doc?.uri ?? uri, ...(doc ? { version: doc.version } : {}), diagnostics: list });
    }
    this.publishedBy.set(folder, now);
  }

  private clearPublished(folder: Folder): void {
    for (const uri of this.publishedBy.get(folder) ?? []) {
      this.published.delete(uri);
      void this.connection.sendDiagnostics({ uri, diagnostics: [] });
    }
    this.publishedBy.delete(folder);
  }

  /** Re-reads a folder's names; says once when its store became unreadable (names then unknown). */
  private async refreshNames(folder: Folder): Promise<boolean> {
    const before = folder.storeProblem;
    const changed = await folder.refreshState();
    const problem = folder.storeProblem;
    if (problem && problem !== before) {
      const message = `Capsule: the local store of ${folder.name} cannot be read, so secret and channel checks are off: ${problem}`;
      this.connection.console.warn(message);
      void this.connection.sendNotification(ShowMessageNotification.type, { type: MessageType.Warning, message });
    }
    return changed;
  }

  private async watched(changes: Array<{ path: string | undefined; deleted: boolean }>): Promise<void> {
    const touched = new Set<Folder>();
    const stateChanged = new Set<Folder>();
    for (const { path, deleted } of changes) {
      if (!path) continue;
      for (const folder of this.allFolders()) {
        if (path === folder.envFile || path === `${folder.storeDir}${sep}store.json` || path === folder.storeDir) {
          stateChanged.add(folder);
          continue;
        }
        if (folder.referencesFile(path)) {
          // A page component or logo the app names appeared or went: the same check, again.
          folder.state = { ...folder.state };
          touched.add(folder);
          continue;
        }
        if (!path.endsWith('.py') || !folder.scanDisk || folder.rel(path) === undefined) continue;
        // Only the innermost folder owns a file.
        if (this.folderFor(pathToUri(path)) !== folder) continue;
        const changed = deleted ? folder.deleteFile(path) : await folder.reloadFile(path);
        if (changed) touched.add(folder);
      }
    }
    for (const folder of stateChanged) if (await this.refreshNames(folder)) touched.add(folder);
    for (const folder of touched) this.schedule(folder, 0);
  }

  private scopeOf(key: string, text: string, input: Omit<FileInput, 'scope'>): Scope {
    const cached = this.scopes.get(key);
    if (cached && cached.text === text) return cached.scope;
    const scope = cpslScopeOf(text, input.tree);
    this.scopes.set(key, { text, scope });
    return scope;
  }

  private inputFor(folder: Folder, rel: string, text: string, uri: string, version?: number): FileInput {
    const entry = folder.cache.file(rel, text);
    const base = { path: rel, uri, text, tree: entry.parsed.tree, summary: entry.summary, index: new LineIndex(text), ...(version !== undefined ? { version } : {}) };
    return { ...base, scope: this.scopeOf(uri, text, base) };
  }

  private providers(folder: Folder): Providers {
    return {
      state: folder.state,
      model: folder.analysis?.model,
      uriOf: (p) => folder.uriOf(p),
      folderUri: folder.uri,
      inputOf: (p) => {
        const text = folder.textOf(p);
        return text === undefined ? undefined : this.inputFor(folder, p, text, folder.uriOf(p), folder.open.get(p)?.version);
      },
    };
  }

  /** Everything a feature needs for a request on an open Python document. */
  private context(uri: string): { folder: Folder; input: FileInput; providers: Providers } | undefined {
    const doc = this.documents.get(uri);
    if (!doc || !this.isPython(doc)) return undefined;
    const folder = this.folderFor(uri);
    const rel = folder?.rel(uriToPath(uri)!);
    if (!folder || !rel) return undefined;
    return { folder, input: this.inputFor(folder, rel, doc.getText(), doc.uri, doc.version), providers: this.providers(folder) };
  }

  /**
   * The diagnostics to fix in a range, computed here rather than trusted from the client: some
   * clients (Neovim right after an edit) send none, or the ones of an older version of the text.
   * The analysis of the current text is the truth; a diagnostic the client sent is used (as the
   * one the action names) only when the current analysis has the same one.
   */
  private diagnosticsForActions(folder: Folder, path: string, range: Range, sent: Diagnostic[]): FixableDiagnostic[] {
    let analysis = folder.analysis;
    try {
      analysis = folder.analyze();
    } catch {
      // the published analysis is still the best answer
    }
    const uriOf = (p: string) => folder.uriOf(p);
    const out: FixableDiagnostic[] = [];
    for (const d of analysis?.diagnostics ?? []) {
      if (d.path !== path || !overlaps(d.range, range)) continue;
      const client = sent.find((x) => x.code === d.code && x.range.start.line === d.range.start.line && x.range.start.character === d.range.start.character);
      out.push({ code: d.code, range: d.range, data: d.data ?? {}, lsp: client ?? toLspDiagnostic(d, uriOf) });
    }
    return out;
  }

  /** A diagnostic sent back by the client, with the analysis data the fix needs. */
  private fixable(folder: Folder, path: string, d: Diagnostic): FixableDiagnostic[] {
    if (d.source !== 'capsule' || typeof d.code !== 'string') return [];
    const carried = d.data as DiagnosticData | undefined;
    if (carried?.code === d.code && carried.data) return [{ code: d.code, range: d.range, data: carried.data, lsp: d }];
    // Clients that drop `data`: find the same diagnostic in the latest analysis.
    const same = folder.analysis?.diagnostics.find(
      (x) => x.path === path && x.code === d.code && x.range.start.line === d.range.start.line && x.range.start.character === d.range.start.character,
    );
    return [{ code: d.code, range: d.range, data: same?.data ?? {}, lsp: d }];
  }

  private folderByUri(uri: unknown): Folder | undefined {
    if (typeof uri !== 'string') return this.folders.size === 1 ? [...this.folders.values()][0] : undefined;
    const key = normalizeUri(uri);
    return this.folders.get(key) ?? this.allFolders().find((f) => normalizeUri(f.uri) === key);
  }

  private readSpan: SpanReader = (span) => {
    const doc = this.documents.get(span.uri) ?? this.documents.get(normalizeUri(span.uri));
    if (doc) {
      if (span.version !== undefined && doc.version !== span.version) return { problem: 'The document changed since this fix was offered; apply the quick fix again.' };
      return { text: doc.getText(span.range) };
    }
    const path = uriToPath(span.uri);
    const folder = path ? this.folderFor(span.uri) : undefined;
    const rel = folder && path ? folder.rel(path) : undefined;
    const text = rel ? folder!.textOf(rel) : undefined;
    if (text === undefined) return { problem: 'The file of this fix is not available.' };
    const index = new LineIndex(text);
    return { text: text.slice(index.offsetAt(span.range.start), index.offsetAt(span.range.end)) };
  };

  private async execute(command: string, args: unknown[]): Promise<CommandResult> {
    const arg = (args[0] ?? {}) as Record<string, unknown>;
    if (command === REFRESH) {
      for (const f of this.allFolders()) {
        await this.refreshNames(f);
        this.schedule(f, 0);
      }
      return { ok: true, message: 'Refreshed local names.' };
    }
    const problem = commandArgsProblem(args[0]);
    if (problem) return this.report({ ok: false, message: `${command}: ${problem}.` });
    const folder = this.folderByUri(arg.folder);
    if (!folder) return this.report({ ok: false, message: `No workspace folder ${String(arg.folder)}.` });
    let result: CommandResult & { openEnvLine?: number };
    if (command === DEFINE_SECRET) result = await defineSecret(folder, arg as unknown as DefineSecretArgs);
    else if (command === STORE_CREDENTIAL) result = await storeCredential(folder, arg as unknown as StoreCredentialArgs, this.readSpan);
    else if (command === CREATE_CHANNEL) result = await createChannel(folder, arg as unknown as CreateChannelArgs, this.readSpan);
    else return this.report({ ok: false, message: `Unknown command ${command}.` });
    if (result.ok) {
      // Names first, then the source edit: diagnostics computed after the edit see the new names.
      await this.refreshNames(folder);
      const edit = (arg as { edit?: unknown }).edit;
      if (edit) {
        const applied = await this.connection.workspace.applyEdit({ label: result.message, edit: edit as never }).catch(() => undefined);
        if (!applied?.applied) result = { ...result, message: `${result.message} The source change could not be applied.` };
      }
      if (result.openEnvLine !== undefined && this.canShowDocument) {
        const line = result.openEnvLine;
        const end = (arg.name as string).length + 1;
        void this.connection.window
          .showDocument({ uri: pathToUri(folder.envFile), takeFocus: true, selection: { start: { line, character: end }, end: { line, character: end } } })
          .catch(() => undefined);
      }
      this.schedule(folder, 0);
    }
    const { openEnvLine: _line, ...plain } = result;
    return this.report(plain);
  }

  private report(result: CommandResult): CommandResult {
    if (this.settings.commandMessages) {
      // A notification, not window/showMessageRequest: there is nothing to answer.
      void this.connection.sendNotification(ShowMessageNotification.type, { type: result.ok ? MessageType.Info : MessageType.Error, message: result.message });
    }
    return result;
  }
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null)) as Partial<T>;
}

/** Whether this module is the entry point of its own bundle (`node dist/server.js --stdio`). */
function isServerEntry(): boolean {
  const entry = process.argv[1] ?? '';
  const transport = process.argv.some((a) => a === '--stdio' || a === '--node-ipc' || a.startsWith('--socket') || a.startsWith('--pipe'));
  return transport && /(^|[\\/])server\.c?js$/.test(entry);
}

if (isServerEntry()) startServer();

/** Whether two ranges share a position (an empty request range at a diagnostic's edge counts). */
function overlaps(a: Range, b: Range): boolean {
  const before = (x: Position, y: Position) => x.line < y.line || (x.line === y.line && x.character < y.character);
  return !before(a.end, b.start) && !before(b.end, a.start);
}
