// ui.RunList on a workflow's screen (headless Chromium, real SDK): its empty_message (as text) before
// any run; each start adds a run (the session the SDK tagged with the workflow), newest first,
// opened in the web chat by its link; "Continue this run" makes an older run the one the screen's
// action buttons act on; a user-scoped workflow's runs are the viewer's own. Outside a workflow's
// screen a RunList says where it belongs, and serve names it there; the runs API is signed in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { signIn, withBrowser } from '../support/browser';
import { json } from '../emulator/helpers';
import { waitFor } from '../support/wait';

const SCREEN = '/pages/workflow-runs/_workflow/Research';

test("a workflow's runs, newest first, each opened in the chat or continued from the screen; the viewer's own", async () => {
  await withBrowser({ app: join(__dirname, 'fixtures', 'workflow-runs') }, async (emu, browser) => {
    await waitFor('serve to name the page', () => /workflow-runs: the platform's web app renders ui\.RunList in Overview; /.test(emu.output()) || undefined);
    assert.doesNotMatch(emu.output(), /ui\.RunList in the screen of Research/, 'drawn on the screen');
    const { page, errors } = await signIn(browser, emu, SCREEN);
    const list = page.locator('.ui-run-list');
    await list.locator('.ui-empty', { hasText: '<b>Nothing</b> researched yet' }).waitFor();
    assert.equal(await page.locator('.ui-run-list b').count(), 0, 'the message stays text');

    const start = async (topic: string) => {
      await page.getByLabel('Topic *').fill(topic);
      await page.getByRole('button', { name: 'Start research' }).click();
      await page.locator('.ui-result', { hasText: `→ researching ${topic}` }).waitFor();
    };
    await start('alpha');
    await waitFor('the first run listed', async () => ((await list.locator('li.ui-run').count()) === 1 ? true : undefined));
    await start('beta');
    await waitFor('the second run listed', async () => ((await list.locator('li.ui-run').count()) === 2 ? true : undefined));
    assert.equal(await list.locator('h3').innerText(), 'Runs (2)');
    assert.doesNotMatch(await list.innerText(), /null|undefined/);
    const runs = list.locator('li.ui-run');
    assert.equal(await runs.nth(0).locator('.last').innerText(), 'researching beta', 'newest first');
    assert.equal(await runs.nth(1).locator('.last').innerText(), 'researching alpha');
    const alpha = (await runs.nth(1).getAttribute('data-session'))!;
    assert.match(alpha, /^ses_/);
    assert.equal(await runs.nth(1).locator('a').getAttribute('href'), `/chat?session=${encodeURIComponent(alpha)}`);
    assert.match(await runs.nth(1).innerText(), /by user_dev · \d+ messages?/);

    // The screen's action button acts on the run chosen in the list.
    await runs.nth(1).getByRole('button', { name: 'Continue this run' }).click();
    const status = page.locator('.ui-run-status');
    assert.match(await status.innerText(), /^Continuing this run\n/);
    assert.equal(await status.locator('a').getAttribute('href'), `/chat?session=${encodeURIComponent(alpha)}`);
    await page.getByRole('button', { name: 'More' }).click();
    await page.locator('.ui-result', { hasText: '→ more on alpha' }).waitFor();
    await waitFor('the run to show its last reply', async () => ((await list.locator(`li[data-session="${alpha}"] .last`).innerText()) === 'more on alpha' ? true : undefined));
    assert.equal(await runs.count(), 2, 'an action starts no run');

    // The link opens the run in the web chat.
    await runs.nth(1).locator('a').click();
    await page.locator('.msg.app', { hasText: 'more on alpha' }).waitFor();

    // A user-scoped workflow: another viewer has no runs.
    await page.goto(`${emu.url}${SCREEN}?as=user_bob`);
    await page.locator('.ui-run-list .ui-empty', { hasText: 'researched yet' }).waitFor();

    // Outside a workflow's screen a RunList says where it belongs.
    await page.goto(`${emu.url}/pages/workflow-runs/overview`);
    await page.locator('.ui-note', { hasText: "ui.RunList belongs on a workflow's screen; outside one it is not rendered." }).waitFor();
    assert.deepEqual(errors, []);

    // The runs API: the viewer's own, a workflow the app does not declare, signed in only.
    const mine = await json<{ total: number; scope: string; runs: Array<{ id: string }> }>(emu, '/api/pages/workflow-runs/runs?workflow=Research&as=user_dev');
    assert.equal(mine.body.total, 2);
    assert.equal(mine.body.scope, 'user');
    assert.equal(mine.body.runs[1]!.id, alpha);
    assert.equal((await json(emu, '/api/pages/workflow-runs/runs?workflow=Research&as=user_bob')).body.total, 0);
    const nope = await json<{ error: string }>(emu, '/api/pages/workflow-runs/runs?workflow=Nope');
    assert.equal(nope.status, 404);
    assert.equal(nope.body.error, 'workflow-runs declares no workflow named "Nope"');
    assert.equal((await fetch(`${emu.url}/api/pages/workflow-runs/runs?workflow=Research`)).status, 401);
  });
});
