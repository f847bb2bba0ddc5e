// `capsule-local workflow start NAME [--payload JSON]`: starts one of the app's workflows
// (app.workflow(NAME) with @wf.start()) as the web app's launcher does, in a new session unless
// --session, and prints the start handler's reply and the session's id: `chat --session` then
// talks to the workflow's @wf.message() handler, `action --session` runs its @wf.action()s.
import type { Command } from 'commander';
import { DEFAULT_STORE_DIR } from '../../emulator/store';
import { runTriggered, triggerBody, type TriggerFlags } from './triggered';

export function registerWorkflow(program: Command): void {
  const workflow = program.command('workflow').description('Workflows (app.workflow) of the running app.');
  workflow
    .command('start')
    .description("Start a workflow: its @wf.start() handler runs with the payload as input, in a new session (real SDK).")
    .argument('<name>', "the workflow's name (as given to app.workflow)")
    .option('--payload <json>', "the start handler's input, a JSON object (default {})")
    .option('--session <id>', 'start it in this session (default: a new one)')
    .option('--user <name>', 'the simulated end user (persona id, name or email)')
    .option('--app <name>', 'the app, when several are served')
    .option('--json', 'print {app, workflow, session_id, reply, blocks}')
    .option('--store <dir>', 'the store folder', DEFAULT_STORE_DIR)
    .action(async (name: string, flags: TriggerFlags) => {
      await runTriggered(flags.store, '/api/workflows/start', triggerBody(name, flags), flags.json);
    });
}
