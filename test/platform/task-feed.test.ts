// Background tasks on the pages' change feed (GET /api/pages/<app>/changes), headless Chromium on
// the real SDK (fixtures/task-feed): a task's status changes (queued, running, completed, failed)
// reach an open task board through the feed (its board reads once a minute otherwise), the feed
// names tasks by id and status only (the payload's values, planted in the task, never appear in
// the stream), a board does not poll while the feed is up and falls back to a slow poll while
// it is down, pages of the app in one browser share one stream (media/feed.js: the next page
// takes it over when the one holding it closes), and a workflow run started elsewhere appears
// in an open run list through the feed; the web chat's task card follows its task through it too.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from '../support/browser';
import { waitFor } from '../support/wait';
import { startEmulator, loginUrl, fixture, type RunningEmulator } from '../support/emulator';
import { chat as apiChat, json } from '../emulator/helpers';

const APP = fixture('platform', 'task-feed');
/** Values of the tasks' payloads: the feed must never carry them. */
const TOKEN = 'tok-canary-5521';
const RECIPE = `recipe-of-${TOKEN}`;

interface Notice {
  sessions: string[] | null;
  collections: boolean;
  tasks: Array<Record<string, unknown>> | null;
}

/** The raw SSE stream of the feed, read by this process as a client of its own. */
function readFeed(emu: RunningEmulator): { text: () => string; notices: () => Notice[]; stop: () => void } {
  const ac = new AbortController();
  let buf = '';
  void (async () => {
    try {
      const r = await emu.api('/api/pages/task-feed/changes', { signal: ac.signal });
      assert.equal(r.status, 200);
      const reader = r.body!.getReader();
      const dec = new TextDecoder();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buf += dec.decode(value, { stream: true });
      }
    } catch {
      // stopped
    }
  })();
  return {
    text: () => buf,
    notices: () =>
      buf
        .split('\n\n')
        .filter((e) => e.startsWith('event: data-changed\n'))
        .map((e) => JSON.parse(e.slice(e.indexOf('data: ') + 6)) as Notice),
    stop: () => ac.abort(),
  };
}

describe('task status on the change feed', () => {
  let emu: RunningEmulator;
  let browser: Browser;
  let closeBrowser: () => Promise<void>;
  let feed: ReturnType<typeof readFeed>;
  const errors: string[] = [];

  before(async () => {
    emu = await startEmulator({ app: APP });
    ({ browser, close: closeBrowser } = await launchBrowser());
    feed = readFeed(emu);
  });
  after(async () => {
    feed?.stop();
    await closeBrowser?.();
    await emu?.stop();
    emu?.cleanup();
  });

  async function open(path: string, prepare?: (p: Page) => Promise<void>): Promise<{ page: Page; stateReads: () => number }> {
    const page = await browser.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    let reads = 0;
    page.on('request', (r) => {
      if (new URL(r.url()).pathname === '/api/state') reads += 1;
    });
    await prepare?.(page);
    await page.goto(await loginUrl(emu, path));
    return { page, stateReads: () => reads };
  }
  const say = async (text: string, reply: RegExp): Promise<string> => {
    const r = await apiChat(emu, text);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.match(r.body.reply, reply);
    return r.body.reply;
  };
  const taskIn = (page: Page, board: string, column: string) => page.locator('.ui-task-board', { hasText: board }).locator(`.ui-task-column[data-label="${column}"] .ui-task`);

  test('a task\'s status reaches an open board through the feed: running, completed, failed; the feed carries ids and statuses only', async () => {
    const { page, stateReads } = await open('/pages/task-feed/tasks');
    const board = page.locator('.ui-task-board', { hasText: 'Brews' });
    await board.locator('.ui-task-status', { hasText: '0 tasks' }).waitFor({ timeout: 30_000 });
    const readsAtStart = stateReads();

    const brewId = (await say(`brew ${TOKEN}`, /^brewing task_/)).replace(/^brewing /, '');
    // The board reads once a minute by itself: seeing the task within seconds is the feed's doing.
    const started = Date.now();
    await waitFor('the task in Running', async () => ((await taskIn(page, 'Brews', 'Running').count()) === 1 ? true : undefined), 20_000);
    assert.ok(Date.now() - started < 20_000);
    assert.equal(await taskIn(page, 'Brews', 'Running').locator('.pill').innerText(), 'running');

    await say(`release ${TOKEN}`, /^released/);
    await waitFor('the task in Completed', async () => ((await taskIn(page, 'Brews', 'Completed').count()) === 1 ? true : undefined), 20_000);
    assert.equal(await taskIn(page, 'Brews', 'Running').count(), 0);

    const flopId = (await say(`flop ${TOKEN}`, /^flopping task_/)).replace(/^flopping /, '');
    await waitFor('the failed task in Failed', async () => ((await taskIn(page, 'Brews', 'Failed').count()) === 1 ? true : undefined), 20_000);
    assert.match(await taskIn(page, 'Brews', 'Failed').innerText(), /flopped/, 'the board reads the task\'s error from the emulator, not from the feed');
    assert.ok(stateReads() > readsAtStart, 'the board read the tasks again');

    // What went over the feed: each task by id and status, nothing else of it.
    await waitFor('the failure on the feed', () => (feed.notices().some((n) => n.tasks?.some((t) => t.id === flopId && t.status === 'failed')) ? true : undefined), 10_000);
    const seen = new Map<string, Set<unknown>>();
    for (const n of feed.notices()) {
      assert.deepEqual(Object.keys(n).sort(), ['collections', 'sessions', 'tasks']);
      for (const t of n.tasks ?? []) {
        assert.deepEqual(Object.keys(t).sort(), ['id', 'status'], JSON.stringify(t));
        if (!seen.has(String(t.id))) seen.set(String(t.id), new Set());
        seen.get(String(t.id))!.add(t.status);
      }
    }
    assert.deepEqual([...seen.keys()].sort(), [brewId, flopId].sort());
    assert.ok(seen.get(brewId)!.has('running') && seen.get(brewId)!.has('completed'), JSON.stringify([...seen.get(brewId)!]));
    assert.ok(seen.get(flopId)!.has('failed'));
    const stream = feed.text();
    for (const planted of [TOKEN, RECIPE, 'canary', 'flopped', 'recipe', 'brewed']) assert.ok(!stream.includes(planted), `the feed carried "${planted}"`);
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('with the feed up a board does not poll; with the feed down it falls back to a slow poll', async () => {
    const up = await open('/pages/task-feed/fallback');
    await up.page.locator('.ui-task-board', { hasText: 'Slow' }).locator('.ui-task-status', { hasText: /\d+ tasks? \(/ }).waitFor({ timeout: 30_000 });
    const before = up.stateReads();
    await new Promise((r) => setTimeout(r, 6000));
    assert.equal(up.stateReads(), before, 'no read in 6 s while the feed is up and no task changed (refresh_ms is 1 s)');
    await up.page.close();

    // The feed refused: the board reads on its own, every 5 s (refresh_ms 1 s, at least 5 s).
    const down = await open('/pages/task-feed/fallback', async (p) => void (await p.route('**/api/pages/task-feed/changes', (r) => r.abort())));
    const slow = down.page.locator('.ui-task-board', { hasText: 'Slow' });
    await slow.locator('.ui-task-status', { hasText: /\d+ tasks? \(/ }).waitFor({ timeout: 30_000 });
    const token = 'tok-fallback';
    await say(`brew ${token}`, /^brewing task_/);
    await waitFor('the task on the polling board', async () => ((await taskIn(down.page, 'Slow', 'Running').count()) === 1 ? true : undefined), 20_000);
    const reads = down.stateReads();
    await new Promise((r) => setTimeout(r, 11_000));
    const polled = down.stateReads() - reads;
    assert.ok(polled >= 1 && polled <= 3, `about one read every 5 s while the feed is down (${polled} in 11 s)`);
    await say(`release ${token}`, /^released/);
    await waitFor('the task completed on the polling board', async () => ((await taskIn(down.page, 'Slow', 'Completed').count()) >= 1 ? true : undefined), 20_000);
    assert.deepEqual(errors, []);
    await down.page.close();
  });

  test('pages of the app in one browser share one stream; when the page holding it closes, the next one takes it over', async () => {
    // The stream requests of each page.
    const requests = new Map<Page, number>();
    const watch = (p: Page) => {
      requests.set(p, 0);
      p.on('request', (r) => {
        if (new URL(r.url()).pathname === '/api/pages/task-feed/changes') requests.set(p, requests.get(p)! + 1);
      });
    };
    const streamsOf = (p: Page) => requests.get(p) ?? 0;
    {
      // The first page takes the stream; the second, in a window of its own beside it (both
      // shown), hears it through the first. Its board reads once a minute by itself.
      const holder = await open('/pages/task-feed/fallback', async (p) => watch(p));
      await holder.page.locator('.ui-task-board', { hasText: 'Slow' }).locator('.ui-task-status', { hasText: /\d+ tasks? \(/ }).waitFor({ timeout: 30_000 });
      // A window opens on a click (a browser blocks a popup without one).
      await holder.page.evaluate(() => {
        const b = document.createElement('button');
        b.id = 'open-beside';
        b.textContent = 'Open beside';
        b.addEventListener('click', () => void window.open('/pages/task-feed/tasks', 'beside', 'popup,width=900,height=700'));
        document.body.prepend(b);
      });
      const popup = holder.page.waitForEvent('popup');
      await holder.page.click('#open-beside');
      const other = await popup;
      watch(other);
      other.on('pageerror', (e) => errors.push(e.message));
      await other.locator('.ui-task-board', { hasText: 'Brews' }).locator('.ui-task-status', { hasText: /\d+ tasks? \(/ }).waitFor({ timeout: 30_000 });
      assert.deepEqual([await holder.page.evaluate(() => document.visibilityState), await other.evaluate(() => document.visibilityState)], ['visible', 'visible']);
      assert.equal(await other.evaluate('capsuleFeed.shared'), true, 'Web Locks and BroadcastChannel are there');
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(streamsOf(other), 0, 'the second page opened no stream of its own');
      assert.equal(streamsOf(holder.page), 1);

      const token = 'tok-shared';
      await say(`brew ${token}`, /^brewing task_/);
      await waitFor('the task on the second page, told through the first', async () => ((await taskIn(other, 'Brews', 'Running').count()) === 1 ? true : undefined), 15_000);
      await waitFor('the task on the first page', async () => ((await taskIn(holder.page, 'Slow', 'Running').count()) === 1 ? true : undefined), 15_000);
      assert.equal(streamsOf(other), 0);

      // The page holding the stream goes away (navigated off; closing the tab would close the
      // window it opened too): the other one opens the stream, and still hears the task end.
      await holder.page.goto('about:blank');
      await waitFor('the second page to open the stream', () => (streamsOf(other) === 1 ? true : undefined), 15_000);
      await new Promise((r) => setTimeout(r, 500));
      await say(`release ${token}`, /^released/);
      await waitFor('the task completed on the second page', async () => ((await taskIn(other, 'Brews', 'Completed').count()) >= 1 && (await taskIn(other, 'Brews', 'Running').count()) === 0 ? true : undefined), 15_000);
      assert.equal(streamsOf(other), 1, 'one stream opened, once');
      assert.deepEqual(errors, []);
      await other.close();
      await holder.page.close();
    }
  });

  test('the web chat\'s task card follows its task through the feed, reading the task only when it changes', async () => {
    const { page, stateReads } = await open('/chat');
    await page.getByRole('textbox', { name: 'Message' }).waitFor({ timeout: 30_000 });
    const token = 'tok-card';
    const box = page.getByRole('textbox', { name: 'Message' });
    await box.fill(`card ${token}`);
    await box.press('Enter');
    const card = page.getByRole('group', { name: 'Brewing' });
    await waitFor('the card to say running', async () => ((await card.getAttribute('data-status').catch(() => null)) === 'running' ? true : undefined), 20_000);
    // The task waits: nothing to read while the feed is up (the card used to poll every second).
    await new Promise((r) => setTimeout(r, 1000));
    const reads = stateReads();
    await new Promise((r) => setTimeout(r, 6000));
    assert.equal(stateReads(), reads, 'no read of the task while it did not change');
    await say(`release ${token}`, /^released/);
    await waitFor('the card to say completed', async () => ((await card.getAttribute('data-status')) === 'completed' ? true : undefined), 15_000);
    assert.match(await card.innerText(), /brew\s+completed/);
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('a workflow run started elsewhere appears in an open run list through the feed', async () => {
    const { page } = await open('/pages/task-feed/_workflow/Brew');
    const list = page.locator('.ui-run-list');
    await list.locator('.ui-empty', { hasText: 'No batch yet' }).waitFor({ timeout: 30_000 });
    // Started over the API (the CLI's and another browser's way), not from this screen. The list
    // would read by itself only 15 s after it was drawn.
    const started = Date.now();
    const r = await json<{ reply?: string; session_id?: string }>(emu, '/api/workflows/start', { app: 'task-feed', name: 'Brew', payload: { batch: 'amber' } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    await waitFor('the run in the list', async () => ((await list.locator('.ui-run').count()) === 1 ? true : undefined), 10_000);
    assert.ok(Date.now() - started < 10_000);
    assert.match(await list.locator('h3').innerText(), /^Runs \(1\)$/);
    assert.deepEqual(errors, []);
    await page.close();
  });
});
