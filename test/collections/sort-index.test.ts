// Sorted finds go through a sort index kept by triggers (sort-index.ts) for up to 8 paths per
// collection, and sort in memory past that: both orders must be the same, also after inserts,
// updates and deletes made once the index exists.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CollectionsEngine } from '../../emulator/collections';
import { MAX_SORT_PATHS } from '../../emulator/collections/sort-index';

const tmp = mkdtempSync(join(tmpdir(), 'capsule-collections-sort-'));
const engine = CollectionsEngine.open(join(tmp, 'data.sqlite'));
test.after(() => {
  engine.close();
  rmSync(tmp, { recursive: true, force: true });
});

const values = [3, 'b', null, [2, 9], [], { a: 1 }, true, false, 1.5, 'A', -4, [7], 'b', 3];
const docs = values.map((v, i) => JSON.stringify({ i, v, w: i % 3 }));
const ids = (out: string[]) => out.map((d) => (JSON.parse(d) as { i: number }).i);

test('the indexed order equals the in-memory order, both ways, with mixed types and arrays', () => {
  engine.insertMany('a', 'indexed', docs);
  engine.insertMany('a', 'plain', docs);
  // Fill the plain collection's sort indexes with other paths, so that sorting on v is in memory.
  for (let k = 0; k < MAX_SORT_PATHS; k++) engine.find('a', 'plain', '{}', { sort: JSON.stringify({ [`other${k}`]: 1 }), limit: 1 });
  const count = () => engine.db.prepare("SELECT count(*) FROM sort_paths WHERE app = 'a' AND collection = 'plain'").pluck().get();
  assert.equal(count(), MAX_SORT_PATHS);
  for (const sort of [{ v: 1 }, { v: -1 }, { w: 1, v: -1 }, { v: 1, w: -1 }]) {
    const s = JSON.stringify(sort);
    const indexed = ids(engine.find('a', 'indexed', '{}', { sort: s }));
    const plain = ids(engine.find('a', 'plain', '{}', { sort: s }));
    assert.deepEqual(indexed, plain, s);
    assert.deepEqual(ids(engine.find('a', 'indexed', '{"w":{"$ne":1}}', { sort: s, skip: 1, limit: 3 })), ids(engine.find('a', 'plain', '{"w":{"$ne":1}}', { sort: s, skip: 1, limit: 3 })), `${s} filtered page`);
  }
  assert.equal(count(), MAX_SORT_PATHS, 'no index past the cap');
  assert.deepEqual(ids(engine.find('a', 'indexed', '{}', { sort: '{"v":1}' })).slice(0, 4), [4, 2, 10, 8], 'empty array, null, then numbers');
});

test('the index follows inserts, updates and deletes made after it was built', () => {
  const s = JSON.stringify({ v: -1 });
  engine.updateOne('a', 'indexed', '{"i":0}', '{"$set":{"v":"zzz"}}');
  engine.updateOne('a', 'plain', '{"i":0}', '{"$set":{"v":"zzz"}}');
  engine.deleteMany('a', 'indexed', '{"v":"b"}');
  engine.deleteMany('a', 'plain', '{"v":"b"}');
  engine.insertOne('a', 'indexed', '{"i":99,"v":[100,-100]}');
  engine.insertOne('a', 'plain', '{"i":99,"v":[100,-100]}');
  assert.deepEqual(ids(engine.find('a', 'indexed', '{}', { sort: s })), ids(engine.find('a', 'plain', '{}', { sort: s })));
  assert.equal(ids(engine.find('a', 'indexed', '{}', { sort: s }))[0], 6, 'true is the largest value');
  assert.deepEqual(ids(engine.find('a', 'indexed', '{"v":{"$size":2}}', { sort: '{"v":1}' })), [99, 3], '[100, -100] sorts by -100 ascending, before [2, 9]');
  engine.reset();
  assert.equal(engine.db.prepare('SELECT count(*) FROM sort_keys').pluck().get(), 0);
});
