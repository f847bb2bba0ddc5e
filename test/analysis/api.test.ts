// The analysis API the language server builds on: caching and incremental parsing, positions in
// UTF-16 units, string literals, `.env` names, the model of a multi-file app.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AnalysisCache,
  DIAGNOSTIC_CODES,
  diagnosticAnchor,
  LineIndex,
  analyzeWorkspace,
  buildLocalState,
  cpslScopeOf,
  decodeLiteralToken,
  offsetToPosition,
  parseDotenv,
  parsePython,
  positionToOffset,
  summarizeFile,
  syntaxTree,
  unknownLocalState,
} from '../../server/analysis/index';

const empty = () => buildLocalState({ storeSecrets: [], storeChannels: [] });

const APP = `import cpsl

app = cpsl.App("demo", image=cpsl.Image(), secrets=["KEY"])
app.add_integration("gmail", client_id=cpsl.Secret.from_name("ID"), client_secret=cpsl.Secret.from_name("SECRET"))
`;
const HANDLERS = `from app import app


@app.message()
async def handle(session, msg):
    await session.prompt_integration("gmail")
`;

test('an unchanged file is not summarised again; an edited one is, and only that one', () => {
  const cache = new AnalysisCache();
  const files = [
    { path: 'app.py', text: APP },
    { path: 'handlers.py', text: HANDLERS },
  ];
  analyzeWorkspace(files, empty(), cache);
  const appSummary = cache.peek('app.py');
  const handlersSummary = cache.peek('handlers.py');
  assert.ok(appSummary && handlersSummary);
  const edited = HANDLERS.replace('"gmail"', '"github"');
  const result = analyzeWorkspace([files[0]!, { path: 'handlers.py', text: edited }], empty(), cache);
  assert.equal(cache.peek('app.py'), appSummary, 'app.py summary reused');
  assert.notEqual(cache.peek('handlers.py'), handlersSummary, 'handlers.py summarised again');
  assert.deepEqual(
    result.diagnostics.filter((d) => d.code === 'capsule/undeclared-integration').map((d) => [d.path, d.range.start.line]),
    [['handlers.py', 5]],
  );
  // Files that left the workspace leave the cache.
  analyzeWorkspace([files[0]!], empty(), cache);
  assert.equal(cache.size, 1);
});

test('an incremental re-parse gives the same tree as a fresh parse', () => {
  let parsed = parsePython(APP);
  const texts = [
    APP.replace('"demo"', '"demo-2"'),
    APP + '\n@app.message()\nasync def h(session, msg):\n    await session.reply("x")\n',
    APP.slice(0, 40) + APP.slice(60),
    'x = (\n' + APP,
  ];
  for (const text of texts) {
    parsed = parsePython(text, parsed);
    assert.equal(parsed.tree.toString(), syntaxTree(text).toString());
  }
});

test('the model links handlers, uses and declarations across files', () => {
  const { model, diagnostics } = analyzeWorkspace(
    [
      { path: 'pkg/app.py', text: APP },
      { path: 'pkg/handlers.py', text: HANDLERS.replace('from app import app', 'from .app import app') },
    ],
    buildLocalState({ storeSecrets: ['KEY', 'ID', 'SECRET'], storeChannels: [] }),
  );
  assert.deepEqual(diagnostics, []);
  assert.equal(model.apps.length, 1);
  assert.equal(model.apps[0]!.name, 'demo');
  assert.deepEqual(model.apps[0]!.secrets, ['KEY']);
  assert.deepEqual(model.handlers.map((h) => [h.app, h.decorator, h.name, h.location.path]), [['app', 'message', 'handle', 'pkg/handlers.py']]);
  assert.deepEqual(model.integrations.map((i) => [i.app, i.type, i.mode]), [['app', 'gmail', 'oauth']]);
  assert.deepEqual(model.uses.map((u) => [u.type, u.kind, u.location.path]), [['gmail', 'prompt', 'pkg/handlers.py']]);
  assert.deepEqual(model.secrets.map((s) => [s.name, s.kind]).sort(), [['ID', 'integration-client'], ['KEY', 'app-secrets'], ['SECRET', 'integration-client']]);
});

test('an unknown local state silences every state-dependent diagnostic', () => {
  const text = 'import cpsl\napp = cpsl.App("x", image=cpsl.Image(), channels=[cpsl.Channel("c")], secrets=["A"])\n';
  assert.deepEqual(analyzeWorkspace([{ path: 'a.py', text }], unknownLocalState()).diagnostics, []);
  const known = analyzeWorkspace([{ path: 'a.py', text }], empty()).diagnostics.map((d) => d.code).sort();
  assert.deepEqual(known, ['capsule/missing-secret', 'capsule/unknown-channel']);
});

test('positions count UTF-16 code units, as LSP does', () => {
  const text = 'a = "😀é"\nb = 1\r\nc = 2';
  const index = new LineIndex(text);
  const offsetOfB = text.indexOf('b');
  assert.deepEqual(index.positionAt(text.indexOf('"', 5)), { line: 0, character: 8 });
  assert.deepEqual(index.positionAt(offsetOfB), { line: 1, character: 0 });
  assert.equal(index.offsetAt({ line: 1, character: 0 }), offsetOfB);
  assert.equal(index.offsetAt({ line: 1, character: 99 }), text.indexOf('\r'));
  assert.equal(index.offsetAt({ line: 9, character: 0 }), text.length);
  assert.deepEqual(offsetToPosition(text, text.length), { line: 2, character: 5 });
  assert.equal(positionToOffset(text, { line: 2, character: 4 }), text.length - 1);
});

test('diagnostic ranges after non-ASCII text are in UTF-16 units', () => {
  const text = 'import cpsl\n# 😀😀\napp = cpsl.App("😀", image=cpsl.Image(), channels=[cpsl.Chat()])\n';
  const [d] = analyzeWorkspace([{ path: 'a.py', text }], empty()).diagnostics;
  assert.equal(d!.code, 'capsule/redundant-chat');
  const line = text.split('\n')[2]!;
  assert.equal(line.slice(d!.range.start.character, d!.range.end.character), 'cpsl.Chat()');
});

test('string literals decode like Python', () => {
  assert.deepEqual(decodeLiteralToken(`"a\\tb"`)?.value, 'a\tb');
  assert.deepEqual(decodeLiteralToken(`r"a\\tb"`)?.value, 'a\\tb');
  assert.deepEqual(decodeLiteralToken(`'''x\ny'''`)?.value, 'x\ny');
  assert.deepEqual(decodeLiteralToken(`"\\x41\\u00e9"`)?.value, 'Aé');
  assert.equal(decodeLiteralToken(`b"x"`)?.bytes, true);
  const partial = decodeLiteralToken(`"unterminated`);
  assert.deepEqual([partial?.value, partial?.terminated], ['unterminated', false]);
});

test('.env names and their lines, values never returned', () => {
  const text = [
    '# comment',
    'A=1',
    'export B="two',
    'C=inside the quoted value"',
    "  D = 'x' # trailing",
    'not a line',
    'A=again',
    'E: yaml-style',
  ].join('\n');
  const names = parseDotenv(text);
  assert.deepEqual(
    names.map((n) => [n.name, n.range.start.line, n.range.start.character]),
    [['A', 6, 0], ['B', 2, 7], ['D', 4, 2], ['E', 7, 0]],
  );
  assert.ok(!JSON.stringify(names).includes('two'));
  const state = buildLocalState({ storeSecrets: ['S'], storeChannels: [], dotenv: { path: '.env', text } });
  assert.equal(state.secrets.names.get('B')?.source, 'env-file');
  assert.equal(state.secrets.names.get('S')?.source, 'store');
  assert.equal(state.secrets.complete, true);
  assert.equal(buildLocalState({ storeSecrets: [], storeChannels: [], dotenv: { path: '.env', text: undefined } }).secrets.complete, false);
});

test('cpsl aliases of a file for completion and hover', () => {
  const text = 'import cpsl as c\nfrom cpsl import Secret as S, App\n';
  const scope = cpslScopeOf(text, syntaxTree(text));
  assert.deepEqual(scope.cpslPath(['c', 'Integration', 'GMAIL']), ['Integration', 'GMAIL']);
  assert.deepEqual(scope.cpslPath(['S', 'from_name']), ['Secret', 'from_name']);
  assert.equal(scope.cpslPath(['cpsl', 'App']), undefined);
});

test('a summary is a pure function of path and text', () => {
  const a = summarizeFile('x.py', APP, syntaxTree(APP));
  const b = summarizeFile('x.py', APP, syntaxTree(APP));
  assert.deepEqual(a, b);
  assert.equal(a.importsCpsl, true);
  assert.deepEqual(a.apps.map((x) => x.variable), ['app']);
});

test('every diagnostic code has its own section in docs/diagnostics.md', () => {
  const doc = readFileSync(join(__dirname, '..', '..', 'docs', 'diagnostics.md'), 'utf8');
  const headings = [...doc.matchAll(/^## (capsule\/[a-z-]+)$/gm)].map((m) => m[1]);
  assert.deepEqual([...headings].sort(), Object.keys(DIAGNOSTIC_CODES).sort());
  for (const code of Object.keys(DIAGNOSTIC_CODES)) assert.ok(doc.includes(`(#${diagnosticAnchor(code)})`), `table links to ${code}`);
});

test('thousands of unclosed f-strings then nested blocks: the tree is readable and the file is analysed', () => {
  // Past lezer's nesting cut-off the tree held nodes of no type; every reader threw.
  const text = `import cpsl\napp = cpsl.App("deep", image=cpsl.Image())\nx = ${'f"{'.repeat(2200)}\n${Array.from({ length: 60 }, (_, i) => `${' '.repeat(i * 4)}if x:\n`).join('')}`;
  const tree = syntaxTree(text);
  let nodes = 0;
  tree.iterate({ enter: (n) => void (n.type.name && nodes++) });
  assert.ok(nodes > 2200);
  const cache = new AnalysisCache();
  const { diagnostics } = analyzeWorkspace([{ path: 'deep.py', text }], empty(), cache);
  assert.ok(!diagnostics.some((d) => d.code === 'capsule/analysis-failed'), diagnostics.map((d) => d.message).join('\n'));
  assert.equal(cache.peek('deep.py')?.apps[0]?.name, 'deep');
  // Edited (incremental parse reusing the deep tree) and still readable.
  const edited = text.replace('if x:', 'if y:');
  analyzeWorkspace([{ path: 'deep.py', text: edited }], empty(), cache);
  cache.tree('deep.py', edited).iterate({ enter: (n) => void n.type.name });
});

/** Runs `fn` with little of the stack left, as when called from deep inside a busy server. */
function withStackLeft<T>(frames: number, fn: () => T): T {
  let limit = 0;
  const probe = (): void => {
    limit++;
    probe();
  };
  try {
    probe();
  } catch {
    // RangeError: the stack's depth in frames of `probe`.
  }
  let result: T | undefined;
  const descend = (d: number): void => {
    if (d <= 0) result = fn();
    else descend(d - 1);
  };
  descend(limit - frames);
  return result!;
}

test('text nested deeper than the parser stack allows: one syntax error there, the lines above still checked', () => {
  const text = `import cpsl\n\napp = cpsl.App("deep", image=cpsl.Image(), channels=[cpsl.Chat()])\nx = ${'not '.repeat(3000)}y\nz = 1\n`;
  const { diagnostics } = withStackLeft(4000, () => analyzeWorkspace([{ path: 'deep.py', text }], empty()));
  assert.deepEqual(diagnostics.map((d) => [d.code, d.range.start.line]), [['capsule/redundant-chat', 2], ['capsule/syntax-error', 3]]);
  assert.match(diagnostics[1]!.message, /too deeply nested/);
  // With the whole stack the same text parses (lezer flattens past its depth cut-off).
  assert.ok(!analyzeWorkspace([{ path: 'deep.py', text }], empty()).diagnostics.some((d) => d.code === 'capsule/analysis-failed'));
});

test('a file the analysis fails on gets one analysis-failed note and the others are still checked', () => {
  // A caller handing over something that is not text makes the real parser throw.
  const broken = { path: 'broken.py', text: undefined as unknown as string };
  const { diagnostics } = analyzeWorkspace([broken, { path: 'app.py', text: APP }, { path: 'handlers.py', text: HANDLERS.replace('"gmail"', '"github"') }], empty());
  const failed = diagnostics.filter((d) => d.code === 'capsule/analysis-failed');
  assert.deepEqual(failed.map((d) => [d.path, d.severity]), [['broken.py', 'information']]);
  assert.match(failed[0]!.message, /could not analyse this file \(TypeError: .+\)/);
  assert.ok(diagnostics.some((d) => d.path === 'handlers.py' && d.code === 'capsule/undeclared-integration'), 'the other files are checked');
});

test('partial text while typing never throws and ranges stay inside the text', () => {
  const sources = ['legacy-bot', 'repo-analyst', 'support-ops'].map((e) => readFileSync(join(__dirname, '..', '..', 'examples', e, 'app.py'), 'utf8'));
  const cache = new AnalysisCache();
  const state = empty();
  for (const src of sources) {
    // Every prefix (as when typing the file top to bottom) and every single-line deletion.
    const variants: string[] = [];
    for (let n = 0; n <= src.length; n += 3) variants.push(src.slice(0, n));
    const lines = src.split('\n');
    for (let i = 0; i < lines.length; i++) variants.push([...lines.slice(0, i), ...lines.slice(i + 1)].join('\n'));
    for (const text of variants) {
      const { diagnostics } = analyzeWorkspace([{ path: 'app.py', text }], state, cache);
      const index = new LineIndex(text);
      for (const d of diagnostics) {
        const from = index.offsetAt(d.range.start);
        const to = index.offsetAt(d.range.end);
        assert.ok(from < to && to <= text.length, `${d.code} range inside the text`);
        assert.deepEqual(index.positionAt(from), d.range.start);
      }
    }
  }
});

test('quick-fix data: names and source ranges, never credential values', () => {
  const text = [
    'import os',
    'import cpsl',
    'app = cpsl.App("bot", image=cpsl.Image(), secrets=["A"], channels=[cpsl.Slack(bot_token="xoxb-2048-1234567890-AbCdEfGhIjKl", signing_secret=cpsl.Secret.from_name("SLACK_SIGNING"))])',
    'app.add_integration("aws", client_id=X)',
    'app.add_integration("gmail", client_id=cpsl.Secret.from_name("GID"), client_secret=cpsl.Secret.from_name("GSECRET"))',
    'b = os.environ["B"]',
    '@app.message()',
    'async def h(session, msg):',
    '    await session.prompt_integration("github")',
  ].join('\n');
  const { diagnostics } = analyzeWorkspace([{ path: 'a.py', text }], buildLocalState({ storeSecrets: ['B', 'GID', 'GSECRET', 'SLACK_SIGNING'], storeChannels: [] }));
  const by = (code: string) => diagnostics.find((d) => d.code === code)!;
  const index = new LineIndex(text);
  const slice = (r: { start: { line: number; character: number }; end: { line: number; character: number } }) => text.slice(index.offsetAt(r.start), index.offsetAt(r.end));

  const channel = by('capsule/deprecated-channel').data as { channelType: string; callRange: never; credentials: Record<string, { secret?: string; range: never; literal: boolean }> };
  assert.equal(channel.channelType, 'slack');
  assert.ok(slice(channel.callRange).startsWith('cpsl.Slack('));
  assert.equal(channel.credentials.signing_secret!.secret, 'SLACK_SIGNING');
  assert.equal(channel.credentials.bot_token!.literal, true);
  const hard = by('capsule/hardcoded-credential');
  assert.equal((hard.data as { secret: string }).secret, 'SLACK_BOT_TOKEN');
  for (const d of diagnostics) assert.ok(!d.message.includes('xoxb-') && !JSON.stringify(d.data).includes('xoxb-'), `${d.code} leaks the token`);

  const client = by('capsule/secret-integration-client').data as { options: Array<{ name: string; range: never }> };
  assert.deepEqual(client.options.map((o) => slice(o.range)), ['client_id=X']);
  assert.equal((by('capsule/missing-secret').data as { secret: string }).secret, 'A');
  const undeclared = by('capsule/undeclared-secret').data as { secret: string; secretsRange: never };
  assert.equal(undeclared.secret, 'B');
  assert.equal(slice(undeclared.secretsRange), '["A"]');
  const use = by('capsule/undeclared-integration').data as { type: string; declareAfter: { path: string; range: never } };
  assert.equal(use.type, 'github');
  assert.ok(slice(use.declareAfter.range).startsWith('app.add_integration("gmail"'));
});

test('with nothing changed the previous result is returned; a new state object links again', () => {
  const cache = new AnalysisCache();
  const files = [{ path: 'app.py', text: APP }];
  const state = empty();
  const first = analyzeWorkspace(files, state, cache);
  assert.equal(analyzeWorkspace([{ path: 'app.py', text: APP }], state, cache), first);
  const withSecrets = buildLocalState({ storeSecrets: ['KEY', 'ID', 'SECRET'], storeChannels: [] });
  const second = analyzeWorkspace(files, withSecrets, cache);
  assert.notEqual(second, first);
  assert.equal(first.diagnostics.filter((d) => d.code === 'capsule/missing-secret').length, 3);
  assert.deepEqual(second.diagnostics, []);
});
