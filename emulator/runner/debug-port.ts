// The loopback port a debug launch listens on. Whether debugpy listens yet is found out by trying
// to bind the port, never by connecting: debugpy takes one client, and a probe connection would be
// that client (debugpy then stops listening and the editor could not attach).
import { createServer } from 'node:net';
import type { RunnerProcess } from './process';

/** A port nothing listens on right now (the OS picks it). */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolvePort(port));
    });
  });
}

/** true when something holds 127.0.0.1:port (binding it fails with EADDRINUSE). */
function portTaken(port: number): Promise<boolean> {
  return new Promise((resolveTaken) => {
    const s = createServer();
    s.once('error', (e: NodeJS.ErrnoException) => resolveTaken(e.code === 'EADDRINUSE'));
    s.listen({ port, host: '127.0.0.1', exclusive: true }, () => s.close(() => resolveTaken(false)));
  });
}

/** Resolves once debugpy in `runner` listens on `port`; rejects if the process ends first. */
export async function debugListening(port: number, runner: RunnerProcess): Promise<void> {
  let exited = false;
  void runner.whenExited().then(() => (exited = true));
  for (let wait = 10; ; wait = Math.min(wait * 2, 200)) {
    if (exited || !runner.alive) {
      const why = runner.failure?.error ?? 'the debugged process ended';
      const tail = runner.stderrTail.join('\n');
      throw new Error(/No module named debugpy/.test(tail) ? `debugpy is not installed for the app's Python interpreter (pip install debugpy, or let the editor pass its own copy)` : why);
    }
    if (await portTaken(port)) return;
    await new Promise((r) => setTimeout(r, wait));
  }
}
