// `capsule-local`: the headless face of the product. Each command lives in cli/commands/<name>.ts
// and registers itself here; this file only wires them and maps errors to exit codes.
import { Command, CommanderError } from 'commander';
import { registerCheck } from './commands/check';
import { registerLsp } from './commands/lsp';
import { registerSecret } from './commands/secret';
import { registerChannel } from './commands/channel';
import { registerServe } from './commands/serve';
import { registerChat } from './commands/chat';
import { registerPrompts } from './commands/prompts';
import { registerOpen } from './commands/open';
import { registerSchedules } from './commands/schedules';
import { registerAction } from './commands/action';
import { registerSession } from './commands/session';
import { registerWorkflow } from './commands/workflow';
import { registerStoreCommands } from './commands/store-io';
import { UsageError, UserError } from './errors';
import { traceStartup } from '../emulator/runner/launch';

traceStartup('cli: full CLI loaded');

const program = new Command('capsule-local')
  .description('Check, run and debug Capsule apps on your machine.')
  .version(process.env.CAPSULE_LOCAL_VERSION ?? '0.1.0')
  .showHelpAfterError()
  .exitOverride();

for (const register of [
  registerCheck,
  registerLsp,
  registerServe,
  registerChat,
  registerPrompts,
  registerSchedules,
  registerAction,
  registerSession,
  registerWorkflow,
  registerOpen,
  registerSecret,
  registerChannel,
  registerStoreCommands,
]) {
  register(program);
}

// Sub-commands inherit exitOverride so usage errors exit 2 instead of commander's 1.
function applyExitOverride(cmd: Command): void {
  for (const sub of cmd.commands) {
    sub.exitOverride();
    applyExitOverride(sub);
  }
}
applyExitOverride(program);

/**
 * An unknown command is a usage error (2) whatever follows it: commander would print the main
 * help and exit 0 for `capsule-local nosuch --help`, which a script would take for success.
 */
function unknownCommand(args: string[]): string | undefined {
  let cmd: Command = program;
  for (const word of args) {
    if (word.startsWith('-')) return undefined;
    if (cmd.commands.length === 0) return undefined;
    if (cmd === program && word === 'help') return undefined;
    const sub = cmd.commands.find((c) => c.name() === word || c.aliases().includes(word));
    if (!sub) return word;
    cmd = sub;
  }
  return undefined;
}
const unknown = unknownCommand(process.argv.slice(2));
if (unknown !== undefined && process.argv.slice(2).some((a) => a === '--help' || a === '-h')) {
  process.stderr.write(`capsule-local: unknown command '${unknown}' (see capsule-local --help)\n`);
  process.exit(2);
}

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof CommanderError) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0) process.exit(0);
    process.exit(2);
  }
  if (err instanceof UsageError) {
    process.stderr.write(`capsule-local: ${err.message}\n`);
    process.exit(2);
  }
  if (err instanceof UserError) {
    process.stderr.write(`capsule-local: ${err.message}\n`);
    process.exit(err.exitCode);
  }
  process.stderr.write(`capsule-local: unexpected error: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
