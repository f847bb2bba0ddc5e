// The layers' invariants (ARCHITECTURE.md, "Invariants"), read from the imports of every source
// file: a dependency that points the wrong way, or I/O where the analysis must stay pure, fails
// here with the file and the import.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';

const REPO = resolve(__dirname, '..', '..');

function sources(dir: string): string[] {
  return readdirSync(join(REPO, dir)).flatMap((name) => {
    const rel = join(dir, name);
    if (statSync(join(REPO, rel)).isDirectory()) return name === 'node_modules' || name === 'python' ? [] : sources(rel);
    return /\.(ts|mts)$/.test(name) && !name.endsWith('.d.ts') ? [rel] : [];
  });
}

/** Every module a file imports: a package name, `node:x`, or a repository path for relative imports. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(REPO, file), 'utf8');
  const specs = [...text.matchAll(/(?:^|\s)(?:import|export)\s[^;]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)|require\(\s*'([^']+)'\s*\)|^import\s+'([^']+)'/gm)]
    .map((m) => m[1] ?? m[2] ?? m[3] ?? m[4]!);
  return specs.map((s) => (s.startsWith('.') ? relative(REPO, resolve(REPO, dirname(file), s)) : s));
}

interface Rule {
  layer: string;
  invariant: string;
  allowed: (spec: string) => boolean;
}

const inside = (...dirs: string[]) => (spec: string) => dirs.some((d) => spec === d || spec.startsWith(`${d}/`));
const nodeBuiltin = (spec: string) => spec.startsWith('node:');

const RULES: Rule[] = [
  {
    layer: 'catalog',
    invariant: 'the catalog depends on nothing of ours',
    allowed: (s) => inside('catalog')(s) || nodeBuiltin(s) && !/^node:(child_process|net|http)/.test(s),
  },
  {
    layer: 'server/analysis',
    invariant: 'the analysis is pure: the parser, the catalog and itself; no I/O',
    allowed: (s) => inside('server/analysis', 'catalog')(s) || s.startsWith('@lezer/'),
  },
  {
    layer: 'server/features',
    invariant: 'language features are pure functions over the analysis; no I/O',
    allowed: (s) => inside('server/features', 'server/analysis', 'catalog')(s) || s.startsWith('@lezer/') || s === 'vscode-languageserver-types',
  },
  {
    layer: 'emulator',
    invariant: 'the emulator knows neither the language server, nor the CLI, nor VS Code',
    allowed: (s) => !inside('server', 'cli', 'client')(s) && s !== 'vscode',
  },
  {
    layer: 'client',
    invariant: 'the VS Code client talks to the server over LSP and to the emulator over HTTP or the CLI bundle; it reads only store names',
    allowed: (s) => !inside('server', 'cli')(s) && (!inside('emulator')(s) || inside('emulator/store')(s)),
  },
];

for (const rule of RULES) {
  test(`${rule.layer}: ${rule.invariant}`, () => {
    const files = sources(rule.layer);
    assert.ok(files.length > 0, `no sources under ${rule.layer}`);
    const wrong = files.flatMap((f) => importsOf(f).filter((s) => !rule.allowed(s)).map((s) => `${f} imports ${s}`));
    assert.deepEqual(wrong, []);
  });
}

test('the import reader sees the imports it must judge', () => {
  // A rule that reads no imports passes by accident: check the reader on files we know.
  assert.ok(importsOf('server/server.ts').some((s) => s.startsWith('vscode-languageserver')));
  assert.ok(importsOf('server/analysis/parse.ts').some((s) => s.startsWith('@lezer/')));
  assert.ok(importsOf('cli/commands/store-io.ts').includes('emulator/gateway/client'));
});

test("the CLI's small entry reaches none of the emulator's libraries: it launches the app before they load", () => {
  // What cli/entry.ts pulls in at run time (type-only imports are erased by the build).
  const valueImports = (file: string): string[] => {
    const text = readFileSync(join(REPO, file), 'utf8').replace(/^(?:import|export)\s+type\s[^;]*;/gm, '');
    return [...text.matchAll(/(?:^|\s)(?:import|export)\s[^;]*?from\s+'([^']+)'|require\(\s*'([^']+)'\s*\)/gm)]
      .map((m) => m[1] ?? m[2]!)
      .map((s) => (s.startsWith('.') ? relative(REPO, resolve(REPO, dirname(file), s)) : s));
  };
  const fileOf = (spec: string): string => [`${spec}.ts`, join(spec, 'index.ts')].find((f) => { try { return statSync(join(REPO, f)).isFile(); } catch { return false; } }) ?? spec;
  const seen = new Set<string>();
  const packages = new Set<string>();
  const walk = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const s of valueImports(file)) {
      if (s.startsWith('node:')) continue;
      if (s.startsWith('cli/') || s.startsWith('emulator/')) walk(fileOf(s));
      else packages.add(s);
    }
  };
  walk('cli/entry.ts');
  assert.ok(seen.has('cli/early-serve.ts') && seen.has('emulator/runner/interpreter.ts'), 'the walk follows the entry');
  assert.deepEqual([...packages].filter((p) => /^(protobufjs|@grpc\/|express|better-sqlite3|chokidar|commander)/.test(p)), []);
});
