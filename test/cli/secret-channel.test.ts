// `capsule-local secret ...` and `channel ...` as a user runs them: the built dist/cli.js in a
// child process (run `npm run build` first; `npm test` does).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertCliBuilt, cliOnTerminal, cliSync as cli } from '../support/cli';

function workspace(): string {
  return mkdtempSync(join(tmpdir(), 'capsule-cli-'));
}

function storeText(ws: string, dir = '.capsule'): string {
  return readFileSync(join(ws, dir, 'store.json'), 'utf8');
}

before(assertCliBuilt);

test('secret set reads the value from stdin, strips one trailing newline, and list never shows it', () => {
  const ws = workspace();
  const value = 'sk-test-value-0123456789';
  const set = cli(ws, ['secret', 'set', 'OPENAI_API_KEY'], `${value}\n`);
  assert.equal(set.status, 0, set.stderr);
  assert.ok(!(set.stdout + set.stderr).includes(value));
  const stored = JSON.parse(storeText(ws)) as { secrets: Record<string, { value: string }> };
  assert.equal(stored.secrets.OPENAI_API_KEY!.value, value, 'exactly one trailing newline stripped');

  const multi = cli(ws, ['secret', 'set', 'PEM'], 'line1\nline2\n\n');
  assert.equal(multi.status, 0, multi.stderr);
  assert.equal((JSON.parse(storeText(ws)) as { secrets: Record<string, { value: string }> }).secrets.PEM!.value, 'line1\nline2\n');

  writeFileSync(join(ws, '.env'), 'FROM_DOTENV=dotenv-secret-value\nOPENAI_API_KEY=shadowed\n');
  const list = cli(ws, ['secret', 'list']);
  assert.equal(list.status, 0, list.stderr);
  assert.match(list.stdout, /^NAME\s+SOURCE\s+UPDATED/m);
  assert.match(list.stdout, /^FROM_DOTENV\s+\.env\s*$/m);
  assert.match(list.stdout, /^OPENAI_API_KEY\s+store \(overrides \.env\)\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ/m);
  for (const secretText of [value, 'dotenv-secret-value', 'shadowed', 'line1']) {
    assert.ok(!(list.stdout + list.stderr).includes(secretText), `list shows ${secretText}`);
  }
  const json = cli(ws, ['secret', 'list', '--json']);
  const rows = JSON.parse(json.stdout) as Array<{ name: string; source: string; sources: string[] }>;
  assert.deepEqual(rows.map((r) => [r.name, r.source]), [['FROM_DOTENV', '.env'], ['OPENAI_API_KEY', 'store'], ['PEM', 'store']]);
  assert.ok(!json.stdout.includes(value));
  assert.equal(statSync(join(ws, '.capsule', 'store.json')).mode & 0o777, 0o600);
});

test('secret set and import save a value too short to be masked, with a warning naming it (never the value)', () => {
  const ws = workspace();
  const short = cli(ws, ['secret', 'set', 'PIN'], '4711');
  assert.equal(short.status, 0, short.stderr);
  assert.match(short.stderr, /warning: PIN has a value shorter than 6 characters: the emulator cannot mask it/);
  assert.ok(!(short.stdout + short.stderr).includes('4711'));
  const long = cli(ws, ['secret', 'set', 'TOKEN'], 'long-enough-value');
  assert.doesNotMatch(long.stderr, /warning/);
  writeFileSync(join(ws, 'short.env'), 'A_KEY=abc\nB_KEY=long-enough-value\n');
  const imported = cli(ws, ['secret', 'import', join(ws, 'short.env')]);
  assert.equal(imported.status, 0, imported.stderr);
  assert.match(imported.stderr, /warning: A_KEY has a value shorter than 6 characters/);
  assert.doesNotMatch(imported.stderr, /B_KEY/);
});

test('secret set on a terminal reads the value without echo', async () => {
  const ws = workspace();
  const value = 'typed-on-a-terminal-777';
  const run = await cliOnTerminal(ws, ['secret', 'set', 'TYPED'], /input hidden/, `${value}\r`);
  assert.equal(run.status, 0, run.stdout);
  assert.ok(!run.stdout.includes(value), `the typed value was echoed: ${JSON.stringify(run.stdout)}`);
  assert.match(run.stdout, /Saved secret TYPED/);
  assert.equal((JSON.parse(storeText(ws)) as { secrets: Record<string, { value: string }> }).secrets.TYPED!.value, value);
});

test('secret set refuses an empty value and invalid names, with a suggestion', () => {
  const ws = workspace();
  const empty = cli(ws, ['secret', 'set', 'EMPTY'], '\n');
  assert.equal(empty.status, 1);
  assert.match(empty.stderr, /empty value/);
  assert.equal(existsSync(join(ws, '.capsule', 'store.json')), false, 'nothing written');

  const bad = cli(ws, ['secret', 'set', 'my-key'], 'v');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /"my-key" is not a valid secret name/);
  assert.match(bad.stderr, /did you mean MY_KEY\?/);
});

test('secret rm removes from the store and explains names that live in .env', () => {
  const ws = workspace();
  cli(ws, ['secret', 'set', 'GONE'], 'v');
  const rm = cli(ws, ['secret', 'rm', 'GONE']);
  assert.equal(rm.status, 0, rm.stderr);
  assert.ok(!storeText(ws).includes('GONE'));
  const again = cli(ws, ['secret', 'rm', 'GONE']);
  assert.equal(again.status, 1);
  assert.match(again.stderr, /no secret named GONE/);
  writeFileSync(join(ws, '.env'), 'IN_FILE=1\n');
  const fromFile = cli(ws, ['secret', 'rm', 'IN_FILE']);
  assert.equal(fromFile.status, 1);
  assert.match(fromFile.stderr, /defined in .*\.env, not in the store/);
});

test('secret import copies a .env file into the store and reports names only', () => {
  const ws = workspace();
  const env = join(ws, 'prod.env');
  writeFileSync(env, '# comment\nALPHA=alpha-secret-1\nexport BETA="beta secret 2"\nEMPTY=\n');
  const r = cli(ws, ['secret', 'import', env, '--store', 'state']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /Imported 2 secrets/);
  assert.match(r.stdout, /new: ALPHA, BETA/);
  assert.match(r.stdout, /skipped \(empty value\): EMPTY/);
  assert.ok(!(r.stdout + r.stderr).includes('alpha-secret-1'));
  const stored = JSON.parse(storeText(ws, 'state')) as { secrets: Record<string, { value: string }> };
  assert.equal(stored.secrets.BETA!.value, 'beta secret 2');

  writeFileSync(env, 'GOOD=1\nbad-name=2\n');
  const bad = cli(ws, ['secret', 'import', env, '--store', 'state']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /nothing was imported/);
  assert.match(bad.stderr, /did you mean BAD_NAME\?/);
  assert.ok(!storeText(ws, 'state').includes('GOOD'), 'all or nothing');
});

test('channel create checks type and required credentials from the catalog', () => {
  const ws = workspace();
  const noCreds = cli(ws, ['channel', 'create', 'support', '--type', 'slack']);
  assert.equal(noCreds.status, 2);
  assert.match(noCreds.stderr, /-c bot_token=\.\.\. -c signing_secret=\.\.\./);

  const missing = cli(ws, ['channel', 'create', 'support', '--type', 'slack', '-c', 'bot_token=xoxb-1']);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /need signing_secret: add -c signing_secret=\.\.\./);

  const notKv = cli(ws, ['channel', 'create', 'support', '--type', 'slack', '-c', 'xoxb-1']);
  assert.equal(notKv.status, 2);
  assert.match(notKv.stderr, /-c expects key=value/);

  const badType = cli(ws, ['channel', 'create', 'support', '--type', 'telegramm', '-c', 'bot_token=1']);
  assert.equal(badType.status, 2);
  assert.match(badType.stderr, /did you mean --type telegram\?/);

  const noType = cli(ws, ['channel', 'create', 'support', '-c', 'bot_token=1']);
  assert.equal(noType.status, 2);
  assert.match(noType.stderr, /--type/);

  const badName = cli(ws, ['channel', 'create', 'Support Bot', '--type', 'telegram', '-c', 'bot_token=1']);
  assert.equal(badName.status, 2);
  assert.match(badName.stderr, /did you mean support-bot\?/);
  assert.equal(existsSync(join(ws, '.capsule', 'store.json')), false, 'nothing written by failed creates');
});

test('channel create, list (masked) and rm', () => {
  const ws = workspace();
  const token = 'xoxb-1111-2222-very-secret-token';
  const signing = 'signing-secret-value-0987';
  const created = cli(ws, ['channel', 'create', 'support', '--type', 'slack', '-c', `bot_token=${token}`, '-c', `signing_secret=${signing}`]);
  assert.equal(created.status, 0, created.stderr);
  const id = /id:\s+(ch_[0-9a-f]+)/.exec(created.stdout)?.[1];
  const webhookId = /webhook id:\s+([0-9a-f]+)/.exec(created.stdout)?.[1];
  assert.ok(id && webhookId, created.stdout);
  assert.match(created.stdout, new RegExp(`/webhooks/slack/${webhookId}`));
  assert.ok(!created.stdout.includes(token));

  const dup = cli(ws, ['channel', 'create', 'support', '--type', 'telegram', '-c', 'bot_token=1']);
  assert.equal(dup.status, 1);
  assert.match(dup.stderr, /already exists/);

  const wa = cli(ws, ['channel', 'create', 'wa', '--type', 'whatsapp', '-c', 'access_token=wa-token-secret', '-c', 'phone_number_id=15550001', '-c', 'verify_token=verify-me-secret']);
  assert.equal(wa.status, 0, wa.stderr);

  const list = cli(ws, ['channel', 'list']);
  assert.equal(list.status, 0, list.stderr);
  assert.match(list.stdout, /^NAME\s+TYPE\s+ID\s+CREATED\s+WEBHOOK PATH\s+CREDENTIALS/m);
  assert.match(list.stdout, new RegExp(`^support\\s+slack\\s+${id}\\s+\\d{4}-.*\\s/webhooks/slack/${webhookId}\\s`, 'm'));
  assert.match(list.stdout, /phone_number_id=15550001/);
  for (const s of [token, signing, 'wa-token-secret', 'verify-me-secret']) assert.ok(!(list.stdout + list.stderr).includes(s), `list shows ${s}`);
  const json = JSON.parse(cli(ws, ['channel', 'list', '--json']).stdout) as Array<{ name: string; webhookPath: string }>;
  assert.deepEqual(json.map((c) => c.name), ['support', 'wa']);
  assert.equal(json[0]!.webhookPath, `/webhooks/slack/${webhookId}`);

  const rm = cli(ws, ['channel', 'rm', 'support']);
  assert.equal(rm.status, 0, rm.stderr);
  const missing = cli(ws, ['channel', 'rm', 'support']);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /no channel named support/);
});

test('unknown flags and missing arguments are usage errors (exit 2); --help works on each command', () => {
  const ws = workspace();
  for (const args of [
    ['secret', 'list', '--bogus'],
    ['secret', 'set'],
    ['secret', 'set', 'A', 'B'],
    ['channel', 'list', '--nope'],
    ['channel', 'create'],
  ]) {
    const r = cli(ws, args, 'v');
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
  }
  for (const args of [['secret', 'set', '--help'], ['secret', 'list', '--help'], ['secret', 'rm', '--help'], ['secret', 'import', '--help'], ['channel', 'create', '--help'], ['channel', 'list', '--help'], ['channel', 'rm', '--help']]) {
    const r = cli(ws, args);
    assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stdout, /--store <dir>/);
  }
  const help = cli(ws, ['channel', 'create', '--help']).stdout;
  assert.match(help, /^\s+slack\s+bot_token\s/m);
  assert.match(help, /^\s+signing_secret\s/m);
});

test('a corrupt store gives a clear error and stays as it was', () => {
  const ws = workspace();
  cli(ws, ['secret', 'set', 'A'], 'v');
  const file = join(ws, '.capsule', 'store.json');
  writeFileSync(file, '{"secrets": ');
  const r = cli(ws, ['secret', 'set', 'B'], 'v');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /store\.json is not a valid Capsule Local store/);
  assert.doesNotMatch(r.stderr, /unexpected error/);
  assert.equal(readFileSync(file, 'utf8'), '{"secrets": ');
});

test('channel create takes the optional webhook secrets and says when a channel has no webhook authentication', () => {
  const ws = workspace();
  const open = cli(ws, ['channel', 'create', 'tg-open', '--type', 'telegram', '-c', 'bot_token=1']);
  assert.equal(open.status, 0, open.stderr);
  assert.match(open.stdout, /webhook auth: NONE\. Anyone who knows the webhook URL can post/);
  assert.match(open.stdout, /secret_token=\.\.\. in --credentials-file/);
  const guarded = cli(ws, ['channel', 'create', 'tg', '--type', 'telegram', '-c', 'bot_token=1', '-c', 'secret_token=tg-secret-token-value']);
  assert.equal(guarded.status, 0, guarded.stderr);
  assert.match(guarded.stdout, /webhook auth: secret_token/);
  const wa = cli(ws, ['channel', 'create', 'wa', '--type', 'whatsapp', '-c', 'access_token=a', '-c', 'phone_number_id=1', '-c', 'verify_token=v', '-c', 'app_secret=wa-app-secret-value']);
  assert.equal(wa.status, 0, wa.stderr);
  assert.match(wa.stdout, /webhook auth: app_secret/);
  const slack = cli(ws, ['channel', 'create', 'sl', '--type', 'slack', '-c', 'bot_token=b', '-c', 'signing_secret=s']);
  assert.match(slack.stdout, /webhook auth: signing_secret/);
  const stored = JSON.parse(storeText(ws)) as { channels: Record<string, { credentials: Record<string, string> }> };
  assert.equal(stored.channels.tg!.credentials.secret_token, 'tg-secret-token-value');
  assert.equal(stored.channels.wa!.credentials.app_secret, 'wa-app-secret-value');
  const list = cli(ws, ['channel', 'list']).stdout;
  assert.match(list, /secret_token=\*{8}/);
  assert.ok(!list.includes('tg-secret-token-value') && !list.includes('wa-app-secret-value'), list);
});

test('channel create reads credentials from a file or stdin, off the command line', () => {
  const ws = workspace();
  const token = 'xoxb-from-a-file-0000111122223333';
  writeFileSync(join(ws, 'slack.env'), `# Slack app\nbot_token=${token}\nsigning_secret="file-signing-secret"\n`);
  const fromFile = cli(ws, ['channel', 'create', 'sl', '--type', 'slack', '--credentials-file', 'slack.env']);
  assert.equal(fromFile.status, 0, fromFile.stderr);
  const fromStdin = cli(ws, ['channel', 'create', 'tg', '--type', 'telegram', '--credentials-file', '-'], 'bot_token=123:stdin-bot-token\nsecret_token=stdin-secret\n');
  assert.equal(fromStdin.status, 0, fromStdin.stderr);
  assert.match(fromStdin.stdout, /webhook auth: secret_token/);
  const stored = JSON.parse(storeText(ws)) as { channels: Record<string, { credentials: Record<string, string> }> };
  assert.deepEqual(stored.channels.sl!.credentials, { bot_token: token, signing_secret: 'file-signing-secret' });
  assert.deepEqual(stored.channels.tg!.credentials, { bot_token: '123:stdin-bot-token', secret_token: 'stdin-secret' });
  for (const r of [fromFile, fromStdin]) for (const s of [token, 'file-signing-secret', 'stdin-bot-token', 'stdin-secret']) assert.ok(!(r.stdout + r.stderr).includes(s), `output shows ${s}`);

  const twice = cli(ws, ['channel', 'create', 'sl2', '--type', 'slack', '-c', 'bot_token=x', '--credentials-file', 'slack.env']);
  assert.equal(twice.status, 2);
  assert.match(twice.stderr, /bot_token given twice/);
  const missing = cli(ws, ['channel', 'create', 'sl3', '--type', 'slack', '--credentials-file', 'nope.env']);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /cannot read nope\.env: no such file/);
  const empty = cli(ws, ['channel', 'create', 'sl4', '--type', 'slack', '--credentials-file', '-'], '\n');
  assert.equal(empty.status, 2);
  assert.match(empty.stderr, /no key=value lines in stdin/);
  assert.match(cli(ws, ['channel', 'create', '--help']).stdout, /Prefer --credentials-file/);
});

test('channel create --credentials-file - on a terminal asks for each key without echo; Enter skips an optional one', async () => {
  const ws = workspace();
  const token = '123456:typed-bot-token-on-a-terminal';
  const run = await cliOnTerminal(ws, ['channel', 'create', 'tg', '--type', 'telegram', '--credentials-file', '-'], /bot_token \(.*input hidden\)/, `${token}\r\r`);
  assert.equal(run.status, 0, run.stdout);
  assert.match(run.stdout, /secret_token \(.*optional: Enter skips\)/);
  assert.ok(!run.stdout.includes(token), `the typed token was echoed: ${JSON.stringify(run.stdout)}`);
  assert.match(run.stdout, /webhook auth: NONE/);
  const stored = JSON.parse(storeText(ws)) as { channels: Record<string, { credentials: Record<string, string> }> };
  assert.deepEqual(stored.channels.tg!.credentials, { bot_token: token });
});
