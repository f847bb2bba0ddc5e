// The real SDK (cpsl in the project's .venv) against the emulator's DataService: an app's handler
// does collection CRUD, the SDK's query helpers and the KV store through gRPC; the data is still
// there after the emulator is stopped and started again, and after it is killed with SIGKILL.
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startEmulator, type RunningEmulator } from '../support/emulator';
import { requireSdkPython } from '../support/python';

const APP = join(import.meta.dirname, 'fixtures-app', 'notes');

async function say(emu: RunningEmulator, text: string, session?: string): Promise<{ reply: string; session: string }> {
  const r = await emu.api('/api/chat', { method: 'POST', body: JSON.stringify({ text, ...(session ? { session_id: session } : {}) }) });
  const body = (await r.json()) as { reply: string; session_id: string; error?: string };
  assert.equal(r.status, 200, JSON.stringify(body));
  return { reply: body.reply, session: body.session_id };
}
const parsed = async (emu: RunningEmulator, text: string, session?: string): Promise<unknown> => JSON.parse((await say(emu, text, session)).reply);

describe('collections and KV through the real SDK', () => {
  const python = requireSdkPython();
  let emu: RunningEmulator | undefined;
  let workspace: string | undefined;
  let kvSession: string | undefined;
  const start = async () => (emu = await startEmulator({ app: APP, entry: 'app.py:app', args: ['--python', python], ...(workspace ? { workspace } : {}) }));
  after(async () => {
    await emu?.stop();
    emu?.cleanup();
  });

  test('CRUD, queries, scoped collections and the KV store from a handler', async () => {
    const e = await start();
    workspace = e.workspace;
    const ids = (await parsed(e, 'add a,b,bb,c')) as string[];
    assert.equal(ids.length, 4);
    for (const id of ids) assert.match(id, /^[0-9a-f]{24}$/);
    // notes is declared sortable and filterable with columns text and n: both are indexed before
    // any query asks (only inserts so far).
    const { CollectionsEngine, dataFile } = await import('../../emulator/collections');
    const db = CollectionsEngine.open(dataFile(e.storeDir), { mustExist: true, readonly: true });
    try {
      const paths = (t: string) => db.db.prepare(`SELECT path FROM ${t} WHERE collection = 'notes' ORDER BY path`).pluck().all();
      assert.deepEqual(paths('sort_paths'), ['n', 'text']);
      assert.deepEqual(paths('eq_paths'), ['n', 'text']);
    } finally {
      db.close();
    }
    assert.deepEqual(await parsed(e, 'list'), ['c', 'bb']);
    assert.deepEqual(await parsed(e, 'query'), { texts: ['bb', 'b'], count: 4 });
    const bumped = (await parsed(e, 'bump bb')) as { res: unknown; inc: unknown; row: Record<string, unknown> };
    assert.deepEqual(bumped.res, { matched: 1, modified: 1 });
    assert.deepEqual(bumped.inc, { matched: 1, modified: 1 });
    assert.deepEqual(bumped.row, { _id: ids[2], id: ids[2], text: 'bb', n: 12, done: true, log: ['bumped'] });
    assert.deepEqual(await parsed(e, 'remove a'), { res: { deleted: 1 }, count: 3 });
    assert.deepEqual(await parsed(e, 'mine hello'), [['hello', 'user_dev']]);
    const { session } = await say(e, 'kvset k=5');
    assert.deepEqual(await parsed(e, 'kvget k', session), { session: 5, user: 'user-5', app: { v: 5 }, missing: 'dflt' });
    // Another session of the same user sees the user's value, not the first session's.
    assert.deepEqual(await parsed(e, 'kvget k'), { session: null, user: 'user-5', app: { v: 5 }, missing: 'dflt' });
    // Column schemas (GetCollectionSchema / UpsertCollectionSchema) and a dynamic user-scoped collection.
    assert.deepEqual(await parsed(e, 'cols'), {
      before: ['text', 'n'],
      after: [['text', 'text', null], ['n', 'text', null], ['price', 'currency', 'Price']],
      again: ['text', 'n', 'price'],
      dyn: [['title', 'text'], ['done', 'boolean']],
      dyn_rows: [['t1', 'user_dev']],
    });
    const bad = (await parsed(e, 'bad')) as { detail: string };
    assert.match(bad.detail, /unknown operator "\$near" on "n"/);
    kvSession = session;
  });

  test('the data survives a restart of the emulator', async () => {
    assert.ok(emu && workspace, 'the first test ran');
    assert.equal(await emu.stop(), 0);
    const e = await start();
    assert.deepEqual(await parsed(e, 'query'), { texts: ['bb', 'b'], count: 3 });
    assert.deepEqual(await parsed(e, 'kvget k', kvSession), { session: 5, user: 'user-5', app: { v: 5 }, missing: 'dflt' });
  });

  test('an acknowledged write survives the emulator being killed with SIGKILL', async () => {
    assert.ok(emu && workspace, 'the first test ran');
    const { session } = await say(emu, 'kvset after=7');
    await parsed(emu, 'add z');
    await emu.kill9();
    const e = await start();
    assert.deepEqual(await parsed(e, 'kvget after', session), { session: 7, user: 'user-7', app: { v: 7 }, missing: 'dflt' });
    assert.deepEqual(await parsed(e, 'kvdel after', session), { session: null, user: 'user-7' });
    assert.equal(((await parsed(e, 'query')) as { count: number }).count, 4);
  });
});
