// Placeholder until this command is built: it fails loudly instead of pretending.
import type { Command } from 'commander';
import { UserError } from '../errors';

export function registerServe(program: Command): void {
  program
    .command('serve', { hidden: true })
    .allowUnknownOption()
    .action(() => {
      throw new UserError('"serve" is not available in this build of Capsule Local yet');
    });
}
