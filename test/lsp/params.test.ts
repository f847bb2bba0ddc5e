// Requests whose params do not have the shape LSP defines get InvalidParams (-32602) with what is
// wrong, not an internal error; the server keeps answering well-formed requests afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ResponseError } from 'vscode-jsonrpc';
import { withLanguageServer } from '../support/lsp';
import { withTimeout } from './client';

const APP = 'import cpsl\napp = cpsl.App("x", image=cpsl.Image(), channels=[cpsl.Chat()])\n';
const INVALID_PARAMS = -32602;

test('malformed params of every feature request are InvalidParams', async () => {
  await withLanguageServer({ files: { 'app.py': APP } }, async (ws, client) => {
    const uri = ws.fileUri('app.py');
    await client.open(uri, APP);
    await client.waitDiagnostics(uri);
    const textDocument = { uri };
    const position = { line: 1, character: 10 };
    const range = { start: position, end: position };
    const cases: Array<[string, unknown]> = [
      ['textDocument/hover', {}],
      ['textDocument/hover', { textDocument: {}, position }],
      ['textDocument/hover', { textDocument: { uri: 42 }, position }],
      ['textDocument/hover', { textDocument }],
      ['textDocument/hover', { textDocument, position: { line: '1', character: 0 } }],
      ['textDocument/hover', { textDocument, position: { line: -1, character: 0 } }],
      ['textDocument/hover', { textDocument, position: { line: 1.5, character: 0 } }],
      ['textDocument/hover', { textDocument, position: { line: 1, character: Number.MAX_SAFE_INTEGER } }],
      ['textDocument/completion', { textDocument, position: null }],
      ['textDocument/completion', [uri, position]],
      ['textDocument/definition', { textDocument: null, position }],
      ['textDocument/references', { textDocument, position }],
      ['textDocument/references', { textDocument, position, context: { includeDeclaration: 'yes' } }],
      ['textDocument/documentSymbol', { textDocument: 'file:///x.py' }],
      ['textDocument/codeLens', {}],
      ['textDocument/codeAction', { textDocument, range }],
      ['textDocument/codeAction', { textDocument, range, context: { diagnostics: [{ message: 'x' }] } }],
      ['textDocument/codeAction', { textDocument, range: { start: position }, context: { diagnostics: [] } }],
      ['textDocument/codeAction', { textDocument, range, context: { diagnostics: 'none' } }],
      ['workspace/executeCommand', { command: 7 }],
      ['workspace/executeCommand', { command: 'capsule.refresh', arguments: 'all' }],
    ];
    for (const [method, params] of cases) {
      const error = await withTimeout(method, client.conn.sendRequest(method, params)).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(error instanceof ResponseError, `${method} ${JSON.stringify(params)} answered without an error`);
      assert.equal(error.code, INVALID_PARAMS, `${method} ${JSON.stringify(params)}: ${error.code} ${error.message}`);
      assert.ok(error.message.length > 10 && !/Cannot read|undefined/.test(error.message), error.message);
    }
    // Well-formed requests still work, and positions past the end of the text are fine.
    const hover = await client.hover(uri, { line: 1, character: 12 });
    assert.ok(hover, 'hover on cpsl.App answers');
    assert.equal(await client.hover(uri, { line: 500, character: 3 }), null);
    assert.ok(Array.isArray(await client.codeActions(uri, [])));
  });
});

test('executeCommand with arguments of the wrong shape answers ok: false, not an error', async () => {
  await withLanguageServer({ files: { 'app.py': APP } }, async (_ws, client) => {
    for (const args of [[null], [42], ['text'], [{ name: 7 }], [{ folder: 5, name: ['A'] }]]) {
      const r = await client.executeCommand('capsule.defineSecret', args);
      assert.equal(r.ok, false, JSON.stringify(args));
      assert.ok(r.message.length > 5);
    }
  });
});
