// The dashboard's collections browser in headless Chromium against a real emulator and an app on
// the real SDK: the Collections card lists each collection with its scope and count; a
// collection opens page by page, filters by a JSON filter, sorts, and says what is wrong with a
// bad filter. Also the browser's API on its own (scopes, paging limits, errors).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { signIn, browserForSuite } from '../support/browser';
import type { RunningEmulator } from '../support/emulator';
import { requireSdkPython } from '../support/python';

const APP = join(import.meta.dirname, 'fixtures-app', 'notes');

describe('the collections browser', () => {
  let emu: RunningEmulator;
  let browser: Browser;
  let session = '';

  const say = async (text: string) => {
    const r = await emu.api('/api/chat', { method: 'POST', body: JSON.stringify({ text, ...(session ? { session_id: session } : {}) }) });
    const body = (await r.json()) as { reply: string; session_id: string };
    assert.equal(r.status, 200, JSON.stringify(body));
    session ||= body.session_id;
    return body.reply;
  };

  browserForSuite({ app: APP, entry: 'app.py:app', args: ['--python', requireSdkPython()] }, async (e, b) => {
    [emu, browser] = [e, b];
    await say(`add ${Array.from({ length: 30 }, (_, i) => `note${String(i).padStart(2, '0')}`).join(',')}`);
    await say('mine secret-free');
    await say('kvset theme="dark"');
  });

  test('the API lists collections with scope and count, and pages, filters and sorts one', async () => {
    const list = (await (await emu.api('/api/dashboard/collections')).json()) as { collections: Array<{ app: string; name: string; count: number; scope: string; declared: boolean }> };
    const by = Object.fromEntries(list.collections.map((c) => [c.name, c]));
    assert.equal(by.notes?.count, 30);
    assert.equal(by.notes?.scope, 'app');
    assert.equal(by.mine?.scope, 'user');
    assert.equal(by._kv?.scope, 'mixed (app, user, session)');
    assert.deepEqual([by.later?.count, by.later?.scope, by.later?.declared], [0, 'owner', true], 'a declared collection without documents');
    assert.equal(by.notes?.declared, true);
    const app = by.notes!.app;
    const page = async (q: string) => {
      const r = await emu.api(`/api/dashboard/collections/${encodeURIComponent(app)}/notes?${q}`);
      return { status: r.status, body: (await r.json()) as { total: number; documents: Array<{ text: string; n: number }>; error?: string } };
    };
    const p2 = await page('page=2&per_page=10&sort=n&sort_dir=desc');
    assert.equal(p2.body.total, 30);
    assert.deepEqual(p2.body.documents.map((d) => d.n), [19, 18, 17, 16, 15, 14, 13, 12, 11, 10]);
    const f = await page(`filter=${encodeURIComponent('{"n":{"$lt":3}}')}`);
    assert.deepEqual(f.body.documents.map((d) => d.text), ['note00', 'note01', 'note02']);
    assert.equal(f.body.total, 3);
    const bad = await page(`filter=${encodeURIComponent('{"n":{"$near":1}}')}`);
    assert.equal(bad.status, 400);
    assert.match(bad.body.error!, /unknown operator "\$near"/);
    assert.equal((await page('per_page=500')).status, 400);
    assert.equal((await page(`filter=${encodeURIComponent('{"__proto__":{"x":1}}')}`)).body.total, 0);
  });

  test('the card lists the collections; a collection opens, pages, filters and reports a bad filter', async () => {
    const { page: p } = await signIn(browser, emu, '/dashboard', { timeout: 15_000 });
    const card = p.locator('#collections');
    const notesRow = card.getByRole('row').filter({ hasText: 'notes' }).filter({ hasText: '30' });
    await notesRow.waitFor();
    assert.match((await card.getByRole('row').filter({ hasText: 'mine' }).textContent()) ?? '', /user/);
    await notesRow.click();
    const dialog = p.locator('#collection-dialog');
    await dialog.waitFor({ state: 'visible' });
    const status = dialog.getByRole('status');
    await p.waitForFunction(() => /page 1 of 2 · 30 documents/.test(document.getElementById('collection-page')?.textContent ?? ''));
    assert.equal(await dialog.locator('tbody tr').count(), 25);
    await dialog.getByRole('button', { name: 'Next' }).click();
    await p.waitForFunction(() => /page 2 of 2/.test(document.getElementById('collection-page')?.textContent ?? ''));
    assert.equal(await dialog.locator('tbody tr').count(), 5);
    await dialog.getByLabel('Filter').fill('{"text": {"$regex": "^note1"}}');
    await dialog.getByLabel('Sort by').fill('n');
    await dialog.getByLabel('Sort direction').selectOption('desc');
    await dialog.getByRole('button', { name: 'Apply' }).click();
    await p.waitForFunction(() => /page 1 of 1 · 10 documents/.test(document.getElementById('collection-page')?.textContent ?? ''));
    assert.equal(await dialog.locator('tbody tr').first().locator('td').nth(1).textContent(), 'note19');
    assert.ok((await status.textContent())?.includes('10 documents'));
    await dialog.getByLabel('Filter').fill('{"n": ');
    await dialog.getByRole('button', { name: 'Apply' }).click();
    const alert = dialog.getByRole('alert');
    await alert.waitFor({ state: 'visible' });
    assert.match((await alert.textContent()) ?? '', /filter is not valid JSON/);
    await p.close();
  });
});
