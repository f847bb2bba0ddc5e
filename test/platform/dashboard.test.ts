// The dashboard (headless Chromium) shows which runtime an app runs on and what it declares
// beyond chat, as the real SDK registered it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { signIn, withBrowser } from '../support/browser';
import { chat, json } from '../emulator/helpers';
import { waitFor } from '../support/wait';

test("the dashboard's apps card names the SDK version and the app's declarations", async () => {
  await withBrowser({ app: join(__dirname, 'fixtures', 'workbench'), env: { WORKBENCH_KEY: 'dash-secret-value-1' } }, async (emu, browser) => {
    const { page } = await signIn(browser, emu, '/dashboard');
    const row = page.locator('#apps tr', { hasText: 'workbench' });
    await row.waitFor({ timeout: 20_000 });
    const text = await row.innerText();
    assert.match(text, /cpsl \d+\.\d+\.\d+/);
    for (const want of [/collections: notes/, /settings: tone/, /tasks: crunch/, /image: httpx/, /data: stats/, /endpoints: GET \/hello/]) assert.match(text, want);
    assert.ok(!text.includes('dash-secret-value-1'));
  });
});

test("the dashboard lists the app's schedules with their next run, and Run now runs one", async () => {
  await withBrowser({ app: join(__dirname, 'fixtures', 'schedules') }, async (emu, browser) => {
    const { page } = await signIn(browser, emu, '/dashboard');
    const row = page.locator('#schedules tr', { hasText: 'every_five' });
    await row.waitFor({ timeout: 20_000 });
    assert.match(await row.innerText(), /\*\/5 \* \* \* \*\s+\d{4}-\d\d-\d\d \d\d:\d\d UTC\s+—\s+0/);
    assert.match(await page.locator('#schedules tr', { hasText: 'never' }).innerText(), /never runs/);
    assert.equal(await page.locator('#schedules tr', { hasText: 'never' }).getByRole('button').count(), 0, 'a schedule that never runs has no Run now');
    await page.getByRole('button', { name: 'Run every_five now' }).click();
    await waitFor('the row to count the run', async () => (/UTC\s+\d{4}-\d\d-\d\d \d\d:\d\d UTC\s+1\s+Run now$/.test((await row.innerText()).trim()) ? true : undefined));
    await waitFor('the run to reach the app', async () => ((await chat(emu, 'ticks')).body.reply === 'every_five=1' ? true : undefined));
  });
});

test('the dashboard lists completed onboardings, and Reset lets that user onboard again', async () => {
  await withBrowser({ app: join(__dirname, 'fixtures', 'onboarding') }, async (emu, browser) => {
    assert.equal((await chat(emu, 'done', { user: 'carol' })).body.reply, 'onboarded');
    const { page } = await signIn(browser, emu, '/dashboard');
    await page.locator('#onboarding tr', { hasText: 'user_carol' }).waitFor({ timeout: 20_000 });
    await page.getByRole('button', { name: 'Reset the onboarding of user_carol' }).click();
    await page.locator('#onboarding', { hasText: 'No user has completed an onboarding yet.' }).waitFor({ timeout: 20_000 });
    assert.deepEqual((await json<{ onboarding: unknown[] }>(emu, '/api/state')).body.onboarding, []);
  });
});

test("the dashboard lists the app's actions and named sessions; Run and Start trigger them and open the session", async () => {
  await withBrowser({ app: join(__dirname, 'fixtures', 'actions') }, async (emu, browser) => {
    const { page } = await signIn(browser, emu, '/dashboard');
    const row = page.locator('#actions tr', { hasText: 'approve' });
    await row.waitFor({ timeout: 20_000 });
    assert.match(await row.innerText(), /approve\s+actions\s+@app\.action/);
    assert.match(await page.locator('#actions tr', { hasText: 'support' }).innerText(), /support\s+actions\s+@app\.session/);

    await page.getByRole('button', { name: 'Start session support' }).click();
    await page.locator('#session-dialog', { hasText: 'Hi, this is support. How can we help?' }).waitFor({ timeout: 20_000 });
    await page.keyboard.press('Escape');

    await page.getByLabel('Payload for approve').fill('{"id": 7, "note": "from the dashboard"}');
    await page.getByRole('button', { name: 'Run action approve' }).click();
    await page.locator('#session-dialog', { hasText: 'approved approve: {"id": 7, "note": "from the dashboard"}' }).waitFor({ timeout: 20_000 });
    await page.keyboard.press('Escape');

    // A payload that is not JSON is said so, and nothing is sent.
    await page.getByLabel('Payload for approve').fill('{nope');
    await page.getByRole('button', { name: 'Run action approve' }).click();
    await page.locator('.error-banner', { hasText: 'The payload for approve is not JSON' }).waitFor({ timeout: 20_000 });
    // A handler that raises: its error in the banner.
    await page.getByRole('button', { name: 'Run action explode' }).click();
    await page.locator('.error-banner', { hasText: 'the action failed on purpose' }).waitFor({ timeout: 20_000 });
  });
});

test("the dashboard lists the app's workflows; Start runs the workflow's start handler with the payload and opens its session", async () => {
  await withBrowser({ app: join(__dirname, 'fixtures', 'together') }, async (emu, browser) => {
    const { page } = await signIn(browser, emu, '/dashboard');
    const row = page.locator('#actions tr', { hasText: 'Intake' });
    await row.waitFor({ timeout: 20_000 });
    assert.match(await row.innerText(), /Intake\s+together\s+app\.workflow/);
    await page.getByLabel('Payload for Intake').fill('{"title": "kiosk"}');
    await page.getByRole('button', { name: 'Start workflow Intake' }).click();
    await page.locator('#session-dialog', { hasText: 'Intake started for kiosk; describe it.' }).waitFor({ timeout: 20_000 });
  });
});
