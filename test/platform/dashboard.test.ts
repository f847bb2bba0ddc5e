// The dashboard (headless Chromium) shows which runtime an app runs on and what it declares
// beyond chat, as the real SDK registered it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { launchBrowser } from '../support/browser';
import { loginUrl, startEmulator } from '../support/emulator';

test("the dashboard's apps card names the SDK version and the app's declarations", async () => {
  const emu = await startEmulator({ app: join(__dirname, 'fixtures', 'workbench'), env: { WORKBENCH_KEY: 'dash-secret-value-1' } });
  const { browser, close } = await launchBrowser();
  try {
    const page = await browser.newPage();
    await page.goto(await loginUrl(emu, '/dashboard'));
    const row = page.locator('#apps tr', { hasText: 'workbench' });
    await row.waitFor({ timeout: 20_000 });
    const text = await row.innerText();
    assert.match(text, /cpsl \d+\.\d+\.\d+/);
    for (const want of [/collections: notes/, /settings: tone/, /tasks: crunch/, /image: httpx/, /data: stats/, /endpoints: GET \/hello/]) assert.match(text, want);
    assert.ok(!text.includes('dash-secret-value-1'));
  } finally {
    await close();
    await emu.stop();
    emu.cleanup();
  }
});
