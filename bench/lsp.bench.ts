// Language server figures, each next to a baseline measured in the same run (a bare full parse of
// the same file with @lezer/python, or a bare `node` spawn):
//   - edit -> diagnostics (p50/p95) over 200 edits of a 20 KB and a 100 KB app file;
//   - completion and hover p95 on those files;
//   - RSS growth of the server process over 1,000 edits;
//   - spawn -> initialize result of the built bundle.
// Goals: edit -> diagnostics p95 <= 20 ms (20 KB) and <= 50 ms (100 KB), and <= 2x a bare parse;
// completion <= 30 ms p95; RSS growth < 20 MB; initialize < 500 ms.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { parser } from '@lezer/python';
import { TestClient } from '../test/lsp/client';
import { seedStore, tempWorkspace } from '../test/lsp/workspace';
import { githubAppHeader, withLanguageServer } from '../test/support/lsp';

const repo = join(__dirname, '..');

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

const ms = (x: number) => `${x.toFixed(1)} ms`;

function verdict(ok: boolean): string {
  return ok ? 'met' : 'MISSED';
}

/** A realistic app file of about `bytes`: an App, integrations and many handlers using them. */
export function appFile(bytes: number): string {
  let text = `${githubAppHeader('bench', ['repo', 'read:user'])}app.add_integration("aws")
`;
  for (let i = 0; text.length < bytes; i++) {
    text += `

@app.message(name="h${i}")
def handle_${i}(session):
    key = os.environ["OPENAI_API_KEY"]
    creds = session.prompt_integration("github", reason="reason ${i}")
    if "aws" in session.integrations:
        session.reply("answer ${i} " + str(len(key)))
    session.notify("working on ${i}", detail="step ${i}")
`;
  }
  return text;
}

function bareParse(text: string, runs = 30): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    parser.parse(text);
    times.push(performance.now() - t);
  }
  return quantile(times, 0.5);
}

interface Sizes {
  label: string;
  bytes: number;
  goal: number;
}

async function editLoop(client: TestClient, uri: string, text: string, edits: number): Promise<number[]> {
  // Each edit retypes one character of the first handler's reply string.
  const line = text.split('\n').findIndex((l) => l.includes('session.reply("answer 0'));
  const character = text.split('\n')[line]!.indexOf('answer') + 1;
  const times: number[] = [];
  for (let i = 0; i < edits; i++) {
    const ch = String.fromCharCode(97 + (i % 26));
    const t = performance.now();
    await client.change(uri, [{ range: { start: { line, character }, end: { line, character: character + 1 } }, newText: ch }]);
    await client.waitDiagnostics(uri, `diagnostics of edit ${i}`, () => true, 10_000);
    times.push(performance.now() - t);
  }
  return times;
}

async function requestTimes(n: number, f: () => Promise<unknown>): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await f();
    times.push(performance.now() - t);
  }
  return times;
}

async function editsAndRequests(size: Sizes): Promise<void> {
  const text = appFile(size.bytes);
  const secrets = { OPENAI_API_KEY: 'x', GITHUB_CLIENT_ID: 'x', GITHUB_CLIENT_SECRET: 'x' };
  await withLanguageServer({ files: { 'app.py': text }, secrets, folderName: 'bench' }, async (ws, client) => {
    const uri = ws.fileUri('app.py');
    await client.open(uri, text);
    await client.waitDiagnostics(uri, 'first diagnostics', () => true, 30_000);
    await editLoop(client, uri, text, 20); // warm-up
    const edits = await editLoop(client, uri, text, 200);
    const parse = bareParse(client.text(uri));
    const lines = client.text(uri).split('\n');
    const useLine = lines.findIndex((l) => l.includes('prompt_integration("github"'));
    const completionAt = { line: useLine, character: lines[useLine]!.indexOf('"github"') + 2 };
    const completion = await requestTimes(100, () => client.completion(uri, completionAt));
    const hoverAt = { line: lines.findIndex((l) => l.includes('environ["OPENAI_API_KEY"]')), character: 26 };
    const hover = await requestTimes(100, () => client.hover(uri, hoverAt));
    const p50 = quantile(edits, 0.5);
    const p95 = quantile(edits, 0.95);
    const c95 = quantile(completion, 0.95);
    const h95 = quantile(hover, 0.95);
    console.log(`\n${size.label} app file (${(text.length / 1024).toFixed(0)} KB), bare full parse ${ms(parse)}`);
    console.log(`  edit -> diagnostics  p50 ${ms(p50)}  p95 ${ms(p95)}  (${(p95 / parse).toFixed(2)}x bare parse)  goal <= ${size.goal} ms: ${verdict(p95 <= size.goal)}; <= 2x parse: ${verdict(p95 <= 2 * parse)}`);
    console.log(`  completion           p95 ${ms(c95)}  (${(c95 / parse).toFixed(2)}x bare parse)  goal <= 30 ms: ${verdict(c95 <= 30)}`);
    console.log(`  hover                p95 ${ms(h95)}  (${(h95 / parse).toFixed(2)}x bare parse)`);
  });
}

function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) * 1024;
}

async function memory(): Promise<void> {
  const text = appFile(20_000);
  const ws = tempWorkspace({ 'app.py': text });
  await seedStore(ws.root, {});
  const client = TestClient.spawn(process.execPath, [join(repo, 'dist/server.js'), '--stdio'], ws.root);
  try {
    await client.initialize([{ uri: ws.uri, name: 'bench' }]);
    const uri = ws.fileUri('app.py');
    await client.open(uri, text);
    await client.waitDiagnostics(uri, 'first diagnostics', () => true, 30_000);
    const opened = rssOf(client.child!.pid!);
    // V8 grows its heap over the first few hundred edits and then holds steady; growth is measured
    // after that warm-up, so that it shows what keeps accumulating (a leak), not the heap sizing.
    await editLoop(client, uri, text, 500);
    const before = rssOf(client.child!.pid!);
    await editLoop(client, uri, text, 1000);
    const after = rssOf(client.child!.pid!);
    const growth = (after - before) / 1024 / 1024;
    const mb = (x: number) => `${(x / 1024 / 1024).toFixed(1)} MB`;
    console.log(`\nserver RSS: ${mb(opened)} after open, ${mb(before)} after 500 warm-up edits, ${mb(after)} after 1,000 more: growth ${growth.toFixed(1)} MB  goal < 20 MB: ${verdict(growth < 20)}`);
    await client.shutdown(true);
    await client.exited();
  } finally {
    await client.dispose();
    ws.remove();
  }
}

async function timeToInitialize(): Promise<number> {
  const ws = tempWorkspace({ 'app.py': appFile(20_000) });
  const client = TestClient.spawn(process.execPath, [join(repo, 'dist/server.js'), '--stdio'], ws.root);
  const t = performance.now();
  try {
    await client.initialize([{ uri: ws.uri, name: 'bench' }]);
    const took = performance.now() - t;
    await client.shutdown(true);
    await client.exited();
    return took;
  } finally {
    await client.dispose();
    ws.remove();
  }
}

function bareSpawn(): Promise<number> {
  return new Promise((resolve) => {
    const t = performance.now();
    spawn(process.execPath, ['-e', '0']).on('exit', () => resolve(performance.now() - t));
  });
}

async function initialize(): Promise<void> {
  const inits: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < 7; i++) {
    inits.push(await timeToInitialize());
    bare.push(await bareSpawn());
  }
  const init = quantile(inits, 0.5);
  const node = quantile(bare, 0.5);
  console.log(`\nspawn -> initialize (dist/server.js) median ${ms(init)}  (bare node spawn ${ms(node)}, ${(init / node).toFixed(2)}x)  goal < 500 ms: ${verdict(init < 500)}`);
}

export default async function run(): Promise<void> {
  if (!existsSync(join(repo, 'dist/server.js'))) {
    const r = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: repo, stdio: 'inherit' });
    if (r.status !== 0) throw new Error('build failed');
  }
  await editsAndRequests({ label: '20 KB', bytes: 20_000, goal: 20 });
  await editsAndRequests({ label: '100 KB', bytes: 100_000, goal: 50 });
  await memory();
  await initialize();
}
