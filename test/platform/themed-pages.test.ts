// The app's app.theme(...) on its cpsl.ui pages (headless Chromium, real SDK), as the platform's
// web app draws them: a dark preset with the app's primary and accent, radius and fonts colours
// the page view's content area (a table's cells, a chart, a task board, a note, a primary button
// whose text is chosen for contrast; a file browser; a workflow's form and run list), every text
// there reads on its background, and the emulator's top bar keeps its look; a theme's values that
// are not plain CSS colours or font lists change nothing (the preset's stay); an app without a
// theme looks as before. The themed page's screenshot (docs/emulator.md) goes where
// test/support/screenshots.ts says (media/screenshots/ only with UPDATE_SCREENSHOTS=1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { signIn, withBrowser } from '../support/browser';
import { screenshotPath } from '../support/screenshots';
import { waitFor } from '../support/wait';
import { chat } from '../emulator/helpers';

const fixture = (name: string) => join(__dirname, 'fixtures', name);

/** The computed value of `prop` (a CSS property or custom property) of the first match of `selector`. */
const computed = (page: Page, selector: string, prop: string) =>
  page.locator(selector).first().evaluate((el, p) => getComputedStyle(el).getPropertyValue(p).trim(), prop);

/** What `value` (any CSS colour) computes to, for `prop`, on a probe inside the page's main. */
const resolved = (page: Page, prop: string, value: string) =>
  page.evaluate(
    ([p, v]) => {
      const probe = document.createElement('div');
      probe.style.setProperty(p!, v!);
      document.querySelector('main')!.append(probe);
      const out = getComputedStyle(probe).getPropertyValue(p!).trim();
      probe.remove();
      return out;
    },
    [prop, value],
  );

// Plain JavaScript, evaluated in the page as written (the test's compiler would wrap named functions in helpers the page has not).
const CONTRAST = `(sel) => {
  const ctx = document.createElement('canvas').getContext('2d', { willReadFrequently: true });
  function rgba(c) {
    ctx.clearRect(0, 0, 1, 1);
    ctx.fillStyle = '#000';
    ctx.fillStyle = c;
    ctx.fillRect(0, 0, 1, 1);
    const d = ctx.getImageData(0, 0, 1, 1).data;
    return [d[0], d[1], d[2], d[3] / 255];
  }
  function lum(c) {
    return [c[0], c[1], c[2]].map((v) => (v / 255 <= 0.03928 ? v / 255 / 12.92 : ((v / 255 + 0.055) / 1.055) ** 2.4)).reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
  }
  let worst = { ratio: Infinity, what: '' };
  for (const el of document.querySelectorAll(sel)) {
    let bg;
    for (let n = el; n && !bg; n = n.parentElement) {
      const c = rgba(getComputedStyle(n).backgroundColor);
      if (c[3] > 0.5) bg = c;
    }
    const fg = rgba(el instanceof SVGElement ? getComputedStyle(el).fill : getComputedStyle(el).color);
    const a = lum(fg);
    const b = lum(bg || [255, 255, 255]);
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < worst.ratio) worst = { ratio, what: el.tagName.toLowerCase() + '.' + (el.getAttribute('class') || '') + ' "' + (el.textContent || '').slice(0, 30) + '"' };
  }
  return worst;
}`;

/**
 * The lowest WCAG contrast, over the elements of `selector`, between an element's text colour and
 * the first opaque background under it (its own or an ancestor's), with the element's description.
 */
function lowestContrast(page: Page, selector: string): Promise<{ ratio: number; what: string }> {
  return page.evaluate(`(${CONTRAST})(${JSON.stringify(selector)})`);
}

test("a dark theme with the app's primary and accent colours the page's content; the top bar stays the emulator's", async () => {
  await withBrowser({ app: fixture('themed') }, async (emu, browser) => {
    assert.match((await chat(emu, 'crunch')).body.reply, /\S/);
    const { page, errors } = await signIn(browser, emu, '/pages/themed', { viewport: { width: 1200, height: 1400 } });
    await page.locator('.ui-table tbody tr').nth(1).waitFor({ timeout: 20_000 });
    await page.locator('figure.ui-chart svg rect.bar').first().waitFor();
    await page.locator('figure.ui-chart svg path.slice').nth(2).waitFor();
    await page.locator('.ui-task-board .ui-task').first().waitFor({ timeout: 20_000 });

    // The content area: the preset's background and text, the app's font.
    assert.equal(await computed(page, 'main', '--bg'), '#1a1a1a');
    assert.equal(await computed(page, 'main', 'background-color'), 'rgb(26, 26, 26)');
    assert.equal(await computed(page, 'main', 'color'), 'rgb(240, 240, 240)');
    assert.equal(await computed(page, 'main', 'color-scheme'), 'dark');
    assert.equal(await computed(page, 'main', 'font-family'), 'Georgia, serif');
    assert.equal(await computed(page, 'main', '--font-mono'), 'Courier New, monospace');
    // The top bar and the document's own variables are the emulator's.
    assert.equal(await computed(page, 'header.topbar', 'background-color'), 'rgb(21, 24, 39)');
    assert.equal(await computed(page, ':root', '--bg'), '#f6f7f9');
    assert.equal(await computed(page, '#viewer', 'color'), 'rgb(102, 112, 133)');

    // A table's cell border: the theme's border mixed into its surface, not the light grey.
    const cellBorder = await computed(page, '.ui-table td', 'border-bottom-color');
    assert.equal(cellBorder, await resolved(page, 'border-bottom-color', 'color-mix(in srgb, #303030 55%, #232323)'));
    assert.equal(await computed(page, '.ui-table th', 'border-bottom-color'), 'rgb(48, 48, 48)');
    // The primary button: the app's primary, its text dark for contrast on that pink.
    const primary = page.locator('button.primary', { hasText: 'Ping' });
    assert.equal(await primary.evaluate((b) => getComputedStyle(b).backgroundColor), 'rgb(244, 114, 182)');
    assert.equal(await primary.evaluate((b) => getComputedStyle(b).color), 'rgb(17, 17, 17)');
    assert.equal(await primary.evaluate((b) => getComputedStyle(b).borderTopLeftRadius), '10px', 'radius="lg": controls');
    assert.equal(await computed(page, '.ui-card.bordered', 'border-top-left-radius'), '14px', 'radius="lg": cards');
    // Charts: the series in the primary colour, a pie's second slice in the accent; the axes' text muted.
    assert.equal(await page.locator('svg rect.bar').first().getAttribute('fill'), '#f472b6');
    assert.equal(await page.locator('svg path.slice').nth(1).getAttribute('fill'), '#a78bfa');
    assert.equal(await computed(page, '.ui-chart-svg text', 'fill'), 'rgb(150, 150, 150)');
    assert.equal(await computed(page, '.ui-chart-svg .grid', 'stroke'), await resolved(page, 'color', 'color-mix(in srgb, #303030 60%, #1a1a1a)'));
    // The task board's columns and the note of a widget not drawn are dark tints, not white.
    assert.equal(await computed(page, '.ui-task-column', 'background-color'), await resolved(page, 'background-color', 'color-mix(in srgb, #f0f0f0 4%, #1a1a1a)'));
    assert.equal(await computed(page, '.ui-task', 'background-color'), 'rgb(35, 35, 35)', "a task's card: the theme's surface");
    assert.equal(await computed(page, '.ui-note', 'background-color'), await resolved(page, 'background-color', 'color-mix(in srgb, #fbbf24 7%, #232323)'));

    // Every text of the content area reads on what is under it.
    for (const [sel, min] of [
      ['main h1, main .ui-text, main td, main th, main .ui-metric .value, main .ui-note, main .ui-task-column h4, main .ui-task, main .ui-task-status, main .pill, main button', 4.5],
      ['main .ui-metric .label, main .muted, main .ui-chart-svg text', 4.5],
    ] as const) {
      const worst = await lowestContrast(page, sel);
      assert.ok(worst.ratio >= min, `contrast ${worst.ratio.toFixed(2)} < ${min} for ${worst.what}`);
    }
    await page.screenshot({ path: screenshotPath('pages-dark.png'), fullPage: true });

    // A file browser: its folder's entries, tools and a text file's preview on the theme.
    await page.goto(`${emu.url}/pages/themed/files`);
    const fb = page.locator('.ui-file-browser');
    await fb.locator('td.name', { hasText: 'notes.txt' }).waitFor({ timeout: 20_000 });
    await fb.getByRole('button', { name: 'notes.txt' }).click();
    await fb.locator('.ui-file-preview pre', { hasText: 'dark notes' }).waitFor();
    assert.equal(await computed(page, '.ui-file-upload', 'background-color'), 'rgb(35, 35, 35)');
    assert.equal(await computed(page, '.ui-file-tools input, .ui-file-browser input', 'background-color'), 'rgb(35, 35, 35)');
    assert.equal(await computed(page, '.ui-file-preview pre', 'font-family'), '"Courier New", monospace', 'font_mono');
    const files = await lowestContrast(page, 'main h1, main td, main th, main button, main label, main .ui-file-crumbs, main .ui-file-preview pre, main .pill');
    assert.ok(files.ratio >= 4.5, `contrast ${files.ratio.toFixed(2)} for ${files.what}`);

    // A workflow's screen: its form, its start, the run it lists.
    await page.goto(`${emu.url}/pages/themed/_workflow/Intake`);
    await page.getByLabel('Topic *').fill('lamps');
    await page.getByRole('button', { name: 'Start' }).click();
    await page.locator('.ui-run-list li.ui-run').first().waitFor({ timeout: 20_000 });
    assert.equal(await computed(page, '.ui-form-section', 'border-top-color'), 'rgb(48, 48, 48)');
    assert.equal(await computed(page, '.ui-field input, .ui-form-section input', 'background-color'), 'rgb(35, 35, 35)');
    assert.equal(await computed(page, '.ui-field input, .ui-form-section input', 'color'), 'rgb(240, 240, 240)');
    assert.equal(await computed(page, '.ui-run', 'border-bottom-color'), await resolved(page, 'border-bottom-color', 'color-mix(in srgb, #303030 55%, #232323)'));
    const screen = await lowestContrast(page, 'main h1, main h2, main legend, main label, main input, main button, main .ui-run, main .ui-run a, main .ui-run-status, main .muted, main .ui-result');
    assert.ok(screen.ratio >= 4.5, `contrast ${screen.ratio.toFixed(2)} for ${screen.what}`);
    assert.deepEqual(errors, []);
  });
});

test('theme values that are not plain CSS colours or font lists change nothing: the preset stays', async () => {
  await withBrowser({ app: fixture('themed-hostile') }, async (emu, browser) => {
    const { page, errors } = await signIn(browser, emu, '/pages/themed-hostile');
    await page.locator('.ui-table tbody tr').first().waitFor({ timeout: 20_000 });
    // midnight's colours, not the hostile overrides (nor the light preset).
    assert.equal(await computed(page, 'main', '--bg'), '#0f172a');
    assert.equal(await computed(page, 'main', 'background-color'), 'rgb(15, 23, 42)');
    assert.equal(await computed(page, 'main', 'background-image'), 'none');
    assert.equal(await computed(page, 'main', 'color'), 'rgb(226, 232, 240)');
    assert.equal(await computed(page, '.ui-table th', 'border-bottom-color'), 'rgb(41, 52, 73)');
    assert.equal(await computed(page, 'button.primary', 'background-color'), 'rgb(56, 189, 248)');
    assert.equal(await computed(page, 'main', 'font-family'), 'Inter, ui-sans-serif, system-ui, sans-serif');
    assert.equal(await computed(page, 'body', 'display'), 'flex');
    assert.equal(await page.locator('style').count(), 0, 'no style element was written');
    const inline = (await page.locator('main').getAttribute('style')) ?? '';
    assert.doesNotMatch(inline, /url\(|expression|red;|<b>|display/);
    assert.deepEqual(errors, []);
  });
});

test('an app without a theme looks as the page view always has', async () => {
  await withBrowser({ app: fixture('charts') }, async (emu, browser) => {
    const { page, errors } = await signIn(browser, emu, '/pages/charts/charts');
    await page.locator('figure.ui-chart svg rect.bar').first().waitFor({ timeout: 20_000 });
    await waitFor('the page to be drawn', async () => ((await page.locator('.ui-task-board').count()) === 2 ? true : undefined));
    assert.equal(await page.locator('main').getAttribute('style'), null, 'nothing set on the content area');
    assert.equal(await computed(page, 'main', '--bg'), '#f6f7f9', "common.css's --bg");
    assert.equal(await computed(page, 'main', 'background-color'), 'rgb(246, 247, 249)');
    assert.equal(await computed(page, 'main', 'color'), 'rgb(29, 34, 48)');
    assert.equal(await page.locator('svg rect.bar').first().getAttribute('fill'), '#2563eb');
    assert.deepEqual(errors, []);
  });
});
