// `capsule-local action NAME [--payload JSON] [--session ID]`: runs the app's @app.action handler
// as a component's click would, in a session (a new one unless --session), and prints its reply.
import type { Command } from 'commander';
import { DEFAULT_STORE_DIR } from '../../emulator/store';
import { runTriggered, triggerBody, type TriggerFlags } from './triggered';

export function registerAction(program: Command): void {
  program
    .command('action')
    .description("Run an @app.action handler of the running app (real SDK), as a component's click would, and print its reply.")
    .argument('<name>', 'the action (its @app.action name)')
    .option('--payload <json>', 'the event payload, a JSON object (default {})')
    .option('--session <id>', 'run it in this session (default: a new one)')
    .option('--user <name>', 'the simulated end user (persona id, name or email; default: the session\'s user)')
    .option('--app <name>', 'the app, when several are served')
    .option('--json', 'print {app, action, session_id, reply, blocks}')
    .option('--store <dir>', 'the store folder', DEFAULT_STORE_DIR)
    .action(async (name: string, flags: TriggerFlags) => {
      await runTriggered(flags.store, '/api/actions/run', triggerBody(name, flags), flags.json);
    });
}
