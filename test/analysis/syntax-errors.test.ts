// capsule/syntax-error is reported on the line Python reports. Each file of
// fixtures/syntax-errors/ has `# want: capsule/syntax-error` on one line (fixtures.test.ts checks
// that the analysis reports it there and nothing else); here Python 3.11, the SDK's interpreter,
// parses the same files and must report that same line. The analysis itself never runs Python.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeWorkspace, buildLocalState } from '../../server/analysis/index';

const repo = join(__dirname, '..', '..');
const dir = join(__dirname, 'fixtures', 'syntax-errors');
const python = existsSync(join(repo, '.venv', 'bin', 'python')) ? join(repo, '.venv', 'bin', 'python') : 'python3';

/** Python's SyntaxError line (1-based) and message per file; null when the file parses. */
function pythonErrors(paths: string[]): Record<string, { line: number; message: string } | null> {
  const script = [
    'import ast, json, sys',
    'out = {}',
    'for p in json.loads(sys.stdin.read()):',
    '    src = open(p, "rb").read()',
    '    try:',
    '        ast.parse(src, p)',
    '        out[p] = None',
    '    except SyntaxError as e:',
    '        out[p] = {"line": e.lineno, "message": e.msg}',
    'print(json.dumps(out))',
  ].join('\n');
  return JSON.parse(execFileSync(python, ['-c', script], { input: JSON.stringify(paths), encoding: 'utf8' })) as Record<string, { line: number; message: string } | null>;
}

function pythonLines(paths: string[]): Record<string, number | null> {
  return Object.fromEntries(Object.entries(pythonErrors(paths)).map(([p, e]) => [p, e?.line ?? null]));
}

/** Fixtures whose message is Python's generic one in our report (Python names the detail). */
const GENERIC_MESSAGE = new Set(['f-string-unclosed-brace.py']);

function wantLine(text: string): number | undefined {
  const i = text.split(/\r?\n/).findIndex((l) => /#\s*want:.*capsule\/syntax-error/.test(l));
  return i === -1 ? undefined : i + 1;
}

const files = readdirSync(dir).filter((n) => n.endsWith('.py')).sort();

test('the fixtures cover the common mistakes', () => {
  assert.ok(files.length >= 40, `${files.length} fixtures`);
  for (const kind of ['unclosed', 'missing-colon', 'indent', 'unterminated', 'comma', 'tabs']) {
    assert.ok(files.some((f) => f.includes(kind)), `a fixture for ${kind}`);
  }
});

test('Python reports each syntax-error fixture on its `want` line, and so does the analysis', () => {
  const paths = files.map((f) => join(dir, f));
  const py = pythonLines(paths);
  const state = buildLocalState({ storeSecrets: [], storeChannels: [] });
  const mismatches: string[] = [];
  for (const [i, f] of files.entries()) {
    const text = readFileSync(paths[i]!, 'utf8');
    const want = wantLine(text);
    assert.ok(want, `${f} has a want line`);
    const ours = analyzeWorkspace([{ path: f, text }], state).diagnostics.filter((d) => d.code === 'capsule/syntax-error');
    const oursLine = ours.length === 1 ? ours[0]!.range.start.line + 1 : `${ours.length} diagnostics`;
    if (py[paths[i]!] !== want || oursLine !== want) mismatches.push(`${f}: want ${want}, Python ${py[paths[i]!]}, analysis ${oursLine}`);
  }
  assert.deepEqual(mismatches, []);
});

test("the message is Python's (without its line numbers) but for a few named fixtures", () => {
  const paths = files.map((f) => join(dir, f));
  const py = pythonErrors(paths);
  const state = buildLocalState({ storeSecrets: [], storeChannels: [] });
  const differ: string[] = [];
  for (const [i, f] of files.entries()) {
    const d = analyzeWorkspace([{ path: f, text: readFileSync(paths[i]!, 'utf8') }], state).diagnostics.find((x) => x.code === 'capsule/syntax-error');
    const ours = String(d?.data?.pythonMessage);
    const theirs = py[paths[i]!]!.message.replace(/ \(detected at line \d+\)$/, '').replace(/ on line \d+$/, '');
    // Python adds what the block follows ("expected an indented block after 'if' statement").
    if (!theirs.startsWith(ours) && !GENERIC_MESSAGE.has(f)) differ.push(`${f}: Python "${theirs}", analysis "${ours}"`);
  }
  assert.deepEqual(differ, []);
});

test('files that Python parses get no syntax error: the examples and every other fixture', () => {
  const pyFiles = (d: string): string[] =>
    readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? (e.name === 'syntax-errors' ? [] : pyFiles(join(d, e.name))) : e.name.endsWith('.py') ? [join(d, e.name)] : []));
  const paths = [...pyFiles(join(repo, 'examples')), ...pyFiles(join(__dirname, 'fixtures'))];
  const py = pythonLines(paths);
  const state = buildLocalState({ storeSecrets: [], storeChannels: [] });
  let parsed = 0;
  for (const p of paths) {
    const text = readFileSync(p, 'utf8');
    const ours = analyzeWorkspace([{ path: 'x.py', text: text.includes('import cpsl') ? text : `import cpsl\n${text}` }], state).diagnostics.some((d) => d.code === 'capsule/syntax-error');
    if (py[p] === null) {
      parsed++;
      assert.equal(ours, false, `${p} parses in Python but got capsule/syntax-error`);
    } else assert.equal(ours, true, `${p} does not parse in Python (line ${py[p]}) but got no capsule/syntax-error`);
  }
  assert.ok(parsed > 20, `${parsed} files parse`);
});

test('NUL bytes: Python refuses the whole file; the analysis reports the first one', () => {
  const text = 'import cpsl\nx = 1\ny = "a\0b"\n';
  const d = analyzeWorkspace([{ path: 'x.py', text }], buildLocalState({ storeSecrets: [], storeChannels: [] })).diagnostics.filter((x) => x.code === 'capsule/syntax-error');
  assert.equal(d.length, 1);
  assert.equal(d[0]!.range.start.line, 2);
  assert.match(d[0]!.message, /null bytes/);
});
