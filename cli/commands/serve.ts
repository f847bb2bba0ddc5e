// `capsule-local serve FILE.py:SYMBOL`: the local emulator plus the app in a Python process.
// Prints the chat and dashboard links (one-time login URLs that set the session cookie), opens the
// chat in the browser unless --no-open, and shuts down cleanly on SIGINT/SIGTERM.
import type { Command } from 'commander';
import { resolve } from 'node:path';
import type { RunningEmulator } from '../../emulator/gateway';
import { DEFAULT_STORE_DIR } from '../../emulator/store';
import { pythonInterpreter, traceStartup } from '../../emulator/runner/launch';
import { UsageError, UserError } from '../errors';
import { takeEarlyServe } from '../early-serve';
import { openBrowser } from '../browser';

interface ServeFlags {
  port: string;
  store: string;
  open: boolean;
  python?: string;
  watch: boolean;
}

function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`--port must be a number from 0 to 65535 (0 = any free port), not "${value}"`);
  return n;
}

/** Test and tuning knobs read from the environment (documented in docs/emulator.md). */
function envMs(name: string): number | undefined {
  const v = process.env[name];
  const n = v === undefined ? NaN : Number(v);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('Run an app in the local emulator: web chat, API, channels, secrets and integration prompts.')
    .argument('<entry>', 'the app entry point, FILE.py:SYMBOL (for example app.py:app)')
    .option('--port <n>', 'port on 127.0.0.1 (0 = any free port)', '8790')
    .option('--store <dir>', 'the store folder', DEFAULT_STORE_DIR)
    .option('--no-open', 'do not open the chat in the browser')
    .option('--python <path>', 'Python interpreter (default: $CAPSULE_PYTHON, then python3)')
    .option('--no-watch', 'do not reload the app when its .py files change')
    .action(async (entry: string, flags: ServeFlags) => {
      const port = parsePort(flags.port);
      // The app's process may be importing already (cli/early-serve.ts): adopt it and its socket.
      const early = await takeEarlyServe({ entry, storeDir: resolve(flags.store), port, python: pythonInterpreter(flags.python), cwd: process.cwd() });
      // Loaded here, not at the top: every other command starts faster without the emulator.
      const { EmulatorStartError, startEmulator } = await import('../../emulator/gateway');
      const { EntryError, parseEntry } = await import('../../emulator/runner/launch');
      traceStartup('serve: emulator code loaded');
      let emu: RunningEmulator;
      try {
        emu = await startEmulator({
          entries: [entry],
          storeDir: flags.store,
          port,
          python: flags.python,
          held: early?.held,
          prelaunched: early?.runner,
          supervisor: {
            watch: flags.watch,
            healthIntervalMs: envMs('CAPSULE_HEALTH_INTERVAL_MS'),
            healthTimeoutMs: envMs('CAPSULE_HEALTH_TIMEOUT_MS'),
            registerTimeoutMs: envMs('CAPSULE_REGISTER_TIMEOUT_MS'),
          },
          // Events and the app's lines arrive scrubbed (the event bus and logLine call the scrubber).
          onEvent: (e) => {
            // A schedule's runs show in the app's own log ("running schedule: …"); its arming and skips here.
            if (e.kind === 'runner' || e.kind === 'error' || (e.kind === 'schedule' && e.detail?.event !== 'ran' && e.detail?.event !== 'run-now')) process.stderr.write(`capsule-local: ${e.summary}\n`);
            if (e.kind === 'runner' && e.detail?.event === 'failed' && typeof e.detail.traceback === 'string') process.stderr.write(e.detail.traceback.replace(/\n?$/, '\n'));
            if (e.kind === 'prompt' && e.detail?.outcome === 'pending') {
              process.stderr.write(`capsule-local: ${e.summary}\n  answer: capsule-local prompts answer ${String(e.detail.id)} --allow | --deny\n`);
            }
          },
          onLog: (app, stream, line) => (stream === 'stderr' ? process.stderr : process.stdout).write(`[${app}] ${line}\n`),
        });
      } catch (e) {
        if (e instanceof EntryError) throw new UsageError(e.message);
        if (e instanceof EmulatorStartError) throw new UserError(e.message);
        throw e;
      }
      const chatUrl = emu.loginUrl('/chat');
      try {
        const { preflightLines } = await import('../preflight');
        const lines = await preflightLines(parseEntry(entry).cwd, flags.store, process.cwd());
        if (lines.length) process.stdout.write(lines.join('\n') + '\n');
      } catch (e) {
        // The preflight only informs: an analysis failure must not stop the emulator.
        process.stderr.write(`capsule-local: the preflight check failed (${(e as Error).message}); run capsule-local check\n`);
      }
      process.stdout.write(
        `Capsule Local emulator on ${emu.url} (store ${emu.store.paths.dir})\n` +
          `  Chat:      ${chatUrl}\n` +
          `  Dashboard: ${emu.loginUrl('/dashboard')}\n` +
          `  API:       ${emu.url}/api/chat (Authorization: Bearer <token from ${emu.store.paths.discovery}>)\n` +
          `Each link signs one browser in once; it stays signed in across restarts (capsule-local open prints a new link). Press Ctrl+C to stop.\n`,
      );
      if (flags.open) void openBrowser(chatUrl);
      // A bug in one request's handling must not take the emulator (and every session) down; the
      // state is in the store, so keeping on serving is safe.
      const scrub = emu.hub.scrubber.text;
      process.on('unhandledRejection', (e) => process.stderr.write(scrub(`capsule-local: internal error (the emulator keeps running): ${e instanceof Error ? e.stack ?? e.message : String(e)}`) + '\n'));
      process.on('uncaughtException', (e) => process.stderr.write(scrub(`capsule-local: internal error (the emulator keeps running): ${e.stack ?? e.message}`) + '\n'));
      await new Promise<void>((resolveDone) => {
        let signals = 0;
        const shutdown = (): void => {
          if (++signals > 1) process.exit(130);
          process.stderr.write('capsule-local: stopping…\n');
          emu.stop().then(resolveDone, (e: unknown) => {
            process.stderr.write(`capsule-local: error while stopping: ${(e as Error).message}\n`);
            resolveDone();
          });
        };
        process.on('SIGINT', shutdown);
        process.on('SIGTERM', shutdown);
      });
      // Everything is stopped. A process the app started and left behind (debugpy's adapter
      // outlives its debuggee for a moment) may still hold an app's output pipe, which would keep
      // serve alive after Ctrl+C: give it a moment, then exit regardless (unref: a clean exit is not
      // delayed).
      setTimeout(() => process.exit(process.exitCode ?? 0), 500).unref();
    });
}
