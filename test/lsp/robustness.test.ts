// The features are called at every position of real apps and of the same apps cut off mid-way
// (what an editor sees while typing): none may throw, and no answer may carry a secret value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { AnalysisCache, analyzeWorkspace, buildLocalState, cpslScopeOf, LineIndex } from '../../server/analysis/index';
import type { FileInput, Providers } from '../../server/features/input';
import { complete } from '../../server/features/completion';
import { hover } from '../../server/features/hover';
import { definition, references } from '../../server/features/navigation';
import { codeLenses, documentSymbols } from '../../server/features/symbols';
import { codeActions } from '../../server/features/code-actions';
import { toLspDiagnostic } from '../../server/features/diagnostics';

const examples = join(__dirname, '..', '..', 'examples');
const apps = readdirSync(examples)
  .map((d) => join(examples, d, 'app.py'))
  .filter((p) => existsSync(p));

const state = buildLocalState({
  storeSecrets: ['OPENAI_API_KEY', 'GITHUB_CLIENT_ID'],
  storeChannels: [{ name: 'support-telegram', type: 'telegram' }],
  dotenv: { path: '.env', text: 'SLACK_BOT_TOKEN=never-shown-value\n' },
});

function inputOf(cache: AnalysisCache, text: string): FileInput {
  const entry = cache.file('app.py', text);
  return { path: 'app.py', uri: 'file:///w/app.py', text, tree: entry.parsed.tree, summary: entry.summary, index: new LineIndex(text), scope: cpslScopeOf(text, entry.parsed.tree) };
}

test('features answer at every position of the example apps, whole and cut off', () => {
  assert.ok(apps.length > 0, 'examples exist');
  let calls = 0;
  for (const file of apps) {
    const full = readFileSync(file, 'utf8');
    for (const cut of [full.length, Math.floor(full.length * 0.37), Math.floor(full.length * 0.71)]) {
      const text = full.slice(0, cut);
      const cache = new AnalysisCache();
      const analysis = analyzeWorkspace([{ path: 'app.py', text }], state, cache);
      const input = inputOf(cache, text);
      const providers: Providers = { state, model: analysis.model, uriOf: (p) => `file:///w/${p}`, folderUri: 'file:///w', inputOf: () => input };
      const fixable = analysis.diagnostics.map((d) => ({ code: d.code, range: d.range, data: d.data ?? {}, lsp: toLspDiagnostic(d, providers.uriOf) }));
      const answers = [JSON.stringify(codeActions(input, providers, fixable)), JSON.stringify(documentSymbols(input, analysis.model)), JSON.stringify(codeLenses(input, analysis.model, providers.uriOf))];
      for (let offset = 0; offset <= text.length; offset += 3) {
        answers.push(JSON.stringify(complete(input, providers, offset)));
        answers.push(JSON.stringify(hover(input, providers, offset)));
        answers.push(JSON.stringify(definition(input, providers, offset)));
        answers.push(JSON.stringify(references(input, providers, offset, true)));
        calls += 4;
      }
      assert.ok(!answers.some((a) => a.includes('never-shown-value')), 'no answer carries a secret value');
    }
  }
  assert.ok(calls > 1000);
});
