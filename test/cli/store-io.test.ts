// `capsule-local export`, `import` and `reset` as a user runs them: the built dist/cli.js in a
// child process (run `npm run build` first; `npm test` does).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertCliBuilt, cliOnTerminal, cliSync as cli, type CliResult } from '../support/cli';
import { Store, readStoreSync } from '../../emulator/store';

const SECRET = 'export-me-not-31415';
const TOKEN = '123456:telegram-bot-token-secret';

function ok(cwd: string, args: string[], input = ''): CliResult {
  const r = cli(cwd, args, input);
  assert.equal(r.status, 0, `capsule-local ${args.join(' ')} failed: ${r.stderr}`);
  return r;
}

type Data = {
  secrets: Record<string, { value: string }>;
  channels: Record<string, { id: string; credentials: Record<string, string> }>;
  sessions: Record<string, unknown>;
  events: unknown[];
  personas: unknown[];
};

function readStore(ws: string): Data {
  return JSON.parse(JSON.stringify(readStoreSync(join(ws, '.capsule')))) as Data;
}

/** A workspace with a secret, a channel and some runtime state (as the emulator would leave it). */
async function populated(): Promise<string> {
  const ws = mkdtempSync(join(tmpdir(), 'capsule-io-'));
  ok(ws, ['secret', 'set', 'API_KEY'], SECRET);
  ok(ws, ['channel', 'create', 'tg', '--type', 'telegram', '-c', `bot_token=${TOKEN}`]);
  const store = await Store.open(join(ws, '.capsule'));
  await store.update((d) => {
    d.sessions.s1 = { id: 's1', app: 'bot', userId: 'user_dev', channelType: 'chat', createdAt: 't', updatedAt: 't', history: [], dataJson: '{}' };
    d.events = [{ seq: 1, at: 't', kind: 'inbound', summary: 'hi' }];
    d.eventSeq = 1;
  });
  await store.close();
  return ws;
}

before(assertCliBuilt);

test('export leaves secret values out unless --include-secrets, and says so', async () => {
  const ws = await populated();
  const r = ok(ws, ['export', 'out.json']);
  assert.match(r.stdout, /Exported 1 secret, 1 channel, 1 session/);
  assert.match(r.stdout, /left out/);
  const text = readFileSync(join(ws, 'out.json'), 'utf8');
  assert.ok(!text.includes(SECRET) && !text.includes(TOKEN), 'no secret values in the export');
  const exp = JSON.parse(text) as { includesSecrets: boolean; data: { secrets: Record<string, { value: string | null }> } };
  assert.equal(exp.includesSecrets, false);
  assert.equal(exp.data.secrets.API_KEY!.value, null, 'names are kept with a null value');
  assert.equal(statSync(join(ws, 'out.json')).mode & 0o777, 0o600);

  const again = cli(ws, ['export', 'out.json']);
  assert.equal(again.status, 1);
  assert.match(again.stderr, /already exists; pass --force/);

  const full = ok(ws, ['export', 'full.json', '--include-secrets']);
  assert.match(full.stdout, /CONTAINS secret values/);
  const fullText = readFileSync(join(ws, 'full.json'), 'utf8');
  assert.ok(fullText.includes(SECRET) && fullText.includes(TOKEN));

  const stdout = ok(ws, ['export', '-']);
  assert.equal((JSON.parse(stdout.stdout) as { format: string }).format, 'capsule-local-store-export');
  assert.ok(!stdout.stdout.includes(SECRET));
});

test('export/import round trip into a fresh workspace, and a redacted import keeps local values', async () => {
  const ws = await populated();
  ok(ws, ['export', 'full.json', '--include-secrets']);
  ok(ws, ['export', 'names.json']);
  const before = readStore(ws);

  const fresh = mkdtempSync(join(tmpdir(), 'capsule-io-'));
  const imported = ok(fresh, ['import', join(ws, 'full.json')]);
  assert.match(imported.stdout, /Merged .* \(entries not in the export were kept\)/);
  const after = readStore(fresh);
  assert.deepEqual(after.secrets, before.secrets);
  assert.deepEqual(after.channels, before.channels);
  assert.deepEqual(after.sessions, before.sessions);
  assert.ok(!(imported.stdout + imported.stderr).includes(SECRET));

  // The redacted export into a workspace that has the values: values stay.
  ok(fresh, ['secret', 'set', 'LOCAL_ONLY'], 'x');
  const redacted = ok(fresh, ['import', join(ws, 'names.json'), '--replace']);
  assert.match(redacted.stdout, /Replaced .* \(entries not in the export were removed\)/);
  assert.match(redacted.stdout, /local value kept: API_KEY/);
  const replaced = readStore(fresh);
  assert.equal(replaced.secrets.API_KEY!.value, SECRET);
  assert.equal(replaced.channels.tg!.credentials.bot_token, TOKEN);
  assert.equal(replaced.secrets.LOCAL_ONLY, undefined, 'replace removes what the export lacks');

  // The redacted export into an empty workspace: names without values are skipped and named.
  const empty = mkdtempSync(join(tmpdir(), 'capsule-io-'));
  const skipped = ok(empty, ['import', join(ws, 'names.json')]);
  assert.match(skipped.stdout, /secrets SKIPPED .*: API_KEY/);
  assert.match(skipped.stdout, /capsule-local secret set API_KEY/);
  assert.match(skipped.stdout, /channels SKIPPED .*: tg/);
  assert.equal(readStore(empty).secrets.API_KEY, undefined);
});

test('import refuses files that are not exports, and changes nothing', async () => {
  const ws = await populated();
  const storeBefore = readFileSync(join(ws, '.capsule', 'store.json'), 'utf8');
  writeFileSync(join(ws, 'bad.json'), '{"secrets": {}}');
  writeFileSync(join(ws, 'broken.json'), '{"format": ');
  const notExport = cli(ws, ['import', 'bad.json']);
  assert.equal(notExport.status, 1);
  assert.match(notExport.stderr, /not a Capsule Local export/);
  const broken = cli(ws, ['import', 'broken.json']);
  assert.equal(broken.status, 1);
  assert.match(broken.stderr, /broken\.json is not valid JSON/);
  const missing = cli(ws, ['import', 'nope.json']);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /cannot read nope\.json: no such file/);
  assert.equal(readFileSync(join(ws, '.capsule', 'store.json'), 'utf8'), storeBefore);
});

test('reset needs --yes off a terminal, keeps secrets and channels, and --all empties the store', async () => {
  const ws = await populated();
  const refused = cli(ws, ['reset']);
  assert.equal(refused.status, 2);
  assert.match(refused.stderr, /without confirmation: pass --yes/);
  assert.equal(Object.keys(readStore(ws).sessions).length, 1, 'nothing changed');

  const r = ok(ws, ['reset', '--yes']);
  assert.match(r.stdout, /removed 1 session/);
  assert.match(r.stdout, /Secrets and channels were kept/);
  const kept = readStore(ws);
  assert.deepEqual(kept.sessions, {});
  assert.deepEqual(kept.events, []);
  assert.equal(kept.secrets.API_KEY!.value, SECRET);
  assert.ok(kept.channels.tg);

  ok(ws, ['reset', '--all', '-y']);
  const emptied = readStore(ws);
  assert.deepEqual(emptied.secrets, {});
  assert.deepEqual(emptied.channels, {});
  assert.equal(emptied.personas.length, 1, 'the default persona comes back');
});

test('reset on a terminal asks first', async () => {
  const ws = await populated();
  const run = (answer: string) => cliOnTerminal(ws, ['reset'], /Type "yes" to continue/, `${answer}\r`);
  const no = await run('no');
  assert.equal(no.status, 1);
  assert.match(no.stdout, /reset cancelled/);
  assert.equal(Object.keys(readStore(ws).sessions).length, 1);
  const yes = await run('yes');
  assert.equal(yes.status, 0, yes.stdout);
  assert.deepEqual(readStore(ws).sessions, {});
});

test('usage errors exit 2; --help and --store work on each command', async () => {
  const ws = await populated();
  for (const args of [['export'], ['export', 'a.json', '--bogus'], ['import'], ['import', 'x.json', '--merge-all'], ['reset', '--force']]) {
    const r = cli(ws, args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
  }
  for (const cmd of ['export', 'import', 'reset']) {
    const r = ok(ws, [cmd, '--help']);
    assert.match(r.stdout, /--store <dir>/);
  }
  const other = mkdtempSync(join(tmpdir(), 'capsule-io-'));
  const noStore = cli(other, ['export', 'x.json']);
  assert.equal(noStore.status, 1);
  assert.match(noStore.stderr, /no store at/);
  ok(other, ['export', join(other, 'x.json'), '--store', join(ws, '.capsule')]);
  assert.ok(existsSync(join(other, 'x.json')));
});
