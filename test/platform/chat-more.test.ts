// The web chat and the chat page beyond messages, headless Chromium on the real SDK
// (fixtures/chat-more): an action suggestion runs the app's action in the same session (its
// reply in the chat, its write in the collection), and bad ones (an action the app lacks, a
// reserved name, a payload keyed "__proto__", one larger than the emulator takes) get a clear
// error in the chat and break nothing; a table over a collection in the chat shows its rows, as
// the session sees them, and follows changes, page by page past row 50 and sorted by a header
// click (each page the SDK's query), while a query the emulator refuses (bad pages and limits,
// unknown and hostile names, a scope wider than the collection's) gets a 4xx; the chat page with mode="single" always opens the
// owner's one session for its thread key (first visit, reload, another browser, a restart, another
// persona its own, members of one org one together); and an open page's data widgets follow changes made outside any chat turn (an
// action over the API, a background task, a setting saved).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, signIn, withBrowser, browserForSuite } from '../support/browser';
import { waitFor } from '../support/wait';
import { startEmulator, fixture, type RunningEmulator } from '../support/emulator';
import { chat as apiChat, json } from '../emulator/helpers';

const T = 30_000;
const HOSTILE = '<img src=x onerror=alert(1)>';
const APP = fixture('platform', 'chat-more');

type Collections = { collections: Array<{ app: string; name: string; count: number }> };
type Documents = { documents: Array<Record<string, unknown>> };

/** The documents of the app's collection `name`, read from the emulator's store. */
async function documents(emu: RunningEmulator, name: string): Promise<Array<Record<string, unknown>>> {
  const list = await json<Collections>(emu, '/api/dashboard/collections');
  const c = list.body.collections.find((x) => x.name === name);
  if (!c) return [];
  const r = await json<Documents>(emu, `/api/dashboard/collections/${encodeURIComponent(c.app)}/${encodeURIComponent(name)}?per_page=200`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.documents;
}

describe('the web chat: action suggestions and tables over collections', () => {
  let emu: RunningEmulator;
  let page: Page;
  let dialogs: string[];
  let errors: string[];

  browserForSuite({ app: APP }, async (e, browser) => {
    emu = e;
    ({ page, errors, dialogs } = await signIn(browser, emu, '/chat'));
    await page.getByRole('textbox', { name: 'Message' }).waitFor({ timeout: T });
  });

  const messages = () => page.locator('#messages');
  const send = () => page.getByRole('button', { name: 'Send', exact: true });

  async function dump(e: Error): Promise<never> {
    throw new Error(`${e.message}\n--- chat ---\n${await messages().innerText().catch(() => '?')}\n--- emulator ---\n${emu.output().slice(-3000)}`);
  }
  async function idle(): Promise<void> {
    await waitFor('the chat to accept a message', () => send().isEnabled(), T).catch(dump);
  }
  async function say(text: string, reply: string): Promise<void> {
    await idle();
    const replies = messages().locator('.msg.app', { hasText: reply });
    const before = await replies.count();
    const box = page.getByRole('textbox', { name: 'Message' });
    await box.fill(text);
    await box.press('Enter');
    await waitFor(`the reply "${reply}" to "${text}"`, async () => (await replies.count()) > before, T).catch(dump);
    await idle();
  }
  const sessionId = async () => (await page.locator('#session-title').innerText()).replace(/^Session /, '').trim();
  const suggestions = () => page.getByRole('group', { name: 'Next steps' });

  test('an action suggestion runs the action in the same session: its reply in the chat, its order in the store', async () => {
    await say('offer', 'offered');
    const sid = await sessionId();
    assert.match(sid, /^ses_/);
    const buttons = suggestions().getByRole('button');
    assert.deepEqual(await buttons.allInnerTexts(), ['Approve widget', 'just text', 'Ghost', 'Proto', 'Huge', HOSTILE]);
    assert.equal(await suggestions().getByRole('button', { name: 'Approve widget' }).isEnabled(), true);

    const users = await messages().locator('.msg.user').count();
    await suggestions().getByRole('button', { name: 'Approve widget' }).click();
    await messages().locator('.msg.app', { hasText: `approved widget in ${sid}` }).waitFor({ timeout: T }).catch(dump);
    await idle();
    assert.equal(await messages().locator('.msg.user').count(), users, 'a click adds no user message');
    assert.equal(await sessionId(), sid, 'the same session');
    const stored = await documents(emu, 'orders');
    assert.deepEqual(stored.map((d) => [d.item, d.qty, d.session]), [['widget', 3, sid]], 'the action wrote its order, in this session');

    // The session's history has the action's reply and no user message for the click.
    const s = await json<{ history: Array<{ sender: string; text: string }> }>(emu, `/api/webchat/sessions/${sid}`);
    assert.deepEqual(s.body.history.filter((h) => h.sender !== 'block').map((h) => [h.sender, h.text]), [['user', 'offer'], ['app', 'offered'], ['app', `approved widget in ${sid}`]]);

    // A prompt suggestion still sends its text.
    await suggestions().getByRole('button', { name: 'just text' }).click();
    await messages().locator('.msg.app', { hasText: 'text picked' }).waitFor({ timeout: T }).catch(dump);
    await idle();
  });

  test('bad action suggestions get a clear error in the chat; nothing breaks', async () => {
    const errorsShown = messages().locator('.msg.error');
    const click = async (name: string, expect: RegExp) => {
      const before = await errorsShown.count();
      await suggestions().getByRole('button', { name, exact: true }).click();
      await waitFor(`the error of "${name}"`, async () => (await errorsShown.count()) > before, T).catch(dump);
      assert.match(await errorsShown.last().innerText(), expect);
      await idle();
    };
    await click('Ghost', /Unknown action 'no_such_action'.*approve/);
    await click(HOSTILE, /"__session_init__" is reserved by the platform/);
    await click('Huge', /The action "Huge" was not run: its payload is larger than the emulator takes/);

    // "__proto__" is a key like any other: the handler gets it; nothing in the page or the emulator is polluted.
    await suggestions().getByRole('button', { name: 'Proto' }).click();
    await messages().locator('.msg.app', { hasText: 'echo keys ["__proto__", "constructor", "ok"]' }).waitFor({ timeout: T }).catch(dump);
    await idle();
    assert.equal(await page.evaluate(() => ({} as Record<string, unknown>).polluted), undefined);
    assert.equal(await messages().locator('img').count(), 0, 'the hostile label stayed text');

    // The chat goes on, and the emulator answers.
    await say('hello', 'said hello');
    assert.equal((await apiChat(emu, 'ping')).body.reply, 'said ping');
    // A direct post of bad input is refused by name.
    const sid = await sessionId();
    for (const [body, status, re] of [
      [{ name: 'approve', sessionId: 'ses_nope' }, 404, /no session ses_nope/],
      [{ name: '', sessionId: sid }, 400, /names no action/],
      [{ name: 'approve', sessionId: sid, payload: [1, 2] }, 400, /"payload" must be a JSON object/],
      [{ name: 'x'.repeat(500), sessionId: sid }, 400, /at most 128 characters/],
    ] as const) {
      const r = await json<{ error: string }>(emu, '/api/webchat/actions', body);
      assert.equal(r.status, status, JSON.stringify(r.body));
      assert.match(r.body.error, re);
    }
    assert.deepEqual(dialogs, []);
    assert.deepEqual(errors, []);
  });

  test('a table over a collection shows its rows, and follows an order added by a task after the turn', async () => {
    await say('orders', 'tabled');
    const table = page.getByRole('group', { name: 'Table Orders' }).last();
    await waitFor('the orders in the chat', async () => ((await table.locator('tbody tr').count()) === 1 ? true : undefined), T).catch(dump);
    assert.deepEqual(await table.locator('thead th').allInnerTexts(), ['item', 'qty']);
    assert.deepEqual(await table.locator('tbody tr').nth(0).locator('td').allInnerTexts(), ['widget', '3']);
    assert.doesNotMatch(await table.innerText(), /does not draw|null|undefined/);

    // A task adds an order once the turn is over: the table reads it again without a click.
    await say('restock', 'restocking');
    await waitFor('the task\'s order in the chat\'s table', async () => ((await table.locator('tbody tr').count()) === 2 ? true : undefined), T).catch(dump);
    assert.deepEqual(await table.locator('tbody tr').nth(1).locator('td').allInnerTexts(), ['gadget', '99']);
  });

  test('a ui.Table over a session-scoped collection shows this session\'s rows only, also from the history', async () => {
    await say('jot first', 'jotted');
    const notes = () => page.getByRole('group', { name: 'Table My notes' }).last();
    await waitFor('the note', async () => ((await notes().locator('tbody tr').count()) === 1 ? true : undefined), T).catch(dump);
    assert.deepEqual(await notes().locator('tbody td').allInnerTexts(), ['first']);
    // Another session's note is not this session's.
    await apiChat(emu, `jot ${HOSTILE}`);
    await say('jot second', 'jotted');
    await waitFor('two notes', async () => ((await notes().locator('tbody tr').count()) === 2 ? true : undefined), T).catch(dump);
    assert.deepEqual(await notes().locator('tbody td').allInnerTexts(), ['first', 'second']);
    assert.equal((await documents(emu, 'notes')).length, 3, 'three notes in the store, two of them this session\'s');

    await page.reload();
    await messages().locator('.msg.app', { hasText: 'jotted' }).first().waitFor({ timeout: T }).catch(dump);
    await waitFor('the notes from the history', async () => ((await notes().locator('tbody tr').count()) === 2 ? true : undefined), T).catch(dump);
    assert.deepEqual(await notes().locator('tbody td').allInnerTexts(), ['first', 'second']);
    assert.equal(await messages().locator('img').count(), 0);
    assert.deepEqual(errors, []);
  });

  test('a table over a collection pages past row 50 and sorts by a header click, each page read from the server', async () => {
    const asked: URL[] = [];
    const onRequest = (r: { url(): string }) => {
      const u = new URL(r.url());
      if (u.pathname === '/apps/chat-more/endpoints/collection/parts') asked.push(u);
    };
    page.on('request', onRequest);
    try {
      await say('parts', 'parts shown');
      const table = page.getByRole('group', { name: 'Table Parts' }).last();
      const rows = table.locator('tbody tr');
      const count = table.locator('.table-count');
      const column = async (i: number) => (await rows.evaluateAll((trs, n) => trs.map((tr) => (tr.children[n] as HTMLElement).innerText), i));
      const shows = async (what: string, status: string, first: string, last: string, n: number) => {
        await waitFor(what, async () => ((await count.innerText().catch(() => '')) === status && (await column(0))[0] === first ? true : undefined), T).catch(dump);
        const skus = await column(0);
        assert.equal(skus.length, n, `${what}: ${n} rows`);
        assert.equal(skus[skus.length - 1], last, what);
      };
      await shows('page 1', '120 rows · 1–50 · page 1 of 3', 'p001', 'p050', 50);
      assert.deepEqual(await table.locator('thead th').allInnerTexts(), ['sku', 'qty']);
      assert.equal(await table.getByRole('button', { name: 'Previous' }).isDisabled(), true);
      await table.getByRole('button', { name: 'Next' }).click();
      await shows('page 2', '120 rows · 51–100 · page 2 of 3', 'p051', 'p100', 50);
      await table.getByRole('button', { name: 'Next' }).click();
      await shows('page 3', '120 rows · 101–120 · page 3 of 3', 'p101', 'p120', 20);
      assert.equal(await table.getByRole('button', { name: 'Next' }).isDisabled(), true);
      await table.getByRole('button', { name: 'Previous' }).click();
      await shows('page 2 again', '120 rows · 51–100 · page 2 of 3', 'p051', 'p100', 50);

      // A header click sorts (by the server, over every row) and goes back to page 1; again, the other way.
      await table.getByRole('button', { name: 'qty' }).click();
      await shows('qty ascending', '120 rows · 1–50 · page 1 of 3', 'p120', 'p071', 50);
      assert.deepEqual((await column(1)).slice(0, 3), ['880', '881', '882']);
      assert.equal(await table.locator('th[aria-sort="ascending"]').innerText(), 'qty ▲');
      await table.getByRole('button', { name: /^qty/ }).click();
      await shows('qty descending', '120 rows · 1–50 · page 1 of 3', 'p001', 'p050', 50);
      assert.equal(await table.locator('th[aria-sort="descending"]').innerText(), 'qty ▼');
      await table.getByRole('button', { name: 'Next' }).click();
      await table.getByRole('button', { name: 'Next' }).click();
      await shows('qty descending, page 3', '120 rows · 101–120 · page 3 of 3', 'p101', 'p120', 20);
      assert.deepEqual((await column(1)).slice(-2), ['881', '880']);

      // Every page was a query of the SDK's route, as the chat's session, with the SDK's page size.
      const q = asked.map((u) => Object.fromEntries(u.searchParams));
      assert.ok(q.every((x) => x.per_page === '50' && /^ses_/.test(x.session_id ?? '')), JSON.stringify(q));
      assert.ok(q.some((x) => x.page === '3' && x.sort === 'qty' && x.sort_dir === 'desc'), JSON.stringify(q));
      assert.ok(q.some((x) => x.page === '2' && x.sort === undefined), JSON.stringify(q));
      assert.deepEqual(errors, []);
    } finally {
      page.off('request', onRequest);
    }
  });

  test('a collection query the emulator refuses gets a 4xx naming why (bad pages and limits, hostile names, a wider scope); what the SDK answers itself reaches it', async () => {
    const { cases } = JSON.parse(readFileSync(join(APP, 'collection-queries.json'), 'utf8')) as { cases: Array<{ method?: string; query: string; body?: unknown; status: number; error: string }> };
    assert.ok(cases.length >= 20);
    for (const c of cases) {
      const r = await json<{ error?: string }>(emu, `/apps/chat-more/endpoints/collection/${c.query}`, c.body, c.method);
      assert.equal(r.status, c.status, `${c.query}: ${JSON.stringify(r.body)}`);
      assert.match(String(r.body.error), new RegExp(c.error), c.query);
    }
    // What the SDK reads as it would: a page, a sort, the collection's own scope or a narrower one.
    const ok = await json<{ data: Array<{ sku: string }>; total: number; page: number; per_page: number }>(emu, '/apps/chat-more/endpoints/collection/parts?page=2&per_page=7&sort=sku&sort_dir=desc');
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.deepEqual([ok.body.total, ok.body.page, ok.body.per_page, ok.body.data.map((d) => d.sku)], [120, 2, 7, ['p113', 'p112', 'p111', 'p110', 'p109', 'p108', 'p107']]);
    // What the SDK answers itself reaches it: a per_page over its cap (read as 200), a filter that
    // is no object (ignored), a collection neither declared nor stored (dynamic: no rows).
    const capped = await json<{ per_page: number; data: unknown[]; total: number }>(emu, '/apps/chat-more/endpoints/collection/parts?per_page=1000000000000000000000&filter=%5B1%5D');
    assert.equal(capped.status, 200, JSON.stringify(capped.body));
    assert.deepEqual([capped.body.per_page, capped.body.data.length, capped.body.total], [200, 120, 120]);
    for (const dynamic of ['no_such_thing', 'constructor']) {
      const none = await json<{ data: unknown[]; total: number }>(emu, `/apps/chat-more/endpoints/collection/${dynamic}`);
      assert.equal(none.status, 200, `${dynamic}: ${JSON.stringify(none.body)}`);
      assert.deepEqual([none.body.data, none.body.total], [[], 0], dynamic);
    }
    const sid = await sessionId();
    const mine = await json<{ data: Array<{ text: string }> }>(emu, `/apps/chat-more/endpoints/collection/notes?scope=session&session_id=${sid}`);
    assert.equal(mine.status, 200, JSON.stringify(mine.body));
    assert.deepEqual(mine.body.data.map((d) => d.text), ['first', 'second']);
    const narrower = await json<{ data: unknown[] }>(emu, `/apps/chat-more/endpoints/collection/orders?scope=session&session_id=${sid}`);
    assert.equal(narrower.status, 200, 'an app-scoped collection may be read narrower');
    // A write in the collection's own scope reaches the SDK (its answer, its checks).
    const first = await json<{ data: Array<{ _id: string; sku: string }> }>(emu, '/apps/chat-more/endpoints/collection/parts?per_page=1');
    const row = first.body.data[0]!;
    const patched = await json<{ row?: { qty: number } }>(emu, `/apps/chat-more/endpoints/collection/parts/${encodeURIComponent(row._id)}`, { updates: { qty: 7 } }, 'PATCH');
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.equal(patched.body.row?.qty, 7);
    const refused = await json<{ error?: string }>(emu, `/apps/chat-more/endpoints/collection/parts/${encodeURIComponent(row._id)}`, { updates: { _session_id: 'x' } }, 'PATCH');
    assert.equal(refused.status, 400, 'the SDK\'s own refusal comes back as it is');
    assert.match(String(refused.body.error), /cannot edit fields: _session_id/);
    // The emulator still answers, and the page's own table still reads.
    assert.equal((await apiChat(emu, 'ping')).body.reply, 'said ping');
  });
});

test('a page\'s data widgets follow changes made outside a chat turn: an action over the API, a task, a setting saved', async () => {
  await withBrowser({ app: APP }, async (emu, browser) => {
    const { page, errors } = await signIn(browser, emu, '/pages/chat-more/board');
    const table = page.locator('.ui-table', { hasText: 'All orders' });
    const metric = page.locator('.ui-metric', { hasText: 'Orders' });
    await table.locator('td', { hasText: 'No rows.' }).waitFor({ timeout: T });
    await waitFor('the metric at 0', async () => (/Orders\s+0/.test(await metric.innerText()) ? true : undefined), T);

    // An action run over the API (no page, no chat) adds an order.
    const r = await json<{ reply: string }>(emu, '/api/actions/run', { name: 'approve', payload: { item: 'bolt', qty: 7 } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    await waitFor('the action\'s order on the page', async () => ((await table.locator('tbody tr').count()) === 1 && (await table.locator('tbody td').first().innerText()) === 'bolt' ? true : undefined), T);
    await waitFor('the metric at 1', async () => (/Orders\s+1/.test(await metric.innerText()) ? true : undefined), T);

    // A background task adds one after its turn ended.
    assert.equal((await apiChat(emu, 'restock')).body.reply, 'restocking');
    await waitFor('the task\'s order on the page', async () => ((await table.locator('tbody tr').count()) === 2 ? true : undefined), T);
    await waitFor('the metric at 2', async () => (/Orders\s+2/.test(await metric.innerText()) ? true : undefined), T);

    // A setting saved from the page: the data source that reads it is read again.
    const tone = page.locator('.ui-metric', { hasText: 'Tone now' });
    await waitFor('the tone at calm', async () => (/Tone now\s+calm/.test(await tone.innerText()) ? true : undefined), T);
    const select = page.locator('.ui-setting', { hasText: 'Tone' }).locator('select');
    await waitFor('the setting to be read', () => select.isEnabled(), T);
    await select.selectOption('loud');
    await page.locator('.ui-setting', { hasText: 'Tone' }).locator('.ui-result', { hasText: 'Saved' }).waitFor({ timeout: T });
    await waitFor('the tone at loud', async () => (/Tone now\s+loud/.test(await tone.innerText()) ? true : undefined), T);
    assert.deepEqual(errors, []);
  });
});

test('the chat page with mode="single" opens the owner\'s one session for its thread key: reload, another browser, a restart', async () => {
  let emu = await startEmulator({ app: APP });
  let first = await launchBrowser();
  let second: Awaited<ReturnType<typeof launchBrowser>> | undefined;
  try {
    const open = async (b: Browser, who?: string): Promise<{ page: Page; id: string }> => {
      const { page } = await signIn(b, emu, `/pages/chat-more/chat${who ? `?as=${who}` : ''}`);
      await page.locator('h1', { hasText: 'Desk' }).waitFor({ timeout: T });
      const frame = page.frameLocator('iframe.ui-chat-frame');
      await waitFor('the framed chat to be ready', async () => ((await frame.locator('#send').isEnabled()) ? true : undefined), T);
      const title = (await frame.locator('#session-title').innerText()).trim();
      return { page, id: title.replace(/^Session /, '') };
    };
    const { page, id } = await open(first.browser);
    assert.match(id, /^ses_/, 'the session exists on the first visit, before any message');
    const frame = page.frameLocator('iframe.ui-chat-frame');
    assert.equal(await frame.getByRole('button', { name: 'New session' }).isVisible(), false, 'no New session in mode="single"');
    await frame.locator('#input').fill('remember me');
    await frame.locator('#send').click();
    await frame.locator('.msg.app', { hasText: 'said remember me' }).waitFor({ timeout: T });
    const s = await json<{ threadKey?: string }>(emu, `/api/dashboard/sessions/${id}`);
    assert.equal(s.status, 200);

    await page.reload();
    const again = page.frameLocator('iframe.ui-chat-frame');
    await again.locator('.msg.app', { hasText: 'said remember me' }).waitFor({ timeout: T });
    assert.equal((await again.locator('#session-title').innerText()).trim(), `Session ${id}`, 'the same session after a reload');

    // Another browser (no local storage of this one): the same session.
    second = await launchBrowser();
    const other = await open(second.browser);
    assert.equal(other.id, id, 'the same session in another browser');
    await other.page.frameLocator('iframe.ui-chat-frame').locator('.msg.app', { hasText: 'said remember me' }).waitFor({ timeout: T });

    // Another persona: a session of their own.
    assert.equal((await apiChat(emu, 'hi', { user: 'erin' })).status, 200);
    const erin = await open(first.browser, 'user_erin');
    assert.notEqual(erin.id, id, 'another owner, another session');
    assert.equal(await erin.page.frameLocator('iframe.ui-chat-frame').locator('.msg.app').count(), 0);
    const erinAgain = await open(second.browser, 'user_erin');
    assert.equal(erinAgain.id, erin.id);

    // One session per thread: the web chat lists one for the user, however often the page opened.
    const listed = await json<{ sessions: Array<{ id: string }> }>(emu, '/api/webchat/sessions?user=user_dev&app=chat-more');
    assert.deepEqual(listed.body.sessions.map((x) => x.id), [id]);

    // The emulator restarts: the same session again, with its history. Meanwhile two personas
    // join one org (in the store, as a team's members would be): they share the org's session.
    for (const who of ['finn', 'gina']) assert.equal((await apiChat(emu, 'hi', { user: who })).status, 200);
    await second.close();
    second = undefined;
    await first.close();
    await emu.stop();
    const storeFile = join(emu.storeDir, 'store.json');
    const stored = JSON.parse(readFileSync(storeFile, 'utf8')) as { personas: Array<{ id: string; orgId?: string }> };
    for (const p of stored.personas) if (p.id === 'user_finn' || p.id === 'user_gina') p.orgId = 'acme';
    writeFileSync(storeFile, JSON.stringify(stored, null, 2));
    emu = await startEmulator({ app: APP, workspace: emu.workspace });
    type Thread = { sessionId: string; owner: string; created: boolean; threadKey: string; scope: string };
    const finn = await json<Thread>(emu, '/api/pages/chat-more/chat/thread', { user: 'user_finn' });
    const gina = await json<Thread>(emu, '/api/pages/chat-more/chat/thread', { user: 'user_gina' });
    assert.equal(finn.status, 200, JSON.stringify(finn.body));
    assert.deepEqual([finn.body.owner, finn.body.created, finn.body.threadKey, finn.body.scope], ['org:acme', true, 'desk:v1', 'owner']);
    assert.deepEqual([gina.body.sessionId, gina.body.owner, gina.body.created], [finn.body.sessionId, 'org:acme', false], 'members of one org share its session');
    assert.ok(![id, erin.id].includes(finn.body.sessionId));
    first = await launchBrowser();
    const restarted = await open(first.browser);
    assert.equal(restarted.id, id, 'the same session after a restart');
    await restarted.page.frameLocator('iframe.ui-chat-frame').locator('.msg.app', { hasText: 'said remember me' }).waitFor({ timeout: T });

    // The thread API refuses what it does not serve.
    const unknown = await json<{ error: string }>(emu, '/api/pages/chat-more/chat/thread', { user: 'user_nobody' });
    assert.equal(unknown.status, 400);
    assert.match(unknown.body.error, /no persona user_nobody/);
  } finally {
    await second?.close();
    await first.close();
    await emu.stop();
    emu.cleanup();
  }
});
