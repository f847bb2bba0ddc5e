// Boots the real VS Code workbench (code-server 4.100.3, which embeds VS Code 1.100.3) with this
// extension installed unpacked, opens it in headless Debian Chromium, and talks to the extension's
// test driver (client/testDriver.ts) over loopback. One boot serves every scenario of the suite.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM } from '../support/browser';
import { screenshotPath } from '../support/screenshots';
import { readZip } from './zip';
import { packageExtension } from '../../scripts/package.mjs';

export const REPO = resolve(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { publisher: string; name: string; version: string };
export const EXTENSION_ID = `${pkg.publisher}.${pkg.name}`;

export interface Workbench {
  port: number;
  /** Temp folder holding the workspace, code-server's user data (logs) and the driver's results. */
  root: string;
  /** Files of the installed .vsix (relative to the extension folder). */
  packaged: string[];
  workspace: string;
  page: Page;
  /** The headless Chromium of the workbench page (for other pages, such as the web chat). */
  browser: Browser;
  /** Milliseconds from spawning code-server to `.monaco-workbench` in the browser. */
  bootMs: number;
  op<T = any>(op: string, args?: Record<string, unknown>, timeoutMs?: number): Promise<T>;
  serverOutput(): string;
  /** Saves the page as `vscode-<name>.png` where test/support/screenshots.ts says; returns the file. */
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

/** Ensures code-server is installed (scripts/install-code-server.sh, cached) and returns entry.js. */
export function codeServerEntry(): string {
  const script = join(REPO, 'scripts', 'install-code-server.sh');
  try {
    const out = execFileSync('bash', [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 15 * 60_000 });
    const entry = out.trim().split('\n').pop()!;
    if (!existsSync(entry)) throw new Error(`the installer printed ${entry}, which does not exist`);
    return entry;
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`code-server could not be installed (scripts/install-code-server.sh): ${err.stderr || err.message}`);
  }
}

export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.on('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => res(port));
    });
  });
}

/** Packages the extension with vsce (`npm run package` does the same) into `outDir`; returns the .vsix. */
export function packageVsix(outDir: string): string {
  return packageExtension(join(outDir, `${pkg.name}-${pkg.version}.vsix`));
}

/** Packages a test double's extension folder into `outDir/<name>.vsix`. */
export function packageFolder(folder: string, outDir: string, name: string): string {
  const vsix = join(outDir, `${name}.vsix`);
  const vsce = join(REPO, 'node_modules', '@vscode', 'vsce', 'vsce');
  execFileSync(process.execPath, [vsce, 'package', '--no-dependencies', '--skip-license', '--allow-missing-repository', '--out', vsix], {
    cwd: folder,
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 120_000,
  });
  return vsix;
}

/**
 * Installs a .vsix the way VS Code lays an installed extension out: its `extension/` folder as
 * EXTDIR/<publisher>.<name>-<version>/ (code-server loads such a folder as installed).
 */
export function installVsix(vsix: string, extensionsDir: string): { dir: string; files: string[] } {
  const dir = join(extensionsDir, `${EXTENSION_ID}-${pkg.version}`);
  const files: string[] = [];
  for (const entry of readZip(vsix)) {
    if (!entry.name.startsWith('extension/') || entry.name.endsWith('/')) continue;
    const rel = entry.name.slice('extension/'.length);
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), entry.data());
    files.push(rel);
  }
  for (const required of ['package.json', 'dist/extension.js', 'dist/server.js', 'dist/cli.js', 'dist/sdk-catalog.json']) {
    if (!files.includes(required)) throw new Error(`the .vsix lacks ${required}; run npm run build first (it holds: ${files.join(', ')})`);
  }
  return { dir, files };
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      lastError = e;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${(lastError as Error).message})` : ''}`);
}
export { waitFor };

export async function bootWorkbench(opts: { fixture: string; settings?: Record<string, unknown>; env?: Record<string, string> }): Promise<Workbench> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: install Debian's chromium package or set CHROMIUM_PATH`);
  const entry = codeServerEntry();
  const root = mkdtempSync(join(tmpdir(), 'capsule-vscode-'));
  const workspace = join(root, 'workspace');
  const userData = join(root, 'user-data');
  const extensions = join(root, 'extensions');
  const results = join(root, 'driver.json');
  cpSync(opts.fixture, workspace, { recursive: true });
  mkdirSync(join(userData, 'User'), { recursive: true });
  writeFileSync(
    join(userData, 'User', 'settings.json'),
    JSON.stringify(
      {
        'workbench.startupEditor': 'none',
        'workbench.tips.enabled': false,
        'workbench.welcomePage.walkthroughs.openOnInstall': false,
        'telemetry.telemetryLevel': 'off',
        'security.workspace.trust.enabled': false,
        'extensions.autoUpdate': false,
        'extensions.autoCheckUpdates': false,
        'update.mode': 'none',
        'chat.disableAIFeatures': true,
        'workbench.colorTheme': 'Default Dark Modern',
        'editor.minimap.enabled': false,
        ...opts.settings,
      },
      null,
      2,
    ),
  );
  writeFileSync(join(root, 'config.yaml'), 'auth: none\n');
  const vsix = packageVsix(root);
  const installed = installVsix(vsix, extensions);

  const port = await freePort();
  const t0 = Date.now();
  let output = '';
  const server: ChildProcess = spawn(
    process.execPath,
    [
      entry,
      '--auth', 'none',
      '--bind-addr', `127.0.0.1:${port}`,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      '--config', join(root, 'config.yaml'),
      '--user-data-dir', userData,
      '--extensions-dir', extensions,
      workspace,
    ],
    {
      // Own process group, so closing kills code-server's extension host and our emulator too.
      detached: true,
      env: { ...process.env, ...opts.env, CAPSULE_TEST_DRIVER: results },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  server.stdout!.on('data', (b: Buffer) => (output += b.toString()));
  server.stderr!.on('data', (b: Buffer) => (output += b.toString()));
  let exited: number | null | undefined;
  server.on('exit', (c) => (exited = c));

  let browser: Browser | undefined;
  const close = async (): Promise<void> => {
    await browser?.close().catch(() => undefined);
    if (exited === undefined && server.pid) {
      try {
        process.kill(-server.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      await waitFor('code-server to exit', () => exited !== undefined, 10_000).catch(() => {
        try {
          process.kill(-server.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
      });
    }
    if (!process.env.CAPSULE_KEEP_WORKBENCH) rmSync(root, { recursive: true, force: true });
  };

  try {
    await waitFor(
      `code-server to listen on 127.0.0.1:${port}`,
      async () => {
        if (exited !== undefined) throw new Error(`code-server exited with ${exited}:\n${output}`);
        const r = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
        return r?.ok;
      },
      60_000,
    );
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update'],
    });
    const page = await browser.newPage({ viewport: { width: 1400, height: 850 } });
    await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`);
    await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
    const bootMs = Date.now() - t0;

    const driverPort = async (): Promise<number> => {
      const r = JSON.parse(readFileSync(results, 'utf8')) as { ready: boolean; port: number };
      if (!r.ready) throw new Error('driver not ready');
      return r.port;
    };

    const op = async <T>(name: string, args: Record<string, unknown> = {}, timeoutMs = 30_000): Promise<T> => {
      const dport = await driverPort();
      const r = await fetch(`http://127.0.0.1:${dport}/`, {
        method: 'POST',
        body: JSON.stringify({ op: name, timeoutMs: Math.max(1000, timeoutMs - 2000), ...args }),
        signal: AbortSignal.timeout(timeoutMs),
      }).catch((e: Error) => {
        throw new Error(`driver operation ${name} failed to answer within ${timeoutMs} ms: ${e.message}`);
      });
      const body = (await r.json()) as { ok: boolean; result?: T; error?: string };
      if (!body.ok) throw new Error(`driver operation ${name} failed: ${body.error}`);
      return body.result as T;
    };

    return {
      port,
      root,
      packaged: installed.files,
      workspace,
      page,
      browser,
      bootMs,
      op,
      serverOutput: () => output,
      screenshot: async (name: string) => {
        const file = screenshotPath(`vscode-${name}.png`);
        await page.screenshot({ path: file });
        return file;
      },
      close,
    };
  } catch (e) {
    await close();
    throw new Error(`${(e as Error).message}\n--- code-server output ---\n${output.slice(-4000)}`);
  }
}

/** Every file under `dir` (recursively). */
export function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));
}

/** Activates the extension the way a user does: opens a Python file with Quick Open. */
export async function quickOpen(page: Page, fileName: string): Promise<void> {
  // Right after boot the file search may not answer yet (a loaded machine): ask again.
  for (let attempt = 1; ; attempt++) {
    await page.locator('.monaco-workbench').click({ position: { x: 700, y: 400 } }).catch(() => undefined);
    await page.keyboard.press('Control+P');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: 15_000 });
    await input.fill(fileName);
    try {
      await page.locator('.quick-input-list .monaco-list-row').first().waitFor({ timeout: 15_000 });
      break;
    } catch (e) {
      if (attempt === 3) throw e;
      await page.keyboard.press('Escape');
    }
  }
  await page.keyboard.press('Enter');
  await page.locator(`.tab[aria-label*="${fileName}"], .tab:has-text("${fileName}")`).first().waitFor({ timeout: 15_000 });
}
