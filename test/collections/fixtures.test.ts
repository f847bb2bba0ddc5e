// The engine's semantics, one fixture per case (fixtures/*.json): the documents of a collection,
// one operation as the SDK sends it, and what it must answer or leave behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CollectionsEngine, Status } from '../../emulator/collections';

interface Fixture {
  about: string;
  documents: Array<Record<string, unknown>>;
  op: Record<string, { filter?: unknown; sort?: unknown; limit?: number; skip?: number; update?: unknown; upsert?: boolean }>;
  want: {
    ids?: string[];
    count?: number;
    result?: { matched: number; modified: number };
    doc?: Record<string, unknown>;
    doc_field?: Record<string, unknown>;
    new_doc?: Record<string, unknown>;
    ids_where?: { filter: unknown; ids?: string[]; count?: number };
    deleted?: number;
    remaining?: string[];
    error?: { code: keyof typeof Status; message: string };
  };
}

const dir = join(import.meta.dirname, 'fixtures');
const tmp = mkdtempSync(join(tmpdir(), 'capsule-collections-'));
const engine = CollectionsEngine.open(join(tmp, 'data.sqlite'));
test.after(() => {
  engine.close();
  rmSync(tmp, { recursive: true, force: true });
});

const j = (v: unknown): string | undefined => (v === undefined ? undefined : JSON.stringify(v));

for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
  const fx = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Fixture;
  test(`${file.replace(/\.json$/, '')}: ${fx.about}`, () => {
    const app = `fx_${file}`;
    const C = 'people';
    engine.insertMany(app, C, fx.documents.map((d) => JSON.stringify(d)));
    const [kind, args] = Object.entries(fx.op)[0]!;
    const ids = (docs: string[]) => docs.map((d) => (JSON.parse(d) as { _id: string })._id);
    const byId = (id: string) => JSON.parse(engine.findOne(app, C, JSON.stringify({ _id: id }))!) as Record<string, unknown>;
    const run = (): unknown => {
      switch (kind) {
        case 'find':
          return engine.find(app, C, j(args.filter), { sort: j(args.sort), limit: args.limit, skip: args.skip });
        case 'find_one': {
          const d = engine.findOne(app, C, j(args.filter));
          return d === undefined ? [] : [d];
        }
        case 'count':
          return engine.count(app, C, j(args.filter));
        case 'update_one':
          return engine.updateOne(app, C, j(args.filter), j(args.update), args.upsert === true);
        case 'delete_one':
          return engine.deleteOne(app, C, j(args.filter));
        case 'delete_many':
          return engine.deleteMany(app, C, j(args.filter));
        default:
          throw new Error(`unknown op ${kind} in ${file}`);
      }
    };
    const w = fx.want;
    if (w.error) {
      assert.throws(run, (e: { code?: number; message: string }) => {
        assert.equal(e.code, Status[w.error!.code], e.message);
        assert.ok(e.message.includes(w.error!.message), `message: ${e.message}`);
        return true;
      });
    } else {
      const out = run();
      if (w.ids) assert.deepEqual(ids(out as string[]), w.ids);
      if (w.count !== undefined && kind === 'count') assert.equal(out, w.count);
      if (w.result) assert.deepEqual({ matched: (out as { matched: number }).matched, modified: (out as { modified: number }).modified }, w.result);
      if (w.deleted !== undefined) assert.equal(out, w.deleted);
    }
    const target = (args.filter as { _id?: string } | undefined)?._id;
    if (w.doc) assert.deepEqual(byId(typeof target === 'string' ? target : (w.doc._id as string)), w.doc);
    if (w.doc_field) {
      const d = byId(target as string);
      for (const [k, v] of Object.entries(w.doc_field)) assert.deepEqual(d[k], v, k);
    }
    if (w.new_doc) {
      const found = engine.find(app, C, j(w.new_doc)).map((d) => JSON.parse(d) as Record<string, unknown>);
      assert.equal(found.length, 1);
      const { _id, ...rest } = found[0]!;
      assert.match(String(_id), /^[0-9a-f]{24}$/);
      assert.deepEqual(rest, w.new_doc);
    }
    if (w.ids_where) {
      const got = engine.find(app, C, j(w.ids_where.filter));
      if (w.ids_where.ids) assert.deepEqual(ids(got), w.ids_where.ids);
      if (w.ids_where.count !== undefined) assert.equal(got.length, w.ids_where.count);
    }
    if (w.count !== undefined && kind !== 'count') assert.equal(engine.count(app, C, '{}'), w.count);
    if (w.remaining) assert.deepEqual(ids(engine.find(app, C, '{}')), w.remaining);
  });
}
