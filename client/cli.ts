// Runs the bundled `capsule-local` CLI (dist/cli.js) for store changes: secrets, channels, .env
// import, reset. It runs on the Node.js node-runtime.ts chooses (a real Node that loads the
// collections database's native module; VS Code's Electron run as Node only when there is none).
// Values such as secrets travel on stdin, never on the command line.
import { spawn } from 'node:child_process';
import { nodeRuntime, spawnEnv } from './node-runtime';

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export async function runCli(cli: string, args: string[], opts: { cwd: string; input?: string; timeoutMs?: number }): Promise<CliResult> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const node = await nodeRuntime();
  return new Promise((resolve, reject) => {
    const child = spawn(node.path, [cli, ...args], { cwd: opts.cwd, env: spawnEnv(node), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`capsule-local ${args[0] ?? ''} did not finish within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('exit', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}

/** Runs the CLI and throws its own error text (already user-facing) when it fails. */
export async function runCliOrThrow(cli: string, args: string[], opts: { cwd: string; input?: string; timeoutMs?: number }): Promise<string> {
  const r = await runCli(cli, args, opts);
  if (r.status !== 0) {
    const message = r.stderr.trim().replace(/^capsule-local:\s*/, '') || `capsule-local ${args[0] ?? ''} failed (exit ${r.status})`;
    throw new Error(message);
  }
  return r.stdout;
}
