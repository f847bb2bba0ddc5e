// `capsule-local session start NAME`: a new named session, with the app's @app.session(NAME)
// initializer run in it (as the web app's useSession(NAME, {start: true}) does); prints its reply
// and the session's id, for `chat --session` and `action --session` to continue it.
import type { Command } from 'commander';
import { DEFAULT_STORE_DIR } from '../../emulator/store';
import { runTriggered, triggerBody, type TriggerFlags } from './triggered';

export function registerSession(program: Command): void {
  const session = program.command('session').description('Named sessions (@app.session) of the running app.');
  session
    .command('start')
    .description('Start a new named session: the app\'s @app.session(NAME) initializer runs in it (real SDK).')
    .argument('<name>', 'the session handler\'s name')
    .option('--session <id>', 'the new session\'s id (default: a fresh one)')
    .option('--user <name>', 'the simulated end user (persona id, name or email)')
    .option('--app <name>', 'the app, when several are served')
    .option('--json', 'print {app, session, session_id, reply, blocks}')
    .option('--store <dir>', 'the store folder', DEFAULT_STORE_DIR)
    .action(async (name: string, flags: TriggerFlags) => {
      await runTriggered(flags.store, '/api/sessions/start', triggerBody(name, flags), flags.json);
    });
}
