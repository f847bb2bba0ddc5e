// The differential harness: app definitions made by mutating valid ones are imported with the
// real SDK (scripts/sdk-import-check.py, one Python process for a whole batch, each definition
// imported in isolation) and analysed; the two must agree. Agreement means: every import error
// of the SDK is an error diagnostic on the line the traceback names, and a definition the SDK
// imports has no error diagnostic. Used by test/agreement (a fixed seeded sample) and
// bench/agreement.bench.ts (the full set).
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { catalog } from '../../catalog/catalog';
import { analyzeWorkspace, buildLocalState, LineIndex, parsePython, type CapsuleDiagnostic } from '../../server/analysis/index';

const root = join(__dirname, '..', '..');

/**
 * Errors by contract that the SDK does not raise at import: `access=` typos (SPEC: error, the SDK
 * does not check them) and prompting for an undeclared integration (fails when the handler runs).
 * They are counted apart, never as agreement.
 */
export const POLICY_ERRORS = new Set(['capsule/invalid-access', 'capsule/undeclared-integration']);

export interface Definition {
  id: string;
  base: string;
  mutation: string;
  source: string;
}

export interface SdkOutcome {
  id: string;
  ok: boolean;
  exception?: string;
  message?: string;
  line?: number | null;
}

export interface Verdict {
  def: Definition;
  sdk: SdkOutcome;
  errors: CapsuleDiagnostic[];
  policy: CapsuleDiagnostic[];
  agree: boolean;
  why?: string;
}

/** The valid definitions mutations start from: the examples and the bases of test/agreement. */
export function bases(): Array<{ name: string; source: string }> {
  const out: Array<{ name: string; source: string }> = [];
  for (const e of readdirSync(join(root, 'examples'))) {
    try {
      out.push({ name: `examples/${e}`, source: readFileSync(join(root, 'examples', e, 'app.py'), 'utf8') });
    } catch {
      // a folder without app.py is not an app
    }
  }
  const dir = join(root, 'test', 'agreement', 'bases');
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.py')).sort()) out.push({ name: `bases/${f}`, source: readFileSync(join(dir, f), 'utf8') });
  return out;
}

/** mulberry32: a small seeded generator, so that a sample is the same on every run. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(r: () => number, xs: T[]): T => xs[Math.floor(r() * xs.length)]!;

function misspell(r: () => number, word: string): string {
  if (word.length < 2) return word + 'x';
  const i = Math.floor(r() * word.length);
  const ops = [
    () => word.slice(0, i) + word.slice(i + 1),
    () => word.slice(0, i) + word[i] + word.slice(i),
    () => (i + 1 < word.length ? word.slice(0, i) + word[i + 1] + word[i] + word.slice(i + 2) : word + 's'),
    () => word + 's',
  ];
  const out = pick(r, ops)();
  return out === word ? word + 'x' : out;
}

/** Literal values the SDK names anywhere: wrong-literal mutations draw from these too. */
const KNOWN_LITERALS = [...new Set([...Object.values(catalog.sdk.sets).flat(), ...Object.values(catalog.sdk.literals).flat().filter((v): v is string => typeof v === 'string')])];

type Mutator = (r: () => number, lines: string[]) => { lines: string[]; what: string } | undefined;

const KEYWORD = /\b([a-z_][a-z0-9_]*)=(?!=)/g;
const STRING = /"([^"\\\n]*)"/g;

function matchesIn(lines: string[], re: RegExp): Array<{ line: number; m: RegExpExecArray }> {
  const out: Array<{ line: number; m: RegExpExecArray }> = [];
  lines.forEach((l, line) => {
    if (/^\s*#/.test(l)) return;
    for (const m of l.matchAll(new RegExp(re.source, re.flags))) out.push({ line, m: m as RegExpExecArray });
  });
  return out;
}

const MUTATORS: Record<string, Mutator> = {
  'misspell-keyword': (r, lines) => {
    const hits = matchesIn(lines, KEYWORD);
    if (!hits.length) return undefined;
    const { line, m } = pick(r, hits);
    const l = lines[line]!;
    const out = [...lines];
    out[line] = l.slice(0, m.index) + misspell(r, m[1]!) + '=' + l.slice(m.index + m[0].length);
    return { lines: out, what: `line ${line + 1}: ${m[1]}= misspelt` };
  },
  'drop-keyword': (r, lines) => {
    const hits = matchesIn(lines, /,\s*([a-z_][a-z0-9_]*)=("[^"\n]*"|[A-Za-z0-9_.]+(\([^()\n]*\))?)/g);
    if (!hits.length) return undefined;
    const { line, m } = pick(r, hits);
    const out = [...lines];
    out[line] = lines[line]!.slice(0, m.index) + lines[line]!.slice(m.index + m[0].length);
    return { lines: out, what: `line ${line + 1}: ${m[1]}= dropped` };
  },
  'wrong-literal': (r, lines) => {
    const hits = matchesIn(lines, STRING).filter((h) => h.m[1]!.length > 0);
    if (!hits.length) return undefined;
    const { line, m } = pick(r, hits);
    const value = r() < 0.5 ? misspell(r, m[1]!) : r() < 0.5 ? pick(r, KNOWN_LITERALS) : '';
    const out = [...lines];
    out[line] = lines[line]!.slice(0, m.index) + JSON.stringify(value) + lines[line]!.slice(m.index + m[0].length);
    return { lines: out, what: `line ${line + 1}: "${m[1]}" -> ${JSON.stringify(value)}` };
  },
  'literal-to-known': (r, lines) => {
    const hits = matchesIn(lines, /\b(scope|mode|type|home|access|preset|radius|pricing_type|chart_type|format)=("[^"\n]*"|[A-Za-z_]+)/g);
    if (!hits.length) return undefined;
    const { line, m } = pick(r, hits);
    const value = r() < 0.3 ? misspell(r, pick(r, KNOWN_LITERALS)) : pick(r, KNOWN_LITERALS);
    const out = [...lines];
    out[line] = lines[line]!.slice(0, m.index) + `${m[1]}=${JSON.stringify(value)}` + lines[line]!.slice(m.index + m[0].length);
    return { lines: out, what: `line ${line + 1}: ${m[1]}=${JSON.stringify(value)}` };
  },
  'swap-arguments': (r, lines) => {
    const hits = matchesIn(lines, /\(("[^"\n]*"|[a-z_]+), ("[^"\n]*"|[a-z_]+)([,)])/g);
    if (!hits.length) return undefined;
    const { line, m } = pick(r, hits);
    const out = [...lines];
    out[line] = lines[line]!.slice(0, m.index) + `(${m[2]}, ${m[1]}${m[3]}` + lines[line]!.slice(m.index + m[0].length);
    return { lines: out, what: `line ${line + 1}: arguments swapped` };
  },
  'extra-positional': (r, lines) => {
    const hits = matchesIn(lines, /\(("[^"\n]*")([,)])/g);
    if (!hits.length) return undefined;
    const { line, m } = pick(r, hits);
    const out = [...lines];
    out[line] = lines[line]!.slice(0, m.index) + `(${m[1]}, "extra"${m[2]}` + lines[line]!.slice(m.index + m[0].length);
    return { lines: out, what: `line ${line + 1}: extra positional argument` };
  },
  'duplicate-statement': (r, lines) => {
    const hits = lines.map((l, i) => ({ l, i })).filter(({ l }) => /^[a-z_]+\.(setting|collection|add_page|add_onboarding|add_integration|page|onboarding)\(.*\)$/.test(l));
    if (!hits.length) return undefined;
    const { l, i } = pick(r, hits);
    const out = [...lines];
    out.splice(i + 1, 0, l.replace(/^[a-z_]+ = /, ''));
    return { lines: out, what: `line ${i + 1} repeated` };
  },
  'duplicate-decorated': (r, lines) => {
    const starts = lines.map((l, i) => ({ l, i })).filter(({ l }) => /^@[a-z_]+\.(page|onboarding|chat_page|data|message)\(/.test(l));
    if (!starts.length) return undefined;
    const { i } = pick(r, starts);
    let end = i + 1;
    while (end < lines.length && (lines[end]!.startsWith(' ') || lines[end]!.startsWith('def') || lines[end]!.startsWith('async def') || lines[end] === '')) {
      if (lines[end] === '' && !(lines[end + 1] ?? '').startsWith(' ')) break;
      end++;
    }
    const block = lines.slice(i, end).map((l) => l.replace(/^((async )?def [a-z_]+)\(/, '$1_again('));
    const out = [...lines.slice(0, end), '', ...block, ...lines.slice(end)];
    return { lines: out, what: `decorated block at line ${i + 1} repeated` };
  },
  'mixed-style': (r, lines) => {
    const app = lines.map((l) => /^([a-z_]+) = cpsl\.App\(/.exec(l)?.[1]).find(Boolean);
    if (!app) return undefined;
    const out = [...lines, '', `@${app}.cls(image=cpsl.Image())`, 'class Legacy:', '    pass', ''];
    return { lines: out, what: 'class-style app added' };
  },
  'drop-image': (_r, lines) => {
    const i = lines.findIndex((l) => /image=cpsl\.Image\([^()]*\),?\s*$/.test(l) || /image=cpsl\.Image\(\)/.test(l));
    if (i < 0) return undefined;
    const out = [...lines];
    // A keyword on a line of its own goes with its comma; one inside a line with the comma before it.
    if (/^\s*image=cpsl\.Image\([^()]*\),?\s*$/.test(lines[i]!)) out.splice(i, 1);
    else out[i] = lines[i]!.replace(/,?\s*image=cpsl\.Image\([^()]*\)/, '');
    return { lines: out, what: `line ${i + 1}: image= dropped` };
  },
  'page-returns-nothing': (r, lines) => {
    const hits = lines.map((l, i) => ({ l, i })).filter(({ l, i }) => /^\s+return ui\./.test(l) && /^@[a-z_]+\.(page|onboarding|chat_page|home_body)\(|^@wf\.ui\(/.test(lines[i - 2] ?? ''));
    if (!hits.length) return undefined;
    const { l, i } = pick(r, hits);
    const out = [...lines];
    out[i] = r() < 0.5 ? l.replace(/return .*/, 'pass') : l.replace(/return .*/, 'return "page"');
    return { lines: out, what: `line ${i + 1}: page function returns no widget` };
  },
  'reserved-route': (r, lines) => {
    const hits = lines.map((l, i) => ({ l, i })).filter(({ l }) => /^(@?[a-z_]+\.(page|add_page))\("[^"]*"/.test(l));
    if (!hits.length) return undefined;
    const { l, i } = pick(r, hits);
    const route = pick(r, [...(catalog.sdk.sets.reservedPageRoutes ?? []), '/', '#/', 'Chat', 'docs/', 'a b']);
    const out = [...lines];
    out[i] = /route=/.test(l) ? l.replace(/route="[^"]*"/, `route=${JSON.stringify(route)}`) : l.replace(/^(@?[a-z_]+\.(page|add_page)\("[^"]*")/, `$1, route=${JSON.stringify(route)}`);
    return { lines: out, what: `line ${i + 1}: route=${JSON.stringify(route)}` };
  },
  'page-name': (r, lines) => {
    const hits = lines.map((l, i) => ({ l, i })).filter(({ l }) => /^(@?[a-z_]+\.(page|add_page))\("[^"]*"/.test(l));
    if (!hits.length) return undefined;
    const { l, i } = pick(r, hits);
    const name = pick(r, ['Home', 'chat', 'API', 'Logs!', '   ', '???', 'Pipeline', 'Tickets', 'Board', 'Preferences', 'Files']);
    const out = [...lines];
    out[i] = l.replace(/^(@?[a-z_]+\.(page|add_page))\("[^"]*"/, `$1(${JSON.stringify(name)}`);
    return { lines: out, what: `line ${i + 1}: page named ${JSON.stringify(name)}` };
  },
  'widget-function-signature': (r, lines) => {
    const hits = lines.map((l, i) => ({ l, i })).filter(({ l, i }) => /^def [a-z_]+\(\):/.test(l) && /^@[a-z_]+\.(page|onboarding|chat_page|home_body|ui)\(/.test(lines[i - 1] ?? ''));
    if (!hits.length) return undefined;
    const { l, i } = pick(r, hits);
    const out = [...lines];
    const how = pick(r, ['async', 'param', 'default-param', 'varargs']);
    out[i] = how === 'async' ? `async ${l}` : how === 'param' ? l.replace('():', '(ctx):') : how === 'default-param' ? l.replace('():', '(ctx=None):') : l.replace('():', '(*args):');
    return { lines: out, what: `line ${i + 1}: page function ${how}` };
  },
  'setting-type': (r, lines) => {
    const hits = matchesIn(lines, /\btype=(str|int|bool|float)\b/g);
    if (!hits.length) return undefined;
    const { line, m } = pick(r, hits);
    const to = pick(r, ['list', 'dict', '"str"', 'None', 'bytes', 'int', 'bool']);
    const out = [...lines];
    out[line] = lines[line]!.slice(0, m.index) + `type=${to}` + lines[line]!.slice(m.index + m[0].length);
    return { lines: out, what: `line ${line + 1}: type=${to}` };
  },
  'negate-number': (r, lines) => {
    const hits = matchesIn(lines, /\b([a-z_]+)=([0-9]+(\.[0-9]+)?)\b/g);
    if (!hits.length) return undefined;
    const { line, m } = pick(r, hits);
    const to = pick(r, [`-${m[2]}`, '0', '-1']);
    const out = [...lines];
    out[line] = lines[line]!.slice(0, m.index) + `${m[1]}=${to}` + lines[line]!.slice(m.index + m[0].length);
    return { lines: out, what: `line ${line + 1}: ${m[1]}=${to}` };
  },
  'widget-argument': (r, lines) => {
    const hits = matchesIn(lines, /(ui\.[A-Za-z]+|cpsl\.Suggestion)\(/g);
    if (!hits.length) return undefined;
    const { line, m } = pick(r, hits);
    const add = pick(r, ['prompt="x", ', 'page="Pipeline", ', 'input={"a": 1}, ', 'payload={"a": 1}, ', 'height=0, ', 'mount="data", ', 'path="x", ', 'scope="team", ', 'import_url="/x", ', 'action="nowhere", ', 'label="", ']);
    const out = [...lines];
    const l = lines[line]!;
    const at = m.index + m[0].length;
    // Keyword arguments go after the positional ones: in front of the closing parenthesis.
    let depth = 1;
    let end = at;
    while (end < l.length && depth > 0) {
      if (l[end] === '(' || l[end] === '[' || l[end] === '{') depth++;
      if (l[end] === ')' || l[end] === ']' || l[end] === '}') depth--;
      end++;
    }
    if (depth !== 0) return undefined;
    const inner = l.slice(at, end - 1).trim();
    const kw = add.slice(0, -2);
    out[line] = l.slice(0, at) + (inner ? `${l.slice(at, end - 1)}, ${kw}` : kw) + l.slice(end - 1);
    return { lines: out, what: `line ${line + 1}: ${m[1]}(..., ${kw})` };
  },
  'drop-chat-panel': (_r, lines) => {
    const i = lines.findIndex((l) => /ui\.ChatPanel\([^()]*\)/.test(l));
    if (i < 0) return undefined;
    const out = [...lines];
    out[i] = lines[i]!.replace(/,?\s*ui\.ChatPanel\([^()]*\)/, '');
    return { lines: out, what: `line ${i + 1}: ChatPanel removed` };
  },
};

/** `count` definitions, deterministic for a seed: each base mutated once or twice. */
export function generate(count: number, seed: number): Definition[] {
  const r = rng(seed);
  const bs = bases();
  const names = Object.keys(MUTATORS);
  const out: Definition[] = [];
  let guard = 0;
  while (out.length < count && guard++ < count * 20) {
    const base = pick(r, bs);
    let lines = base.source.split('\n');
    const whats: string[] = [];
    const steps = r() < 0.8 ? 1 : 2;
    for (let s = 0; s < steps; s++) {
      const name = pick(r, names);
      const m = MUTATORS[name]!(r, lines);
      if (!m) continue;
      lines = m.lines;
      whats.push(`${name} (${m.what})`);
    }
    if (!whats.length) continue;
    out.push({ id: String(out.length), base: base.name, mutation: whats.join(' + '), source: lines.join('\n') });
  }
  return out;
}

/** Imports every definition with the real SDK in one Python process. */
export function importWithSdk(defs: Definition[]): Promise<Map<string, SdkOutcome>> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(root, '.venv', 'bin', 'python'), [join(root, 'scripts', 'sdk-import-check.py')], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
    const out = new Map<string, SdkOutcome>();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const o = JSON.parse(line) as SdkOutcome;
      out.set(o.id, o);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0 || out.size !== defs.length) reject(new Error(`sdk-import-check.py exited ${code} after ${out.size}/${defs.length} definitions:\n${stderr.slice(-2000)}`));
      else resolve(out);
    });
    for (const d of defs) child.stdin.write(JSON.stringify({ id: d.id, source: d.source }) + '\n');
    child.stdin.end();
  });
}

const STATE = buildLocalState({ storeSecrets: [], storeChannels: [] });

/** The analysis' verdict on one definition against the SDK's. */
export function judge(def: Definition, sdk: SdkOutcome): Verdict {
  const { diagnostics } = analyzeWorkspace([{ path: 'app.py', text: def.source }], STATE);
  const allErrors = diagnostics.filter((d) => d.severity === 'error');
  const errors = allErrors.filter((d) => !POLICY_ERRORS.has(d.code));
  const policy = allErrors.filter((d) => POLICY_ERRORS.has(d.code));
  if (sdk.ok) {
    return errors.length
      ? { def, sdk, errors, policy, agree: false, why: `the SDK imports it, the analysis reports ${errors.map((e) => `${e.code} on line ${e.range.start.line + 1}`).join(', ')}` }
      : { def, sdk, errors, policy, agree: true };
  }
  const line = sdk.line ? sdk.line - 1 : undefined;
  // CPython names the line a call starts on; the diagnostic sits on the argument at fault, which
  // may be a later line of the same call.
  const last = line === undefined ? undefined : callEnd(def.source, line);
  const hit = errors.find((e) => line !== undefined && ((e.range.start.line <= line && line <= e.range.end.line) || (e.range.start.line >= line && e.range.start.line <= last!)));
  if (hit) return { def, sdk, errors, policy, agree: true };
  return {
    def,
    sdk,
    errors,
    policy,
    agree: false,
    why: `the SDK raises ${sdk.exception} on line ${sdk.line ?? '?'} (${(sdk.message ?? '').slice(0, 160)}); the analysis reports ${errors.length ? errors.map((e) => `${e.code} on line ${e.range.start.line + 1}`).join(', ') : 'no error'}`,
  };
}

/** The last line of the calls and decorators that start on `line` (0-based). */
function callEnd(source: string, line: number): number {
  const { tree } = parsePython(source);
  const index = new LineIndex(source);
  let end = line;
  tree.iterate({
    enter: (n) => {
      if (n.name !== 'CallExpression' && n.name !== 'Decorator') return;
      if (index.positionAt(n.from).line === line) end = Math.max(end, index.positionAt(n.to).line);
    },
  });
  return end;
}

export interface Report {
  total: number;
  raised: number;
  raisedAgree: number;
  clean: number;
  cleanAgree: number;
  syntax: number;
  policyOnly: number;
  disagreements: Verdict[];
  byException: Record<string, number>;
}

/** Runs the harness on `defs`. SyntaxErrors of a mutation are counted apart (no SDK rule). */
export async function runAgreement(defs: Definition[]): Promise<Report> {
  const sdk = await importWithSdk(defs);
  const report: Report = { total: defs.length, raised: 0, raisedAgree: 0, clean: 0, cleanAgree: 0, syntax: 0, policyOnly: 0, disagreements: [], byException: {} };
  for (const def of defs) {
    const o = sdk.get(def.id)!;
    if (!o.ok && o.exception === 'SyntaxError') {
      report.syntax++;
      continue;
    }
    const v = judge(def, o);
    if (o.ok) {
      report.clean++;
      if (v.agree) report.cleanAgree++;
      if (v.policy.length) report.policyOnly++;
    } else {
      report.raised++;
      report.byException[o.exception!] = (report.byException[o.exception!] ?? 0) + 1;
      if (v.agree) report.raisedAgree++;
    }
    if (!v.agree) report.disagreements.push(v);
  }
  return report;
}

export function formatReport(r: Report, limit = 20): string {
  const pct = (a: number, b: number) => (b ? ((100 * a) / b).toFixed(1) : '100.0');
  const lines = [
    `definitions: ${r.total} (${r.raised} the SDK rejects at import, ${r.clean} it imports, ${r.syntax} mutations that are not valid Python, left out)`,
    `SDK import errors reported as an error on the right line: ${r.raisedAgree}/${r.raised} (${pct(r.raisedAgree, r.raised)}%)`,
    `definitions the SDK imports with no error diagnostic: ${r.cleanAgree}/${r.clean} (${pct(r.cleanAgree, r.clean)}%)`,
    `  of those, with an error only by contract (${[...POLICY_ERRORS].join(', ')}): ${r.policyOnly}`,
    `SDK exceptions: ${Object.entries(r.byException).map(([k, v]) => `${k} ${v}`).join(', ')}`,
  ];
  for (const d of r.disagreements.slice(0, limit)) lines.push(`  DISAGREE #${d.def.id} ${d.def.base} ${d.def.mutation}: ${d.why}`);
  if (r.disagreements.length > limit) lines.push(`  ... ${r.disagreements.length - limit} more`);
  return lines.join('\n');
}
