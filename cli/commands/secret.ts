// Placeholder until this command is built: it fails loudly instead of pretending.
import type { Command } from 'commander';
import { UserError } from '../errors';

export function registerSecret(program: Command): void {
  program
    .command('secret', { hidden: true })
    .allowUnknownOption()
    .action(() => {
      throw new UserError('"secret" is not available in this build of Capsule Local yet');
    });
}
