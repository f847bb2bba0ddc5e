// Placeholder until this command is built: it fails loudly instead of pretending.
import type { Command } from 'commander';
import { UserError } from '../errors';

export function registerStoreCommands(program: Command): void {
  program
    .command('store-io', { hidden: true })
    .allowUnknownOption()
    .action(() => {
      throw new UserError('"store-io" is not available in this build of Capsule Local yet');
    });
}
