// Collections in `capsule-local export`, `import` and `reset` (the built CLI in a temporary
// workspace): documents round-trip byte for byte with their ids, a merge replaces documents by
// _id and keeps the others, --replace empties first, reset empties them, secret values are
// scrubbed from exported documents, and a broken collections section imports nothing.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertCliBuilt, cliOk, cliSync as cli, withWorkspaceData } from '../support/cli';

const SECRET = 'collections-secret-27182818';

function workspace(): string {
  const ws = mkdtempSync(join(tmpdir(), 'capsule-coll-io-'));
  cliOk(ws, ['secret', 'set', 'API_KEY'], SECRET);
  withWorkspaceData(ws, (e) => {
    e.insertMany('app_dev', 'notes', ['{"_id":"n1","text":"one","price":10.0}', '{"_id":"n2","text":"two","big":12345678901234567890}']);
    e.insertOne('app_dev', 'tokens', `{"_id":"t1","leaked":"key=${SECRET}"}`);
    e.updateOne('app_dev', '_kv', '{"_key":"theme","_session_id":"s1"}', '{"$set":{"value":"dark","_key":"theme","_session_id":"s1"}}', true);
    e.upsertSchema('app_dev', { name: 'notes', scope: 'app', columns: [{ key: 'text', type: 'text', label: 'Text', format: '' }], user_id: '', owner_id: '', session_id: '' });
  });
  return ws;
}

before(assertCliBuilt);

test('export carries every document as stored, with secret values scrubbed; import into a fresh workspace restores them', () => {
  const ws = workspace();
  const r = cliOk(ws, ['export', 'out.json']);
  assert.match(r.stdout, /4 collection documents/);
  const text = readFileSync(join(ws, 'out.json'), 'utf8');
  assert.ok(!text.includes(SECRET), 'no secret value in an exported document');
  const exp = JSON.parse(text) as { collections: { documents: Record<string, Record<string, string[]>>; schemas: unknown[] } };
  assert.deepEqual(exp.collections.documents.app_dev!.notes, ['{"_id":"n1","text":"one","price":10.0}', '{"_id":"n2","text":"two","big":12345678901234567890}']);
  assert.equal(exp.collections.schemas.length, 1);

  const fresh = mkdtempSync(join(tmpdir(), 'capsule-coll-io-fresh-'));
  const imp = cliOk(fresh, ['import', join(ws, 'out.json')]);
  assert.match(imp.stdout, /collections: 4 documents in 3 collections, 1 column schema/);
  withWorkspaceData(fresh, (e) => {
    assert.equal(e.findOne('app_dev', 'notes', '{"_id":"n1"}'), '{"_id":"n1","text":"one","price":10.0}');
    assert.equal(JSON.parse(e.findOne('app_dev', '_kv', '{"_key":"theme"}')!).value, 'dark');
    assert.equal(e.getSchema('app_dev', 'notes', 'app', {})?.columns[0]?.label, 'Text');
    // Sorted finds work on imported documents (the sort index is kept by the same triggers).
    assert.deepEqual(e.find('app_dev', 'notes', '{}', { sort: '{"text":-1}' }).map((d) => JSON.parse(d)._id), ['n2', 'n1']);
  });
});

test('a merge replaces documents with the same _id and keeps the rest; --replace empties first', () => {
  const ws = workspace();
  cliOk(ws, ['export', 'out.json']);
  withWorkspaceData(ws, (e) => {
    e.updateOne('app_dev', 'notes', '{"_id":"n1"}', '{"$set":{"text":"changed locally"}}');
    e.insertOne('app_dev', 'notes', '{"_id":"n3","text":"local only"}');
  });
  cliOk(ws, ['import', 'out.json']);
  withWorkspaceData(ws, (e) => {
    assert.equal(JSON.parse(e.findOne('app_dev', 'notes', '{"_id":"n1"}')!).text, 'one');
    assert.equal(e.count('app_dev', 'notes', '{}'), 3);
  });
  cliOk(ws, ['import', 'out.json', '--replace']);
  withWorkspaceData(ws, (e) => assert.deepEqual(e.find('app_dev', 'notes', '{}').map((d) => JSON.parse(d)._id), ['n1', 'n2']));
});

test('reset empties the collections', () => {
  const ws = workspace();
  const r = cliOk(ws, ['reset', '--yes']);
  assert.match(r.stdout, /4 collection documents/);
  withWorkspaceData(ws, (e) => {
    assert.equal(e.collections().length, 0);
    assert.equal(e.getSchema('app_dev', 'notes', 'app', {}), undefined);
  });
});

test('an export whose collections section is broken imports nothing, and says where', () => {
  const ws = workspace();
  cliOk(ws, ['export', 'out.json']);
  const exp = JSON.parse(readFileSync(join(ws, 'out.json'), 'utf8')) as { collections: { documents: Record<string, Record<string, string[]>> }; data: { sessions: Record<string, unknown> } };
  exp.collections.documents.app_dev!.notes!.push('{"_id":"bad","__proto__":{"$where":1}}');
  exp.data.sessions.extra = { id: 'extra', app: 'bot', userId: 'user_dev', channelType: 'chat', createdAt: 't', updatedAt: 't', history: [], dataJson: '{}' };
  writeFileSync(join(ws, 'bad.json'), JSON.stringify(exp));
  const fresh = mkdtempSync(join(tmpdir(), 'capsule-coll-io-bad-'));
  const r = cli(fresh, ['import', join(ws, 'bad.json')]);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /collections\.documents\.app_dev\.notes\[2\].*starts with '\$'.*nothing was imported/s);
  assert.equal(cli(fresh, ['export', '-']).status, 1, 'no store was created');
});
