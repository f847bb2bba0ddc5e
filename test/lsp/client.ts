// A small LSP client for the tests: the server in-process (joined by PassThrough streams) or a
// spawned bundle over stdio. It keeps the text of the documents it opened, applies the edits the
// server asks for (workspace/applyEdit) and records published diagnostics. Every wait has a
// timeout that says what it was waiting for.
import { PassThrough } from 'node:stream';
import { spawn, type ChildProcess } from 'node:child_process';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { InitializeResult, PublishDiagnosticsParams } from 'vscode-languageserver-protocol';
import type {
  CodeAction,
  CompletionItem,
  CompletionList,
  Diagnostic,
  Hover,
  Location,
  Position,
  Range,
  SignatureHelp,
  TextEdit,
  WorkspaceEdit,
} from 'vscode-languageserver-types';
import { startServer, type ServerHandle, type ServerSettings } from '../../server/server';

export interface ClientOptions {
  /** Declare client-side file watching (the server then relies on didChangeWatchedFiles). */
  watchFiles?: boolean;
  settings?: ServerSettings;
}

export class TestClient {
  readonly docs = new Map<string, TextDocument>();
  readonly diagnostics = new Map<string, PublishDiagnosticsParams>();
  readonly messages: Array<{ type: number; message: string }> = [];
  /** Every publishDiagnostics, in arrival order. */
  readonly history: PublishDiagnosticsParams[] = [];
  readonly stderr: string[] = [];
  /** window/logMessage messages of type Error (the server logs an analysis that threw). */
  readonly errorLogs: string[] = [];
  private listeners: Array<() => void> = [];
  private nextVersion = 1;

  private constructor(
    readonly conn: MessageConnection,
    private readonly stop: () => Promise<void>,
    readonly child?: ChildProcess,
  ) {
    conn.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
      this.diagnostics.set(p.uri, p);
      this.history.push(p);
      this.notify();
    });
    conn.onNotification('window/showMessage', (p: { type: number; message: string }) => {
      this.messages.push(p);
      this.notify();
    });
    conn.onNotification('window/logMessage', (p: { type: number; message: string }) => {
      if (p.type === 1) this.errorLogs.push(p.message);
    });
    conn.onRequest('client/registerCapability', () => null);
    conn.onRequest('window/showDocument', () => ({ success: true }));
    conn.onRequest('workspace/applyEdit', (p: { edit: WorkspaceEdit }) => {
      for (const [uri, edits] of Object.entries(p.edit.changes ?? {})) this.applyEdits(uri, edits);
      return { applied: true };
    });
    conn.listen();
  }

  static inProcess(): TestClient {
    const toServer = new PassThrough();
    const toClient = new PassThrough();
    const handle: ServerHandle = startServer({ input: toServer, output: toClient });
    const conn = createMessageConnection(new StreamMessageReader(toClient), new StreamMessageWriter(toServer));
    return new TestClient(conn, async () => {
      conn.dispose();
      await handle.dispose();
      handle.connection.dispose();
    });
  }

  static spawn(command: string, args: string[], cwd: string): TestClient {
    const child = spawn(command, args, { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    const conn = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
    let client: TestClient | undefined = undefined;
    const stderr: string[] = [];
    child.stderr!.on('data', (d: Buffer) => stderr.push(d.toString()));
    client = new TestClient(conn, async () => {
      conn.dispose();
      if (child.exitCode === null) child.kill();
    }, child);
    client.stderr.push(...stderr);
    child.stderr!.on('data', (d: Buffer) => client!.stderr.push(d.toString()));
    return client;
  }

  private notify(): void {
    for (const l of this.listeners) l();
  }

  /** Resolves when `probe` returns a value; fails after `ms` naming `what`. */
  waitFor<T>(what: string, probe: () => T | undefined, ms = 10_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        let v: T | undefined;
        try {
          v = probe();
        } catch (e) {
          done();
          reject(e);
          return;
        }
        if (v !== undefined) {
          done();
          resolve(v);
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${ms} ms waiting for ${what}`));
      }, ms);
      const done = () => {
        clearTimeout(timer);
        this.listeners = this.listeners.filter((l) => l !== check);
      };
      this.listeners.push(check);
      check();
    });
  }

  async initialize(folders: Array<{ uri: string; name: string }>, options: ClientOptions = {}): Promise<InitializeResult> {
    const result = await withTimeout(
      'initialize',
      this.conn.sendRequest('initialize', {
        processId: null,
        rootUri: folders[0]?.uri ?? null,
        workspaceFolders: folders,
        initializationOptions: { commandMessages: true, ...(options.settings ?? {}) },
        capabilities: {
          workspace: { didChangeWatchedFiles: { dynamicRegistration: !!options.watchFiles }, applyEdit: true, workspaceFolders: true },
          window: { showDocument: { support: true } },
          textDocument: { publishDiagnostics: { relatedInformation: true, versionSupport: true, codeDescriptionSupport: true, dataSupport: true } },
        },
      }),
    );
    await this.conn.sendNotification('initialized', {});
    return result as InitializeResult;
  }

  async open(uri: string, text: string): Promise<void> {
    const doc = TextDocument.create(uri, 'python', this.nextVersion++, text);
    this.docs.set(uri, doc);
    await this.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'python', version: doc.version, text } });
  }

  text(uri: string): string {
    const doc = this.docs.get(uri);
    if (!doc) throw new Error(`${uri} is not open`);
    return doc.getText();
  }

  /** Sends incremental changes and applies them to the local copy. */
  async change(uri: string, edits: TextEdit[]): Promise<void> {
    const doc = this.docs.get(uri);
    if (!doc) throw new Error(`${uri} is not open`);
    const version = this.nextVersion++;
    const updated = TextDocument.update(doc, edits.map((e) => ({ range: e.range, text: e.newText })), version);
    this.docs.set(uri, updated);
    await this.conn.sendNotification('textDocument/didChange', {
      textDocument: { uri, version },
      contentChanges: edits.map((e) => ({ range: e.range, text: e.newText })),
    });
  }

  applyEdits(uri: string, edits: TextEdit[]): void {
    const doc = this.docs.get(uri);
    if (!doc) throw new Error(`edit for ${uri}, which is not open`);
    const text = TextDocument.applyEdits(doc, edits);
    void this.change(uri, [{ range: { start: { line: 0, character: 0 }, end: doc.positionAt(doc.getText().length) }, newText: text }]);
  }

  async close(uri: string): Promise<void> {
    this.docs.delete(uri);
    await this.conn.sendNotification('textDocument/didClose', { textDocument: { uri } });
  }

  /** Diagnostics for the current version of an open document (or any for a closed one). */
  waitDiagnostics(uri: string, what = 'diagnostics', pred: (d: Diagnostic[]) => boolean = () => true, ms = 10_000): Promise<Diagnostic[]> {
    return this.waitFor(`${what} for ${uri}`, () => {
      const p = this.diagnostics.get(uri);
      if (!p) return undefined;
      const doc = this.docs.get(uri);
      if (doc && p.version !== undefined && p.version !== doc.version) return undefined;
      return pred(p.diagnostics) ? p.diagnostics : undefined;
    }, ms);
  }

  completion(uri: string, position: Position): Promise<CompletionList> {
    return withTimeout('completion', this.conn.sendRequest('textDocument/completion', { textDocument: { uri }, position })).then((r) => {
      const x = r as CompletionList | CompletionItem[] | null;
      return Array.isArray(x) ? { isIncomplete: false, items: x } : (x ?? { isIncomplete: false, items: [] });
    });
  }

  hover(uri: string, position: Position): Promise<Hover | null> {
    return withTimeout('hover', this.conn.sendRequest('textDocument/hover', { textDocument: { uri }, position })) as Promise<Hover | null>;
  }

  signatureHelp(uri: string, position: Position): Promise<SignatureHelp | null> {
    return withTimeout('signatureHelp', this.conn.sendRequest('textDocument/signatureHelp', { textDocument: { uri }, position })) as Promise<SignatureHelp | null>;
  }

  /** A code action request with any range and diagnostics (a client may send none). */
  codeActionsAt(uri: string, range: Range, diagnostics: Diagnostic[]): Promise<CodeAction[]> {
    return withTimeout('codeAction', this.conn.sendRequest('textDocument/codeAction', { textDocument: { uri }, range, context: { diagnostics } })) as Promise<CodeAction[]>;
  }

  definition(uri: string, position: Position): Promise<Location[]> {
    return withTimeout('definition', this.conn.sendRequest('textDocument/definition', { textDocument: { uri }, position })) as Promise<Location[]>;
  }

  references(uri: string, position: Position, includeDeclaration = true): Promise<Location[]> {
    return withTimeout('references', this.conn.sendRequest('textDocument/references', { textDocument: { uri }, position, context: { includeDeclaration } })) as Promise<Location[]>;
  }

  codeActions(uri: string, diagnostics: Diagnostic[]): Promise<CodeAction[]> {
    const range = diagnostics[0]?.range ?? { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
    return withTimeout('codeAction', this.conn.sendRequest('textDocument/codeAction', { textDocument: { uri }, range, context: { diagnostics } })) as Promise<CodeAction[]>;
  }

  executeCommand(command: string, args: unknown[]): Promise<{ ok: boolean; message: string; missing?: string[] }> {
    return withTimeout(`executeCommand ${command}`, this.conn.sendRequest('workspace/executeCommand', { command, arguments: args })) as Promise<{ ok: boolean; message: string }>;
  }

  /** Applies a code action as an editor does: its edit, then its command. */
  async applyAction(uri: string, action: CodeAction): Promise<unknown> {
    if (action.edit) for (const [u, edits] of Object.entries(action.edit.changes ?? {})) this.applyEdits(u ?? uri, edits);
    if (action.command) return this.executeCommand(action.command.command, action.command.arguments ?? []);
    return undefined;
  }

  async watchedFilesChanged(changes: Array<{ uri: string; type: 1 | 2 | 3 }>): Promise<void> {
    await this.conn.sendNotification('workspace/didChangeWatchedFiles', { changes });
  }

  async shutdown(exit = false): Promise<void> {
    await withTimeout('shutdown', this.conn.sendRequest('shutdown'));
    if (exit) await this.conn.sendNotification('exit');
    if (!exit) await this.stop();
  }

  /** Waits for the spawned server to exit; returns its exit code. */
  exited(ms = 5000): Promise<number | null> {
    const child = this.child;
    if (!child) throw new Error('not a spawned server');
    if (child.exitCode !== null) return Promise.resolve(child.exitCode);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`server did not exit within ${ms} ms after exit`)), ms);
      child.once('exit', (code) => {
        clearTimeout(t);
        resolve(code);
      });
    });
  }

  async dispose(): Promise<void> {
    await this.stop();
  }
}

export function withTimeout<T>(what: string, p: Promise<T>, ms = 10_000): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    }),
  ]);
}

/** `text` with a `|` cursor marker removed, and the marker's position. */
export function cursor(marked: string): { text: string; position: Position; offset: number } {
  const offset = marked.indexOf('|');
  if (offset === -1) throw new Error('no | cursor marker in fixture');
  const text = marked.slice(0, offset) + marked.slice(offset + 1);
  const before = text.slice(0, offset).split('\n');
  return { text, offset, position: { line: before.length - 1, character: before[before.length - 1]!.length } };
}

/** Applies completion item edits to a text, as an editor does. */
export function applyCompletion(text: string, item: CompletionItem): string {
  const doc = TextDocument.create('file:///x.py', 'python', 1, text);
  const edit = item.textEdit;
  if (!edit || !('range' in edit)) throw new Error(`completion item ${item.label} has no textEdit range`);
  return TextDocument.applyEdits(doc, [edit, ...(item.additionalTextEdits ?? [])]);
}
