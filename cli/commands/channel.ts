// Placeholder until this command is built: it fails loudly instead of pretending.
import type { Command } from 'commander';
import { UserError } from '../errors';

export function registerChannel(program: Command): void {
  program
    .command('channel', { hidden: true })
    .allowUnknownOption()
    .action(() => {
      throw new UserError('"channel" is not available in this build of Capsule Local yet');
    });
}
