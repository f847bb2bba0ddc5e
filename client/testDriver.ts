// Test-only driver, active only when CAPSULE_TEST_DRIVER names a results file. The workbench tests
// (test/vscode/) cannot reach into the extension host from outside, so the driver listens on a
// loopback port (written into the results file) and performs one operation per request: open a
// file, await diagnostics, run completion/hover/code actions, run our commands with queued
// answers, read the code lenses, the view and the status bar. Every operation and its outcome is appended to the
// results file as well. Answers (secret values) are never written anywhere.
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import * as vscode from 'vscode';
import type { CapsuleApi } from './extension';
import * as ui from './ui';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Op = { op: string } & Record<string, any>;

const started = Date.now();

function codeOf(d: vscode.Diagnostic): string {
  return typeof d.code === 'object' ? String(d.code.value) : String(d.code ?? '');
}

function diagJson(d: vscode.Diagnostic): Json {
  return {
    code: codeOf(d),
    source: d.source ?? null,
    message: d.message,
    severity: vscode.DiagnosticSeverity[d.severity],
    line: d.range.start.line,
    character: d.range.start.character,
    endLine: d.range.end.line,
    endCharacter: d.range.end.character,
    tags: (d.tags ?? []).map((t) => vscode.DiagnosticTag[t]),
  };
}

function uriOf(op: Op): vscode.Uri {
  if (typeof op.path !== 'string') throw new Error(`${op.op}: "path" is required`);
  return vscode.Uri.file(op.path);
}

function position(op: Op): vscode.Position {
  return new vscode.Position(Number(op.line), Number(op.character));
}

function range(op: Op): vscode.Range {
  const start = position(op);
  return new vscode.Range(start, new vscode.Position(Number(op.endLine ?? op.line), Number(op.endCharacter ?? op.character)));
}

/** Resolves when `test(diagnostics of uri)` holds, rejecting after timeoutMs with what was seen. */
function awaitDiagnostics(uri: vscode.Uri, test: (d: vscode.Diagnostic[]) => boolean, timeoutMs: number, what: string): Promise<vscode.Diagnostic[]> {
  return new Promise((resolve, reject) => {
    const check = (): boolean => {
      const diags = vscode.languages.getDiagnostics(uri);
      if (!test(diags)) return false;
      cleanup();
      resolve(diags);
      return true;
    };
    const sub = vscode.languages.onDidChangeDiagnostics((e) => {
      if (e.uris.some((u) => u.toString() === uri.toString())) check();
    });
    const timer = setTimeout(() => {
      cleanup();
      const seen = vscode.languages.getDiagnostics(uri).map((d) => `${codeOf(d)}: ${d.message}`);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what} in ${uri.fsPath}; diagnostics now: ${JSON.stringify(seen)}`));
    }, timeoutMs);
    const cleanup = (): void => {
      clearTimeout(timer);
      sub.dispose();
    };
    check();
  });
}

function safe(value: unknown): Json {
  // Command results may hold URIs, class instances or cycles; keep what JSON can carry.
  try {
    return JSON.parse(JSON.stringify(value ?? null)) as Json;
  } catch {
    return String(value);
  }
}

async function perform(op: Op, api: CapsuleApi): Promise<Json> {
  const timeoutMs = Number(op.timeoutMs ?? 20_000);
  switch (op.op) {
    case 'ready': {
      await api.ready;
      return { activationMs: Date.now() - started, client: api.client()?.isRunning() ?? false };
    }
    case 'open': {
      const t0 = Date.now();
      const doc = await vscode.workspace.openTextDocument(uriOf(op));
      await vscode.window.showTextDocument(doc, { preview: false });
      return { uri: doc.uri.toString(), languageId: doc.languageId, ms: Date.now() - t0 };
    }
    case 'diagnostics': {
      const uri = uriOf(op);
      const code = op.code as string | undefined;
      // Optional: only diagnostics whose message contains this text (e.g. one secret's name).
      const match = typeof op.match === 'string' ? op.match : undefined;
      const present = op.present !== false;
      const wanted = (d: vscode.Diagnostic): boolean => (!code || codeOf(d) === code) && (!match || d.message.includes(match));
      const t0 = Date.now();
      const diags = await awaitDiagnostics(
        uri,
        (ds) => ds.some(wanted) === present,
        timeoutMs,
        `${code ?? 'a diagnostic'}${match ? ` mentioning ${match}` : ''} to be ${present ? 'reported' : 'gone'}`,
      );
      return { ms: Date.now() - t0, diagnostics: diags.map(diagJson) };
    }
    case 'completion': {
      const list = await vscode.commands.executeCommand<vscode.CompletionList>(
        'vscode.executeCompletionItemProvider',
        uriOf(op),
        position(op),
        op.triggerCharacter,
      );
      return {
        items: list.items.slice(0, 300).map((i) => ({
          label: typeof i.label === 'string' ? i.label : i.label.label,
          kind: i.kind !== undefined ? vscode.CompletionItemKind[i.kind] : null,
          detail: i.detail ?? null,
        })),
      };
    }
    case 'hover': {
      const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uriOf(op), position(op));
      return {
        contents: hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : ''))),
      };
    }
    case 'codeActions': {
      const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uriOf(op), range(op), op.only);
      return {
        actions: actions.map((a) => ({
          title: a.title,
          kind: a.kind?.value ?? null,
          command: a.command?.command ?? null,
          hasEdit: Boolean(a.edit),
          diagnostics: (a.diagnostics ?? []).map(codeOf),
        })),
      };
    }
    case 'applyCodeAction': {
      const uri = uriOf(op);
      const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, range(op));
      const action = actions.find((a) => a.title === op.title) ?? actions.find((a) => typeof op.title === 'string' && a.title.includes(op.title));
      if (!action) throw new Error(`no code action "${op.title}"; offered: ${JSON.stringify(actions.map((a) => a.title))}`);
      if (Array.isArray(op.answers)) ui.queueAnswers(op.answers);
      let applied = true;
      if (action.edit) applied = await vscode.workspace.applyEdit(action.edit);
      let result: unknown;
      if (action.command) result = await vscode.commands.executeCommand(action.command.command, ...(action.command.arguments ?? []));
      if (op.save) await vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString())?.save();
      return { title: action.title, applied, command: action.command?.command ?? null, result: safe(result) };
    }
    case 'command': {
      if (Array.isArray(op.answers)) ui.queueAnswers(op.answers);
      // `{ $file: path }` stands for vscode.Uri.file(path) (JSON cannot carry a Uri).
      const args = (Array.isArray(op.args) ? op.args : []).map((a: unknown) =>
        a && typeof a === 'object' && typeof (a as { $file?: unknown }).$file === 'string' ? vscode.Uri.file((a as { $file: string }).$file) : a,
      );
      const result = await vscode.commands.executeCommand(String(op.id), ...args);
      return { result: safe(result) };
    }
    case 'codeLenses': {
      // What the editor draws above the lines: each lens with its command and arguments.
      const uri = uriOf(op);
      await vscode.workspace.openTextDocument(uri);
      const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri)) ?? [];
      return safe(lenses.map((l) => ({ line: l.range.start.line, title: l.command?.title ?? null, command: l.command?.command ?? null, arguments: l.command?.arguments ?? [] })));
    }
    case 'text': {
      const doc = await vscode.workspace.openTextDocument(uriOf(op));
      return { text: doc.getText(), dirty: doc.isDirty };
    }
    case 'view': {
      await api.view.refresh();
      return safe(api.view.snapshot());
    }
    case 'status': {
      return { text: api.status.text, tooltip: typeof api.status.tooltip === 'string' ? api.status.tooltip : null };
    }
    case 'emulator': {
      const emu = api.emulator();
      // The token stays out: the tests read it from the discovery file when they need it.
      return { state: emu?.state ?? 'none', url: emu?.info?.url ?? null, port: emu?.info?.port ?? null, entry: emu?.entry ?? null, lastError: emu?.lastError ?? null };
    }
    case 'prompts': {
      await api.prompts.tick();
      return safe(api.prompts.prompts);
    }
    case 'debugConfiguration': {
      // An attach configuration: where the emulator's debugpy listens, nothing else.
      return safe(await api.debugConfiguration(String(op.entry)));
    }
    case 'setConfiguration': {
      await vscode.workspace.getConfiguration(String(op.section)).update(String(op.key), op.value, vscode.ConfigurationTarget.Global);
      return null;
    }
    case 'hasExtension': {
      return Boolean(vscode.extensions.getExtension(String(op.id)));
    }
    case 'debugSession': {
      const s = vscode.debug.activeDebugSession;
      return s ? { type: s.type, name: s.name, capsuleEntry: (s.configuration.capsuleEntry as string | undefined) ?? null } : null;
    }
    case 'asked': {
      return safe(ui.asked);
    }
    case 'log': {
      // The output channel's text is not readable back through the API; the tests read the
      // emulator's own output instead. This reports what the extension wrote last.
      return null;
    }
    default:
      throw new Error(`unknown driver operation "${op.op}"`);
  }
}

export async function startTestDriver(resultsFile: string, api: CapsuleApi): Promise<vscode.Disposable> {
  const results: { ready: boolean; port?: number; activatedAt: number; ops: Json[] } = { ready: false, activatedAt: started, ops: [] };
  const save = (): void => writeFileSync(resultsFile, JSON.stringify(results, null, 2));

  // One connection per operation: a test that blocks its event loop longer than the server's
  // keep-alive timeout (packaging a .vsix synchronously) would otherwise reuse a socket the driver
  // had just closed, and the operation would fail with "fetch failed" before it was even sent.
  const headers = { 'content-type': 'application/json', connection: 'close' };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      void (async () => {
        let op: Op | undefined;
        const t0 = Date.now();
        try {
          op = JSON.parse(body) as Op;
          const result = await perform(op, api);
          results.ops.push({ op: op.op, ok: true, ms: Date.now() - t0 });
          save();
          res.writeHead(200, headers).end(JSON.stringify({ ok: true, result }));
        } catch (e) {
          const error = (e as Error).message;
          results.ops.push({ op: op?.op ?? 'invalid', ok: false, ms: Date.now() - t0, error });
          save();
          res.writeHead(200, headers).end(JSON.stringify({ ok: false, error }));
        }
      })();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  results.port = typeof address === 'object' && address ? address.port : undefined;
  results.ready = true;
  save();
  return {
    dispose: () => {
      server.close();
    },
  };
}
