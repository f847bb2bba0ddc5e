// The `capsule-local` executable (dist/cli.js): a small entry that loads the full CLI
// (dist/cli-main.js, built from cli/main.ts). For `serve` it first starts the app's Python
// process (cli/early-serve.ts), so that the app imports while Node loads the emulator.
import { join } from 'node:path';
import { traceStartup } from '../emulator/runner/launch';
import { earlyServe } from './early-serve';
import { requireWithCodeCache } from './code-cache';
import { toleratePipeClose } from './stdio';

function loadCli(): void {
  traceStartup('cli: loading the emulator');
  // The full CLI is its own bundle next to this one; serve runs for long, so its code cache is
  // written a few seconds in (once the emulator has compiled what a start uses).
  const serve = process.argv[2] === 'serve';
  requireWithCodeCache(join(__dirname, 'cli-main.js'), serve ? 'serve' : 'cli', serve ? 5000 : undefined);
}

toleratePipeClose();
traceStartup('cli: started');
// The app's runtime traces against the same origin (emulator/python/cpsl/__init__.py).
if (process.env.CAPSULE_TRACE_STARTUP === '1') process.env.CAPSULE_TRACE_ORIGIN ??= String(performance.timeOrigin);
if (process.argv[2] === 'serve' && process.env.CAPSULE_EARLY_SERVE !== 'off') {
  earlyServe(process.argv.slice(3)).then(loadCli, loadCli);
} else {
  loadCli();
}
