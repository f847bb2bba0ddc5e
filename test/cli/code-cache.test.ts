// The CLI loads its main bundle with V8's code cache (cli/code-cache.ts): written by a first run,
// used by the next, replaced when it does not fit, and never needed for the CLI to work.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/emulator';

test('the code cache is written once, used next time, and a broken one is replaced', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'capsule-code-cache-'));
  const env = { CAPSULE_CACHE_DIR: dir };
  const folder = join(dir, 'code-cache');
  try {
    const first = await runCli(['--version'], { env });
    assert.equal(first.status, 0, first.stderr);
    assert.equal(first.stdout.trim(), '0.1.0');
    const files = readdirSync(folder);
    assert.equal(files.length, 1, `one cache file: ${files.join(', ')}`);
    assert.match(files[0]!, /^cli-[0-9a-f]+-[0-9a-f]+\.bin$/);

    const second = await runCli(['secret', 'list', '--store', join(dir, 'store')], { env });
    assert.equal(second.status, 0, second.stderr);
    assert.deepEqual(readdirSync(folder), files, 'the cache is used as it is');

    writeFileSync(join(folder, files[0]!), 'not a code cache');
    const third = await runCli(['--version'], { env });
    assert.equal(third.status, 0, third.stderr);
    assert.equal(third.stdout.trim(), '0.1.0', 'a broken cache is ignored');
    assert.deepEqual(readdirSync(folder), files);

    const off = await runCli(['--version'], { env: { CAPSULE_CACHE_DIR: join(dir, 'other'), CAPSULE_CODE_CACHE: 'off' } });
    assert.equal(off.status, 0, off.stderr);
    assert.throws(() => readdirSync(join(dir, 'other')), /ENOENT/, 'CAPSULE_CODE_CACHE=off writes nothing');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
