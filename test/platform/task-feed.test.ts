// Background tasks on the pages' change feed (GET /api/pages/<app>/changes), headless Chromium on
// the real SDK (fixtures/task-feed): a task's status changes (queued, running, completed, failed)
// reach an open task board through the feed (its board reads once a minute otherwise), the feed
// names tasks by id and status only (the payload's values, planted in the task, never appear in
// the stream), a board does not poll while the feed is up and falls back to a slow poll while
// it is down, and a workflow run started elsewhere appears in an open run list through the feed.
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
    await up.page.locator('.ui-task-board', { hasText: 'Slow' }).locator('.ui-task-status', { hasText: /tasks/ }).waitFor({ timeout: 30_000 });
    const before = up.stateReads();
    await new Promise((r) => setTimeout(r, 6000));
    assert.equal(up.stateReads(), before, 'no read in 6 s while the feed is up and no task changed (refresh_ms is 1 s)');
    await up.page.close();

    // The feed refused: the board reads on its own, every 5 s (refresh_ms 1 s, at least 5 s).
    const down = await open('/pages/task-feed/fallback', async (p) => void (await p.route('**/api/pages/task-feed/changes', (r) => r.abort())));
    const slow = down.page.locator('.ui-task-board', { hasText: 'Slow' });
    await slow.locator('.ui-task-status', { hasText: /tasks/ }).waitFor({ timeout: 30_000 });
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
