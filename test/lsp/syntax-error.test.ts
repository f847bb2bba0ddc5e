// The editor shows the same capsule/syntax-error as `check`, on the line Python reports, and it
// goes away with the edit that fixes the syntax.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withLanguageServer } from '../support/lsp';

const BROKEN = 'import cpsl\n\napp = cpsl.App(\n    "support",\n    image=cpsl.Image(),\n\n\n@app.message()\nasync def handle(session, msg):\n    return msg\n';

test('an unclosed call is a syntax error on its opening line; closing it clears the error', async () => {
  await withLanguageServer({ files: { 'app.py': BROKEN } }, async (ws, client) => {
    const uri = ws.fileUri('app.py');
    await client.open(uri, BROKEN);
    const shown = await client.waitDiagnostics(uri, 'the syntax error', (ds) => ds.some((d) => d.code === 'capsule/syntax-error'));
    const d = shown.find((x) => x.code === 'capsule/syntax-error')!;
    assert.equal(d.range.start.line, 2);
    assert.equal(d.severity, 1);
    assert.match(String(d.message), /'\(' was never closed/);
    assert.match(d.codeDescription?.href ?? '', /#capsulesyntax-error$/);
    await client.change(uri, [{ range: { start: { line: 5, character: 0 }, end: { line: 5, character: 0 } }, newText: ')' }]);
    const fixed = await client.waitDiagnostics(uri, 'no syntax error after the fix', (ds) => !ds.some((x) => x.code === 'capsule/syntax-error'));
    assert.deepEqual(fixed.map((x) => x.code), []);
  });
});
