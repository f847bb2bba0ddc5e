// Data-driven quick-fix tests. Each fixtures/actions/NAME.py holds the code with a diagnostic and
// header comments; NAME.expected.py is the text after the fix is applied the way an editor does
// (its edit, then its command; commands make the server write the store and send the source
// edit through workspace/applyEdit).
//   # state: {"secrets": [...], "channels": [{"name", "type"}]}
//   # fix: CODE | TITLE-PREFIX               which diagnostic and which of its fixes
//   # stored-secret: NAME = VALUE            the store must then hold this secret
//   # stored-channel: NAME = TYPE            ...or this channel
//   # env-line: TEXT                         ...or .env must have this line
// After the fix, the diagnostic must be gone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { withLanguageServer } from '../support/lsp';
import { storeData } from './workspace';

const dir = join(__dirname, 'fixtures', 'actions');

function header(text: string, key: string): string[] {
  return text.split('\n').flatMap((l) => {
    const m = new RegExp(`^# ${key}: (.*)$`).exec(l);
    return m ? [m[1]!] : [];
  });
}

for (const name of readdirSync(dir).filter((f) => f.endsWith('.py') && !f.endsWith('.expected.py')).sort()) {
  test(`quick fix: ${name}`, async () => {
    const text = readFileSync(join(dir, name), 'utf8');
    const expectedFile = join(dir, name.replace(/\.py$/, '.expected.py'));
    assert.ok(existsSync(expectedFile), `${expectedFile} exists`);
    const expected = readFileSync(expectedFile, 'utf8');
    const state = JSON.parse(header(text, 'state')[0] ?? '{}') as { secrets?: string[]; channels?: Array<{ name: string; type: string }> };
    const [code, title] = header(text, 'fix')[0]!.split(' | ') as [string, string];
    const secrets = Object.fromEntries((state.secrets ?? []).map((s) => [s, `stored-${s.toLowerCase()}`]));
    const channels = (state.channels ?? []).map((c) => ({ ...c, credentials: { bot_token: '123:abc' } }));
    await withLanguageServer({ files: { 'app.py': text }, secrets, channels }, async (ws, client) => {
      const uri = ws.fileUri('app.py');
      await client.open(uri, text);
      const diags = await client.waitDiagnostics(uri, code, (ds) => ds.some((d) => d.code === code));
      const target = diags.filter((d) => d.code === code);
      const actions = await client.codeActions(uri, target.slice(-1));
      const action = actions.find((a) => a.title.startsWith(title));
      assert.ok(action, `a fix titled "${title}..." (got: ${actions.map((a) => a.title).join(' / ')})`);
      const result = (await client.applyAction(uri, action)) as { ok: boolean; message: string } | undefined;
      if (result) assert.ok(result.ok, `command succeeded: ${result.message}`);
      await client.waitFor('the fixed text', () => (client.text(uri) === expected ? true : undefined), 5000).catch(() => {
        assert.equal(client.text(uri), expected);
      });
      for (const line of header(text, 'stored-secret')) {
        const [secret, value] = line.split(' = ') as [string, string];
        const data = await storeData(ws.root);
        assert.equal(data.secrets[secret]?.value, value, `store holds ${secret}`);
      }
      for (const line of header(text, 'stored-channel')) {
        const [channel, type] = line.split(' = ') as [string, string];
        const data = await storeData(ws.root);
        assert.equal(data.channels[channel]?.type, type, `store holds channel ${channel}`);
        assert.ok(Object.keys(data.channels[channel]!.credentials).length > 0, 'the channel has its credentials');
      }
      for (const line of header(text, 'env-line')) {
        const env = readFileSync(ws.file('.env'), 'utf8');
        assert.ok(env.split('\n').includes(line), `.env has "${line}" (got ${JSON.stringify(env)})`);
      }
      await client.waitDiagnostics(uri, `${code} gone after the fix`, (ds) => !ds.some((d) => d.code === code));
    });
  });
}

test('quick fixes come from the current text when the client sends no diagnostics, or stale ones', async () => {
  const before = 'import cpsl\n\napp = cpsl.App("bot", image=cpsl.Image())\n';
  const after = 'import cpsl\n\napp = cpsl.App("bot", image=cpsl.Image(), channels=[cpsl.Telegram(bot_token=cpsl.Secret.from_name("TG_TOKEN"))])\n';
  await withLanguageServer({ files: { 'app.py': before }, secrets: { TG_TOKEN: 'x' } }, async (ws, client) => {
    const uri = ws.fileUri('app.py');
    await client.open(uri, before);
    const stale = await client.waitDiagnostics(uri);
    // The edit, then at once a code action request (as Neovim sends it): no diagnostics for the new text yet.
    await client.change(uri, [{ range: { start: { line: 2, character: 0 }, end: { line: 3, character: 0 } }, newText: after.split('\n')[2] + '\n' }]);
    const at = { start: { line: 2, character: 60 }, end: { line: 2, character: 60 } };
    for (const sent of [[], stale]) {
      const actions = await client.codeActionsAt(uri, at, sent);
      const convert = actions.find((a) => /Channel/.test(a.title) && a.diagnostics?.[0]?.code === 'capsule/deprecated-channel');
      assert.ok(convert, `a fix for the deprecated channel (got ${actions.map((a) => a.title).join(' | ') || 'none'})`);
    }
  });
});
