// `capsule-local open [PAGE]`: a fresh sign-in link to the running emulator's chat (or dashboard,
// integrations panel), printed and opened in the browser. The way back in for a browser that is
// signed out, or one that never was (a link printed by serve works once).
import type { Command } from 'commander';
import { DEFAULT_STORE_DIR } from '../../emulator/store';
import { callEmulator, EmulatorClientError, errorOf, findEmulator } from '../../emulator/gateway/client';
import { UsageError, UserError } from '../errors';
import { openBrowser } from '../browser';

const PAGES: Record<string, string> = { chat: '/chat', dashboard: '/dashboard', integrations: '/integrations' };

export function registerOpen(program: Command): void {
  program
    .command('open')
    .description('Print a fresh sign-in link to the running emulator and open it in the browser.')
    .argument('[page]', `the page: ${Object.keys(PAGES).join(', ')}`, 'chat')
    .option('--no-open', 'only print the link')
    .option('--store <dir>', 'the store folder', DEFAULT_STORE_DIR)
    .action(async (page: string, flags: { open: boolean; store: string }) => {
      const next = PAGES[page];
      if (!next) throw new UsageError(`unknown page "${page}": use ${Object.keys(PAGES).join(', ')}`);
      let url: string;
      try {
        const info = findEmulator(flags.store);
        const r = await callEmulator(info, '/api/login-code', { method: 'POST', body: {} });
        if (r.status !== 200) throw new UserError(errorOf(r.body, r.status));
        const code = (r.body as { code: string }).code;
        url = `${info.url}/login?code=${encodeURIComponent(code)}&next=${encodeURIComponent(next)}`;
      } catch (e) {
        if (e instanceof EmulatorClientError) throw new UserError(e.message);
        throw e;
      }
      process.stdout.write(`${url}\n`);
      if (flags.open) await openBrowser(url);
    });
}
