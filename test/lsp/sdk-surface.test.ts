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

test('hover on a cpsl.ui component, on a literal the SDK rejects, and on decorators Capsule Local triggers', async () => {
  const text = APP + `app.collection("other", scope="usr")\n\n@app.action("approve")\nasync def approve(session, event):\n    pass\n\n@app.session("support")\nasync def support(session):\n    pass\n`;
  await withLanguageServer({ files: { 'app.py': text } }, async (ws, client) => {
    const uri = ws.fileUri('app.py');
    await client.open(uri, text);
    await client.waitDiagnostics(uri);
    const table = await client.hover(uri, at(text, 'Table(', 2));
    assert.match(JSON.stringify(table), /Data table backed by a collection/);
    const bad = await client.hover(uri, at(text, '"usr"', 2));
    assert.match(JSON.stringify(bad), /is not one of the values the SDK accepts/);
    // The SDK's docstring, then how to trigger it here.
    const action = JSON.stringify(await client.hover(uri, at(text, 'action("approve")', 2)));
    assert.match(action, /Register a component-triggered action handler/);
    assert.match(action, /\*\*Capsule Local:\*\* on the real SDK, trigger it with `capsule-local action NAME/);
    const session = JSON.stringify(await client.hover(uri, at(text, 'session("support")', 2)));
    assert.match(session, /\*\*Capsule Local:\*\* on the real SDK, start one with `capsule-local session start NAME`/);
    const diagnostics = await client.waitDiagnostics(uri);
    assert.ok(!JSON.stringify(diagnostics).includes('local-unsupported'), 'actions and named sessions are no longer reported as unsupported');
  });
});
