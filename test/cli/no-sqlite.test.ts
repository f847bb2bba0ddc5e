// A Node that cannot load the SQLite module: `serve` and the store commands stop at once with one
// message naming the module and the fix, and create nothing (instead of failing every later write).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, assertCliBuilt } from '../support/cli';

const PRELOAD = join(__dirname, 'fixtures', 'no-sqlite.cjs');

before(assertCliBuilt);

for (const args of [['serve', 'app.py:app', '--no-open', '--port', '0'], ['secret', 'list'], ['export', 'out.json']]) {
  test(`capsule-local ${args[0]} ${args[1]} on a Node without the SQLite module stops with the module and the fix named`, () => {
    const ws = mkdtempSync(join(tmpdir(), 'capsule-nosqlite-'));
    writeFileSync(join(ws, 'app.py'), 'import cpsl\napp = cpsl.App(name="plain")\n\n@app.message()\ndef echo(session, text):\n    session.reply(text)\n');
    const r = spawnSync(process.execPath, ['-r', PRELOAD, CLI, ...args], { cwd: ws, encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.error, undefined);
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /the workspace database is unavailable: the SQLite module \(better-sqlite3\) could not be loaded under Node v\d+/);
    assert.match(r.stderr, /npm rebuild better-sqlite3/);
    assert.equal(existsSync(join(ws, '.capsule', 'data.sqlite')), false);
  });
}
