// `capsule-local check` as a user runs it: the built dist/cli.js in a child process, in a temporary
// workspace. Run `npm run build` first.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emptyStore } from '../../emulator/store';
import { assertCliBuilt, cliSync, type CliResult } from '../support/cli';

const repo = join(__dirname, '..', '..');
const supportOps = readFileSync(join(repo, 'examples', 'support-ops', 'app.py'), 'utf8');

before(assertCliBuilt);

function check(cwd: string, ...args: string[]): CliResult {
  return cliSync(cwd, ['check', ...args], '', 60_000);
}

function workspace(files: Record<string, string | Buffer>): string {
  const dir = mkdtempSync(join(tmpdir(), 'capsule-check-'));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

function writeStore(dir: string, secrets: string[], channels: Array<{ name: string; type: 'telegram' | 'slack' | 'whatsapp' }>): void {
  const data = emptyStore();
  const now = new Date().toISOString();
  for (const s of secrets) data.secrets[s] = { value: 'stored-value-not-shown', createdAt: now, updatedAt: now };
  for (const c of channels) data.channels[c.name] = { id: `ch_${c.name}`, webhookId: `wh_${c.name}`, type: c.type, credentials: { bot_token: 'x' }, createdAt: now };
  mkdirSync(join(dir, '.capsule'), { recursive: true });
  writeFileSync(join(dir, '.capsule', 'store.json'), JSON.stringify(data));
}

/** The diagnostic lines of text output (without the closing summary line). */
const diagnosticLines = (stdout: string) => stdout.split('\n').filter((l) => /^\S.*:\d+:\d+: /.test(l));
const codesOf = (stdout: string) => diagnosticLines(stdout).map((l) => l.split(' ')[2]);
/** The closing summary line of text output. */
const summaryOf = (stdout: string) => stdout.trimEnd().split('\n').pop();

test('text format: support-ops with no store reports its missing secrets and the unknown channel; exit 0', () => {
  const dir = workspace({ 'app.py': supportOps });
  const r = check(dir);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(summaryOf(r.stdout), '1 file checked: 0 errors, 5 warnings');
  assert.deepEqual(diagnosticLines(r.stdout).map((l) => l.split(': ')[0] + ' ' + l.split(' ')[2]), [
    'app.py:12:28 capsule/unknown-channel',
    'app.py:13:14 capsule/missing-secret',
    'app.py:18:37 capsule/missing-secret',
    'app.py:19:41 capsule/missing-secret',
    'app.py:56:37 capsule/missing-secret',
  ]);
  assert.match(r.stdout, /^app\.py:12:28: warning capsule\/unknown-channel Channel 'support-telegram' does not exist locally/);
});

test('support-ops reports nothing once its secrets and channel exist (store and .env)', () => {
  const dir = workspace({ 'app.py': supportOps, '.env': 'GOOGLE_OAUTH_CLIENT_SECRET=from-dotenv\n' });
  writeStore(dir, ['OPENAI_API_KEY', 'GOOGLE_OAUTH_CLIENT_ID'], [{ name: 'support-telegram', type: 'telegram' }]);
  const r = check(dir, '--format', 'json');
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), []);
  assert.ok(!r.stdout.includes('stored-value-not-shown') && !r.stderr.includes('stored-value-not-shown'));
});

test('json format: one array of {file, range, severity, code, message}, 0-based, paths relative to the current folder', () => {
  const dir = workspace({ 'apps/bot/app.py': 'import cpsl\napp = cpsl.App("x", image=cpsl.Image())\napp.add_integration("gmail")\n' });
  const r = check(dir, '--format', 'json', 'apps');
  assert.equal(r.status, 1, r.stderr);
  const out = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
  assert.deepEqual(out, [
    {
      file: 'apps/bot/app.py',
      range: { start: { line: 2, character: 0 }, end: { line: 2, character: 28 } },
      severity: 'error',
      code: 'capsule/oauth-missing-client',
      message: out[0]!.message,
    },
  ]);
  assert.match(String(out[0]!.message), /requires client_id and client_secret/);
  // From a sub-folder, files are named relative to it.
  const sub = check(join(dir, 'apps', 'bot'), '--format', 'text', '--store', '../../.capsule', '.');
  assert.equal(sub.status, 1);
  assert.match(sub.stdout, /^app\.py:3:1: error capsule\/oauth-missing-client /);
  mkdirSync(join(dir, 'apps', 'other'));
  const up = check(join(dir, 'apps', 'other'), '../bot');
  assert.match(up.stdout, /^\.\.\/bot\/app\.py:3:1: error /);
});

test('exit 1 when any error is reported, 0 for warnings only or nothing', () => {
  const dir = workspace({
    'ok.py': 'import cpsl\napp = cpsl.App("x", image=cpsl.Image(), channels=[cpsl.Chat()])\n',
    'bad/app.py': 'import cpsl\napp = cpsl.App("y")\n\n@app.message()\nasync def h(session, msg):\n    pass\n',
  });
  const ok = check(dir, 'ok.py');
  assert.equal(ok.status, 0);
  assert.deepEqual(codesOf(ok.stdout), ['capsule/redundant-chat']);
  const bad = check(dir);
  assert.equal(bad.status, 1);
  assert.deepEqual(codesOf(bad.stdout), ['capsule/missing-image', 'capsule/redundant-chat']);
});

test('usage errors exit 2: unknown flag, bad --format, missing path', () => {
  const dir = workspace({ 'app.py': supportOps });
  const flag = check(dir, '--no-such-flag');
  assert.equal(flag.status, 2);
  assert.match(flag.stderr, /unknown option '--no-such-flag'/);
  const format = check(dir, '--format', 'xml');
  assert.equal(format.status, 2);
  assert.match(format.stderr, /--format must be "text" or "json"/);
  const missing = check(dir, 'nowhere');
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /nowhere: no such file or folder/);
  assert.equal(flag.stdout + format.stdout + missing.stdout, '');
});

test('only files that import cpsl, or import a module that does, are checked; skipped folders are skipped', () => {
  const dir = workspace({
    'app.py': 'import cpsl\napp = cpsl.App("x", image=cpsl.Image())\n',
    'handlers.py': 'from app import app\n\n@app.message()\nasync def h(session, msg):\n    await session.prompt_integration("gmail")\n',
    'unrelated.py': 'async def h(session):\n    await session.prompt_integration("gmail")\n',
    'node_modules/pkg/x.py': 'import cpsl\ncpsl.Chat()\n',
    '.venv/lib/y.py': 'import cpsl\ncpsl.Chat()\n',
  });
  const r = check(dir);
  assert.equal(r.status, 1);
  assert.deepEqual(diagnosticLines(r.stdout).map((l) => l.split(' ').slice(0, 3).join(' ')), ['handlers.py:5:38: error capsule/undeclared-integration']);
  assert.equal(summaryOf(r.stdout), '3 files checked: 1 error, 0 warnings');
});

test('a file that is not UTF-8 is analysed as far as it decodes, with a warning naming it', () => {
  const bytes = Buffer.concat([
    Buffer.from('import cpsl\n# caf'),
    Buffer.from([0xe9, 0xff]),
    Buffer.from('\napp = cpsl.App("x", image=cpsl.Image(), channels=[cpsl.Chat()])\n'),
  ]);
  const dir = workspace({ 'latin1.py': bytes });
  const r = check(dir);
  assert.equal(r.status, 0);
  assert.match(r.stderr, /latin1\.py: warning: not valid UTF-8/);
  assert.match(r.stdout, /^latin1\.py:3:51: hint capsule\/redundant-chat /);
});

test('binary .py files, broken symlinks and FIFOs are skipped with a note; the rest is checked', () => {
  const dir = workspace({
    'app.py': 'import cpsl\napp = cpsl.App("x", image=cpsl.Image(), channels=[cpsl.Chat()])\n',
    'blob.py': Buffer.from([0x69, 0x6d, 0x00, 0x01, 0x02]),
  });
  symlinkSync(join(dir, 'does-not-exist.py'), join(dir, 'dangling.py'));
  execFileSync('mkfifo', [join(dir, 'pipe.py')]);
  const r = check(dir);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /blob\.py: skipped: binary file/);
  assert.match(r.stderr, /dangling\.py: skipped: broken symbolic link/);
  assert.match(r.stderr, /pipe\.py: skipped: not a regular file/);
  assert.deepEqual(codesOf(r.stdout), ['capsule/redundant-chat']);
});

test('a 1 MB file is checked whole', () => {
  const filler = Array.from({ length: 20_000 }, (_, i) => `value_${i} = compute(${i}, "padding text for size")`).join('\n');
  const text = `import cpsl\napp = cpsl.App("big", image=cpsl.Image())\n${filler}\napp.add_integration("githb", client_id=A, client_secret=B)\n`;
  assert.ok(text.length > 1_000_000);
  const dir = workspace({ 'big.py': text });
  const r = check(dir, '--format', 'json');
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as Array<{ code: string; range: { start: { line: number } } }>;
  assert.deepEqual(out.map((d) => [d.code, d.range.start.line]), [['capsule/unknown-integration', 20_002]]);
});

test('a corrupt store is reported, secrets and channels are not checked, the exit status is 2', () => {
  const dir = workspace({ 'app.py': supportOps.replace('channels=[', 'channels=[cpsl.Chat(), '), '.capsule/store.json': '{ not json' });
  const r = check(dir);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /store\.json is not a valid Capsule Local store/);
  assert.match(r.stderr, /Secrets and channels are not checked/);
  assert.deepEqual(codesOf(r.stdout), ['capsule/redundant-chat']);
});

test('--store points at another store folder, whose workspace .env counts too', () => {
  const dir = workspace({ 'app.py': supportOps, 'state/.env': 'OPENAI_API_KEY=x\nGOOGLE_OAUTH_CLIENT_ID=y\nGOOGLE_OAUTH_CLIENT_SECRET=z\n' });
  mkdirSync(join(dir, 'state', 'store'));
  const r = check(dir, '--store', 'state/store');
  assert.equal(r.status, 0);
  assert.deepEqual(codesOf(r.stdout), ['capsule/unknown-channel']);
});

test('a file named alone is analysed with the files beside it (its app may be defined there)', () => {
  const dir = workspace({
    'app.py': 'import cpsl\napp = cpsl.App("x")\napp.add_integration("gmail")\n',
    'handlers.py': 'from app import app\n\n@app.message()\nasync def h(session, msg):\n    await session.prompt_integration("github")\n',
  });
  const r = check(dir, 'handlers.py');
  assert.equal(r.status, 1);
  assert.deepEqual(diagnosticLines(r.stdout).map((l) => l.split(' ').slice(0, 3).join(' ')), [
    'handlers.py:3:1: error capsule/missing-image',
    'handlers.py:5:38: error capsule/undeclared-integration',
  ]);
});

test('a UTF-8 byte order mark does not shift columns', () => {
  const dir = workspace({ 'bom.py': Buffer.from('\uFEFFimport cpsl\napp = cpsl.App("x", image=cpsl.Image(), channels=[cpsl.Chat()])\n', 'utf8') });
  const r = check(dir);
  assert.equal(r.stderr, '');
  assert.match(r.stdout, /^bom\.py:2:51: hint capsule\/redundant-chat /);
});

test('a file with a syntax error is an error on the line Python reports; the other files are still checked', () => {
  const dir = workspace({
    'app.py': 'import cpsl\nfrom helpers import greet\napp = cpsl.App("x", image=cpsl.Image(), channels=[cpsl.Chat()])\n',
    'helpers.py': 'def greet(name):\n    return "hello " + (name\n\n\ndef other():\n    pass\n',
  });
  const r = check(dir);
  assert.equal(r.status, 1, r.stderr);
  assert.deepEqual(diagnosticLines(r.stdout).map((l) => l.split(' ').slice(0, 3).join(' ')), ['app.py:3:51: hint capsule/redundant-chat', 'helpers.py:2:23: error capsule/syntax-error']);
  assert.match(r.stdout, /helpers\.py:2:23: error capsule\/syntax-error SyntaxError: '\(' was never closed \(line 2\)/);
  assert.equal(summaryOf(r.stdout), '2 files checked: 1 error, 0 warnings, 1 note');
  const json = check(dir, '--format', 'json');
  assert.equal(json.status, 1);
  assert.deepEqual((JSON.parse(json.stdout) as Array<{ code: string }>).map((d) => d.code), ['capsule/redundant-chat', 'capsule/syntax-error']);
});

test('input that once crashed the analyzer (thousands of unclosed f-strings, deep blocks) is one finding among the others', () => {
  const deep = `import cpsl\nx = ${'f"{'.repeat(2200)}\n${Array.from({ length: 60 }, (_, i) => `${' '.repeat(i * 4)}if x:\n`).join('')}`;
  const dir = workspace({ 'a_deep.py': deep, 'app.py': 'import cpsl\napp = cpsl.App("y")\n\n@app.message()\nasync def h(session, msg):\n    pass\n' });
  for (const format of ['text', 'json']) {
    const r = check(dir, '--format', format);
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.stderr, '');
    const codes = format === 'json' ? (JSON.parse(r.stdout) as Array<{ file: string; code: string }>).map((d) => `${d.file} ${d.code}`) : diagnosticLines(r.stdout).map((l) => `${l.split(':')[0]} ${l.split(' ')[2]}`);
    assert.deepEqual(codes, ['a_deep.py capsule/syntax-error', 'app.py capsule/missing-image']);
  }
});
