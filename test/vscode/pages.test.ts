// "Open page" in the real VS Code workbench (code-server, headless Chromium; see harness.ts): the
// language server's lens on each page decorator of an app on the real SDK, its command starting
// the emulator and opening the signed-in link to the page the emulator renders, the message for a
// page renamed since, the quick pick without arguments, and the bundled runtime's message.
// Needs `npm run build`, Debian chromium and code-server (scripts/install-code-server.sh).
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO } from '../support/emulator';
import { bootWorkbench, quickOpen, waitFor, type Workbench } from './harness';

const FIXTURE = join(__dirname, 'fixtures', 'pages-workspace');
/** The project's interpreter: it has the pinned cpsl wheel, so the app runs on the real SDK. */
const VENV_PYTHON = join(REPO, '.venv', 'bin', 'python');

interface Lens {
  line: number;
  title: string | null;
  command: string | null;
  arguments: unknown[];
}

/** Where each surface must open (the real SDK's routes) and a text its rendered page shows. */
const EXPECTED: Array<{ surface: Record<string, string>; decorator: string; path: string; title: string; shows: string }> = [
  { surface: { kind: 'page', name: 'Dashboard' }, decorator: '@shop.page("Dashboard")', path: '/pages/lens-shop/dashboard', title: 'Dashboard', shows: 'Sales this week' },
  { surface: { kind: 'page', name: 'Order History' }, decorator: '@shop.page("Order History"', path: '/pages/lens-shop/orders/history', title: 'Order History', shows: 'Every order so far' },
  { surface: { kind: 'home' }, decorator: '@shop.home_body()', path: '/pages/lens-shop', title: 'lens-shop — home', shows: 'Welcome to the shop' },
  { surface: { kind: 'chat' }, decorator: '@shop.chat_page(', path: '/pages/lens-shop/chat', title: 'Assistant', shows: 'Ask the assistant' },
  { surface: { kind: 'onboarding' }, decorator: '@shop.onboarding(', path: '/pages/lens-shop/_onboarding', title: 'lens-shop — onboarding', shows: 'Set up your shop' },
  { surface: { kind: 'workflow', name: 'Triage' }, decorator: '@triage.ui()', path: '/pages/lens-shop/_workflow/Triage', title: 'Triage', shows: 'Sort new tickets' },
];

describe('VS Code workbench: Open App Page (code-server)', { timeout: 8 * 60_000 }, () => {
  let wb: Workbench;
  let appFile: string;
  let activationProblem: string | undefined = 'activation was not attempted';
  const requireActive = (): void => {
    if (activationProblem) throw new Error(`not run: ${activationProblem}`);
  };

  /** The "Open page" lenses of app.py as the editor has them (waits for the language server). */
  const pageLenses = (count: number): Promise<Lens[]> =>
    waitFor(
      `${count} Open page lenses in app.py`,
      async () => {
        const lenses = (await wb.op<Lens[]>('codeLenses', { path: appFile })).filter((l) => l.command === 'capsule.openAppPage');
        return lenses.length === count ? lenses : undefined;
      },
      30_000,
      300,
    );

  /** Opens the signed-in link in the browser, as the system browser does; resolves with the page. */
  const visit = async (url: string, expected: (typeof EXPECTED)[number]): Promise<void> => {
    const page = await wb.browser.newPage();
    try {
      await page.goto(url);
      await page.waitForURL((u) => u.pathname === expected.path, { timeout: 20_000 });
      await page.locator('#page-title', { hasText: expected.title }).waitFor({ timeout: 20_000 });
      await page.getByText(expected.shows).first().waitFor({ timeout: 20_000 });
      assert.equal(await page.locator('.ui-note', { hasText: /declares no/ }).count(), 0, `${expected.path} renders the surface`);
    } catch (e) {
      const shown = await page.locator('body').innerText().catch(() => '(page text unavailable)');
      throw new Error(`${(e as Error).message}\n--- ${page.url()} ---\n${shown.slice(0, 1500)}`);
    } finally {
      await page.close();
    }
  };

  before(async () => {
    wb = await bootWorkbench({ fixture: FIXTURE, settings: { 'capsule.python.interpreter': VENV_PYTHON } });
    appFile = join(wb.workspace, 'app.py');
  });

  after(async () => {
    await wb?.op('command', { id: 'capsule.emulator.stop' }).catch(() => undefined);
    await wb?.close();
  });

  it('puts an "Open page" lens on each page decorator, with the app and the surface', async () => {
    activationProblem = 'the extension did not activate';
    await quickOpen(wb.page, 'app.py');
    await waitFor('the extension to activate', () => wb.op<{ client: boolean }>('ready'), 60_000, 250);
    activationProblem = undefined;
    const lenses = await pageLenses(EXPECTED.length);
    const lines = readFileSync(appFile, 'utf8').split('\n');
    const uri = (lenses[0]!.arguments[0] as string) ?? '';
    assert.match(uri, /^file:\/\/.*\/app\.py$/);
    for (const want of EXPECTED) {
      const line = lines.findIndex((l) => l.startsWith(want.decorator));
      const lens = lenses.find((l) => l.line === line);
      assert.ok(lens, `a lens on line ${line + 1} (${want.decorator}); lenses on ${lenses.map((l) => l.line + 1).join(', ')}`);
      assert.equal(lens.title, 'Open page');
      assert.deepEqual(lens.arguments, [uri, 'shop', want.surface]);
    }
    // On screen, above the decorators, beside Run / Debug / Open chat above the App.
    const shown = wb.page.locator('.codelens-decoration', { hasText: 'Open page' });
    await shown.first().waitFor({ timeout: 15_000 });
  });

  it('each lens starts the emulator on the real SDK and opens the signed-in link to the rendered surface', async () => {
    requireActive();
    const lenses = await pageLenses(EXPECTED.length);
    for (const want of EXPECTED) {
      const lens = lenses.find((l) => JSON.stringify(l.arguments[2]) === JSON.stringify(want.surface))!;
      // The first one starts the emulator and waits for the app to register.
      const { result: url } = await wb.op<{ result: string }>('command', { id: 'capsule.openAppPage', args: lens.arguments }, 90_000);
      const parsed = new URL(url);
      assert.equal(parsed.pathname, '/login');
      assert.equal(parsed.searchParams.get('next'), want.path, `the lens of ${want.decorator} opens ${want.path}`);
      await visit(url, want);
    }
    const emu = await wb.op<{ state: string; entry: string }>('emulator');
    assert.equal(emu.state, 'running');
    assert.equal(emu.entry, 'app.py:shop');
  });

  it('without arguments it offers the running app\'s pages in a quick pick', async () => {
    requireActive();
    const { result: url } = await wb.op<{ result: string }>('command', { id: 'capsule.openAppPage', answers: ['$(play) Triage (workflow)'] });
    assert.equal(new URL(url).searchParams.get('next'), '/pages/lens-shop/_workflow/Triage');
    const asked = await wb.op<Array<{ kind: string; title: string }>>('asked');
    assert.equal(asked.at(-1)?.title, 'Capsule: open which page?');
  });

  it('a page renamed since the lens was drawn: the message names it and lists what the app declares', async () => {
    requireActive();
    const lenses = await pageLenses(EXPECTED.length);
    const old = lenses.find((l) => JSON.stringify(l.arguments[2]) === JSON.stringify({ kind: 'page', name: 'Dashboard' }))!;
    const original = readFileSync(appFile, 'utf8');
    writeFileSync(appFile, original.replace('@shop.page("Dashboard")', '@shop.page("Overview")'));
    try {
      // Once the emulator has reloaded the app, the old lens's page is gone.
      const message = await waitFor(
        'the reloaded app to no longer declare "Dashboard"',
        async () => {
          try {
            await wb.op('command', { id: 'capsule.openAppPage', args: old.arguments });
            return undefined;
          } catch (e) {
            return (e as Error).message;
          }
        },
        45_000,
        500,
      );
      assert.match(message, /lens-shop declares no page "Dashboard"/);
      assert.match(message, /pages "Overview", "Order History"/);
      assert.match(message, /workflow "Triage"/);
      const toast = wb.page.locator('.notifications-toasts .notification-toast', { hasText: 'declares no page "Dashboard"' });
      await toast.first().waitFor({ timeout: 15_000 });
      // The lens the server draws now opens the renamed page.
      const renamed = await waitFor('the lens of the renamed page', async () => (await pageLenses(EXPECTED.length)).find((l) => (l.arguments[2] as { name?: string }).name === 'Overview'), 30_000, 300);
      const { result: url } = await wb.op<{ result: string }>('command', { id: 'capsule.openAppPage', args: renamed.arguments });
      assert.equal(new URL(url).searchParams.get('next'), '/pages/lens-shop/overview');
    } finally {
      writeFileSync(appFile, original);
    }
    await wb.op('command', { id: 'notifications.clearAll' });
  });

  it('on the bundled runtime (no cpsl in the interpreter) the message says it renders no pages', async () => {
    requireActive();
    await wb.op('command', { id: 'capsule.emulator.stop' });
    // python3 of the system has no cpsl: serve falls back to the bundled runtime.
    await wb.op('setConfiguration', { section: 'capsule', key: 'python.interpreter', value: 'python3' });
    const lenses = await pageLenses(EXPECTED.length);
    const dashboard = lenses.find((l) => (l.arguments[2] as { name?: string }).name === 'Dashboard')!;
    await assert.rejects(
      wb.op('command', { id: 'capsule.openAppPage', args: dashboard.arguments }, 90_000),
      /lens-shop did not start on the bundled runtime \(NotAvailableLocally: .*\); the bundled runtime \(no cpsl SDK in the app's Python interpreter\) renders no pages: install cpsl/,
    );
    // The palette's command (no lens) says the same of the app the emulator serves.
    await assert.rejects(wb.op('command', { id: 'capsule.openAppPage' }), /lens-shop did not start on the bundled runtime .*renders no pages/);
    await wb.op('setConfiguration', { section: 'capsule', key: 'python.interpreter', value: VENV_PYTHON });
  });
});
