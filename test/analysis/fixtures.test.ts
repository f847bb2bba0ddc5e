// Data-driven analysis tests. Every fixture under fixtures/ is a `.py` file, or a folder of `.py`
// files (a multi-file app) with an optional `.env` and `state.json`. A `# want: capsule/code`
// comment names each diagnostic that must start on its line; lines and files without one must get
// none. A folder may hold `example.json` instead, to check an app of examples/ against a state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { DIAGNOSTIC_CODES, analyzeWorkspace, buildLocalState, type CapsuleDiagnostic, type LocalState, type SourceFile } from '../../server/analysis/index';

const root = join(__dirname, 'fixtures');
const repo = join(__dirname, '..', '..');

/** Severity per code (SPEC table); undeclared-integration depends on the kind of use. */
const SEVERITY: Record<string, string[]> = {
  'capsule/unknown-integration': ['warning'],
  'capsule/undeclared-integration': ['error', 'warning'],
  'capsule/oauth-missing-client': ['error'],
  'capsule/secret-integration-client': ['error'],
  'capsule/custom-integration-missing-fields': ['error'],
  'capsule/config-combined-with-options': ['error'],
  'capsule/unknown-scope': ['warning'],
  'capsule/duplicate-integration': ['warning'],
  'capsule/hardcoded-credential': ['warning'],
  'capsule/missing-secret': ['warning'],
  'capsule/undeclared-secret': ['warning'],
  'capsule/invalid-secret-name': ['warning'],
  'capsule/deprecated-channel': ['warning'],
  'capsule/unknown-channel': ['warning'],
  'capsule/redundant-chat': ['hint'],
  'capsule/missing-image': ['error'],
  'capsule/mixed-style': ['error'],
  'capsule/invalid-access': ['error'],
  'capsule/invalid-pipedream': ['error'],
  'capsule/local-unsupported': ['information'],
  'capsule/syntax-error': ['error'],
  'capsule/analysis-failed': ['information'],
  'capsule/invalid-argument': ['error', 'warning'],
  'capsule/invalid-value': ['error', 'warning'],
  'capsule/unknown-value': ['warning'],
  'capsule/duplicate-declaration': ['error'],
  'capsule/page-not-widget': ['error'],
  'capsule/unknown-reference': ['warning'],
  'capsule/invalid-cron': ['warning'],
  'capsule/invalid-lock': ['warning'],
  'capsule/missing-file': ['warning'],
};

/** Codes no source text can produce, exercised in api.test.ts instead (a failure of the analysis). */
const NOT_FROM_SOURCE = new Set(['capsule/analysis-failed']);

interface StateJson {
  secrets?: string[] | null;
  channels?: Array<{ name: string; type?: string }> | null;
}

function stateFrom(dir: string | undefined, json: StateJson | undefined): LocalState {
  const envPath = dir ? join(dir, '.env') : undefined;
  return buildLocalState({
    storeSecrets: json?.secrets === null ? undefined : (json?.secrets ?? []),
    storeChannels: json?.channels === null ? undefined : (json?.channels ?? []),
    ...(envPath && existsSync(envPath) ? { dotenv: { path: '.env', text: readFileSync(envPath, 'utf8') } } : {}),
    // A folder fixture's files are its disk: components and logos are looked up there.
    ...(dir ? { files: { isFile: (p: string) => existsSync(join(dir, p)) && statSync(join(dir, p)).isFile() } } : {}),
  });
}

/** `# want:` comments of a text: line (0-based) -> codes. */
function wants(text: string): Map<number, string[]> {
  const out = new Map<number, string[]>();
  text.split(/\r?\n/).forEach((line, i) => {
    const m = /#\s*want:\s*(.+)$/.exec(line);
    if (m) out.set(i, m[1]!.split(',').map((s) => s.trim()).filter(Boolean));
  });
  return out;
}

function key(line: number, code: string): string {
  return `${line + 1}: ${code}`;
}

function compare(files: SourceFile[], expected: Map<string, Map<number, string[]>>, diagnostics: CapsuleDiagnostic[], secretsInSource: string[]): void {
  for (const d of diagnostics) {
    assert.ok(SEVERITY[d.code], `unexpected code ${d.code}`);
    assert.ok(SEVERITY[d.code]!.includes(d.severity), `${d.code} has severity ${d.severity}`);
    assert.ok(d.message.length > 20, `${d.code} message too short: ${d.message}`);
    const r = d.range;
    assert.ok(r.start.line < r.end.line || (r.start.line === r.end.line && r.start.character < r.end.character), `${d.code} has an empty range`);
    if (d.code === 'capsule/deprecated-channel') assert.deepEqual(d.tags, ['deprecated']);
    if (d.code === 'capsule/redundant-chat') assert.deepEqual(d.tags, ['unnecessary']);
    if (d.code === 'capsule/undeclared-integration') assert.ok(d.related?.length, 'undeclared-integration has related information');
    for (const s of secretsInSource) {
      assert.ok(!d.message.includes(s) && !JSON.stringify(d.data ?? {}).includes(s), `${d.code} message or data contains a credential value`);
    }
  }
  for (const f of files) {
    const want = expected.get(f.path) ?? new Map<number, string[]>();
    const wanted = [...want].flatMap(([line, codes]) => codes.map((c) => key(line, c))).sort();
    const got = diagnostics.filter((d) => d.path === f.path).map((d) => key(d.range.start.line, d.code)).sort();
    assert.deepEqual(got, wanted, `diagnostics of ${f.path}:\n${diagnostics.filter((d) => d.path === f.path).map((d) => `  ${key(d.range.start.line, d.code)} ${d.message}`).join('\n')}`);
  }
}

/** Literal values the analysis reported as hard-coded credentials (never to be echoed). */
function credentialValues(files: SourceFile[], diagnostics: CapsuleDiagnostic[]): string[] {
  const out: string[] = [];
  for (const d of diagnostics) {
    if (d.code !== 'capsule/hardcoded-credential') continue;
    const f = files.find((x) => x.path === d.path)!;
    const line = f.text.split('\n')[d.range.start.line]!;
    const literal = line.slice(d.range.start.character, d.range.start.line === d.range.end.line ? d.range.end.character : undefined);
    out.push(literal.replace(/^[rRbBuUfF]*['"]+|['"]+$/g, ''));
  }
  return out;
}

function pyFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return pyFiles(p);
    return name.endsWith('.py') ? [p] : [];
  });
}

const entries = readdirSync(root)
  .filter((n) => n.endsWith('.py') || statSync(join(root, n)).isDirectory())
  .sort();
assert.ok(entries.length > 10, 'fixtures are present');

for (const name of entries) {
  const path = join(root, name);
  test(`fixture ${name}`, () => {
    let files: SourceFile[];
    let expected = new Map<string, Map<number, string[]>>();
    let state: LocalState;
    if (statSync(path).isDirectory()) {
      const exampleJson = join(path, 'example.json');
      if (existsSync(exampleJson)) {
        const spec = JSON.parse(readFileSync(exampleJson, 'utf8')) as { example: string; state?: StateJson; want: Record<string, Record<string, string[]>> };
        const exDir = join(repo, 'examples', spec.example);
        files = pyFiles(exDir).map((p) => ({ path: relative(exDir, p), text: readFileSync(p, 'utf8') }));
        for (const [file, lines] of Object.entries(spec.want)) {
          expected.set(file, new Map(Object.entries(lines).map(([l, codes]) => [Number(l) - 1, codes])));
        }
        state = stateFrom(undefined, spec.state);
      } else {
        files = pyFiles(path).map((p) => ({ path: relative(path, p), text: readFileSync(p, 'utf8') }));
        const stateJson = join(path, 'state.json');
        state = stateFrom(path, existsSync(stateJson) ? (JSON.parse(readFileSync(stateJson, 'utf8')) as StateJson) : undefined);
      }
    } else {
      files = [{ path: name, text: readFileSync(path, 'utf8') }];
      state = stateFrom(undefined, undefined);
    }
    if (expected.size === 0) expected = new Map(files.map((f) => [f.path, wants(f.text)]));
    assert.ok(files.length > 0, 'the fixture has Python files');
    const { diagnostics } = analyzeWorkspace(files, state);
    compare(files, expected, diagnostics, credentialValues(files, diagnostics));
  });
}

test('every diagnostic code is exercised by some fixture', () => {
  assert.deepEqual(Object.keys(SEVERITY).sort(), Object.keys(DIAGNOSTIC_CODES).sort());
  const seen = new Set<string>();
  for (const name of entries) {
    const path = join(root, name);
    const texts = statSync(path).isDirectory()
      ? [...pyFiles(path).map((p) => readFileSync(p, 'utf8')), ...(existsSync(join(path, 'example.json')) ? [readFileSync(join(path, 'example.json'), 'utf8')] : [])]
      : [readFileSync(path, 'utf8')];
    for (const t of texts) for (const m of t.matchAll(/capsule\/[a-z-]+/g)) seen.add(m[0]);
  }
  for (const code of Object.keys(SEVERITY)) if (!NOT_FROM_SOURCE.has(code)) assert.ok(seen.has(code), `no fixture expects ${code}`);
});
