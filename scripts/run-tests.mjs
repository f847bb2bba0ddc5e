// Runs every test file under test/ with node's test runner (TypeScript through tsx), then the
// Python runtime's unit suite. Pass a substring to run only matching files:
//   node scripts/run-tests.mjs store
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return name === 'fixtures' ? [] : walk(p);
    return /\.test\.ts$/.test(name) ? [p] : [];
  });
}

const filter = process.argv[2];
const files = walk('test').filter((f) => !filter || f.includes(filter)).sort();
let failed = false;

if (files.length) {
  const r = spawnSync(
    process.execPath,
    // The timeout only stops a hung file; on a machine shared with other work a file may take minutes.
    ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=900000', ...files],
    // tsx's compile cache is keyed by file content: a file identical to one in another checkout of
    // the repository would run with that checkout's __dirname (its dist/, its fixtures).
    { stdio: 'inherit', env: { ...process.env, TSX_DISABLE_CACHE: '1' } },
  );
  failed ||= r.status !== 0;
}

if (!filter || 'python'.includes(filter)) {
  const pyTests = 'emulator/python/tests';
  if (existsSync(pyTests)) {
    const r = spawnSync('python3', ['-m', 'unittest', 'discover', '-s', pyTests, '-t', 'emulator/python', '-v'], {
      stdio: 'inherit',
      env: { ...process.env, PYTHONPATH: 'emulator/python', PYTHONDONTWRITEBYTECODE: '1' },
    });
    failed ||= r.status !== 0;
  }
}
process.exit(failed ? 1 : 0);
