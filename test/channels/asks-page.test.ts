// The web chat's cards for the SDK's own prompts, in headless Chromium against the real SDK:
// an approval card with the block's labels, and a file-upload card whose file input keeps to the
// block's `accept`; the file chosen in the page reaches the handler.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { signIn, browserForSuite } from '../support/browser';
import type { RunningEmulator } from '../support/emulator';
import { waitFor } from '../support/wait';

const UI_TIMEOUT = 20_000;
const ASKS_APP = join(__dirname, '..', 'platform', 'fixtures', 'asks');

describe('web chat approval and file cards', () => {
  let emu: RunningEmulator;
  let browser: Browser;

  async function chatPage(): Promise<{ p: Page; send: (text: string) => Promise<void> }> {
    const { page: p } = await signIn(browser, emu, '/chat', { timeout: UI_TIMEOUT });
    const send = async (text: string) => {
      await waitFor('Send to be enabled', () => p.getByRole('button', { name: 'Send' }).isEnabled(), UI_TIMEOUT);
      await p.getByRole('textbox', { name: 'Message' }).fill(text);
      await p.getByRole('button', { name: 'Send' }).click();
    };
    return { p, send };
  }

  browserForSuite({ app: ASKS_APP }, (e, b) => {
    [emu, browser] = [e, b];
  });

  test('an approval card shows the labels; its buttons answer; the card ends approved or rejected', async () => {
    const { p, send } = await chatPage();
    await send('approve');
    const card = p.getByRole('group', { name: 'Approval needed' }).last();
    await card.getByText('Deploy to production?').waitFor();
    await card.getByText(/Expires in \d+:\d\d/).waitFor();
    const ship = card.getByRole('button', { name: 'Ship it' });
    await waitFor('Ship it to be enabled', () => ship.isEnabled(), UI_TIMEOUT);
    assert.ok(await card.getByRole('button', { name: 'Hold' }).isEnabled());
    assert.match((await card.getAttribute('data-prompt-id')) ?? '', /^apr_/);
    await ship.click();
    await p.getByText('approved=True', { exact: true }).waitFor();
    await card.getByText('Approved', { exact: true }).waitFor();
    assert.equal(await p.getByRole('group', { name: 'Approval needed' }).count(), 1, 'the completed block replaced the card');

    await send('approve');
    const second = p.getByRole('group', { name: 'Approval needed' }).last();
    const hold = second.getByRole('button', { name: 'Hold' });
    await waitFor('Hold to be enabled', () => hold.isEnabled(), UI_TIMEOUT);
    await hold.click();
    await p.getByText('approved=False', { exact: true }).waitFor();
    await second.getByText('Rejected', { exact: true }).waitFor();
    await p.close();
  });

  test('a file card keeps to accept; the chosen file reaches the handler (name, type, size, content at its URL)', async () => {
    const { p, send } = await chatPage();
    await send('file');
    const card = p.getByRole('group', { name: 'File requested' });
    await card.getByText('Send the report').waitFor();
    const input = card.getByLabel('File to upload');
    assert.equal(await input.getAttribute('accept'), '.csv,text/plain');
    const upload = card.getByRole('button', { name: 'Upload', exact: true });
    await waitFor('the file input to be enabled', () => input.isEnabled(), UI_TIMEOUT);
    assert.equal(await upload.isEnabled(), false, 'nothing chosen yet');
    const content = 'line one\nline two\n';
    await input.setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from(content) });
    await waitFor('Upload to be enabled', () => upload.isEnabled(), UI_TIMEOUT);
    await upload.click();
    const reply = p.locator('.msg.app', { hasText: /^got notes\.txt/ });
    await reply.waitFor();
    const m = /^got notes\.txt text\/plain (\d+) (\S+)$/.exec((await reply.textContent()) ?? '');
    assert.ok(m, await reply.textContent() ?? '');
    assert.equal(Number(m[1]), Buffer.byteLength(content));
    const file = await emu.api(new URL(m[2]!).pathname);
    assert.equal(await file.text(), content);
    await card.getByText(/^Uploaded notes\.txt/).waitFor();
    await p.close();
  });
});
