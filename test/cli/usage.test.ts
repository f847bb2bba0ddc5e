// Usage errors of `capsule-local` exit 2 (as documented), whichever command they come from; help
// and a known command's own --help exit 0. Run `npm run build` first.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertCliBuilt, cliSync } from '../support/cli';

before(assertCliBuilt);

const cwd = mkdtempSync(join(tmpdir(), 'capsule-usage-'));
const run = (...args: string[]) => cliSync(cwd, args);

test('an unknown command exits 2 and names it, also with --help after it and under a command group', () => {
  for (const args of [['nosuch'], ['Check'], ['nosuch', '--help'], ['secret', 'nosuch'], ['channel', 'nosuch', '-h'], ['nosuch', 'check']]) {
    const r = run(...args);
    assert.equal(r.status, 2, `capsule-local ${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /unknown command '(nosuch|Check)'/, args.join(' '));
  }
});

test('an unknown option or a missing argument exits 2; help exits 0', () => {
  assert.equal(run('--nosuch').status, 2);
  assert.equal(run('check', '--nosuch').status, 2);
  assert.equal(run('secret', 'set').status, 2);
  assert.equal(run('serve').status, 2);
  for (const args of [['--help'], ['help'], ['check', '--help'], ['secret', '--help'], ['help', 'check'], ['--version']]) {
    const r = run(...args);
    assert.equal(r.status, 0, `capsule-local ${args.join(' ')}: ${r.stderr}`);
    assert.ok(r.stdout.length > 0);
  }
});
