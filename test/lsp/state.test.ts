// Local state through the server: store-changing commands followed by fresh diagnostics, a store
// and a .env edited on disk while a file is open (server-side watching and client watching),
// multi-root workspaces with a store each, files read from disk, the store folder option.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestClient } from './client';
import { seedStore, storeData, tempWorkspace } from './workspace';

const USES_SECRET = `import cpsl

app = cpsl.App("a", image=cpsl.Image(), channels=[cpsl.Channel("alerts")])
key = cpsl.Secret.from_name("OPENAI_API_KEY")
`;
const VALUE = 'sk-proj-value-that-must-stay-private-123456';

const codes = (ds: Array<{ code?: unknown }>) => ds.map((d) => String(d.code)).sort();

test('defineSecret and createChannel change the store and the diagnostics follow', async () => {
  const ws = tempWorkspace({ 'app.py': USES_SECRET });
  await seedStore(ws.root, {});
  const client = TestClient.inProcess();
  try {
    await client.initialize([{ uri: ws.uri, name: 'ws' }]);
    const uri = ws.fileUri('app.py');
    await client.open(uri, USES_SECRET);
    const before = await client.waitDiagnostics(uri, 'missing secret and channel', (ds) => ds.length === 2);
    assert.deepEqual(codes(before), ['capsule/missing-secret', 'capsule/unknown-channel']);

    const noValue = await client.executeCommand('capsule.defineSecret', [{ folder: ws.uri, name: 'OPENAI_API_KEY' }]);
    assert.equal(noValue.ok, false);
    assert.deepEqual(noValue.missing, ['value']);
    assert.match(noValue.message, /capsule-local secret set OPENAI_API_KEY/);

    const defined = await client.executeCommand('capsule.defineSecret', [{ folder: ws.uri, name: 'OPENAI_API_KEY', value: VALUE }]);
    assert.ok(defined.ok, defined.message);
    assert.ok(!JSON.stringify(defined).includes(VALUE), 'the result never echoes the value');
    assert.equal((await storeData(ws.root)).secrets.OPENAI_API_KEY?.value, VALUE);
    await client.waitDiagnostics(uri, 'missing-secret gone', (ds) => codes(ds).join() === 'capsule/unknown-channel');

    const noToken = await client.executeCommand('capsule.createChannel', [{ folder: ws.uri, name: 'alerts', type: 'telegram' }]);
    assert.equal(noToken.ok, false);
    assert.deepEqual(noToken.missing, ['bot_token']);
    const created = await client.executeCommand('capsule.createChannel', [{ folder: ws.uri, name: 'alerts', type: 'telegram', credentials: { bot_token: { secret: 'OPENAI_API_KEY' } } }]);
    assert.ok(created.ok, created.message);
    const channel = (await storeData(ws.root)).channels.alerts;
    assert.equal(channel?.type, 'telegram');
    assert.equal(channel?.credentials.bot_token, VALUE, 'credential copied from the named secret');
    await client.waitDiagnostics(uri, 'all diagnostics gone', (ds) => ds.length === 0);
    assert.ok(!client.messages.some((m) => m.message.includes(VALUE)), 'messages never carry values');
  } finally {
    await client.shutdown();
    ws.remove();
  }
});

for (const watchFiles of [false, true]) {
  test(`a store and a .env edited on disk while a file is open (${watchFiles ? 'client' : 'server'} watching)`, async () => {
    const ws = tempWorkspace({ 'app.py': USES_SECRET });
    const client = TestClient.inProcess();
    try {
      await client.initialize([{ uri: ws.uri, name: 'ws' }], { watchFiles });
      const uri = ws.fileUri('app.py');
      await client.open(uri, USES_SECRET);
      await client.waitDiagnostics(uri, 'missing secret and unknown channel', (ds) => ds.length === 2);
      // Another process (the CLI) writes the store.
      await seedStore(ws.root, {}, [{ name: 'alerts', type: 'telegram', credentials: { bot_token: '1:x' } }]);
      if (watchFiles) await client.watchedFilesChanged([{ uri: ws.fileUri('.capsule/store.json'), type: 2 }]);
      await client.waitDiagnostics(uri, 'unknown-channel gone after the store changed', (ds) => codes(ds).join() === 'capsule/missing-secret');
      writeFileSync(join(ws.root, '.env'), `OPENAI_API_KEY=${VALUE}\n`);
      if (watchFiles) await client.watchedFilesChanged([{ uri: ws.fileUri('.env'), type: 1 }]);
      await client.waitDiagnostics(uri, 'missing-secret gone after .env changed', (ds) => ds.length === 0);
      const hover = await client.hover(uri, { line: 3, character: 32 });
      assert.match(JSON.stringify(hover), /\.env line 1/);
      assert.ok(!JSON.stringify(hover).includes(VALUE), 'hover never shows the value');
    } finally {
      await client.shutdown();
      ws.remove();
    }
  });
}

const NAMES_A_PAGE = `import cpsl

app = cpsl.App("a", image=cpsl.Image())
app.add_page("Deals", component="pages/deals.tsx")
`;

for (const watchFiles of [false, true]) {
  test(`a page component the app names, created and deleted on disk (${watchFiles ? 'client' : 'server'} watching)`, async () => {
    const ws = tempWorkspace({ 'app.py': NAMES_A_PAGE });
    const client = TestClient.inProcess();
    try {
      await client.initialize([{ uri: ws.uri, name: 'ws' }], { watchFiles });
      const uri = ws.fileUri('app.py');
      await client.open(uri, NAMES_A_PAGE);
      const before = await client.waitDiagnostics(uri, 'the missing component', (ds) => ds.length === 1);
      assert.deepEqual(before.map((d) => [d.code, d.range.start.line]), [['capsule/missing-file', 3]]);
      mkdirSync(join(ws.root, 'pages'));
      writeFileSync(join(ws.root, 'pages', 'deals.tsx'), 'export default function Deals() { return null }\n');
      if (watchFiles) await client.watchedFilesChanged([{ uri: ws.fileUri('pages/deals.tsx'), type: 1 }]);
      await client.waitDiagnostics(uri, 'missing-file gone once the component exists', (ds) => ds.length === 0);
      rmSync(join(ws.root, 'pages', 'deals.tsx'));
      if (watchFiles) await client.watchedFilesChanged([{ uri: ws.fileUri('pages/deals.tsx'), type: 3 }]);
      await client.waitDiagnostics(uri, 'missing-file back once it is deleted', (ds) => ds.length === 1);
    } finally {
      await client.shutdown();
      ws.remove();
    }
  });
}

test('multi-root: each folder has its own store', async () => {
  const one = tempWorkspace({ 'app.py': USES_SECRET }, 'capsule-lsp-one-');
  const two = tempWorkspace({ 'app.py': USES_SECRET }, 'capsule-lsp-two-');
  await seedStore(one.root, { OPENAI_API_KEY: VALUE, ONLY_IN_ONE: VALUE }, [{ name: 'alerts', type: 'telegram', credentials: { bot_token: '1:x' } }]);
  await seedStore(two.root, { OTHER_KEY: VALUE });
  const client = TestClient.inProcess();
  try {
    await client.initialize([
      { uri: one.uri, name: 'one' },
      { uri: two.uri, name: 'two' },
    ]);
    await client.open(one.fileUri('app.py'), USES_SECRET);
    await client.open(two.fileUri('app.py'), USES_SECRET);
    const d1 = await client.waitDiagnostics(one.fileUri('app.py'));
    const d2 = await client.waitDiagnostics(two.fileUri('app.py'), 'both problems', (ds) => ds.length === 2);
    assert.deepEqual(codes(d1), []);
    assert.deepEqual(codes(d2), ['capsule/missing-secret', 'capsule/unknown-channel']);
    const c2 = await client.completion(two.fileUri('app.py'), { line: 3, character: 29 });
    // Folder two's store has OTHER_KEY only (folder one's ONLY_IN_ONE is not offered).
    assert.deepEqual(c2.items.map((i) => [i.label, i.labelDetails?.description]), [['OTHER_KEY', 'store']]);
    const defined = await client.executeCommand('capsule.defineSecret', [{ folder: two.uri, name: 'OPENAI_API_KEY', value: 'x' }]);
    assert.ok(defined.ok);
    assert.equal((await storeData(one.root)).secrets.OPENAI_API_KEY?.value, VALUE, 'the other folder is untouched');
    await client.waitDiagnostics(two.fileUri('app.py'), 'missing-secret gone in folder two', (ds) => codes(ds).join() === 'capsule/unknown-channel');
  } finally {
    await client.shutdown();
    one.remove();
    two.remove();
  }
});

test('files that are not open are read from disk (an app split over modules)', async () => {
  const app = `import cpsl\n\napp = cpsl.App("a", image=cpsl.Image())\napp.add_integration("aws")\n`;
  const handlers = `from app import app\n\n\n@app.message\ndef handle(session):\n    session.prompt_integration("aws")\n    session.prompt_integration("gmail")\n`;
  const ws = tempWorkspace({ 'app.py': app, 'handlers.py': handlers, 'node_modules/x/bad.py': 'import cpsl\ncpsl.App("x").add_integration("nope")\n' });
  const client = TestClient.inProcess();
  try {
    await client.initialize([{ uri: ws.uri, name: 'ws' }]);
    const uri = ws.fileUri('handlers.py');
    await client.open(uri, handlers);
    const ds = await client.waitDiagnostics(uri, 'undeclared gmail', (d) => d.length > 0);
    assert.deepEqual(ds.map((d) => [d.code, d.range.start.line]), [['capsule/undeclared-integration', 6]]);
    const def = await client.definition(uri, { line: 5, character: 33 });
    assert.equal(def[0]?.uri, ws.fileUri('app.py'), 'definition in the file on disk');
    assert.ok(![...client.diagnostics.keys()].some((u) => u.includes('node_modules')), 'dependencies are not analysed');
  } finally {
    await client.shutdown();
    ws.remove();
  }
});

test('the storeDir initialization option names another store folder', async () => {
  const ws = tempWorkspace({ 'app.py': USES_SECRET });
  await seedStore(join(ws.root, 'state-parent'), { OPENAI_API_KEY: VALUE }, [{ name: 'alerts', type: 'telegram', credentials: { bot_token: '1:x' } }]);
  const client = TestClient.inProcess();
  try {
    await client.initialize([{ uri: ws.uri, name: 'ws' }], { settings: { storeDir: 'state-parent/.capsule' } });
    const uri = ws.fileUri('app.py');
    await client.open(uri, USES_SECRET);
    await client.waitDiagnostics(uri, 'no diagnostics with the configured store', (ds) => ds.length === 0);
  } finally {
    await client.shutdown();
    ws.remove();
  }
});

test('an unreadable store turns the name checks off and says so', async () => {
  const ws = tempWorkspace({ 'app.py': USES_SECRET, '.capsule/store.json': '{ this is not json' });
  const client = TestClient.inProcess();
  try {
    await client.initialize([{ uri: ws.uri, name: 'ws' }]);
    const uri = ws.fileUri('app.py');
    await client.open(uri, USES_SECRET);
    const ds = await client.waitDiagnostics(uri);
    assert.deepEqual(codes(ds), [], 'no missing-secret or unknown-channel guesses without the store');
    const warning = await client.waitFor('a warning about the store', () => client.messages.find((m) => m.type === 2 && /cannot be read/.test(m.message)));
    assert.match(warning.message, /store/);
    const list = await client.completion(uri, { line: 3, character: 29 });
    assert.equal(list.isIncomplete, true, 'secret completions say their list is incomplete');
  } finally {
    await client.shutdown();
    ws.remove();
  }
});

test('workspace folders added later and a store folder changed by a setting', async () => {
  const one = tempWorkspace({ 'src/app.py': USES_SECRET }, 'capsule-lsp-added-');
  await seedStore(one.root, { OPENAI_API_KEY: VALUE });
  await seedStore(join(one.root, 'other'), { OPENAI_API_KEY: VALUE }, [{ name: 'alerts', type: 'telegram', credentials: { bot_token: '1:x' } }]);
  const client = TestClient.inProcess();
  try {
    await client.initialize([]);
    // Opened outside every folder: analysed alone, with the (empty) state of its own directory.
    const uri = one.fileUri('src/app.py');
    await client.open(uri, USES_SECRET);
    await client.waitDiagnostics(uri, 'both problems with no store', (ds) => ds.length === 2);
    await client.conn.sendNotification('workspace/didChangeWorkspaceFolders', { event: { added: [{ uri: one.uri, name: 'one' }], removed: [] } });
    await client.waitDiagnostics(uri, 'unknown-channel from the added folder store', (ds) => codes(ds).join() === 'capsule/unknown-channel');
    await client.conn.sendNotification('workspace/didChangeConfiguration', { settings: { capsule: { storeDir: 'other/.capsule' } } });
    await client.waitDiagnostics(uri, 'no diagnostics with the other store', (ds) => ds.length === 0);
  } finally {
    await client.shutdown();
    one.remove();
  }
});
