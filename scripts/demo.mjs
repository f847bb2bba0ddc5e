// `npm run demo` (before serve): gives the demo app (examples/support-ops) what it reads on a
// fresh checkout, so every step of the README works without a setup the README does not state.
// The workspace .env gets the placeholder key of examples/support-ops/.env.example (when there is
// no .env yet), and the store gets the app's named Telegram channel with a placeholder bot token
// (when it has none). Anything already there is left as it is.
//
// It works on the current folder (the repository root under `npm run demo`; a test runs it in a
// copy), finding the CLI and the example beside itself.
import { copyFileSync, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = dirname(dirname(fileURLToPath(import.meta.url)));
const cli = (...args) => spawnSync(process.execPath, [join(repo, 'dist', 'cli.js'), ...args], { encoding: 'utf8' });

if (!existsSync('.env')) {
  copyFileSync(join(repo, 'examples', 'support-ops', '.env.example'), '.env');
  process.stdout.write('demo: copied examples/support-ops/.env.example to .env (a placeholder OPENAI_API_KEY)\n');
}

const listed = cli('channel', 'list', '--json');
if (listed.status !== 0) {
  process.stderr.write(`demo: could not read the local store:\n${listed.stderr}`);
  process.exit(1);
}
if (!JSON.parse(listed.stdout).some((c) => c.name === 'support-telegram')) {
  const made = cli('channel', 'create', 'support-telegram', '--type', 'telegram', '-c', 'bot_token=000000:local-demo-placeholder');
  if (made.status !== 0) {
    process.stderr.write(`demo: could not create the support-telegram channel:\n${made.stderr}`);
    process.exit(1);
  }
  process.stdout.write('demo: created the support-telegram channel (the Telegram simulator is on the dashboard)\n');
}
