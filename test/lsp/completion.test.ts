// Data-driven completion tests. Each fixture in fixtures/completion/ is a Python file with a `<|>`
// cursor and header comments saying what completion must offer there:
//   # state: {"secrets": [...], "env": ".env text", "channels": [{"name", "type"}]}
//   # includes: a, b      labels that must be offered
//   # excludes: c         labels that must not be offered
//   # first: a            the label ranked first
//   # detail: a = text    the detail of an item
//   # deprecated: a, b    items tagged deprecated
//   # apply: a            apply that item's edit...
//   # line: text          ...and the cursor line must then read exactly this
//   # empty: true         nothing at all is offered
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CompletionItem } from 'vscode-languageserver-types';
import { withLanguageServer } from '../support/lsp';
import { applyCompletion } from './client';

const dir = join(__dirname, 'fixtures', 'completion');

interface Spec {
  state?: { secrets?: string[]; env?: string; channels?: Array<{ name: string; type: string }> };
  includes: string[];
  excludes: string[];
  first?: string;
  details: Array<[string, string]>;
  deprecated: string[];
  apply?: string;
  line?: string;
  empty: boolean;
}

function parse(text: string): Spec {
  const spec: Spec = { includes: [], excludes: [], details: [], deprecated: [], empty: false };
  const list = (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean);
  for (const line of text.split('\n')) {
    const m = /^# (\w+): (.*)$/.exec(line);
    if (!m) continue;
    const [, key, value] = m as unknown as [string, string, string];
    if (key === 'state') spec.state = JSON.parse(value);
    else if (key === 'includes') spec.includes.push(...list(value));
    else if (key === 'excludes') spec.excludes.push(...list(value));
    else if (key === 'first') spec.first = value.trim();
    else if (key === 'detail') {
      const [label, detail] = value.split(' = ');
      spec.details.push([label!.trim(), detail!.trim()]);
    } else if (key === 'deprecated') spec.deprecated.push(...list(value));
    else if (key === 'apply') spec.apply = value.trim();
    else if (key === 'line') spec.line = value;
    else if (key === 'empty') spec.empty = value.trim() === 'true';
  }
  return spec;
}

function sorted(items: CompletionItem[]): CompletionItem[] {
  return [...items].sort((a, b) => (a.sortText ?? a.label).localeCompare(b.sortText ?? b.label));
}

for (const name of readdirSync(dir).filter((f) => f.endsWith('.py')).sort()) {
  test(`completion: ${name}`, async () => {
    const marked = readFileSync(join(dir, name), 'utf8');
    const spec = parse(marked);
    const offset = marked.indexOf('<|>');
    assert.ok(offset >= 0, 'fixture has a <|> cursor');
    const text = marked.slice(0, offset) + marked.slice(offset + 3);
    const lines = text.slice(0, offset).split('\n');
    const position = { line: lines.length - 1, character: lines[lines.length - 1]!.length };
    const files = { 'app.py': text, ...(spec.state?.env ? { '.env': spec.state.env } : {}) };
    const secrets = Object.fromEntries((spec.state?.secrets ?? []).map((s) => [s, 'value-not-used']));
    const channels = (spec.state?.channels ?? []).map((c) => ({ ...c, credentials: (c.type === 'telegram' ? { bot_token: '1:x' } : {}) as Record<string, string> }));
    await withLanguageServer({ files, secrets, channels }, async (ws, client) => {
      const uri = ws.fileUri('app.py');
      await client.open(uri, text);
      await client.waitDiagnostics(uri);
      const list = await client.completion(uri, position);
      const items = sorted(list.items);
      const labels = items.map((i) => i.label);
      if (spec.empty) assert.deepEqual(labels, []);
      for (const l of spec.includes) assert.ok(labels.includes(l), `${l} offered (got ${labels.slice(0, 30).join(', ')})`);
      for (const l of spec.excludes) assert.ok(!labels.includes(l), `${l} not offered`);
      if (spec.first) assert.equal(labels[0], spec.first);
      for (const [label, detail] of spec.details) assert.equal(items.find((i) => i.label === label)?.detail, detail, `detail of ${label}`);
      for (const label of spec.deprecated) assert.deepEqual(items.find((i) => i.label === label)?.tags, [1], `${label} tagged deprecated`);
      if (spec.apply) {
        const item = items.find((i) => i.label === spec.apply);
        assert.ok(item, `${spec.apply} offered`);
        const result = applyCompletion(text, item);
        assert.equal(result.split('\n')[position.line], spec.line, 'line after applying the completion');
      }
      assert.ok(!JSON.stringify(list).includes('value-not-used'), 'completions never carry secret values');
    });
  });
}
