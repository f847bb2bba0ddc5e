// Placeholder until this command is built: it fails loudly instead of pretending.
import type { Command } from 'commander';
import { UserError } from '../errors';

export function registerCheck(program: Command): void {
  program
    .command('check', { hidden: true })
    .allowUnknownOption()
    .action(() => {
      throw new UserError('"check" is not available in this build of Capsule Local yet');
    });
}
