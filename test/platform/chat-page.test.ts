// The chat page (`@app.chat_page`) in the page view, headless Chromium on the real SDK: opened
// from the dashboard's link, its widget tree is drawn around the ChatPanel, which is the web chat
// framed (no top bar or history); a message sent in the panel gets the app's reply there, and the
// gallery and metric beside it, over a data source that takes the session, show what the message
// added to the session's data without a reload (the framed chat passes the session and the SDK's
// data-changed signal to the page). A reload shows the same session and items; a caption stays text.
// The page's mode is "multi": it hands out no one session per owner (chat-more.test.ts has "single").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { signIn, withBrowser } from '../support/browser';
import { waitFor } from '../support/wait';

const HOSTILE = '<img src=x onerror=alert(1)>';

test('a chat page: the panel is the web chat, and the widgets beside it follow its session', async () => {
  await withBrowser({ app: join(__dirname, 'fixtures', 'chat-page') }, async (emu, browser) => {
    await waitFor('serve to point to the chat page', () => /chat-page: .*Capsule Local renders the chat page at \/pages\/chat-page\/chat \(signed in/.test(emu.output()) || undefined);
    assert.doesNotMatch(emu.output(), /Capsule Local does not render/, 'every widget of the chat page is drawn');
    assert.doesNotMatch(emu.output(), /ui\.ChatPanel/, 'the panel is drawn');
    const { page, errors, dialogs } = await signIn(browser, emu, '/dashboard');
    const link = page.locator('#apps a', { hasText: '▸ Studio' });
    await link.waitFor({ timeout: 20_000 });
    assert.equal(await link.getAttribute('href'), '/pages/chat-page/chat');
    await link.click();
    await page.locator('h1', { hasText: 'Studio' }).waitFor();
    assert.equal(await page.locator('#app-nav a[aria-current="page"]').innerText(), '▸ Studio');
    assert.equal(await page.locator('.ui-chat-panel > h2').innerText(), 'Studio chat');
    await page.locator('.ui-note', { hasText: 'ui.Chart has no x=, y=' }).waitFor();

    const chat = page.frameLocator('iframe.ui-chat-frame');
    const send = chat.locator('#send');
    await waitFor('the framed chat to be ready', async () => ((await send.isEnabled()) ? true : undefined));
    assert.equal(await chat.locator('.topbar').isVisible(), false, 'no top bar in the panel');
    assert.equal(await chat.locator('.sessions').isVisible(), false, 'no history list in the panel');
    assert.equal(await chat.locator('#input').getAttribute('placeholder'), 'Describe a picture');

    const pictures = page.locator('.ui-row > .ui-column', { hasText: 'Pictures' }).locator('.ui-gallery');
    const made = page.locator('.ui-metric', { hasText: 'Made here' });
    await pictures.locator('.ui-empty', { hasText: 'Nothing here yet.' }).waitFor();
    await page.locator('.ui-row > .ui-column', { hasText: 'Clips' }).locator('.ui-empty', { hasText: 'Nothing here yet.' }).waitFor();

    const say = async (text: string, reply: string) => {
      await chat.locator('#input').fill(text);
      await send.click();
      await chat.locator('.msg.app', { hasText: reply }).waitFor({ timeout: 30_000 });
    };
    await say('a green square', 'made picture 1');
    await waitFor('the first picture beside the panel', async () => ((await pictures.locator('img').count()) === 1 ? true : undefined));
    assert.equal(await pictures.locator('figcaption').innerText(), 'a green square');
    await waitFor('the metric over the session', async () => (/Made here\s+1/.test(await made.innerText()) ? true : undefined));
    const loaded = await pictures.locator('img').evaluate((img: HTMLImageElement) => new Promise<number>((resolve) => (img.complete ? resolve(img.naturalWidth) : img.addEventListener('load', () => resolve(img.naturalWidth)))));
    assert.ok(loaded > 0, 'the kept picture loads');

    await say(HOSTILE, 'made picture 2');
    await waitFor('the second picture', async () => ((await pictures.locator('img').count()) === 2 ? true : undefined));
    assert.deepEqual(await pictures.locator('figcaption').allInnerTexts(), ['a green square', HOSTILE]);
    assert.equal(await page.locator('img[src="x"]').count(), 0, 'a caption stays text');
    assert.equal(await chat.locator('img[src="x"]').count(), 0, 'the message stays text in the panel');
    await waitFor('the metric', async () => (/Made here\s+2/.test(await made.innerText()) ? true : undefined));

    const title = (await chat.locator('#session-title').innerText()).trim();
    assert.match(title, /^Session \S+$/);
    await page.reload();
    await page.locator('h1', { hasText: 'Studio' }).waitFor();
    await chat.locator('.msg.app', { hasText: 'made picture 2' }).waitFor({ timeout: 20_000 });
    assert.equal((await chat.locator('#session-title').innerText()).trim(), title, 'the same session after a reload');
    await waitFor('the pictures after a reload', async () => ((await pictures.locator('img').count()) === 2 ? true : undefined));
    assert.deepEqual(await pictures.locator('figcaption').allInnerTexts(), ['a green square', HOSTILE]);

    // A new session in the panel: the widgets read as it (nothing made there yet).
    await chat.getByRole('button', { name: 'New session' }).click();
    await pictures.locator('.ui-empty', { hasText: 'Nothing here yet.' }).waitFor();
    await say('a blue one', 'made picture 1');
    await waitFor('the new session\'s picture', async () => ((await pictures.locator('img').count()) === 1 ? true : undefined));
    assert.equal(await pictures.locator('figcaption').innerText(), 'a blue one');

    // mode="multi" (the default): no single session per owner to hand out.
    const thread = await emu.api('/api/pages/chat-page/chat/thread', { method: 'POST', body: '{}' });
    assert.equal(thread.status, 409);
    assert.match(((await thread.json()) as { error: string }).error, /mode="multi"/);

    assert.deepEqual(errors, []);
    assert.deepEqual(dialogs, []);
  });
});
