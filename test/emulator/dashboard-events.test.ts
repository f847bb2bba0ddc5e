// The dashboard's event log in headless Chromium: a traceback the app prints is one row (its
// introduction and error), and opening it shows the lines top to bottom as the app printed them.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { signIn, browserForSuite } from '../support/browser';
import type { RunningEmulator } from '../support/emulator';
import { waitFor } from '../support/wait';
import { fixture } from '../support/emulator';
import { chat, events } from './helpers';

describe('dashboard event log', () => {
  let emu: RunningEmulator;
  let browser: Browser;
  browserForSuite({ app: fixture('emulator', 'hostile') }, (e, b) => {
    [emu, browser] = [e, b];
  });

  test('a traceback is one row; its detail lists the lines in printed order', async () => {
    const r = await chat(emu, 'trace');
    assert.equal(r.status, 200);
    const trace = await waitFor('the traceback event', async () => (await events(emu)).find((e) => e.kind === 'log' && Array.isArray(e.detail?.lines)));
    const { page: p } = await signIn(browser, emu, '/dashboard', { timeout: 15_000 });
    await p.getByText('live', { exact: true }).waitFor();
    await p.getByLabel('Filter by kind').selectOption('log');
    const rows = p.locator('#events tr:not(.detail)', { hasText: 'ValueError: printed on purpose' });
    await waitFor('the one traceback row', async () => (await rows.count()) === 1);
    assert.match((await rows.first().innerText()).replace(/\s+/g, ' '), /the lookup failed: ValueError: printed on purpose/);
    await rows.first().click();
    const shown = await p.locator('#events tr.detail pre.lines').innerText();
    assert.equal(shown, (trace.detail!.lines as string[]).join('\n'));
    const lines = shown.split('\n');
    assert.equal(lines[1], 'Traceback (most recent call last):');
    assert.equal(lines.at(-1), 'ValueError: printed on purpose', 'the error is the last line, as Python prints it');
    await p.close();
  });
});
