// Placeholder until this command is built: it fails loudly instead of pretending.
import type { Command } from 'commander';
import { UserError } from '../errors';

export function registerPrompts(program: Command): void {
  program
    .command('prompts', { hidden: true })
    .allowUnknownOption()
    .action(() => {
      throw new UserError('"prompts" is not available in this build of Capsule Local yet');
    });
}
