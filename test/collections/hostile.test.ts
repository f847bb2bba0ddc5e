// Hostile and broken input: clear errors with the gRPC status to answer, and nothing stored or
// changed by a refused call. Keys such as __proto__ are ordinary field names, never prototypes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CollectionsEngine, Status, dataService } from '../../emulator/collections';

const tmp = mkdtempSync(join(tmpdir(), 'capsule-collections-hostile-'));
const engine = CollectionsEngine.open(join(tmp, 'data.sqlite'));
const svc = dataService(engine);
test.after(() => {
  engine.close();
  rmSync(tmp, { recursive: true, force: true });
});
const A = 'app_dev';

function refused(fn: () => unknown, status: keyof typeof Status, text: string | RegExp): void {
  assert.throws(fn, (e: { code?: number; details?: string; message: string }) => {
    assert.equal(e.code, Status[status], e.message);
    assert.equal(e.details, e.message);
    if (typeof text === 'string') assert.ok(e.message.includes(text), e.message);
    else assert.match(e.message, text);
    return true;
  });
}

test('__proto__ and constructor keys are stored, found and updated as plain fields', () => {
  const doc = '{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}},"name":"p"}';
  const id = engine.insertOne(A, 'protos', doc);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  const found = engine.findOne(A, 'protos', '{"__proto__.polluted":true}');
  assert.ok(found, 'found by a __proto__ path');
  assert.equal(found, `{"_id":"${id}","__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}},"name":"p"}`);
  engine.updateOne(A, 'protos', JSON.stringify({ _id: id }), '{"$set":{"__proto__.admin":true,"constructor.prototype.y":2}}');
  assert.equal(({} as Record<string, unknown>).admin, undefined);
  const after = JSON.parse(engine.findOne(A, 'protos', JSON.stringify({ _id: id }))!) as Record<string, { admin?: boolean }>;
  assert.ok(Object.hasOwn(after, '__proto__'));
  assert.equal(after['__proto__']!.admin, true);
  // An upsert whose filter names __proto__ builds the new document with it as a field.
  engine.updateOne(A, 'protos', '{"__proto__":{"k":1}}', '{"$set":{"v":1}}', true);
  const up = engine.findOne(A, 'protos', '{"v":1}')!;
  assert.match(up, /"__proto__":\{"k":1\}/);
  assert.equal(Object.getPrototypeOf(JSON.parse('{}')), Object.prototype);
});

test('a document over 16 MiB is refused and nothing is stored', () => {
  const before = engine.count(A, 'big', '{}');
  refused(() => svc.InsertOne({ app_id: A, collection: 'big', document_json: Buffer.from(JSON.stringify({ blob: 'x'.repeat(17 * 1024 * 1024) })) }), 'RESOURCE_EXHAUSTED', 'the limit is 16 MiB');
  assert.equal(engine.count(A, 'big', '{}'), before);
});

test('an update that would grow a document past 16 MiB is refused and the document is unchanged', () => {
  const id = engine.insertOne(A, 'grow', JSON.stringify({ a: 'y'.repeat(9 * 1024 * 1024) }));
  const before = engine.findOne(A, 'grow', JSON.stringify({ _id: id }));
  refused(() => engine.updateOne(A, 'grow', JSON.stringify({ _id: id }), JSON.stringify({ $set: { b: 'z'.repeat(8 * 1024 * 1024) } })), 'RESOURCE_EXHAUSTED', 'past 16 MiB');
  assert.equal(engine.findOne(A, 'grow', JSON.stringify({ _id: id })), before);
});

test('nesting deeper than 100 levels is refused; 100 is accepted', () => {
  const nest = (n: number) => '{"a":'.repeat(n - 1) + '{}' + '}'.repeat(n - 1);
  assert.ok(engine.insertOne(A, 'deep', nest(100)));
  refused(() => engine.insertOne(A, 'deep', nest(5000)), 'INVALID_ARGUMENT', 'nested 5000 levels deep; the limit is 100');
  refused(() => engine.find(A, 'deep', '['.repeat(200) + ']'.repeat(200)), 'INVALID_ARGUMENT', 'the limit is 100');
  assert.equal(engine.count(A, 'deep', '{}'), 1);
});

test('non-JSON, non-UTF-8 and non-object input get INVALID_ARGUMENT naming the field', () => {
  refused(() => svc.InsertOne({ app_id: A, collection: 'c', document_json: Buffer.from('{"a": ') }), 'INVALID_ARGUMENT', 'document_json is not valid JSON');
  refused(() => svc.InsertOne({ app_id: A, collection: 'c', document_json: Buffer.from([0x7b, 0xff, 0x7d]) }), 'INVALID_ARGUMENT', 'document_json is not valid UTF-8');
  refused(() => svc.InsertOne({ app_id: A, collection: 'c', document_json: Buffer.from('[1,2]') }), 'INVALID_ARGUMENT', 'document_json must be a JSON object, not an array');
  refused(() => svc.InsertOne({ app_id: A, collection: 'c', document_json: Buffer.alloc(0) }), 'INVALID_ARGUMENT', 'document_json is empty');
  refused(() => svc.Find({ app_id: A, collection: 'c', filter_json: Buffer.from('nope') }), 'INVALID_ARGUMENT', 'filter is not valid JSON');
  refused(() => svc.Find({ app_id: A, collection: 'c', filter_json: Buffer.from('{}'), sort_json: Buffer.from('[1]') }), 'INVALID_ARGUMENT', 'sort must be an object');
  refused(() => svc.UpdateOne({ app_id: A, collection: 'c', filter_json: Buffer.from('{}'), update_json: Buffer.from('"x"') }), 'INVALID_ARGUMENT', 'update_json must be a JSON object');
  refused(() => svc.Count({ app_id: '', collection: 'c' }), 'INVALID_ARGUMENT', 'app_id is empty');
  refused(() => svc.Count({ app_id: A, collection: 'a$b' }), 'INVALID_ARGUMENT', "contains '$'");
  assert.equal(engine.count(A, 'c', '{}'), 0);
});

test('field names the platform refuses ($-prefixed, dotted, NUL) are refused at any depth', () => {
  refused(() => engine.insertOne(A, 'names', '{"ok":{"$where":1}}'), 'INVALID_ARGUMENT', "starts with '$'");
  refused(() => engine.insertOne(A, 'names', '{"list":[{"a.b":1}]}'), 'INVALID_ARGUMENT', "contains '.'");
  refused(() => engine.insertOne(A, 'names', '{"a\\u0000b":1}'), 'INVALID_ARGUMENT', 'NUL');
  refused(() => engine.find(A, 'names', '{"a\\"b":1}'), 'INVALID_ARGUMENT', 'contains a quote');
  assert.equal(engine.count(A, 'names', '{}'), 0);
});

test('insert_many is all or nothing; a duplicate _id is ALREADY_EXISTS and keeps the first', () => {
  engine.insertOne(A, 'dups', '{"_id":"k1","v":1}');
  refused(() => engine.insertMany(A, 'dups', ['{"_id":"k2"}', '{"_id":"k1","v":2}']), 'ALREADY_EXISTS', 'documents_json[1]: a document with _id "k1" already exists');
  refused(() => engine.insertMany(A, 'dups', ['{"_id":"k3"}', '{"$bad":1}']), 'INVALID_ARGUMENT', 'documents_json[1]');
  assert.deepEqual(engine.find(A, 'dups', '{}'), ['{"_id":"k1","v":1}']);
  refused(() => engine.insertOne(A, 'dups', '{"_id":{"a":1}}'), 'INVALID_ARGUMENT', '_id must be a string or a number');
});

test('numbers keep their exact form: a float stays a float, a big integer stays whole', () => {
  const id = engine.insertOne(A, 'nums', '{"price":10.0,"big":12345678901234567890,"n":1}');
  engine.updateOne(A, 'nums', JSON.stringify({ _id: id }), '{"$set":{"tax":2.50},"$inc":{"price":1}}');
  assert.equal(engine.findOne(A, 'nums', JSON.stringify({ _id: id })), `{"_id":"${id}","price":11.0,"big":12345678901234567890,"n":1,"tax":2.50}`);
});

test('the service answers the wire shapes: ids, empty document_json for none, counts', () => {
  const { id } = svc.InsertOne({ app_id: A, collection: 'wire', document_json: Buffer.from('{"a":1}') });
  assert.match(id, /^[0-9a-f]{24}$/);
  assert.deepEqual(svc.FindOne({ app_id: A, collection: 'wire', filter_json: Buffer.from('{"a":2}') }).document_json.length, 0);
  assert.equal(svc.FindOne({ app_id: A, collection: 'wire', filter_json: Buffer.alloc(0) }).document_json.toString(), `{"_id":"${id}","a":1}`);
  const { ids } = svc.InsertMany({ app_id: A, collection: 'wire', documents_json: [Buffer.from('{"a":2}'), Buffer.from('{"a":3}')] });
  assert.equal(ids.length, 2);
  assert.deepEqual(svc.UpdateOne({ app_id: A, collection: 'wire', filter_json: Buffer.from('{"a":2}'), update_json: Buffer.from('{"$set":{"b":1}}'), upsert: false }), { matched: 1, modified: 1 });
  assert.equal(svc.Find({ app_id: A, collection: 'wire', filter_json: Buffer.from('{}'), limit: 2, skip: 1, sort_json: Buffer.from('{"a":-1}') }).documents_json.length, 2);
  assert.deepEqual(svc.Count({ app_id: A, collection: 'wire', filter_json: Buffer.from('{"a":{"$gte":2}}') }), { count: 2 });
  assert.deepEqual(svc.DeleteMany({ app_id: A, collection: 'wire', filter_json: Buffer.from('{"a":{"$gte":2}}') }), { deleted: 2 });
  assert.deepEqual(svc.DeleteOne({ app_id: A, collection: 'wire', filter_json: Buffer.from('{}') }), { deleted: 1 });
  assert.deepEqual(svc.GetCollectionSchema({ app_id: A, name: 'wire', scope: 'user', user_id: 'u1' }), { found: false });
  svc.UpsertCollectionSchema({ app_id: A, schema: { name: 'wire', scope: 'user', columns: [{ key: 'a', type: 'number', label: '', format: '' }], user_id: 'u1', owner_id: '', session_id: '' } });
  assert.equal(svc.GetCollectionSchema({ app_id: A, name: 'wire', scope: 'user', user_id: 'u1' }).schema?.columns[0]?.type, 'number');
  assert.deepEqual(svc.GetCollectionSchema({ app_id: A, name: 'wire', scope: 'user', user_id: 'u2' }), { found: false });
  assert.equal(svc.ListCollectionSchemas({ app_id: A, scope: 'user', user_id: 'u1' }).schemas.length, 1);
  refused(() => svc.UpsertCollectionSchema({ app_id: A, schema: { name: 'wire', scope: 'team', columns: [] } }), 'INVALID_ARGUMENT', 'scope must be one of');
});
