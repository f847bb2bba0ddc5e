// Seeded fuzzing of the language server in-process: real apps and analysis fixtures are mutated
// the way broken editing does (spans deleted and pasted, unterminated strings, f-string braces,
// nesting thousands deep, random characters, CRLF, NUL, very long lines), each edit is sent as an
// incremental change, and feature requests follow at random positions. No request may fail, the
// server may never log an analysis that threw, no file may get `capsule/analysis-failed`, and the
// last version of every document still gets its diagnostics. A failure prints the seed and the
// edit; FUZZ_SEED=<n> replays another sequence.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Diagnostic, Position, TextEdit } from 'vscode-languageserver-types';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { withLanguageServer } from '../support/lsp';
import { withTimeout, type TestClient } from './client';

const SEED = Number(process.env.FUZZ_SEED ?? 20261204);
const EDITS = 2000;
/** A document is reset to its fixture when it grows past this (keeps every parse cheap). */
const MAX_TEXT = 25_000;

const repo = join(__dirname, '..', '..');

/** mulberry32: small, fast and the same on every machine. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function fixtures(): Array<{ name: string; text: string }> {
  const out: Array<{ name: string; text: string }> = [];
  for (const d of readdirSync(join(repo, 'examples'))) {
    const p = join(repo, 'examples', d, 'app.py');
    if (existsSync(p)) out.push({ name: `${d}.py`, text: readFileSync(p, 'utf8') });
  }
  const dir = join(repo, 'test', 'analysis', 'fixtures');
  for (const n of readdirSync(dir).filter((n) => n.endsWith('.py')).sort()) out.push({ name: n, text: readFileSync(join(dir, n), 'utf8') });
  return out;
}

type Mutation = (text: string, at: number, r: () => number) => { from: number; to: number; insert: string };

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const int = (r: () => number, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));

function nestedIfs(levels: number): string {
  let s = '\n';
  for (let i = 0; i < levels; i++) s += `${' '.repeat(i * 4)}if x${i}:\n`;
  return s + `${' '.repeat(levels * 4)}pass\n`;
}

function randomChars(r: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) {
    const kind = r();
    if (kind < 0.5) s += String.fromCharCode(int(r, 0x20, 0x7e));
    else if (kind < 0.65) s += String.fromCharCode(int(r, 0, 0x1f));
    else if (kind < 0.75) s += String.fromCharCode(int(r, 0xd800, 0xdfff)); // lone surrogates
    else if (kind < 0.85) s += pick(r, ['é', '∑', '😀', '\u200b', '\ufeff', '\u2028', '中']);
    else s += pick(r, ['(', ')', '[', ']', '{', '}', '"', "'", '\\', ':', '\n', '\t', '#', '@', '=']);
  }
  return s;
}

const MUTATIONS: Array<[string, Mutation]> = [
  ['delete a span', (t, at, r) => ({ from: at, to: Math.min(t.length, at + int(r, 1, 300)), insert: '' })],
  ['paste a span of the text', (t, at, r) => {
    const from = int(r, 0, t.length);
    return { from: at, to: at, insert: t.slice(from, from + int(r, 1, 400)) };
  }],
  ['type one character', (_t, at, r) => ({ from: at, to: at, insert: pick(r, ['a', '.', '(', ')', '"', "'", ':', '\n', ' ', '=', ',', '[', '{', '}']) })],
  ['unterminated string', (_t, at, r) => ({ from: at, to: at, insert: pick(r, ['"abc', "'x", '"""doc', "'''", 'f"{x', 'rb"\\', 'cpsl.Secret.from_name("KEY', '"\\']) })],
  ['f-string braces', (_t, at, r) => ({ from: at, to: at, insert: pick(r, ['f"{', 'f"{{', 'f"}', "f'{x!r:{y}}'", 'f"{f"{f"{']).repeat(int(r, 1, 60)) })],
  ['thousands of unclosed f-strings, then nested blocks', (_t, at, r) => ({ from: at, to: at, insert: 'f"{'.repeat(int(r, 2000, 2600)) + nestedIfs(int(r, 20, 80)) })],
  ['deep brackets', (_t, at, r) => {
    const n = int(r, 100, 3000);
    const open = pick(r, ['(', '[', '{', 'f(', 'a[', 'not ', '-', 'lambda: ', 'await ', '*']);
    return { from: at, to: at, insert: open.repeat(n) + (r() < 0.5 ? pick(r, [')', ']', '}']).repeat(n) : '') };
  }],
  ['deep indentation', (_t, at, r) => ({ from: at, to: at, insert: nestedIfs(int(r, 50, 400)) })],
  ['random characters', (_t, at, r) => ({ from: at, to: at, insert: randomChars(r, int(r, 1, 80)) })],
  ['CRLF and lone CR', (t, at, r) => {
    const to = Math.min(t.length, at + int(r, 1, 2000));
    return { from: at, to, insert: t.slice(at, to).replace(/\n/g, r() < 0.7 ? '\r\n' : '\r') };
  }],
  ['NUL', (_t, at, r) => ({ from: at, to: at, insert: '\0'.repeat(int(r, 1, 5)) })],
  ['a very long line', (_t, at, r) => ({ from: at, to: at, insert: pick(r, ['x', 'ab ', '"', '+1', '#']).repeat(int(r, 3000, 20000)) })],
  ['a cpsl call cut short', (_t, at, r) => ({ from: at, to: at, insert: pick(r, ['app.add_integration(', 'cpsl.App(secrets=[', 'session.integrations["', 'os.environ.get(', '@app.message(access=', 'cpsl.Channel(', 'from cpsl import (', 'import cpsl as']) })],
];

/** A position in the document, sometimes past its end or on no line at all (clients do that). */
function position(doc: TextDocument, r: () => number): Position {
  if (r() < 0.05) return { line: int(r, 0, doc.lineCount + 5), character: int(r, 0, 100_000) };
  const p = doc.positionAt(int(r, 0, doc.getText().length));
  return p;
}

async function request(client: TestClient, method: string, params: unknown): Promise<unknown> {
  return withTimeout(method, client.conn.sendRequest(method, params), 30_000);
}

test(`fuzzed edits of real apps: no request fails, the analysis never throws (seed ${SEED}, ${EDITS} edits)`, async () => {
  const files = fixtures();
  assert.ok(files.length > 10, 'fixtures found');
  const r = rng(SEED);
  const counts = new Map<string, number>();
  let requests = 0;
  const failures: string[] = [];
  const workspace = Object.fromEntries(files.map((f) => [f.name, f.text]));
  await withLanguageServer({ files: workspace, secrets: { OPENAI_API_KEY: 'fuzz-secret-value-0000' } }, async (ws, client) => {
    const perFile = Math.ceil(EDITS / files.length);
    for (const f of files) {
      const uri = ws.fileUri(f.name);
      await client.open(uri, f.text);
      for (let i = 0; i < perFile; i++) {
        const before = client.text(uri);
        let edit: { from: number; to: number; insert: string };
        let label: string;
        if (before.length > MAX_TEXT) {
          edit = { from: 0, to: before.length, insert: f.text };
          label = 'reset';
        } else {
          const [name, mutate] = pick(r, MUTATIONS);
          edit = mutate(before, int(r, 0, before.length), r);
          label = name;
        }
        counts.set(label, (counts.get(label) ?? 0) + 1);
        const doc = TextDocument.create(uri, 'python', 0, before);
        const change: TextEdit = { range: { start: doc.positionAt(edit.from), end: doc.positionAt(edit.to) }, newText: edit.insert };
        await client.change(uri, [change]);
        const now = TextDocument.create(uri, 'python', 0, client.text(uri));
        const where = `${f.name}, edit ${i} (${label} at ${edit.from})`;
        const asks: Array<[string, unknown]> = [];
        const textDocument = { uri };
        const kind = r();
        if (kind < 0.28) asks.push(['textDocument/completion', { textDocument, position: position(now, r) }]);
        else if (kind < 0.35) asks.push(['textDocument/signatureHelp', { textDocument, position: position(now, r) }]);
        else if (kind < 0.6) asks.push(['textDocument/hover', { textDocument, position: position(now, r) }]);
        else if (kind < 0.75) asks.push(['textDocument/definition', { textDocument, position: position(now, r) }]);
        else if (kind < 0.85) asks.push(['textDocument/references', { textDocument, position: position(now, r), context: { includeDeclaration: r() < 0.5 } }]);
        else if (kind < 0.92) asks.push(['textDocument/documentSymbol', { textDocument }], ['textDocument/codeLens', { textDocument }]);
        else {
          const diagnostics: Diagnostic[] = client.diagnostics.get(uri)?.diagnostics ?? [];
          const range = { start: position(now, r), end: position(now, r) };
          asks.push(['textDocument/codeAction', { textDocument, range, context: { diagnostics } }]);
        }
        for (const [method, params] of asks) {
          requests++;
          try {
            await request(client, method, params);
          } catch (e) {
            failures.push(`${method} after ${where}: ${e instanceof Error ? e.message : String(e)}`);
          }
        }
        if (client.errorLogs.length) failures.push(`server error log after ${where}: ${client.errorLogs.splice(0).join(' | ')}`);
        if (failures.length) break;
      }
      // The newest version is analysed and published (the analysis is still alive).
      const last = await client.waitDiagnostics(uri, `diagnostics of the last version of ${f.name}`, () => true, 60_000);
      const failed = last.filter((d) => d.code === 'capsule/analysis-failed');
      if (failed.length) failures.push(`${f.name}: ${failed.map((d) => d.message).join(' | ')}`);
      await client.close(uri);
      if (failures.length) break;
    }
  });
  assert.deepEqual(failures, [], `seed ${SEED}`);
  // Every kind of mutation ran, and the request count is what the loop says (nothing skipped).
  for (const [name] of MUTATIONS) assert.ok((counts.get(name) ?? 0) > 0, `mutation "${name}" ran`);
  assert.ok(requests >= EDITS, `${requests} requests`);
});
