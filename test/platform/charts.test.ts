// ui.Chart and ui.TaskBoard in the page view (headless Chromium, real SDK): bar, line and pie
// charts over a data source are inline SVG with a bar or point per numeric row, their labels as
// text (markup stays text) and a note for the row whose value is not a number; an area chart over
// a collection shows what the chat added; an unknown chart type and a chart without y= say so in
// place, and more points than are drawn are said; a task board filtered to one task shows it in its column and moves it to the final one
// when it completes, refreshed while the page is open. serve names neither as not rendered.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { signIn, withBrowser } from '../support/browser';
import { chat } from '../emulator/helpers';
import { waitFor } from '../support/wait';

const HOSTILE = '<img src=x onerror=alert(1)>';

test('charts over a data source and a collection, and a task board that follows its task', async () => {
  await withBrowser({ app: join(__dirname, 'fixtures', 'charts') }, async (emu, browser) => {
    await waitFor('serve to point to the page', () => /charts: Capsule Local renders Charts at \/pages\/charts\/charts/.test(emu.output()) || undefined);
    assert.doesNotMatch(emu.output(), /web app renders ui\.(Chart|TaskBoard)|does not render/, 'both are drawn');
    assert.equal((await chat(emu, 'vote apples 4')).body.reply, 'voted apples');
    assert.equal((await chat(emu, 'vote pears 7')).body.reply, 'voted pears');

    const { page, errors, dialogs } = await signIn(browser, emu, '/pages/charts/charts');
    await page.locator('h1', { hasText: 'Charts' }).waitFor({ timeout: 20_000 });

    const charts = page.locator('figure.ui-chart');
    const bar = charts.nth(0);
    await bar.locator('svg.bar').waitFor();
    assert.equal(await bar.locator('svg rect.bar').count(), 3, 'a bar per numeric row');
    assert.deepEqual(await bar.locator('svg .x-labels text').allTextContents(), ['Jan', 'Feb', `${HOSTILE.slice(0, 24)}…`], 'long labels are cut under the axis');
    assert.equal(await bar.locator('svg rect.bar').nth(2).locator('title').textContent(), `${HOSTILE}: 2.5`, 'a bar says its label and value');
    assert.equal(await bar.locator('figcaption').innerText(), 'total by month');
    assert.match(await bar.locator('.ui-note').innerText(), /^1 row not drawn \(not a number\): month Apr: total is "n\/a"/);
    assert.deepEqual(await bar.locator('svg .axis-name').allTextContents(), ['month', 'total']);
    // The tallest bar is Feb's ("5", a numeric string), the others in proportion.
    const heights = await bar.locator('svg rect.bar').evaluateAll((rs) => rs.map((r) => Number(r.getAttribute('height'))));
    assert.ok(heights[1]! > heights[0]! && heights[0]! > heights[2]!, `bar heights ${heights}`);

    const line = charts.nth(1);
    await line.locator('svg.line').waitFor();
    assert.equal(await line.locator('svg circle.point').count(), 3);
    assert.equal(await line.locator('svg polyline.line').count(), 1);
    assert.equal((await line.locator('svg polyline.line').getAttribute('points'))!.split(' ').length, 3);
    assert.match(await line.locator('.ui-note').innerText(), /1 row not drawn/);

    const area = charts.nth(2);
    await area.locator('svg.area').waitFor();
    assert.equal(await area.locator('svg circle.point').count(), 2, 'a point per row of the collection');
    assert.deepEqual(await area.locator('svg .x-labels text').allTextContents(), ['apples', 'pears']);
    assert.equal(await area.locator('.ui-note').count(), 0);

    const pie = charts.nth(3);
    await pie.locator('svg.pie').waitFor();
    assert.equal(await pie.locator('svg path.slice').count(), 3);
    assert.deepEqual(await pie.locator('.ui-chart-legend li').allInnerTexts(), ['Jan 3', 'Feb 5', `${HOSTILE} 2.5`]);

    // A data source's {data: [...]} of 600 rows: the first 500 are drawn, and that is said.
    const scatter = charts.nth(4);
    await scatter.locator('svg.scatter').waitFor();
    assert.equal(await scatter.locator('svg circle.point').count(), 500);
    assert.equal(await scatter.locator('.ui-note').innerText(), 'The data source many has 600 rows; the first 500 are drawn.');

    await page.locator('.ui-note', { hasText: 'ui.Chart: the chart type "radar" is not one the SDK has (line, bar, pie, scatter, area).' }).waitFor();
    await page.locator('.ui-note', { hasText: 'ui.Chart has no y=' }).waitFor();

    // The chat fills the collection: a reload draws the new row.
    assert.equal((await chat(emu, 'vote plums 2')).body.reply, 'voted plums');
    await page.reload();
    await waitFor('the third point', async () => ((await page.locator('figure.ui-chart').nth(2).locator('svg circle.point').count()) === 3 ? true : undefined));

    // The task board: the chat's task waits in its column, then moves to Done once released.
    const board = page.locator('.ui-task-board', { hasText: 'Crunching' });
    const waiting = board.locator('.ui-task-column[data-label="Waiting"]');
    const done = board.locator('.ui-task-column[data-label="Done"]');
    await board.locator('.ui-task-status', { hasText: '0 tasks' }).waitFor();
    const id = (await chat(emu, 'crunch first')).body.reply;
    assert.match(id, /\S/);
    await waitFor('the task in Waiting', async () => ((await waiting.locator('.ui-task').count()) === 1 ? true : undefined), 20_000);
    assert.match(await waiting.locator('.ui-task strong').innerText(), /crunch/);
    assert.equal(await done.locator('.ui-task').count(), 0);
    assert.equal((await chat(emu, 'release')).body.reply, 'released');
    await waitFor('the task in Done', async () => ((await done.locator('.ui-task').count()) === 1 ? true : undefined), 20_000);
    assert.equal(await waiting.locator('.ui-task').count(), 0);
    assert.equal(await done.locator('.ui-task .pill').innerText(), 'completed');
    assert.equal(await board.locator('.ui-task', { hasText: 'other' }).count(), 0, 'filtered by task_name');

    // The default board: every task of the app, in Pending / Running / Completed / Failed.
    const all = page.locator('.ui-task-board').nth(1);
    assert.equal(await all.locator('h3').innerText(), HOSTILE, 'a title stays text');
    await waitFor('both tasks completed', async () => ((await all.locator('.ui-task-column[data-label="Completed"] .ui-task').count()) === 2 ? true : undefined), 20_000);
    assert.deepEqual(await all.locator('.ui-task-column h4').allInnerTexts(), ['Pending 0', 'Running 0', 'Completed 2', 'Failed 0']);

    assert.equal(await page.locator('img[src="x"]').count(), 0, 'no label became an element');
    assert.deepEqual(dialogs, []);
    assert.deepEqual(errors, []);
  });
});
