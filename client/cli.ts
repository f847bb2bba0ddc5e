// Runs the bundled `capsule-local` CLI (dist/cli.js) for store changes: secrets, channels, .env
// import, reset. The extension host's own executable runs it as Node (ELECTRON_RUN_AS_NODE makes
// VS Code's Electron binary behave as Node; under code-server it already is Node). Values such as
// secrets travel on stdin, never on the command line.
import { spawn } from 'node:child_process';

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function nodeEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, ELECTRON_RUN_AS_NODE: '1', ...extra };
}

export function runCli(cli: string, args: string[], opts: { cwd: string; input?: string; timeoutMs?: number }): Promise<CliResult> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd: opts.cwd, env: nodeEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
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
