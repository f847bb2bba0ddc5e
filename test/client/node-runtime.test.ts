// Which Node.js runs the emulator and the CLI from VS Code (client/node-runtime.ts): the setting,
// else the first node on PATH that loads the collections database's native module, else the
// editor's own executable when it is a plain Node, else Electron run as Node with one message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { NEEDS_NODE, NodeResolver, chooseNode, nodesOnPath, spawnEnv, sqliteProbe, type NodeCandidates } from '../../client/node-runtime';

const ELECTRON: NodeCandidates = { setting: '', onPath: [], execPath: '/opt/vscode/code', electron: true };

/** A probe that loads the module in the given executables only, and records what it was asked. */
function probe(ok: string[]) {
  const asked: string[] = [];
  return { asked, loads: async (node: string) => (asked.push(node), ok.includes(node)) };
}

test('the setting wins, and is used even when it cannot load the module (with the message)', async () => {
  const p = probe(['/custom/node']);
  const c = await chooseNode({ ...ELECTRON, setting: ' /custom/node ', onPath: ['/usr/bin/node'] }, p.loads);
  assert.deepEqual(c, { path: '/custom/node', electronAsNode: false, source: 'the capsule.node.path setting' });
  assert.deepEqual(p.asked, ['/custom/node'], 'PATH is not searched');
  const bad = await chooseNode({ ...ELECTRON, setting: '/old/node', onPath: ['/usr/bin/node'] }, probe([]).loads);
  assert.equal(bad.path, '/old/node');
  assert.equal(bad.electronAsNode, false);
  assert.equal(bad.problem, `/old/node (capsule.node.path) cannot load the SQLite module (better-sqlite3): ${NEEDS_NODE}`);
});

test('else the first node on PATH that loads the module, in PATH order', async () => {
  const p = probe(['/b/node', '/c/node']);
  const c = await chooseNode({ ...ELECTRON, onPath: ['/a/node', '/b/node', '/c/node'] }, p.loads);
  assert.deepEqual(c, { path: '/b/node', electronAsNode: false, source: 'the first node on PATH that loads the SQLite module' });
  assert.deepEqual(p.asked, ['/a/node', '/b/node']);
});

test("else the editor's own executable when it is a plain Node (code-server)", async () => {
  const plain = { setting: '', onPath: ['/usr/bin/node'], execPath: '/srv/code-server/lib/node', electron: false };
  assert.deepEqual(await chooseNode(plain, probe(['/srv/code-server/lib/node']).loads), { path: '/srv/code-server/lib/node', electronAsNode: false, source: "the editor's own Node.js" });
  const none = await chooseNode(plain, probe([]).loads);
  assert.equal(none.path, '/srv/code-server/lib/node');
  assert.equal(none.electronAsNode, false);
  assert.match(none.problem!, /needs Node\.js 20 on PATH, or the capsule\.node\.path setting/);
});

test('else Electron run as Node, with the one message: collections and tasks need Node.js 20', async () => {
  const c = await chooseNode({ ...ELECTRON, onPath: ['/usr/bin/node'] }, probe([]).loads);
  assert.equal(c.path, '/opt/vscode/code');
  assert.equal(c.electronAsNode, true);
  assert.match(c.problem!, /^no Node\.js found on PATH that can load the SQLite module \(better-sqlite3\): the emulator keeps sessions, history, collections and tasks in SQLite and needs Node\.js 20 on PATH, or the capsule\.node\.path setting/);
});

test('ELECTRON_RUN_AS_NODE: set for Electron only, removed for a real Node even when the host has it', () => {
  const host = { PATH: '/usr/bin', ELECTRON_RUN_AS_NODE: '1' };
  assert.deepEqual(spawnEnv({ electronAsNode: false }, host, { X: 'y' }), { PATH: '/usr/bin', X: 'y' });
  assert.deepEqual(spawnEnv({ electronAsNode: true }, { PATH: '/usr/bin' }), { PATH: '/usr/bin', ELECTRON_RUN_AS_NODE: '1' });
});

test('node on PATH: every folder in order, only where the file exists; node.exe on Windows', () => {
  const files = new Set(['/a/node', '/c/node', 'C:\\n\\node.exe']);
  assert.deepEqual(nodesOnPath('/a:/b::/c:/a', 'linux', (p) => files.has(p)), ['/a/node', '/c/node']);
  assert.deepEqual(nodesOnPath('C:\\x;C:\\n', 'win32', (p) => files.has(p)), ['C:\\n\\node.exe']);
  assert.deepEqual(nodesOnPath(undefined, 'linux', () => true), []);
});

test('the resolver probes each executable once, logs its choice once, and chooses again when the setting changes', async () => {
  let setting = '';
  const asked: string[] = [];
  const lines: string[] = [];
  const r = new NodeResolver({
    setting: () => setting,
    probe: async (n) => (asked.push(n), n === '/custom/node'),
    log: (l) => lines.push(l),
    pathEnv: () => '',
    execPath: '/opt/vscode/code',
    electron: true,
  });
  assert.equal((await r.resolve()).electronAsNode, true);
  assert.equal((await r.resolve()).electronAsNode, true);
  assert.equal(lines.length, 2, 'the choice and its problem, once');
  assert.match(lines[1]!, /^\[capsule\] no Node\.js found on PATH/);
  setting = '/custom/node';
  assert.equal((await r.resolve()).path, '/custom/node');
  assert.deepEqual(asked, ['/custom/node']);
  assert.equal(lines.at(-1), '[capsule] Node.js for the emulator and the CLI: /custom/node (the capsule.node.path setting)');
});

test('the real probe: this Node loads the built driver; a missing executable or driver does not', async () => {
  const driver = join(__dirname, '..', '..', 'dist', 'node_modules', 'better-sqlite3');
  assert.equal(await sqliteProbe(driver)(process.execPath), true);
  assert.equal(await sqliteProbe(driver)('/nonexistent/node'), false);
  assert.equal(await sqliteProbe(join(driver, 'nope'))(process.execPath), false);
});
