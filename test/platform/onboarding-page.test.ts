// The onboarding page (`@app.onboarding()`) in the page view, headless Chromium on the real SDK: at
// /pages/<app>/_onboarding (no app page can be there: an `@app.page("Onboarding")` keeps its own
// /onboarding), linked from the dashboard; its tree is drawn (a setting input saves the setting, a
// form field says it is not drawn here), its button's action runs `session.complete_onboarding()`,
// and the page says the viewer completed it, links the redirect page, and can reset it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { signIn, withBrowser } from '../support/browser';
import { json } from '../emulator/helpers';
import { waitFor } from '../support/wait';

type State = { onboarding: Array<{ app: string; userId: string }> };

test('the onboarding page draws its tree, completes through its action, and can be gone through again', async () => {
  await withBrowser({ app: join(__dirname, 'fixtures', 'onboarding-page') }, async (emu, browser) => {
    await waitFor('serve to point to the onboarding page', () => /the onboarding page at \/pages\/onboarding-page\/_onboarding/.test(emu.output()) || undefined);
    assert.match(emu.output(), /renders ui\.TextInput\(name=\.\.\.\) in the onboarding page/);
    const { page, errors } = await signIn(browser, emu, '/dashboard');
    const link = page.locator('#apps a', { hasText: '▸ Onboarding' });
    await link.waitFor({ timeout: 20_000 });
    assert.equal(await link.getAttribute('href'), '/pages/onboarding-page/_onboarding');
    await link.click();
    await page.locator('h1', { hasText: 'onboarding-page — onboarding' }).waitFor();
    assert.equal(await page.locator('.ui-text.style-heading').innerText(), 'Welcome <b>aboard</b>');
    assert.equal(await page.locator('#page-root b').count(), 0, 'text stays text');
    await page.locator('.ui-note', { hasText: "ui.TextInput without setting= (a workflow form's field) is not rendered in Capsule Local yet." }).waitFor();
    const status = page.locator('.ui-run-status');
    await status.getByText('user_dev has not completed the onboarding yet.').waitFor();

    const nickname = page.locator('.ui-text_input input');
    await waitFor('the setting read', async () => ((await nickname.isEnabled()) ? true : undefined));
    await nickname.fill('Ally');
    await nickname.dispatchEvent('change');
    await page.locator('.ui-text_input .ui-result', { hasText: 'Saved' }).waitFor();

    await page.getByRole('button', { name: 'Finish' }).click();
    await page.locator('.ui-action .ui-result', { hasText: '→ welcome, Ally' }).waitFor({ timeout: 30_000 });
    await status.getByText(/^Onboarding completed/).waitFor();
    assert.deepEqual((await json<State>(emu, '/api/state')).body.onboarding.map((o) => [o.app, o.userId]), [['onboarding-page', 'user_dev']]);
    assert.equal(await status.getByRole('link', { name: 'Continue to Start' }).getAttribute('href'), '/pages/onboarding-page/start');

    await status.getByRole('button', { name: 'Go through it again' }).click();
    await status.getByText('user_dev has not completed the onboarding yet.').waitFor();
    assert.deepEqual((await json<State>(emu, '/api/state')).body.onboarding, []);

    // The app's own page named "Onboarding" is at /onboarding, untouched.
    await page.locator('#app-nav a', { hasText: /^Onboarding$/ }).click();
    await page.getByText('An app page of its own at /onboarding.').waitFor();
    assert.equal(new URL(page.url()).pathname, '/pages/onboarding-page/onboarding');
    assert.deepEqual(errors, []);
  });
});
