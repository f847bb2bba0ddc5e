// The app's React pages (`app.add_page(..., component="pages/x.tsx")`) in the emulator's web UI
// (headless Chromium), on the real SDK: the runner bundles the page with esbuild (the emulator's
// own, on the runner's PATH: nothing downloaded), the emulator's shell loads it with our React
// build and @capsule/page kit. The board shows a row of the app's collection, a data source's
// value and the theme's colour; a message through useChat gets the app's reply, and the same
// threadKey after a reload is the same session. A .tsx with a syntax error shows esbuild's message
// in the page (and serve says it); an npm package of `packages=` is named as not available; the
// bundle route refuses names the app does not declare.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { signIn, withBrowser } from '../support/browser';
import { chat } from '../emulator/helpers';
import { waitFor } from '../support/wait';

const APP = join(__dirname, 'fixtures', 'react-pages');

test('React pages render with the kit: a collection row, a data source, the theme, a useChat round trip on one thread', async () => {
  await withBrowser({ app: APP }, async (emu, browser) => {
    assert.equal((await chat(emu, 'file printer')).body.reply, 'filed printer');
    const { page, errors } = await signIn(browser, emu, '/pages/react-board/board', { consoleErrors: true });
    await page.locator('.cp-header h1', { hasText: 'Ticket board' }).waitFor({ timeout: 30_000 });
    await page.locator('.cp-subtitle', { hasText: 'All systems go' }).waitFor();
    await page.locator('.cp-metric-value', { hasText: '1' }).waitFor();
    await page.locator('.cp-table tbody td', { hasText: 'printer' }).waitFor();
    assert.deepEqual(await page.locator('.cp-table thead th').allInnerTexts(), ['title', 'status']);
    assert.equal(await page.getByTestId('total').innerText(), '1 ticket');
    assert.equal(await page.getByTestId('primary').innerText(), '#0f766e', "useTheme() is the app's app.theme(...)");
    assert.equal(await page.title(), 'Board — react-board — Capsule Local');
    assert.equal(await page.locator('#app-nav a[aria-current="page"]').innerText(), 'Board');

    // A chat round trip through useChat: the app's reply, in the thread's session, with its context.
    await page.getByTestId('chat-status').filter({ hasText: 'idle' }).waitFor();
    const sessionId = await page.getByTestId('session').innerText();
    assert.match(sessionId, /^ses_/);
    await page.locator('.cp-composer textarea').fill('hello board');
    await page.getByRole('button', { name: 'Send' }).click();
    const reply = page.locator('.cp-message-assistant', { hasText: 'board says: hello board' });
    await reply.waitFor({ timeout: 30_000 });
    assert.equal(await reply.innerText(), `board says: hello board (about printers, in ${sessionId})`);
    await page.getByTestId('chat-status').filter({ hasText: 'idle' }).waitFor();

    // The same threadKey after a reload: the same session, its history shown.
    await page.reload();
    await page.locator('.cp-message-assistant', { hasText: 'board says: hello board' }).waitFor({ timeout: 20_000 });
    assert.equal(await page.getByTestId('session').innerText(), sessionId);
    assert.equal(await page.locator('.cp-message-user').innerText(), 'hello board');
    await page.locator('.cp-composer textarea').fill('again');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.locator('.cp-message-assistant', { hasText: 'board says: again' }).waitFor({ timeout: 30_000 });
    assert.match(await page.locator('.cp-message-assistant').last().innerText(), new RegExp(`in ${sessionId}\\)$`));

    // A row the app writes shows after a refresh (and the data source follows).
    assert.equal((await chat(emu, 'file scanner')).body.reply, 'filed scanner');
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.locator('.cp-table tbody td', { hasText: 'scanner' }).waitFor();
    assert.equal(await page.getByTestId('total').innerText(), '2 tickets');
    assert.deepEqual(errors, []);

    // The dashboard links the React pages.
    await page.goto(`${emu.url}/dashboard`);
    const link = page.locator('#apps a', { hasText: /^Board$/ });
    await link.waitFor({ timeout: 20_000 });
    assert.equal(await link.getAttribute('href'), '/pages/react-board/board');

    // The React onboarding: completeOnboarding() records the viewer's completion, then its redirect page.
    await page.goto(`${emu.url}/pages/react-board/_onboarding`);
    await page.locator('.cp-empty-title', { hasText: 'Welcome to the board' }).waitFor({ timeout: 30_000 });
    assert.equal(await page.locator('.cp-empty p').innerText(), 'dev@localhost · Board, Broken, Chart, Kit');
    await page.getByRole('button', { name: 'Finish' }).click();
    await page.waitForURL(/\/pages\/react-board\/board$/, { timeout: 20_000 });
    const state = (await (await emu.api('/api/state')).json()) as { onboarding: Array<{ app: string; userId: string }> };
    assert.deepEqual(state.onboarding.map((o) => o.app), ['react-board']);
    await page.locator('.cp-header h1', { hasText: 'Ticket board' }).waitFor();
    assert.deepEqual(errors, []);

    // The runner bundled with the emulator's esbuild: nothing was downloaded into the app's folder.
    assert.ok(!existsSync(join(emu.workspace, '.capsule', 'cache', 'bin')), 'no esbuild was downloaded');
    assert.ok(readdirSync(join(emu.workspace, '.capsule', 'cache', 'page-bundles')).some((f) => f.endsWith('.js')), 'the SDK cached the bundle');
    // The SDK's cache in the store folder does not upset the store's export and reset.
    const exported = await emu.cli(['export', join(emu.workspace, 'export.json')]);
    assert.equal(exported.status, 0, exported.stderr);
    const imported = await emu.cli(['import', join(emu.workspace, 'export.json')]);
    assert.equal(imported.status, 0, imported.stderr);
    const reset = await emu.cli(['reset', '--yes']);
    assert.equal(reset.status, 0, reset.stderr);
    assert.match(reset.stdout, /2 collection documents/);
    assert.ok(readdirSync(join(emu.workspace, '.capsule', 'cache', 'page-bundles')).length > 0, 'reset leaves the SDK\'s bundle cache');
    assert.equal((await emu.api('/apps/react-board/pages/Board/bundle.js')).status, 200, 'the page still bundles after the reset');

    // serve no longer says the React pages are not rendered; it names the page's packages.
    await waitFor('serve to name what is rendered', () => /Capsule Local renders .*Board at \/pages\/react-board\/board/.test(emu.output()) || undefined);
    assert.doesNotMatch(emu.output(), /Board \(\/board, a React page\)/);
    assert.match(emu.output(), /npm packages .*recharts.* in Chart/);
  });
});

test("a page with a syntax error shows esbuild's message; a page's npm package is named; the bundle route refuses other names", async () => {
  await withBrowser({ app: APP }, async (emu, browser) => {
    const { page } = await signIn(browser, emu, '/pages/react-board/broken');
    const problem = page.locator('.cp-problem');
    await problem.waitFor({ timeout: 30_000 });
    assert.match(await problem.locator('h2').innerText(), /^Broken could not be bundled$/);
    const message = await problem.locator('pre').innerText();
    assert.match(message, /\[ERROR\] Unexpected end of file\s+pages\/broken\.tsx:5:0:/);
    await waitFor('serve to say the page failed to bundle', () => /the React page Broken could not be bundled: .*\[ERROR\] Unexpected end of file/.test(emu.output()) || undefined);

    // packages=["recharts@2.12.0"]: the platform serves it; here the page says it is not available.
    await page.goto(`${emu.url}/pages/react-board/chart`);
    await page.locator('.cp-unavailable', { hasText: 'recharts' }).waitFor({ timeout: 30_000 });
    assert.match(await page.locator('.cp-unavailable').innerText(), /npm packages the Capsule platform serves: recharts\. They are not available in Capsule Local/);
    await page.locator('.cp-problem', { hasText: 'Chart failed to load' }).waitFor();

    // The kit's other hooks: an endpoint, a filtered and sorted collection page by page, an
    // action, a started session's data (written by the page too, and its chat), a mounted file by
    // its path, styled components over the theme, the helpers, a tab, navigation.
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${emu.url}/pages/react-board/kit`);
    await page.getByTestId('pong').filter({ hasText: 'true' }).waitFor({ timeout: 30_000 });
    assert.equal(await page.getByTestId('done').innerText(), '0 done, page 1 of 1');
    await page.getByRole('button', { name: 'Bump' }).click();
    await page.getByTestId('done').filter({ hasText: '1 done' }).waitFor({ timeout: 20_000 });
    await page.getByRole('button', { name: 'Bump' }).click();
    await page.getByTestId('done').filter({ hasText: '2 done, page 1 of 2' }).waitFor({ timeout: 20_000 });
    // The page number shows at once; the rows follow when the next page is read.
    const onlyRow = async (title: string) => {
      await page.locator('.cp-table tbody td', { hasText: new RegExp(`^${title}$`) }).waitFor({ timeout: 20_000 });
      assert.deepEqual(await page.locator('.cp-table tbody td').allInnerTexts(), [title]);
    };
    await onlyRow('b2');
    await page.getByRole('button', { name: 'Next page' }).click();
    await page.getByTestId('done').filter({ hasText: 'page 2 of 2' }).waitFor();
    await onlyRow('b1');
    await page.getByRole('button', { name: 'Ascending' }).click();
    await page.getByTestId('done').filter({ hasText: 'page 1 of 2' }).waitFor();
    await onlyRow('b1');
    await page.getByTestId('desk').filter({ hasText: /^front ses_/ }).waitFor({ timeout: 20_000 });
    assert.equal(await page.getByTestId('colors').innerText(), '#11223380 #808080');
    // styled (styled-components): the interpolation reads the theme (app.theme's primary).
    const styledCss = await page.getByTestId('styled').evaluate((el) => { const c = getComputedStyle(el); return `${c.color} ${c.fontWeight}`; });
    assert.equal(styledCss, 'rgb(15, 118, 110) 700');
    assert.equal(await page.getByTestId('styled-em').evaluate((el) => `${el.tagName} ${getComputedStyle(el).letterSpacing}`), 'EM 2px');
    assert.equal(await page.getByTestId('href').innerText(), '/pages/react-board/board');
    assert.equal(await page.locator('.cp-avatar').innerText(), 'AL');
    assert.match(await page.locator('.cp-nav-item.cp-active').innerText(), /AL\s*Inbox\s*2/);
    assert.deepEqual(await page.locator('.cp-conversations button').allInnerTexts(), ['First', 'Second']);
    assert.equal(await page.locator('.cp-conversations .cp-active').innerText(), 'Second');
    assert.deepEqual(await page.locator('.cp-fields dt').allInnerTexts(), ['Owner', 'votes']);
    assert.deepEqual(await page.locator('.cp-fields dd').allInnerTexts(), ['ada', '3']);
    // fileUrl / useFileUrl / FileLink: a file the app wrote at its mount path, read by that path.
    const fileHref = '/api/pages/react-board/files/mounted?path=%2Fcapsule-local-test-kit-files%2Fnotes%2Fhello.txt';
    await page.getByTestId('file-text').filter({ hasText: 'hello from the mount' }).waitFor({ timeout: 20_000 });
    assert.equal(await page.getByTestId('file-url').innerText(), fileHref);
    assert.equal(await page.locator('.cp-inspector a', { hasText: 'Report' }).getAttribute('href'), fileHref, 'FileLink: the same URL for the same file');
    assert.equal(await page.getByTestId('file-bad').innerText(), 'fileUrl: file path must start with \'/\' ("notes/hello.txt")');

    // useSession's data written by the page: set and publish resolve with the value, the other
    // hook over that session sees it, and the app's next message in the session reads it. The
    // started session began with the page's initialData (the initializer read it); a new session
    // without start is created with its initialData when the page opens it.
    await page.getByTestId('desk-data').filter({ hasText: 'toner toner 0' }).waitFor({ timeout: 30_000 });
    await page.getByTestId('mirror').filter({ hasText: 'toner 0' }).waitFor({ timeout: 20_000 });
    assert.match(await page.getByTestId('fresh').innerText(), /^paper 1 ses_/);
    await page.getByRole('button', { name: 'Set topic' }).click();
    await page.getByTestId('set-result').filter({ hasText: 'set scanners' }).waitFor({ timeout: 20_000 });
    await page.getByTestId('desk-data').filter({ hasText: 'toner scanners 0' }).waitFor();
    await page.getByTestId('mirror').filter({ hasText: 'scanners 0' }).waitFor({ timeout: 20_000 });
    await page.getByRole('button', { name: 'Publish count' }).click();
    await page.getByTestId('set-result').filter({ hasText: 'published 3' }).waitFor({ timeout: 20_000 });
    await page.getByTestId('desk-data').filter({ hasText: 'toner scanners 3' }).waitFor();
    await page.getByTestId('mirror').filter({ hasText: 'scanners 3' }).waitFor({ timeout: 20_000 });
    // useSession().chat(): the session's chat; the app's handler reads the topic the page set.
    await page.getByTestId('desk-chat-status').filter({ hasText: 'idle' }).waitFor({ timeout: 20_000 });
    assert.equal(await page.getByTestId('desk-chat-session').innerText(), 'same session');
    await page.getByRole('button', { name: 'Ask the desk' }).click();
    await page.getByTestId('desk-chat').filter({ hasText: 'board says: what now (about scanners, in ses_' }).waitFor({ timeout: 30_000 });
    assert.match(await page.getByTestId('desk-chat').innerText(), /^desk opened \| board says: what now \(about scanners, in ses_[\w-]+\)$/);
    const deskId = (await page.getByTestId('desk-chat').innerText()).match(/in (ses_[\w-]+)\)/)![1]!;
    const stored = (await (await emu.api(`/api/dashboard/sessions/${deskId}`)).json()) as { data: string };
    const deskData = JSON.parse(stored.data) as Record<string, unknown>;
    assert.deepEqual([deskData.topic, deskData.count, deskData.opened_with, deskData.desk], ['scanners', 3, 'toner', 'front']);
    // A write from another tab (here: the route itself) reaches the page through the change feed.
    const viewer = (await (await emu.api('/api/pages/react-board')).json()) as { persona: string };
    const other = await emu.api(`/api/pages/react-board/sessions/${deskId}/data`, { method: 'POST', body: JSON.stringify({ user: viewer.persona, key: 'count', value: 4 }), headers: { 'content-type': 'application/json' } });
    assert.equal(other.status, 200);
    await page.getByTestId('mirror').filter({ hasText: 'scanners 4' }).waitFor({ timeout: 20_000 });
    await page.getByTestId('desk-data').filter({ hasText: 'toner scanners 4' }).waitFor({ timeout: 20_000 });
    await page.getByRole('tab', { name: 'B' }).click();
    assert.equal(await page.getByTestId('tab').innerText(), 'b');
    // A named chat (`@app.message("triage")`): useChat("triage") reaches that handler.
    await page.getByRole('button', { name: 'Ask triage' }).click();
    await page.getByTestId('triage').filter({ hasText: 'triage: printer jam (chat triage)' }).waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'To the board' }).click();
    await page.waitForURL(/\/pages\/react-board\/board$/);
    assert.deepEqual(errors, []);

    // The bundle route: only the app's React pages, signed in.
    const ok = await emu.api('/apps/react-board/pages/Board/bundle.js');
    assert.equal(ok.status, 200);
    assert.match(ok.headers.get('content-type') ?? '', /javascript/);
    assert.match(await ok.text(), /from "@capsule\/page"/);
    for (const name of ['__proto__', 'constructor', '%2E%2E', '..%2F..%2Fdata%2Fsummary', 'board', 'Board%00', 'Board%2F..']) {
      const r = await emu.api(`/apps/react-board/pages/${name}/bundle.js`);
      assert.ok(r.status >= 400 && r.status < 500, `${name}: ${r.status}`);
      await r.body?.cancel();
    }
    assert.equal((await emu.api('/apps/nope/pages/Board/bundle.js')).status, 404);
    // The React onboarding's bundle is the runner's __onboarding__ page.
    assert.equal((await emu.api('/apps/react-board/pages/__onboarding__/bundle.js')).status, 200);
    assert.equal((await fetch(`${emu.url}/apps/react-board/pages/Board/bundle.js`)).status, 401);
    assert.equal((await fetch(`${emu.url}/pages/react-board/board`)).status, 401);
  });
});
