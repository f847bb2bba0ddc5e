// Headless Debian Chromium driven by playwright-core, as every web page test uses it: the browser,
// a page signed in to an emulator (its errors and dialogs recorded), and the browser and emulator
// of one test or of a `describe` block, closed and stopped after whatever the tests did.
import { after, before } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loginUrl, startEmulator, type EmulatorOptions, type RunningEmulator } from './emulator';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function launchBrowser(): Promise<{ browser: Browser; close: () => Promise<void> }> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: install Debian's chromium package (.ci/run does) or set CHROMIUM_PATH`);
  }
  const profile = mkdtempSync(join(tmpdir(), 'capsule-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-quic',
      '--no-first-run',
      '--disable-sync',
    ],
  });
  const browser = context.browser();
  // launchPersistentContext has no Browser object; expose the context through a thin adapter.
  const adapter = {
    newPage: () => context.newPage(),
    contexts: () => [context],
    newContext: async () => context,
  } as unknown as Browser;
  return {
    browser: browser ?? adapter,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export interface PageOptions {
  viewport?: { width: number; height: number };
  /** The page's default timeout for waits and actions (playwright's own when left out). */
  timeout?: number;
  /** Console errors count as errors too (`console: <text>`). */
  consoleErrors?: boolean;
}

/** A page and what it raised: uncaught errors, and the messages of dialogs (each dismissed). */
export interface WatchedPage {
  page: Page;
  errors: string[];
  dialogs: string[];
}

/** A new page of `browser` that records its uncaught errors and its dialogs (dismissing them). */
export async function watchedPage(browser: Browser, opts: PageOptions = {}): Promise<WatchedPage> {
  const page = await browser.newPage();
  const errors: string[] = [];
  const dialogs: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  if (opts.consoleErrors) page.on('console', (m) => m.type() === 'error' && errors.push(`console: ${m.text()}`));
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  if (opts.viewport) await page.setViewportSize(opts.viewport);
  if (opts.timeout !== undefined) page.setDefaultTimeout(opts.timeout);
  return { page, errors, dialogs };
}

/** A watched page signed in to `emu` by a one-time login link, opened at `path`. */
export async function signIn(browser: Browser, emu: RunningEmulator, path: string, opts: PageOptions = {}): Promise<WatchedPage> {
  const watched = await watchedPage(browser, opts);
  await watched.page.goto(await loginUrl(emu, path));
  return watched;
}

/**
 * The emulator of `opts` and a Chromium for one test: `run` gets both; the browser is closed and
 * the emulator stopped and removed after, whatever `run` did.
 */
export async function withBrowser(opts: EmulatorOptions, run: (emu: RunningEmulator, browser: Browser) => Promise<void>): Promise<void> {
  const emu = await startEmulator(opts);
  try {
    const { browser, close } = await launchBrowser();
    try {
      await run(emu, browser);
    } finally {
      await close();
    }
  } finally {
    await emu.stop();
    emu.cleanup();
  }
}

/**
 * The emulator of `opts` and a Chromium for the tests of a `describe` block: started before them,
 * the browser closed and the emulator stopped and removed after. `use` receives both (tests keep
 * them in variables of their own) and may open pages. `opts` may be a function, for options an
 * earlier `before` hook prepares.
 */
export function browserForSuite(opts: EmulatorOptions | (() => EmulatorOptions), use: (emu: RunningEmulator, browser: Browser) => void | Promise<void>): void {
  let emu: RunningEmulator | undefined;
  before(async () => {
    emu = await startEmulator(typeof opts === 'function' ? opts() : opts);
  });
  // Its `after` comes first: the browser is closed before the emulator stops.
  chromiumForSuite((browser) => use(emu!, browser));
  after(async () => {
    await emu?.stop();
    emu?.cleanup();
  });
}

/**
 * A Chromium alone for the tests of a `describe` block (pages of an in-process server): launched
 * before them, closed after. `use` receives it and may open its pages.
 */
export function chromiumForSuite(use: (browser: Browser) => void | Promise<void>): void {
  let close: (() => Promise<void>) | undefined;
  before(async () => {
    const launched = await launchBrowser();
    close = launched.close;
    await use(launched.browser);
  });
  after(async () => {
    await close?.();
  });
}
