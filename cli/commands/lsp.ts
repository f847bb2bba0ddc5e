// `capsule-local lsp --stdio`: the language server for any editor (Neovim, Helix, Emacs...). The
// server module is loaded only when this command runs; it reads its transport from the command
// line (--stdio, --node-ipc, --socket=N) and never writes logs to stdout.
import type { Command } from 'commander';
import { UsageError } from '../errors';

export function registerLsp(program: Command): void {
  program
    .command('lsp')
    .description('Run the Capsule language server (diagnostics, completion, hover, quick fixes) for any LSP editor.')
    .option('--stdio', 'talk LSP over stdin/stdout')
    .option('--node-ipc', 'talk LSP over the Node IPC channel')
    .option('--socket <port>', 'talk LSP over a socket on this port')
    .option('--clientProcessId <pid>', 'exit when this process ends')
    .action(async (opts: { stdio?: boolean; nodeIpc?: boolean; socket?: string }) => {
      if (!opts.stdio && !opts.nodeIpc && !opts.socket) throw new UsageError('choose a transport: capsule-local lsp --stdio');
      // Anything printed by a dependency must not corrupt the protocol stream.
      if (opts.stdio) console.log = console.info = console.debug = (...a: unknown[]) => console.error(...a);
      // The language server's own bundle (dist/server.js) when built; a require, not an import():
      // the CLI bundle is loaded through V8's code cache, which has no dynamic import.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { startServer } = require('../../server/server') as typeof import('../../server/server');
      startServer();
      // The connection keeps the process alive; the client's exit notification ends it.
      await new Promise<never>(() => undefined);
    });
}
