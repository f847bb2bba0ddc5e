// The built CLI (dist/cli.js) run as a user runs it, for tests of commands that need no emulator:
// synchronously with piped stdin, or on a pseudo-terminal to answer an interactive question.
// (runCli in ./emulator is the asynchronous form, for commands that talk to a running emulator.)
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CollectionsEngine, dataFile } from '../../emulator/collections';
import { CLI, type CliResult } from './emulator';

export { CLI, type CliResult };

/** Fails with a clear message when dist/cli.js has not been built (call it in `before`). */
export function assertCliBuilt(): void {
  assert.ok(existsSync(CLI), `${CLI} is missing: run \`npm run build\` first`);
}

/** Runs `capsule-local ARGS` in `cwd` with `input` on stdin; throws if it does not finish in time. */
export function cliSync(cwd: string, args: string[], input = '', timeoutMs = 30_000): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, input, encoding: 'utf8', timeout: timeoutMs });
  if (r.error) throw new Error(`capsule-local ${args.join(' ')} did not finish: ${r.error.message}`);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** cliSync that must succeed: a failure names the command and what it printed on stderr. */
export function cliOk(cwd: string, args: string[], input = ''): CliResult {
  const r = cliSync(cwd, args, input);
  assert.equal(r.status, 0, `capsule-local ${args.join(' ')} failed: ${r.stderr}`);
  return r;
}

/** Runs `fn` on the workspace's collections database (`.capsule/data.sqlite`), closed after. */
export function withWorkspaceData<T>(workspace: string, fn: (e: CollectionsEngine) => T): T {
  const e = CollectionsEngine.open(dataFile(join(workspace, '.capsule')));
  try {
    return fn(e);
  } finally {
    e.close();
  }
}

/**
 * Runs the CLI on a pseudo-terminal (util-linux `script`), typing `keys` once `prompt` shows.
 * Everything the terminal showed is in `stdout` (a terminal has no separate stderr).
 */
export function cliOnTerminal(cwd: string, args: string[], prompt: RegExp, keys: string): Promise<CliResult> {
  return new Promise((resolveRun, reject) => {
    const command = [process.execPath, CLI, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    const child = spawn('script', ['-qec', command, '/dev/null'], { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let typed = false;
    const guard = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no prompt ${prompt} within 20 s; output so far: ${JSON.stringify(out)}`));
    }, 20_000);
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      if (!typed && prompt.test(out)) {
        typed = true;
        child.stdin.write(keys);
      }
    });
    child.on('exit', (status) => {
      clearTimeout(guard);
      resolveRun({ status, stdout: out, stderr: '' });
    });
  });
}
