// A cpsl.ui page that reads the app's data (headless Chromium, real SDK): a Metric over a data
// source shows the source's field (a missing field and a collection-bound Metric say so in
// place), setting inputs show the setting and save it where the app reads it, galleries show their
// inline items and a data source's, and a workflow form's field outside a workflow says it is not
// drawn. serve's start line names only what is still not rendered.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { signIn, withBrowser } from '../support/browser';
import { chat } from '../emulator/helpers';
import { waitFor } from '../support/wait';

test('metrics over a data source, setting inputs that save, galleries from inline items and a data source', async () => {
  await withBrowser({ app: join(__dirname, 'fixtures', 'page-data') }, async (emu, browser) => {
    await waitFor('serve to name what is not rendered', () => /page-data: the platform.s web app renders ui\.Metric\(data=<a collection>\), ui\.TextInput\(name=\.\.\.\) in Board/.test(emu.output()) || undefined);
    assert.doesNotMatch(emu.output(), /ui\.(Select|Toggle|NumberInput|ImageGallery|VideoGallery)\b/, 'the drawn widgets are not named as undrawn');
    assert.equal((await chat(emu, 'one')).body.reply, 'noted');
    const { page, errors } = await signIn(browser, emu, '/pages/page-data/board');
    await page.locator('h1', { hasText: 'Board' }).waitFor({ timeout: 20_000 });

    const notes = page.locator('.ui-metric').first();
    await waitFor('the metric from the data source', async () => ((await notes.innerText()).includes('4') ? true : undefined));
    assert.match(await notes.innerText(), /Notes\s+4/);
    await page.locator('.ui-note', { hasText: 'The data source stats answered without a field "missing".' }).waitFor();
    await page.locator('.ui-note', { hasText: 'ui.Metric(data=notes) over a collection is not rendered in Capsule Local yet' }).waitFor();

    const tone = page.locator('.ui-select select');
    await waitFor('the setting read', async () => ((await tone.isEnabled()) ? true : undefined));
    assert.equal(await tone.inputValue(), 'concise');
    await tone.selectOption('friendly');
    await page.locator('.ui-select .ui-result', { hasText: 'Saved' }).waitFor();
    const limit = page.locator('.ui-number_input input');
    assert.equal(await limit.inputValue(), '5');
    await limit.fill('7');
    await limit.dispatchEvent('change');
    await page.locator('.ui-number_input .ui-result', { hasText: 'Saved' }).waitFor();
    assert.equal((await chat(emu, 'settings')).body.reply, 'friendly 7', 'the app reads what the page saved');
    const alerts = page.locator('.ui-toggle input');
    await waitFor('the toggle read', async () => ((await alerts.isEnabled()) ? true : undefined));
    assert.equal(await alerts.isChecked(), false);
    await alerts.check();
    await page.locator('.ui-toggle .ui-result', { hasText: 'Saved' }).waitFor();
    await page.reload();
    await waitFor('the toggle read again', async () => ((await page.locator('.ui-toggle input').isEnabled()) ? true : undefined));
    assert.equal(await page.locator('.ui-toggle input').isChecked(), true, 'an owner-scoped setting is kept for the viewer');

    const pictures = page.locator('.ui-gallery-box', { hasText: 'Pictures' });
    await waitFor('the data source items', async () => ((await pictures.locator('img').count()) === 2 ? true : undefined));
    assert.equal(await pictures.locator('figcaption').innerText(), '<i>from data</i>');
    assert.equal(await pictures.locator('i').count(), 0, 'a caption stays text');
    assert.match(await pictures.locator('.ui-note').innerText(), /The source javascript:alert\(1\) is not loaded here/);
    const clip = page.locator('.ui-gallery-box', { hasText: 'Clips' }).locator('video');
    assert.equal(await clip.getAttribute('src'), 'https://example.invalid/clip.mp4');
    assert.equal(await page.locator('figure', { hasText: 'One' }).locator('video').getAttribute('src'), 'https://example.invalid/one.mp4');
    await page.locator('.ui-note', { hasText: 'ui.TextInput without setting= (a workflow form\'s field) is not rendered in Capsule Local yet.' }).waitFor();
    assert.deepEqual(errors, []);
  });
});
