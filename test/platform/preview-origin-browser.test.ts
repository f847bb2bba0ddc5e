// A browser preview in headless Chromium, on the real SDK (fixtures/preview): the app's server
// serves a page that loads /static/x.js and fetches /api/ping by absolute path. In the web chat's
// preview card (a frame) and opened in a tab of its own, the page is on its own origin,
// `<port>-preview.preview.localhost:<emulator port>` (Chromium resolves *.localhost to loopback),
// so both reach the app's server; the page cannot use the emulator's signed-in session.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Frame, Page } from 'playwright-core';
import { signIn, browserForSuite } from '../support/browser';
import { fixture, type RunningEmulator } from '../support/emulator';

// No time limits of our own: the test runner's limit is the only one.
const NO_LIMIT = { timeout: 0 };

describe('a previewed page with absolute paths, in Chromium', () => {
  let emu: RunningEmulator;
  let browser: Browser;
  let chat: Page;
  let errors: string[];

  browserForSuite({ app: fixture('platform', 'preview') }, async (e, b) => {
    [emu, browser] = [e, b];
    ({ page: chat, errors } = await signIn(browser, emu, '/chat'));
    const box = chat.getByRole('textbox', { name: 'Message' });
    await box.waitFor(NO_LIMIT);
    await box.fill('page');
    await box.press('Enter');
    await chat.locator('#messages .msg.app', { hasText: 'paged' }).waitFor(NO_LIMIT);
  });

  /** The preview's page (in a frame or a tab) once its script and its call have come back. */
  async function loaded(frame: Frame | Page): Promise<void> {
    await frame.locator('#s', { hasText: 'script from /static/x.js' }).waitFor(NO_LIMIT);
    await frame.locator('#p', { hasText: 'ping: true' }).waitFor(NO_LIMIT);
  }

  test('in the chat\'s preview card, the framed page is on its own origin and its absolute paths reach the app', async () => {
    const card = chat.getByRole('group', { name: 'Browser preview Absolute' });
    const iframe = card.locator('iframe');
    await iframe.waitFor(NO_LIMIT);
    const port = Number(/Preview of port (\d+)/.exec((await iframe.getAttribute('title')) ?? '')?.[1]);
    const origin = `http://${port}-preview.preview.localhost:${emu.port}`;
    const frame = await (await iframe.elementHandle())!.contentFrame();
    assert.ok(frame);
    await loaded(frame);
    const url = new URL(frame.url());
    assert.equal(url.origin, origin);
    assert.equal(url.pathname + url.search, '/page', 'the sign-in code left the address');
    // The card's link shows where the page lives; it opens it through the emulator's sign-in hop.
    const a = card.locator('a');
    assert.equal(await a.innerText(), `${origin}/page`);
    assert.equal(await a.getAttribute('href'), `/apps/preview/preview/${port}/page`);
    // The app never sees a cookie of the emulator (neither the main session's nor the preview's).
    const seen = await frame.evaluate(async () => ((await (await fetch('/api/ping')).json()) as { cookie: string }).cookie);
    assert.equal(seen, '');
    // What the browser would send there: the preview's own cookie only, never the main session's.
    const ctx = chat.context();
    assert.deepEqual((await ctx.cookies(emu.url)).map((c) => c.name), [`capsule_session_${emu.port}`]);
    const there = await ctx.cookies(`${origin}/page`);
    assert.deepEqual(
      there.map((c) => [c.name, c.domain, c.httpOnly, c.secure, c.sameSite]),
      [[`capsule_preview_${emu.port}`, `${port}-preview.preview.localhost`, true, true, 'None']],
      'host-only, partitioned under the chat\'s site',
    );
    // Another site to the emulator's pages: no reading its API, with or without credentials.
    const api = await frame.evaluate(async (main) => {
      try {
        const r = await fetch(`${main}/api/state`, { credentials: 'include' });
        return `read ${r.status}`;
      } catch {
        return 'blocked';
      }
    }, emu.url);
    assert.equal(api, 'blocked');
    assert.deepEqual(errors, []);
  });

  test('the card\'s link opens the page in a tab of its own, signed in there, on the same origin', async () => {
    const card = chat.getByRole('group', { name: 'Browser preview Absolute' });
    const [tab] = await Promise.all([chat.context().waitForEvent('page', NO_LIMIT), card.locator('a').click()]);
    await loaded(tab);
    const url = new URL(tab.url());
    assert.match(url.host, new RegExp(`^\\d+-preview\\.preview\\.localhost:${emu.port}$`));
    assert.equal(url.pathname + url.search, '/page');
    // A reload keeps working (the tab's own cookie), and the emulator's pages stay out of reach.
    await tab.reload();
    await loaded(tab);
    await tab.goto(`${url.origin}/dashboard`);
    assert.match(await tab.locator('h1').innerText(), /served by the app/);
    await tab.close();
  });

  test('a preview address opened without a sign-in link is refused', async () => {
    const card = chat.getByRole('group', { name: 'Browser preview Absolute' });
    const origin = await card.locator('a').innerText();
    const other = await browser.newPage();
    // A fresh context would be cleaner; the persistent context shares cookies, so use a host not signed in.
    const unsigned = origin.replace(/^http:\/\/\d+-/, 'http://1-');
    const r = await other.goto(unsigned);
    assert.equal(r?.status(), 401);
    assert.match(await other.locator('h1').innerText(), /Preview not signed in/);
    await other.close();
  });
});
