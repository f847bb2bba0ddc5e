// Placeholder until this command is built: it fails loudly instead of pretending.
import type { Command } from 'commander';
import { UserError } from '../errors';

export function registerChat(program: Command): void {
  program
    .command('chat', { hidden: true })
    .allowUnknownOption()
    .action(() => {
      throw new UserError('"chat" is not available in this build of Capsule Local yet');
    });
}
