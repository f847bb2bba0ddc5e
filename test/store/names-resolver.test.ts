import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  suggestSecretName,
  secretNameProblem,
  channelNameProblem,
  suggestChannelName,
  channelProblems,
  maskCredential,
  SecretResolver,
  missingSecretMessage,
  migrate,
  emptyStore,
  StoreError,
} from '../../emulator/store';

test('secret names must be environment variable names, with a suggested fix', () => {
  for (const ok of ['API_KEY', '_private', 'a1', 'OpenAI_Key']) assert.equal(secretNameProblem(ok), undefined, ok);
  assert.equal(suggestSecretName('my-key'), 'MY_KEY');
  assert.equal(suggestSecretName('openai.api key'), 'OPENAI_API_KEY');
  assert.equal(suggestSecretName('2fa'), '_2FA');
  assert.equal(suggestSecretName('---'), undefined);
  assert.match(secretNameProblem('my-key')!, /did you mean MY_KEY\?/);
  assert.match(secretNameProblem('')!, /cannot be empty/);
});

test('channel names: lowercase letters, digits, - and _', () => {
  for (const ok of ['support', 'team-bot', 'bot_2', '9lives']) assert.equal(channelNameProblem(ok), undefined, ok);
  assert.equal(suggestChannelName('Support Bot'), 'support-bot');
  assert.match(channelNameProblem('-x')!, /did you mean x\?/);
  assert.match(channelNameProblem('a'.repeat(65))!, /at most 64/);
});

test('channel definitions are checked against the catalog, with what to type instead', () => {
  assert.deepEqual(channelProblems({ name: 'tg', type: 'telegram', credentials: { bot_token: '1:abc' } }), []);
  const missing = channelProblems({ name: 'sl', type: 'slack', credentials: { bot_token: 'xoxb' } });
  assert.equal(missing.length, 1);
  assert.match(missing[0]!, /-c signing_secret=\.\.\./);
  assert.match(channelProblems({ name: 'sl', type: 'slak', credentials: {} })[0]!, /did you mean --type slack\?/);
  assert.match(channelProblems({ name: 'tg', type: 'telegram', credentials: { bot_token: '1', bot_tokn: '2' } })[0]!, /did you mean -c bot_token=/);
  const data = emptyStore();
  data.channels.tg = { id: 'ch_x', webhookId: 'w', type: 'telegram', credentials: { bot_token: '1' }, createdAt: '' };
  assert.match(channelProblems({ name: 'tg', type: 'telegram', credentials: { bot_token: '1' } }, data).join('\n'), /already exists/);
  assert.equal(maskCredential('whatsapp', 'phone_number_id', '15550001'), '15550001');
  assert.doesNotMatch(maskCredential('telegram', 'bot_token', '123456:ABCDEFGHIJKLMN'), /123456/);
});

test('secrets resolve from the store, then .env, then the launching environment', () => {
  const dir = mkdtempSync(join(tmpdir(), 'capsule-resolve-'));
  const envFile = join(dir, '.env');
  writeFileSync(envFile, 'BOTH=from-env-file\nFILE_ONLY="quoted value"\n');
  const data = emptyStore();
  data.secrets.BOTH = { value: 'from-store', createdAt: '', updatedAt: '' };
  const resolver = new SecretResolver({ data: () => data, envFile, env: { BOTH: 'from-process', FILE_ONLY: 'p', PROC_ONLY: 'proc' } });
  assert.deepEqual(resolver.resolve('BOTH'), { name: 'BOTH', value: 'from-store', source: 'store' });
  assert.deepEqual(resolver.resolve('FILE_ONLY'), { name: 'FILE_ONLY', value: 'quoted value', source: '.env' });
  assert.deepEqual(resolver.resolve('PROC_ONLY'), { name: 'PROC_ONLY', value: 'proc', source: 'environment' });
  assert.equal(resolver.resolve('NOPE'), undefined);
  assert.deepEqual(resolver.sources('BOTH'), ['store', '.env', 'environment']);
  const injected = resolver.environmentFor(['BOTH', 'NOPE']);
  assert.deepEqual(injected.env, { BOTH: 'from-store' });
  assert.deepEqual(injected.missing, ['NOPE']);
  assert.doesNotMatch(JSON.stringify(injected.resolved), /from-store/, 'resolution records carry no values');
  // The .env file is re-read when it changes.
  writeFileSync(envFile, 'FILE_ONLY=changed-and-longer\n');
  assert.equal(resolver.resolve('FILE_ONLY')!.value, 'changed-and-longer');
  assert.match(missingSecretMessage('NOPE'), /capsule-local secret set NOPE/);
});

test('migrations run step by step, and a missing step is reported', () => {
  const steps = {
    0: (d: Record<string, unknown>) => ({ ...emptyStore(), ...d }),
    1: (d: Record<string, unknown>) => ({ ...d, personas: [{ id: 'migrated', name: 'M' }] }),
  };
  const { data, migratedFrom } = migrate('f.json', { secrets: {} }, steps, 2);
  assert.equal(data.schemaVersion, 2);
  assert.equal(migratedFrom, 0);
  assert.deepEqual(data.personas, [{ id: 'migrated', name: 'M' }]);
  assert.throws(() => migrate('f.json', { schemaVersion: 1 }, { 0: steps[0] }, 2), (e: unknown) => e instanceof StoreError && /no migration from schema version 1/.test(e.message));
  assert.throws(() => migrate('f.json', { schemaVersion: 'one' }), (e: unknown) => e instanceof StoreError && /whole number/.test(e.message));
  assert.throws(() => migrate('f.json', [1, 2]), (e: unknown) => e instanceof StoreError && /not a JSON object/.test(e.message));
});
