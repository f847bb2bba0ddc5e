// ui.TableBrowser and ui.TableGroup in the page view (headless Chromium, real SDK): the browser's
// tables as a tree (groups open, nested, their labels text), the first table drawn with the
// collection's rows the chat added, another chosen from the tree (paginated as its collection
// declares), a table without label= named by its collection; a TableGroup outside a browser
// draws its tables under its label. serve names neither as not rendered.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { signIn, withBrowser } from '../support/browser';
import { chat } from '../emulator/helpers';
import { waitFor } from '../support/wait';

const HOSTILE = '<img src=x onerror=alert(1)>';

test("a table browser's tree of collection-backed tables, each drawn when chosen; a table group on its own", async () => {
  await withBrowser({ app: join(__dirname, 'fixtures', 'table-browser') }, async (emu, browser) => {
    await waitFor('serve to point to the page', () => /table-browser: Capsule Local renders Data at \/pages\/table-browser\/data/.test(emu.output()) || undefined);
    assert.doesNotMatch(emu.output(), /renders ui\.Table(Browser|Group)/);
    for (const m of ['ticket printer', 'ticket scanner', 'user ada', 'audit one', 'audit two', 'audit three']) assert.equal((await chat(emu, m)).body.reply, m);

    const { page, errors, dialogs } = await signIn(browser, emu, '/pages/table-browser/data');
    const tb = page.locator('.ui-table-browser');
    await tb.locator('h3', { hasText: 'All tables' }).first().waitFor();
    assert.equal(await tb.getAttribute('data-tables'), '3');
    // The tree: a table, then a group (its label text) holding a table and a nested group.
    assert.deepEqual(await tb.locator('.ui-table-tree summary').allInnerTexts(), [HOSTILE, 'Logs']);
    assert.deepEqual(await tb.locator('.ui-table-tree li.table button').allInnerTexts(), ['Tickets', 'users', 'Audit log']);
    assert.equal(await tb.locator('.ui-table-tree button[aria-current]').innerText(), 'Tickets', 'the first table is chosen');

    const shownRows = () => tb.locator('.ui-table-slot:not([hidden]) tbody tr').allInnerTexts();
    await waitFor('the tickets', async () => ((await shownRows()).length === 2 ? true : undefined));
    assert.deepEqual((await shownRows()).map((r) => r.split('\t')[0]), ['printer', 'scanner']);

    await tb.getByRole('button', { name: 'Audit log' }).click();
    assert.equal(await tb.locator('.ui-table-tree button[aria-current]').innerText(), 'Audit log');
    await waitFor('the first page of the audit log', async () => ((await shownRows()).length === 2 ? true : undefined));
    assert.match(await tb.locator('.ui-table-slot:not([hidden]) .pager').innerText(), /^3 rows · page 1 of 2/);
    await tb.locator('.ui-table-slot:not([hidden])').getByRole('button', { name: 'Next' }).click();
    await waitFor('the second page', async () => (JSON.stringify(await shownRows()) === '["three"]' ? true : undefined));

    // Back to the tickets: the table drawn before is kept; a new row shows after its Refresh.
    await tb.getByRole('button', { name: 'Tickets' }).click();
    assert.equal((await shownRows()).length, 2);
    assert.equal((await chat(emu, 'ticket badge')).body.reply, 'ticket badge');
    await tb.locator('.ui-table-slot:not([hidden])').getByRole('button', { name: 'Refresh' }).click();
    await waitFor('the third ticket', async () => ((await shownRows()).length === 3 ? true : undefined));
    await tb.getByRole('button', { name: 'users' }).click();
    await waitFor('the users', async () => (JSON.stringify(await shownRows()) === '["ada"]' ? true : undefined));

    // A table group outside a browser: its tables under its label.
    const loose = page.locator('.ui-table-group');
    assert.equal(await loose.locator('> h3').innerText(), 'Loose');
    await waitFor('the loose table', async () => ((await loose.locator('.ui-table tbody tr').count()) === 1 ? true : undefined));
    assert.equal(await loose.locator('.ui-table h3').innerText(), 'People');
    assert.equal(await page.locator('.ui-note').count(), 0, 'everything is drawn');
    assert.doesNotMatch(await page.locator('#page-root').innerText(), /null|undefined/);
    assert.equal(await page.locator('img[src="x"]').count(), 0, 'a label stays text');
    assert.deepEqual(errors, []);
    assert.deepEqual(dialogs, []);
  });
});
