// The language server in-process over LSP: open/change/diagnostics, hover (never a secret's
// value), definition, references, symbols, code lenses, shutdown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { githubAppHeader, withLanguageServer } from '../support/lsp';
import { cursor } from './client';

const APP = `${githubAppHeader('support', ['repo'])}

@app.message
def handle(session):
    key = os.environ["OPENAI_API_KEY"]
    creds = session.prompt_integration("github", reason="to read issues")
    session.reply("ok")
`;

const SECRET_VALUE = 'sk-test-value-never-shown-0000000000';

test('open gives diagnostics; a change updates them; a fix of the text clears them', async () => {
  await withLanguageServer({ files: { 'app.py': APP }, secrets: { OPENAI_API_KEY: SECRET_VALUE, GITHUB_CLIENT_ID: 'id', GITHUB_CLIENT_SECRET: 'secret' } }, async (ws, client) => {
    const uri = ws.fileUri('app.py');
    await client.open(uri, APP);
    const clean = await client.waitDiagnostics(uri, 'first diagnostics');
    assert.deepEqual(clean.map((d) => d.code), []);
    // Use an integration the app never declares.
    const line = APP.split('\n').findIndex((l) => l.includes('prompt_integration'));
    const col = APP.split('\n')[line]!.indexOf('"github"') + 1;
    await client.change(uri, [{ range: { start: { line, character: col }, end: { line, character: col + 6 } }, newText: 'gmail' }]);
    const after = await client.waitDiagnostics(uri, 'undeclared-integration after the edit', (d) => d.length > 0);
    const d = after.find((x) => x.code === 'capsule/undeclared-integration');
    assert.ok(d, `got ${after.map((x) => x.code).join(', ')}`);
    assert.equal(d.source, 'capsule');
    assert.equal(d.severity, 1);
    assert.equal(d.codeDescription?.href, 'https://github.com/capsule-local/capsule-local/blob/main/README.md#capsuleundeclared-integration');
    assert.ok(d.relatedInformation?.length, 'related information points at the app declarations');
    await client.change(uri, [{ range: { start: { line, character: col }, end: { line, character: col + 5 } }, newText: 'github' }]);
    await client.waitDiagnostics(uri, 'cleared diagnostics', (ds) => ds.length === 0);
  });
});

test('hover on a secret says where it is defined and never shows its value', async () => {
  await withLanguageServer({ files: { 'app.py': APP, '.env': `# local\nGITHUB_CLIENT_ID=${SECRET_VALUE}\n` }, secrets: { OPENAI_API_KEY: SECRET_VALUE, GITHUB_CLIENT_SECRET: SECRET_VALUE } }, async (ws, client) => {
    const uri = ws.fileUri('app.py');
    await client.open(uri, APP);
    await client.waitDiagnostics(uri);
    const at = (needle: string, delta = 2) => cursor(APP.replace(needle, needle.slice(0, delta) + '|' + needle.slice(delta))).position;
    const store = await client.hover(uri, at('"OPENAI_API_KEY"]'));
    const storeText = JSON.stringify(store);
    assert.match(storeText, /Capsule Local store/);
    assert.ok(!storeText.includes(SECRET_VALUE), 'hover must not contain the value');
    const env = await client.hover(uri, at('"GITHUB_CLIENT_ID"'));
    const envText = JSON.stringify(env);
    assert.match(envText, /\.env line 2/);
    assert.ok(!envText.includes(SECRET_VALUE), 'hover must not contain the value');
    const integ = JSON.stringify(await client.hover(uri, at('"github",\n    client_id')));
    assert.match(integ, /oauth/);
    assert.match(integ, /repo/);
    const member = JSON.stringify(await client.hover(uri, at('App(\n', 1)));
    assert.match(member, /Deployment namespace for capsule apps/);
  });
});

test('definition and references of an integration and a secret', async () => {
  await withLanguageServer({ files: { 'app.py': APP, '.env': 'OTHER=1\nGITHUB_CLIENT_ID=x\n' }, secrets: { OPENAI_API_KEY: SECRET_VALUE } }, async (ws, client) => {
    const uri = ws.fileUri('app.py');
    await client.open(uri, APP);
    await client.waitDiagnostics(uri);
    const use = cursor(APP.replace('prompt_integration("gi', 'prompt_integration("g|i')).position;
    const defs = await client.definition(uri, use);
    assert.equal(defs.length, 1);
    assert.equal(defs[0]!.uri, uri);
    assert.equal(defs[0]!.range.start.line, 9, 'the add_integration type argument');
    const refs = await client.references(uri, use);
    assert.deepEqual(refs.map((r) => r.range.start.line).sort((a, b) => a - b), [9, 19]);
    const secret = cursor(APP.replace('from_name("GITHUB_CLIENT_ID', 'from_name("GIT|HUB_CLIENT_ID')).position;
    const envDef = await client.definition(uri, secret);
    assert.equal(envDef[0]!.uri, ws.fileUri('.env'));
    assert.equal(envDef[0]!.range.start.line, 1);
    const key = cursor(APP.replace('environ["OPENAI', 'environ["OPEN|AI')).position;
    const keyRefs = await client.references(uri, key);
    assert.deepEqual(keyRefs.map((r) => r.range.start.line).sort((a, b) => a - b), [6, 18]);
  });
});

test('document symbols and code lenses of an app', async () => {
  await withLanguageServer({ files: { 'app.py': APP }, secrets: {} }, async (ws, client) => {
    const uri = ws.fileUri('app.py');
    await client.open(uri, APP);
    await client.waitDiagnostics(uri);
    const symbols = (await client.conn.sendRequest('textDocument/documentSymbol', { textDocument: { uri } })) as Array<{ name: string; children?: Array<{ name: string }> }>;
    assert.equal(symbols[0]!.name, 'support');
    assert.deepEqual(symbols[0]!.children!.map((c) => c.name).sort(), ['github', 'handle']);
    const lenses = (await client.conn.sendRequest('textDocument/codeLens', { textDocument: { uri } })) as Array<{ command: { command: string; arguments: unknown[] } }>;
    assert.deepEqual(lenses.map((l) => l.command.command), ['capsule.runApp', 'capsule.debugApp', 'capsule.openChat']);
    assert.deepEqual(lenses[0]!.command.arguments, [uri, 'app']);
  });
});

test('a burst of edits: diagnostics follow the newest version and never go back to an older one', async () => {
  await withLanguageServer({ files: { 'app.py': APP }, secrets: { OPENAI_API_KEY: 'x', GITHUB_CLIENT_ID: 'x', GITHUB_CLIENT_SECRET: 'x' } }, async (ws, client) => {
    const uri = ws.fileUri('app.py');
    await client.open(uri, APP);
    await client.waitDiagnostics(uri);
    // Type `app.add_integration("githb")` one character at a time, without waiting.
    const typed = 'app.add_integration("githb")\n';
    const line = APP.split('\n').length - 1;
    for (let i = 0; i < typed.length; i++) {
      await client.change(uri, [{ range: { start: { line, character: i }, end: { line, character: i } }, newText: typed[i]! }]);
    }
    const final = await client.waitDiagnostics(uri, 'diagnostics of the last version', (d) => d.length > 0);
    assert.deepEqual(final.map((d) => [d.code, d.range.start.line]).sort(), [['capsule/oauth-missing-client', line], ['capsule/unknown-integration', line]]);
    const versions = client.history.filter((p) => p.uri === uri).map((p) => p.version ?? 0);
    assert.deepEqual(versions, [...versions].sort((a, b) => a - b), 'published versions only increase');
  });
});

test('hover on Integration members, scopes, channels and deprecated classes', async () => {
  const text = `import cpsl

app = cpsl.App("a", image=cpsl.Image(), channels=[cpsl.Channel("alerts"), cpsl.Telegram(bot_token=cpsl.Secret.from_name("T"))])
app.add_integration(cpsl.GitHub(client_id=cpsl.Secret.from_name("A"), client_secret=cpsl.Secret.from_name("B"), scopes=["read:org"]))


@app.message
def handle(session):
    session.prompt_integration(cpsl.Integration.GITHUB)
`;
  const secrets = { T: SECRET_VALUE, A: 'a', B: 'b' };
  const channels = [{ name: 'alerts', type: 'slack', credentials: { bot_token: 'xoxb-1', signing_secret: 's' } }];
  await withLanguageServer({ files: { 'app.py': text }, secrets, channels }, async (ws, client) => {
    const uri = ws.fileUri('app.py');
    await client.open(uri, text);
    await client.waitDiagnostics(uri);
    const at = (needle: string, delta: number) => cursor(text.replace(needle, needle.slice(0, delta) + '|' + needle.slice(delta))).position;
    assert.match(JSON.stringify(await client.hover(uri, at('Integration.GITHUB', 14))), /GitHub OAuth app/);
    assert.match(JSON.stringify(await client.hover(uri, at('"read:org"', 3))), /Read org and team membership/);
    assert.match(JSON.stringify(await client.hover(uri, at('"alerts"', 2))), /Slack channel/);
    const deprecated = JSON.stringify(await client.hover(uri, at('Telegram(', 3)));
    assert.match(deprecated, /Deprecated/);
    assert.ok(!deprecated.includes(SECRET_VALUE));
    assert.match(JSON.stringify(await client.hover(uri, at('prompt_integration', 3))), /Block until the user connects/);
  });
});
