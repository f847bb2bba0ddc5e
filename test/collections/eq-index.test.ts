// Equality filters look their candidates up in an equality index kept by triggers (eq-index.ts)
// for up to 8 top-level fields per collection, and evaluate every document past that: both must
// answer the same, with arrays, mixed types and booleans, also after writes made once the index
// exists.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CollectionsEngine } from '../../emulator/collections';
import { MAX_EQ_PATHS } from '../../emulator/collections/eq-index';

const tmp = mkdtempSync(join(tmpdir(), 'capsule-collections-eq-'));
const engine = CollectionsEngine.open(join(tmp, 'data.sqlite'));
test.after(() => {
  engine.close();
  rmSync(tmp, { recursive: true, force: true });
});

const values = [5, 5.0, '5', true, 1, false, 0, ['x', 5], [['x']], { x: 1 }, null, 'x', [true], []];
const ids = (out: string[]) => out.map((d) => (JSON.parse(d) as { i: number }).i);
const filters = [{ v: 5 }, { v: '5' }, { v: true }, { v: 1 }, { v: false }, { v: 'x' }, { v: { $eq: 5 } }, { v: 5, w: 1 }, { $and: [{ v: 'x' }, { w: { $ne: 0 } }] }, { $or: [{ v: 'x' }, { v: 0 }] }];

test('indexed and unindexed equality answer the same, before and after writes', () => {
  const docs = values.map((v, i) => JSON.stringify({ i, v, w: i % 2 }));
  engine.insertMany('a', 'indexed', docs);
  engine.insertMany('a', 'plain', docs);
  for (let k = 0; k < MAX_EQ_PATHS; k++) engine.find('a', 'plain', JSON.stringify({ [`other${k}`]: 1 }));
  const compare = (when: string) => {
    for (const f of filters) {
      const s = JSON.stringify(f);
      assert.deepEqual(ids(engine.find('a', 'indexed', s)), ids(engine.find('a', 'plain', s)), `${when}: ${s}`);
    }
  };
  compare('before');
  assert.equal(engine.db.prepare("SELECT count(*) FROM eq_paths WHERE app = 'a' AND collection = 'plain' AND path = 'v'").pluck().get(), 0, 'the plain collection evaluates v');
  assert.ok((engine.db.prepare("SELECT count(*) FROM eq_keys WHERE app = 'a' AND collection = 'indexed' AND path = 'v'").pluck().get() as number) > 0);
  assert.deepEqual(ids(engine.find('a', 'indexed', '{"v":5}')), [0, 1, 7], '5 and 5.0, and an array holding 5');
  for (const c of ['indexed', 'plain']) {
    engine.updateOne('a', c, '{"i":2}', '{"$set":{"v":5}}');
    engine.updateOne('a', c, '{"i":7}', '{"$pull":{"v":5}}');
    engine.deleteOne('a', c, '{"i":3}');
    engine.insertOne('a', c, '{"i":20,"v":[1,true,"5"]}');
  }
  compare('after');
  assert.deepEqual(ids(engine.find('a', 'indexed', '{"v":5}')), [0, 1, 2]);
  assert.deepEqual(ids(engine.find('a', 'indexed', '{"v":true}')), [12, 20]);
});
