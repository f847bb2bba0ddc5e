// ui.FileBrowser in the page view (headless Chromium, real SDK): the managed filesystem the app's
// boot hook seeded through its mount path is listed (folders first), a text file and an image are
// previewed, a file is downloaded; a new folder, an upload into it, a rename and a delete (asked
// once more in place) change the folder the app sees at its mount path. A read-only browser
// (every allow_* off, scope="user") draws no control that changes anything, starts at its path=,
// says what its scope means here, and keeps its title as text; a browser over a path the app does
// not mount says so in place. serve names neither as not rendered.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { signIn, withBrowser } from '../support/browser';
import { chat } from '../emulator/helpers';
import { waitFor } from '../support/wait';

const HOSTILE = '<img src=x onerror=alert(1)>';

test('a file browser lists, previews, downloads, uploads, makes folders, renames and deletes; a read-only one changes nothing', async () => {
  await withBrowser({ app: join(__dirname, 'fixtures', 'file-browser') }, async (emu, browser) => {
    await waitFor('serve to point to the pages', () => /file-browser: Capsule Local renders Files at \/pages\/file-browser\/files, Reports at \/pages\/file-browser\/reports/.test(emu.output()) || undefined);
    assert.doesNotMatch(emu.output(), /renders ui\.FileBrowser/, 'serve does not name it as not rendered');
    const { page, errors, dialogs } = await signIn(browser, emu, '/pages/file-browser/files');
    const fb = page.locator('.ui-file-browser');
    await fb.locator('h3', { hasText: 'Documents' }).waitFor();
    const names = () => fb.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-name')));
    await waitFor('the seeded files', async () => ((await names()).length === 3 ? true : undefined));
    assert.deepEqual(await names(), ['drafts', 'pixel.png', 'readme.txt'], 'folders first');
    assert.equal(await fb.locator('.ui-file-crumbs').textContent(), '/capsule-local-test-docs');
    assert.equal(await fb.getByRole('button', { name: 'Up', exact: true }).isDisabled(), true, 'the browser starts at its own folder');

    // A text file is shown as text (its markup too), an image as an image.
    await fb.getByRole('button', { name: 'readme.txt' }).click();
    assert.equal(await fb.locator('.ui-file-preview pre').innerText(), 'hello <b>from</b> the mount\n');
    assert.doesNotMatch(await fb.innerText(), /null|undefined/, 'nothing the page left out shows as a word');
    assert.equal(await page.locator('.ui-file-preview b').count(), 0);
    await fb.getByRole('button', { name: 'pixel.png' }).click();
    const img = fb.locator('.ui-file-preview img');
    await waitFor('the image to load', async () => ((await img.evaluate((i: HTMLImageElement) => i.complete && i.naturalWidth)) === 1 ? true : undefined));
    await fb.getByRole('button', { name: 'Close', exact: true }).click();
    assert.equal(await fb.locator('.ui-file-preview').isHidden(), true);

    // Download: the file's bytes, under its name.
    const [download] = await Promise.all([page.waitForEvent('download'), fb.locator('tr[data-name="readme.txt"] a', { hasText: 'Download' }).click()]);
    assert.equal(download.suggestedFilename(), 'readme.txt');
    assert.equal(readFileSync((await download.path())!, 'utf8'), 'hello <b>from</b> the mount\n');

    // A new folder, an upload into it: the app sees both at its mount path.
    await fb.getByLabel('New folder name').fill('notes');
    await fb.getByRole('button', { name: 'New folder', exact: true }).click();
    await fb.locator('.ui-result', { hasText: 'Made the folder notes.' }).waitFor();
    await fb.locator('tr[data-name="notes"] button', { hasText: 'notes/' }).click();
    await fb.locator('tbody', { hasText: 'This folder is empty.' }).waitFor();
    assert.equal(await fb.locator('.ui-file-crumbs').textContent(), '/capsule-local-test-docs/notes');
    await fb.getByLabel('Upload files').setInputFiles([{ name: 'todo.txt', mimeType: 'text/plain', buffer: Buffer.from('buy milk') }, { name: `${HOSTILE}.txt`, mimeType: 'text/plain', buffer: Buffer.from('x') }]);
    await fb.locator('.ui-result', { hasText: `Uploaded todo.txt, ${HOSTILE}.txt.` }).waitFor();
    await waitFor('both uploads listed', async () => ((await names()).length === 2 ? true : undefined));
    assert.deepEqual(JSON.parse((await chat(emu, 'ls /notes')).body.reply), [`${HOSTILE}.txt`, 'todo.txt']);
    assert.equal((await chat(emu, 'cat /notes/todo.txt')).body.reply, 'buy milk');
    // The same name again is refused, and said.
    await fb.getByLabel('Upload files').setInputFiles([{ name: 'todo.txt', mimeType: 'text/plain', buffer: Buffer.from('again') }]);
    await fb.locator('.ui-result.bad', { hasText: 'todo.txt was not uploaded: /capsule-local-test-docs/notes/todo.txt is already there: delete or rename it first' }).waitFor();

    // Rename in place; a delete asks once more in the button itself.
    await fb.locator('tr[data-name="todo.txt"]').getByRole('button', { name: 'Rename' }).click();
    await fb.getByLabel('New name for todo.txt').fill('done.txt');
    await fb.getByLabel('New name for todo.txt').press('Enter');
    await fb.locator('tr[data-name="done.txt"]').waitFor();
    const del = fb.locator(`tr[data-name="${HOSTILE}.txt"]`).getByRole('button', { name: 'Delete' });
    await del.click();
    assert.equal(await fb.locator(`tr[data-name="${HOSTILE}.txt"] button.danger`).innerText(), 'Really delete?');
    assert.deepEqual(JSON.parse((await chat(emu, 'ls /notes')).body.reply), [`${HOSTILE}.txt`, 'done.txt'], 'not deleted yet');
    await fb.locator(`tr[data-name="${HOSTILE}.txt"] button.danger`).click();
    await waitFor('the deleted file gone', async () => (JSON.stringify(await names()) === '["done.txt"]' ? true : undefined));
    assert.deepEqual(JSON.parse((await chat(emu, 'ls /notes')).body.reply), ['done.txt']);

    // Up again; the folder, with what is in it.
    await fb.getByRole('button', { name: 'Up', exact: true }).click();
    await fb.locator('tr[data-name="notes"]').waitFor();
    await fb.locator('tr[data-name="notes"] button.danger').click();
    await fb.locator('tr[data-name="notes"] button.danger', { hasText: 'Delete the folder and all in it?' }).click();
    await waitFor('the folder gone', async () => (!(await names()).includes('notes') ? true : undefined));
    assert.deepEqual(JSON.parse((await chat(emu, 'ls /')).body.reply), ['drafts', 'pixel.png', 'readme.txt']);

    // The read-only browser: its folder, no control that changes anything, its scope said.
    await page.locator('#app-nav a', { hasText: 'Reports' }).click();
    const ro = page.locator('.ui-file-browser').first();
    await ro.locator('tr[data-name="q1.csv"]').waitFor();
    assert.equal(await ro.locator('h3').innerText(), HOSTILE, 'the title stays text');
    assert.equal(await ro.locator('.ui-file-crumbs').textContent(), '/capsule-local-test-reports/2024');
    assert.equal(await ro.locator('tr[data-name="secret.txt"]').count(), 0, 'outside its path=');
    assert.deepEqual(await ro.locator('button').allInnerTexts(), ['Up', 'Refresh', 'q1.csv'], 'no Rename, Delete, New folder');
    assert.equal(await ro.getByLabel('Upload files').count(), 0);
    assert.equal(await ro.locator('.ui-note').innerText(), 'scope="user": the SDK does not say how the platform divides a mount by user, so Capsule Local shows the whole mount to every viewer.');
    await ro.getByRole('button', { name: 'q1.csv' }).click();
    assert.equal(await ro.locator('.ui-file-preview pre').innerText(), 'month,total\njan,3\n');
    const next = page.locator('.ui-file-browser').nth(2);
    await next.locator('tbody', { hasText: 'This folder is empty.' }).waitFor();
    assert.deepEqual(await next.locator('button').allInnerTexts(), ['Up', 'Refresh', 'New folder']);
    assert.equal(await next.getByLabel('Upload files').count(), 1);
    const nowhere = page.locator('.ui-file-browser').nth(1);
    await nowhere.locator('.ui-result.bad', { hasText: "/capsule-local-test-nowhere is not one of file-browser's managed filesystems" }).waitFor();

    assert.equal(await page.locator('img[src="x"]').count(), 0, 'no name became an element');
    assert.deepEqual(dialogs, []);
    assert.deepEqual(errors, []);
  });
});
