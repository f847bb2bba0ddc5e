// Placeholder until this command is built: it fails loudly instead of pretending.
import type { Command } from 'commander';
import { UserError } from '../errors';

export function registerLsp(program: Command): void {
  program
    .command('lsp', { hidden: true })
    .allowUnknownOption()
    .action(() => {
      throw new UserError('"lsp" is not available in this build of Capsule Local yet');
    });
}
