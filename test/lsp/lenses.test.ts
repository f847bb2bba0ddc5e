// Data-driven "Open page" lens tests, through a real client over stdio. Each fixtures/lenses/NAME.py
// marks the line of every lens it must get with a trailing comment:
//   # lens: APP page NAME       @APP.page("NAME")
//   # lens: APP home            @APP.home_body()
//   # lens: APP chat            @APP.chat_page(...)
//   # lens: APP onboarding      @APP.onboarding(...)
//   # lens: APP workflow NAME   a workflow's @wf.ui() (the workflow APP.workflow("NAME"))
// Lines without one, and files without one, get no "Open page" lens. The lens's command carries
// the document's uri, the App's variable and the surface (the client asks the running app where
// that surface is served).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { withLanguageServer } from '../support/lsp';

const dir = join(__dirname, 'fixtures', 'lenses');

interface Lens {
  range: { start: { line: number; character: number }; end: { line: number } };
  command: { title: string; command: string; arguments: unknown[] };
}

/** `# lens:` comments: [line (0-based), app variable, surface]. */
function wanted(text: string): Array<[number, string, Record<string, string>]> {
  return text.split('\n').flatMap((line, i) => {
    const m = /#\s*lens:\s*(\w+)\s+(page|home|chat|onboarding|workflow)(?:\s+(.+?))?\s*$/.exec(line);
    if (!m) return [];
    const surface: Record<string, string> = { kind: m[2]! };
    if (m[3]) surface.name = m[3];
    return [[i, m[1]!, surface] as [number, string, Record<string, string>]];
  });
}

for (const name of readdirSync(dir).filter((f) => f.endsWith('.py')).sort()) {
  test(`open-page lenses: ${name}`, async () => {
    const text = readFileSync(join(dir, name), 'utf8');
    await withLanguageServer({ files: { 'app.py': text }, secrets: {} }, async (ws, client) => {
      const uri = ws.fileUri('app.py');
      await client.open(uri, text);
      await client.waitDiagnostics(uri);
      const lenses = (await client.conn.sendRequest('textDocument/codeLens', { textDocument: { uri } })) as Lens[];
      const pages = lenses.filter((l) => l.command.command === 'capsule.openAppPage');
      const got = pages.map((l) => [l.range.start.line, ...(l.command.arguments as [string, string, Record<string, string>])]);
      const want = wanted(text).map(([line, app, surface]) => [line, uri, app, surface]);
      assert.deepEqual(got, want, `lenses of ${name}: ${JSON.stringify(pages.map((l) => [l.range.start.line + 1, l.command.arguments.slice(1)]))}`);
      for (const l of pages) {
        assert.equal(l.command.title, 'Open page');
        // On the decorator, or the add_page/add_onboarding call, itself: the lens sits above that line.
        const line = text.split('\n')[l.range.start.line]!;
        assert.match(line.slice(l.range.start.character), /^(@|\w+\.add_(page|onboarding)\()/, `the lens range starts at the decorator or the call: ${line}`);
      }
      if (!wanted(text).length && !/App\(/.test(text)) assert.deepEqual(lenses, [], 'a file without an App has no lens at all');
    });
  });
}
