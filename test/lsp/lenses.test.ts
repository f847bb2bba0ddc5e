// Data-driven "Open page" lens tests, through a real client over stdio. Each fixtures/lenses/NAME.py
// marks the line of every lens it must get with a trailing comment:
//   # lens: APP page NAME       @APP.page("NAME")
//   # lens: APP home            @APP.home_body()
//   # lens: APP chat            @APP.chat_page(...)
//   # lens: APP onboarding      @APP.onboarding(...)
//   # lens: APP workflow NAME   a workflow's @wf.ui() (the workflow APP.workflow("NAME"))
// Lines without one, and files without one, get no "Open page" lens. The lens's command carries
// the uri of the file declaring the App, the App's variable and the surface (the client asks the
// running app where that surface is served). A fixture is one file (NAME.py, the workspace's
// app.py) or a folder of files (NAME/, each at its path there: pages on an App another file
// declares), every file of it checked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
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

/** The workspace of a fixture: its files by path. */
function filesOf(name: string): Record<string, string> {
  const path = join(dir, name);
  if (!statSync(path).isDirectory()) return { 'app.py': readFileSync(path, 'utf8') };
  const rels = (readdirSync(path, { recursive: true }) as string[]).filter((rel) => rel.endsWith('.py')).sort();
  return Object.fromEntries(rels.map((rel) => [rel, readFileSync(join(path, rel), 'utf8')]));
}

/** The file where `app = ...App(` binds the App variable `app`. */
function appFile(files: Record<string, string>, app: string): string {
  const declares = new RegExp(`^${app}\\s*=\\s*[\\w.]*App\\(`, 'm');
  const hits = Object.keys(files).filter((rel) => declares.test(files[rel]!));
  assert.equal(hits.length, 1, `one file declares ${app}: ${hits.join(', ')}`);
  return hits[0]!;
}

for (const name of readdirSync(dir).filter((f) => f.endsWith('.py') || statSync(join(dir, f)).isDirectory()).sort()) {
  test(`open-page lenses: ${name}`, async () => {
    const files = filesOf(name);
    await withLanguageServer({ files, secrets: {} }, async (ws, client) => {
      for (const [rel, text] of Object.entries(files)) {
        const uri = ws.fileUri(rel);
        await client.open(uri, text);
        await client.waitDiagnostics(uri);
        const lenses = (await client.conn.sendRequest('textDocument/codeLens', { textDocument: { uri } })) as Lens[];
        const pages = lenses.filter((l) => l.command.command === 'capsule.openAppPage');
        const got = pages.map((l) => [l.range.start.line, ...(l.command.arguments as [string, string, Record<string, string>])]);
        const want = wanted(text).map(([line, app, surface]) => [line, ws.fileUri(appFile(files, app)), app, surface]);
        assert.deepEqual(got, want, `lenses of ${name}/${rel}: ${JSON.stringify(pages.map((l) => [l.range.start.line + 1, l.command.arguments.slice(1)]))}`);
        for (const l of pages) {
          assert.equal(l.command.title, 'Open page');
          // On the decorator, or the add_page/add_onboarding call, itself: the lens sits above that line.
          const line = text.split('\n')[l.range.start.line]!;
          assert.match(line.slice(l.range.start.character), /^(@|\w+\.add_(page|onboarding)\()/, `the lens range starts at the decorator or the call: ${line}`);
        }
        if (!wanted(text).length && !/App\(/.test(text)) assert.deepEqual(lenses, [], `${rel}: a file without an App or a page of one has no lens at all`);
      }
    });
  });
}
