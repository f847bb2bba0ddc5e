import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildExport, parseExport, applyImport, applyReset, emptyStore, EXPORT_FORMAT, StoreError, type StoreData } from '../../emulator/store';
import { plain } from '../support/store';
import { dict } from '../../emulator/store';

const SECRET = 'sk-live-9f8e7d6c5b4a';
const BOT = 'xoxb-0000-secret-bot-token';
const SIGNING = 'signing-secret-abcdef';
const ACCESS = 'gho_accesstoken123';
const REFRESH = 'ghr_refreshtoken456';
const AWS_KEY = 'aws-secret-access-key-xyz';

function sample(): StoreData {
  const d = emptyStore();
  d.secrets.OPENAI_API_KEY = { value: SECRET, createdAt: 't0', updatedAt: 't1' };
  d.channels.support = {
    id: 'ch_1',
    webhookId: 'wh1',
    type: 'slack',
    credentials: { bot_token: BOT, signing_secret: SIGNING },
    createdAt: 't0',
  };
  d.channels.wa = {
    id: 'ch_2',
    webhookId: 'wh2',
    type: 'whatsapp',
    credentials: { access_token: 'wa-access-token-1', phone_number_id: '15550001', verify_token: 'wa-verify' },
    createdAt: 't0',
  };
  d.integrations.user_dev = {
    github: { type: 'github', mode: 'oauth', accessToken: ACCESS, refreshToken: REFRESH, tokenType: 'Bearer', scopes: ['repo'], expiresAt: 0, fields: {}, connectedAt: 't0' },
    aws: { type: 'aws', mode: 'secret', accessToken: '', tokenType: 'fields', scopes: [], expiresAt: 0, fields: { access_key_id: 'AKIA1', secret_access_key: AWS_KEY, region: 'us-east-1' }, connectedAt: 't0' },
  };
  d.sessions.s1 = { id: 's1', app: 'bot', userId: 'user_dev', channelType: 'chat', createdAt: 't0', updatedAt: 't1', history: [{ text: 'hi', sender: 'user', channelType: 'chat', timestamp: 1 }], dataJson: '{}' };
  d.kv['app:bot'] = { greeting: '"hello"' };
  d.events.push({ seq: 1, at: 't0', kind: 'inbound', summary: 'hi' });
  d.eventSeq = 1;
  return d;
}

test('an export leaves out every secret value unless asked, and keeps the names', () => {
  const exp = buildExport(sample());
  const text = JSON.stringify(exp);
  for (const value of [SECRET, BOT, SIGNING, ACCESS, REFRESH, AWS_KEY, 'wa-access-token-1', 'wa-verify']) {
    assert.ok(!text.includes(value), `export must not contain ${value}`);
  }
  assert.equal(exp.format, EXPORT_FORMAT);
  assert.equal(exp.includesSecrets, false);
  assert.equal(exp.data.secrets.OPENAI_API_KEY!.value, null);
  assert.deepEqual(exp.data.channels.support!.credentials, { bot_token: null, signing_secret: null });
  assert.equal(exp.data.channels.wa!.credentials.phone_number_id, '15550001', 'non-secret credentials are kept');
  assert.equal(exp.data.integrations.user_dev!.aws!.fields.region, null);

  const full = JSON.stringify(buildExport(sample(), { includeSecrets: true }));
  for (const value of [SECRET, BOT, SIGNING, ACCESS, REFRESH, AWS_KEY]) assert.ok(full.includes(value));
});

test('exporting does not change the store', () => {
  const d = sample();
  const before = JSON.stringify(d);
  buildExport(d);
  assert.equal(JSON.stringify(d), before);
});

test('a full export round-trips into an empty store (replace)', () => {
  const src = sample();
  const exp = parseExport('x.json', JSON.stringify(buildExport(src, { includeSecrets: true })));
  const target = emptyStore();
  const report = applyImport(target, exp, 'replace');
  assert.deepEqual(plain(target.secrets), plain(src.secrets));
  assert.deepEqual(plain(target.channels), plain(src.channels));
  assert.deepEqual(plain(target.integrations), plain(src.integrations));
  assert.deepEqual(plain(target.sessions), plain(src.sessions));
  assert.deepEqual(plain(target.kv), plain(src.kv));
  assert.equal(target.events.length, 1);
  assert.deepEqual(report.secrets.imported, ['OPENAI_API_KEY']);
});

test('importing an export without values keeps local values, and skips what has no value anywhere', () => {
  const exp = parseExport('x.json', JSON.stringify(buildExport(sample())));
  const local = emptyStore();
  local.secrets.OPENAI_API_KEY = { value: 'local-value', createdAt: 'a', updatedAt: 'b' };
  const report = applyImport(local, exp, 'merge');
  assert.equal(local.secrets.OPENAI_API_KEY!.value, 'local-value');
  assert.deepEqual(report.secrets.keptLocalValue, ['OPENAI_API_KEY']);
  assert.deepEqual(report.channels.skippedNoCredentials.sort(), ['support', 'wa']);
  assert.equal(local.channels.support, undefined);
  assert.equal(report.integrations.skippedNoToken, 2);
  assert.deepEqual(local.sessions.s1!.history[0]!.text, 'hi');

  const empty = emptyStore();
  const r2 = applyImport(empty, exp, 'replace');
  assert.deepEqual(r2.secrets.skippedNoValue, ['OPENAI_API_KEY']);
  assert.deepEqual(empty.secrets, dict());
});

test('merge keeps local entries the export lacks; replace removes them', () => {
  const exp = parseExport('x.json', JSON.stringify(buildExport(sample(), { includeSecrets: true })));
  const local = emptyStore();
  local.secrets.LOCAL_ONLY = { value: 'v', createdAt: 'a', updatedAt: 'b' };
  local.events.push({ seq: 7, at: 't', kind: 'reply', summary: 'old' });
  local.eventSeq = 7;
  applyImport(local, exp, 'merge');
  assert.deepEqual(Object.keys(local.secrets).sort(), ['LOCAL_ONLY', 'OPENAI_API_KEY']);
  assert.deepEqual(local.events.map((e) => e.seq), [7, 8], 'imported events are appended with fresh numbers');
  assert.equal(local.eventSeq, 8);

  const other = emptyStore();
  other.secrets.LOCAL_ONLY = { value: 'v', createdAt: 'a', updatedAt: 'b' };
  applyImport(other, exp, 'replace');
  assert.deepEqual(Object.keys(other.secrets), ['OPENAI_API_KEY']);
});

test('applying an import twice gives the same result (it may be re-run as a store mutator)', () => {
  const exp = parseExport('x.json', JSON.stringify(buildExport(sample(), { includeSecrets: true })));
  const a = emptyStore();
  applyImport(a, exp, 'replace');
  const b = emptyStore();
  applyImport(b, exp, 'replace');
  assert.deepEqual(a, b);
  // The store must not share objects with the parsed export.
  a.secrets.OPENAI_API_KEY!.value = 'changed';
  assert.equal(exp.data.secrets.OPENAI_API_KEY!.value, SECRET);
});

test('invalid exports are refused with a clear message', () => {
  const check = (text: string, pattern: RegExp) =>
    assert.throws(
      () => parseExport('in.json', text),
      (e: unknown) => e instanceof StoreError && pattern.test(e.message),
    );
  check('not json', /in\.json is not valid JSON/);
  check('{"secrets": {}}', /not a Capsule Local export/);
  check(JSON.stringify({ format: EXPORT_FORMAT, formatVersion: 99, data: {} }), /newer Capsule Local/);
  check(JSON.stringify({ format: EXPORT_FORMAT, formatVersion: 1, schemaVersion: 1, data: { ...emptyStore(), channels: [] } }), /"channels" should be an object.*Nothing was imported/);
  check(JSON.stringify({ format: EXPORT_FORMAT, formatVersion: 1, schemaVersion: 999, data: emptyStore() }), /schema version 999/);
});

test('reset clears runtime state and keeps secrets and channels; --all clears everything', () => {
  const d = sample();
  const report = applyReset(d);
  assert.deepEqual(Object.keys(d.secrets), ['OPENAI_API_KEY']);
  assert.deepEqual(Object.keys(d.channels).sort(), ['support', 'wa']);
  assert.deepEqual(d.sessions, dict());
  assert.deepEqual(d.integrations, dict());
  assert.deepEqual(d.kv, dict());
  assert.deepEqual(d.events, []);
  assert.equal(d.eventSeq, 1, 'event numbers never go backwards');
  assert.equal(d.personas.length, 1);
  assert.equal(report.removed.sessions, 1);
  assert.equal(report.removed.integrations, 2);

  const e = sample();
  const all = applyReset(e, { all: true });
  assert.deepEqual(e.secrets, dict());
  assert.deepEqual(e.channels, dict());
  assert.equal(all.removed.secrets, 1);
  assert.equal(all.removed.channels, 2);
});
