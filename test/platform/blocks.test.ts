// The SDK's structured blocks in the web chat (headless Chromium), on the real SDK (fixtures/blocks):
// a terminal drawn once and updated in place with stdout and stderr told apart, a step updated in
// place, an activity, suggestions whose click is the next message, an inline table paged
// (50 rows a page), a task card following the task to its end, a browser preview framed through the emulator,
// custom UI and onboarding cards; markup the app sends stays text, and all of it is drawn the same
// from the history when the page is reloaded.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { signIn, browserForSuite } from '../support/browser';
import { waitFor } from '../support/wait';
import { fixture, type RunningEmulator } from '../support/emulator';

const T = 30_000;
const HOSTILE = '<img src=x onerror=alert(1)>';

describe('web chat blocks on the real SDK', () => {
  let emu: RunningEmulator;
  let chat: Page;
  let dialogs: string[];
  let errors: string[];

  browserForSuite({ app: fixture('platform', 'blocks') }, async (e, browser) => {
    emu = e;
    ({ page: chat, errors, dialogs } = await signIn(browser, emu, '/chat', { viewport: { width: 1200, height: 900 } }));
    await chat.getByRole('textbox', { name: 'Message' }).waitFor({ timeout: T });
  });

  const messages = () => chat.locator('#messages');

  async function dump(e: Error): Promise<never> {
    throw new Error(`${e.message}\n--- chat ---\n${await messages().innerText().catch(() => '?')}\n--- emulator ---\n${emu.output().slice(-3000)}`);
  }

  /** Waits until the chat takes a message (Send is off while the app answers). */
  async function idle(): Promise<void> {
    const send = chat.getByRole('button', { name: 'Send', exact: true });
    await waitFor('the chat to accept a message', () => send.isEnabled(), T).catch(dump);
  }

  /** Sends `text` and waits for the app's reply `reply` and the end of the turn. */
  async function say(text: string, reply: string): Promise<void> {
    await idle();
    const replies = messages().locator('.msg.app', { hasText: reply });
    const before = await replies.count();
    const box = chat.getByRole('textbox', { name: 'Message' });
    await box.fill(text);
    await box.press('Enter');
    await waitFor(`the reply "${reply}" to "${text}"`, async () => (await replies.count()) > before, T).catch(dump);
    await idle();
  }

  /** What the user sees after the turns below, live and again from the history. */
  async function checkAll(): Promise<void> {
    // The terminal: one card however many revisions came, a transcript per run.
    const terms = messages().locator('.block.terminal');
    assert.equal(await terms.count(), 1, 'exactly one terminal card');
    const term = chat.getByRole('group', { name: 'Terminal T' });
    const runs = term.locator('.term-run');
    assert.equal(await runs.count(), 2);
    assert.equal(await runs.nth(0).locator('.term-cmd').innerText(), 'echo out; echo err >&2');
    assert.equal((await runs.nth(0).locator('.term-output .stdout').allInnerTexts()).join(''), 'out\n');
    assert.equal((await runs.nth(0).locator('.term-output .stderr').allInnerTexts()).join(''), 'err\n');
    assert.equal(await runs.nth(0).locator('.term-output .stderr').first().getAttribute('title'), 'stderr');
    const stderrColor = await runs.nth(0).locator('.stderr').first().evaluate((n) => getComputedStyle(n).color);
    const stdoutColor = await runs.nth(0).locator('.stdout').first().evaluate((n) => getComputedStyle(n).color);
    assert.notEqual(stderrColor, stdoutColor, 'stderr looks different from stdout');
    assert.match(await runs.nth(0).locator('.term-status').innerText(), /completed\s+exit 0/);
    assert.equal(await runs.nth(1).locator('.term-output').innerText(), `${HOSTILE}\n`);
    assert.match(await runs.nth(1).locator('.term-status').innerText(), /failed\s+exit 3/);

    // The step was updated in place; the activity's label is text.
    const step = chat.getByRole('group', { name: 'Step Fetch data' });
    assert.equal(await step.count(), 1, 'one step row');
    assert.equal(await step.getAttribute('data-status'), 'completed');
    const act = chat.getByRole('group', { name: `Activity ${HOSTILE}` });
    assert.equal(await act.locator('.timeline-label').innerText(), HOSTILE);
    assert.equal(await act.locator('a', { hasText: 'docs' }).getAttribute('href'), 'https://example.com/docs');

    // Suggestions are buttons, markup in a label included.
    const sugg = chat.getByRole('group', { name: 'Next' });
    assert.deepEqual(await sugg.getByRole('button').allInnerTexts(), ['pick me', HOSTILE]);

    // The table: its columns, the first 50 rows with how many there are, and the rest a page further.
    const table = chat.getByRole('group', { name: 'Table Stock' });
    assert.deepEqual(await table.locator('thead th').allInnerTexts(), ['name', 'qty']);
    assert.equal(await table.locator('tbody tr').count(), 50);
    assert.deepEqual(await table.locator('tbody tr').nth(0).locator('td').allInnerTexts(), ['alpha', '1']);
    assert.deepEqual(await table.locator('tbody tr').nth(1).locator('td').allInnerTexts(), [HOSTILE, '2']);
    assert.equal(await table.locator('.table-count').innerText(), '57 rows · 1–50 · page 1 of 2');
    assert.doesNotMatch(await table.innerText(), /null|undefined/);
    await table.getByRole('button', { name: 'Next' }).click();
    assert.equal(await table.locator('.table-count').innerText(), '57 rows · 51–57 · page 2 of 2');
    assert.deepEqual(await table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => (tr.firstElementChild as HTMLElement).innerText)), ['row48', 'row49', 'row50', 'row51', 'row52', 'row53', 'row54']);
    assert.equal(await table.getByRole('button', { name: 'Next' }).isDisabled(), true);
    await table.getByRole('button', { name: 'Previous' }).click();
    assert.equal(await table.locator('tbody tr').count(), 50);

    // The task card follows the task to its end.
    const task = chat.getByRole('group', { name: 'Crunching' });
    await waitFor('the task card to say completed', async () => (await task.getAttribute('data-status')) === 'completed', T).catch(dump);
    assert.match(await task.innerText(), /^Crunching\s+crunch\s+completed$/);

    // The browser preview: the emulator's preview path of the app's port (it signs the browser in
    // to the preview's own origin and goes on there), framed and linked.
    const preview = chat.getByRole('group', { name: 'Browser preview Dev server' });
    assert.equal(await preview.locator('iframe').getAttribute('src'), '/apps/blocks/preview/5173/index.html');
    assert.equal(await preview.locator('a').getAttribute('href'), '/apps/blocks/preview/5173/index.html');
    assert.equal(await preview.locator('a').innerText(), `http://5173-blocks.preview.localhost:${emu.port}/index.html`, 'the preview\'s own origin');
    assert.match(await preview.innerText(), /The hosted web app opens this preview beside the chat/);

    // Custom UI and onboarding: what the hosted web app would show, the payload as text.
    const ui = chat.getByRole('group', { name: 'Custom UI Panel' });
    assert.match(await ui.innerText(), /The hosted web app draws a text widget in the chat\. Capsule Local does not render custom UI/);
    assert.match(await ui.locator('details pre').textContent() ?? '', /<img src=x onerror=alert\(1\)>/);
    assert.equal(await chat.getByRole('note', { name: 'Onboarding complete' }).count(), 1);
    assert.equal(await messages().locator('.block.unavailable').count(), 0, 'no block fell back to the payload card');

    // Nothing the app sent became markup, nothing ran.
    assert.equal(await messages().locator('img').count(), 0);
    assert.deepEqual(dialogs, []);
    assert.deepEqual(errors, []);
  }

  test('live: every block is drawn as the app sends it', async () => {
    await say('term', 'term done 0 3');
    await say('steps', 'steps done');
    await say('suggest', 'suggested');
    await say('table', 'tabled');
    await say('task', 'task submitted');
    await say('browser', 'previewing');
    await say('ui', 'ui shown');
    await say('onboard', 'onboarded');
    await checkAll();
  });

  test("a terminal reopened in a later message continues its runs: the SDK reads its block back from the history", async () => {
    type Reply = { session_id: string; blocks: Array<{ type: string; payload: { revision: number; runs: unknown[] } }> };
    const send = async (extra: Record<string, unknown>): Promise<Reply> => {
      const r = await emu.api('/api/chat', { method: 'POST', body: JSON.stringify({ text: 'term', ...extra }) });
      assert.equal(r.status, 200);
      return (await r.json()) as Reply;
    };
    const first = await send({});
    const again = await send({ session_id: first.session_id });
    const terminals = again.blocks.filter((b) => b.type === 'terminal');
    const last = terminals[terminals.length - 1]!;
    assert.equal(last.payload.runs.length, 4, 'the two runs of the first message and the two of this one');
    const before = first.blocks.filter((b) => b.type === 'terminal');
    assert.ok(last.payload.revision > before[before.length - 1]!.payload.revision + 1, `the revision continues (${last.payload.revision})`);
  });

  test('a suggestion click sends its text as the next message and the reply appears', async () => {
    await chat.getByRole('group', { name: 'Next' }).getByRole('button', { name: 'pick me' }).click();
    await messages().locator('.msg.user', { hasText: /^pick me$/ }).waitFor({ timeout: T }).catch(dump);
    await messages().locator('.msg.app', { hasText: 'you picked: pick me' }).waitFor({ timeout: T }).catch(dump);
    await idle();
  });

  test('historic: a reloaded page draws the same blocks from the session history', async () => {
    await chat.reload();
    await chat.getByRole('group', { name: 'Terminal T' }).waitFor({ timeout: T }).catch(dump);
    await messages().locator('.msg.app', { hasText: 'you picked: pick me' }).waitFor({ timeout: T }).catch(dump);
    await checkAll();
  });
});
