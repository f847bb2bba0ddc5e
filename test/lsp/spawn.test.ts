// The built bundles spoken to over stdio as an editor would: `node dist/server.js --stdio` and
// `node dist/cli.js lsp --stdio`. Builds first when a bundle is missing or older than the sources.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { TestClient, cursor, applyCompletion } from './client';
import { seedStore, tempWorkspace } from './workspace';

const repo = join(__dirname, '..', '..');

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

before(() => {
  const bundles = ['dist/server.js', 'dist/cli.js'].map((b) => join(repo, b));
  const sources = Math.max(newest(join(repo, 'server')), newest(join(repo, 'catalog')), newest(join(repo, 'cli')));
  if (bundles.every((b) => existsSync(b) && statSync(b).mtimeMs >= sources)) return;
  const r = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: repo, encoding: 'utf8' });
  assert.equal(r.status, 0, `build failed: ${r.stderr}`);
});

const APP = `import cpsl

app = cpsl.App("a", image=cpsl.Image())
app.add_integration("githb", client_id=cpsl.Secret.from_name("ID"), client_secret=cpsl.Secret.from_name("SECRET"))
`;

for (const [label, args] of [
  ['dist/server.js --stdio', ['dist/server.js', '--stdio']],
  ['dist/cli.js lsp --stdio', ['dist/cli.js', 'lsp', '--stdio']],
] as const) {
  test(`${label}: initialize, diagnostics, completion, shutdown and exit`, async () => {
    const ws = tempWorkspace({ 'app.py': APP });
    await seedStore(ws.root, { ID: 'x', SECRET: 'y' });
    const client = TestClient.spawn(process.execPath, args.map((a) => (a.startsWith('dist/') ? join(repo, a) : a)), ws.root);
    try {
      const init = await client.initialize([{ uri: ws.uri, name: 'ws' }]);
      assert.equal(init.serverInfo?.name, 'capsule-local');
      assert.ok(init.capabilities.executeCommandProvider?.commands.includes('capsule.createChannel'));
      const uri = ws.fileUri('app.py');
      await client.open(uri, APP);
      const ds = await client.waitDiagnostics(uri, 'unknown-integration', (d) => d.length > 0);
      assert.deepEqual(ds.map((d) => d.code), ['capsule/unknown-integration']);
      // Type a new declaration whose string is not closed yet.
      const typed = `${APP}app.add_integration("li`;
      await client.change(uri, [{ range: { start: { line: 4, character: 0 }, end: { line: 4, character: 0 } }, newText: 'app.add_integration("li' }]);
      const { position } = cursor(`${typed}|`);
      const list = await client.completion(uri, position);
      const linear = list.items.find((i) => i.label === 'linear');
      assert.ok(linear, 'linear offered');
      assert.equal(applyCompletion(typed, linear).split('\n')[4], 'app.add_integration("linear"');
      await client.shutdown(true);
      assert.equal(await client.exited(), 0, `server exits with 0 after shutdown+exit (stderr: ${client.stderr.join('')})`);
    } finally {
      await client.dispose();
      ws.remove();
    }
  });
}

test('capsule-local lsp without a transport is a usage error (exit 2) and prints nothing on stdout', () => {
  const r = spawnSync(process.execPath, [join(repo, 'dist/cli.js'), 'lsp'], { encoding: 'utf8', timeout: 10_000 });
  assert.equal(r.status, 2, r.stderr);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /--stdio/);
});
