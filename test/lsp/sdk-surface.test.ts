// Signature help and hover over the SDK surface generated from the wheel: the parameter at the
// cursor with its default, and the values the SDK accepts for it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withLanguageServer } from '../support/lsp';

const APP = `import cpsl
from cpsl import ui

app = cpsl.App("a", image=cpsl.Image())
tickets = app.collection("tickets", scope="user", paginate=20)

@app.page("Tickets", access="authenticated")
def tickets_page():
    return ui.Page([ui.Table(tickets, sortable=True)])
`;

function at(text: string, needle: string, delta = 0): { line: number; character: number } {
  const offset = text.indexOf(needle) + delta;
  const lines = text.slice(0, offset).split('\n');
  return { line: lines.length - 1, character: lines[lines.length - 1]!.length };
}

test('signature help names the parameter at the cursor, with its default and accepted values', async () => {
  await withLanguageServer({ files: { 'app.py': APP } }, async (ws, client) => {
    const uri = ws.fileUri('app.py');
    await client.open(uri, APP);
    await client.waitDiagnostics(uri);
    const help = await client.signatureHelp(uri, at(APP, 'scope="user"', 'scope="us'.length));
    assert.ok(help, 'signature help for app.collection');
    const sig = help.signatures[0]!;
    assert.match(sig.label, /^app\.collection\(name: str, \*, columns: .* scope: CollectionScope = 'app'/);
    const param = sig.parameters![help.activeParameter!]!;
    const [from, to] = param.label as [number, number];
    assert.equal(sig.label.slice(from, to), "scope: CollectionScope = 'app'");
    assert.match(JSON.stringify(param.documentation), /one of `\\"app\\"`, `\\"user\\"`, `\\"owner\\"`, `\\"session\\"`/);

    const first = await client.signatureHelp(uri, at(APP, '"tickets", scope', 2));
    assert.equal(first?.activeParameter, 0, 'the first positional argument is name');

    const deco = await client.signatureHelp(uri, at(APP, 'access="authenticated"', 3));
    assert.match(deco!.signatures[0]!.label, /^app\.page\(name: str, \*, icon: str = 'file'/);

    const ui = await client.signatureHelp(uri, at(APP, 'sortable=True', 4));
    const uiSig = ui!.signatures[0]!;
    assert.match(uiSig.label, /^ui\.Table\(collection: /);
    const [f2, t2] = uiSig.parameters![ui!.activeParameter!]!.label as [number, number];
    assert.equal(uiSig.label.slice(f2, t2), 'sortable: bool = False');
  });
});

test('hover on a cpsl.ui component and on a literal the SDK rejects', async () => {
  const text = APP + `app.collection("other", scope="usr")\n`;
  await withLanguageServer({ files: { 'app.py': text } }, async (ws, client) => {
    const uri = ws.fileUri('app.py');
    await client.open(uri, text);
    await client.waitDiagnostics(uri);
    const table = await client.hover(uri, at(text, 'Table(', 2));
    assert.match(JSON.stringify(table), /Data table backed by a collection/);
    const bad = await client.hover(uri, at(text, '"usr"', 2));
    assert.match(JSON.stringify(bad), /is not one of the values the SDK accepts/);
  });
});
