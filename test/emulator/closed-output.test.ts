// `serve ... | head -3`: once the reader of serve's output is gone, every later line (the app's
// prints, the emulator's reports) is a write to a closed pipe. Serve must keep serving, stay idle
// and stop on the first signal. Before, the failed write's error report was itself written to the
// closed stream, which looped at full CPU, answered nothing and ignored SIGTERM.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { CLI } from '../support/emulator';
import { waitFor } from '../support/wait';
import { ECHO_APP } from './helpers';

/** User + system CPU time of a process, in clock ticks (/proc/PID/stat fields 14 and 15). */
function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

test('serve piped into head keeps serving once head exits, and stops on the first SIGTERM', async () => {
  const workspace = mkdtempSync(join(tmpdir(), 'capsule-pipe-'));
  cpSync(ECHO_APP, workspace, { recursive: true });
  writeFileSync(join(workspace, '.env'), 'ECHO_TOKEN=tok-for-the-pipe-test\n');
  // serve's stdout and stderr both go into a real `head -3`, as `serve ... 2>&1 | head -3` does.
  const head = spawn('head', ['-3'], { stdio: ['pipe', 'ignore', 'ignore'] });
  const headDone = new Promise<void>((r) => head.once('exit', () => r()));
  const serve = spawn(process.execPath, [CLI, 'serve', 'app.py:app', '--no-open', '--port', '0'], { cwd: workspace, stdio: ['ignore', head.stdin, head.stdin] });
  head.stdin.destroy();
  const exited = new Promise<number | null>((r) => serve.once('exit', (code) => r(code)));
  try {
    const discovery = join(workspace, '.capsule', 'emulator.json');
    const info = await waitFor('the discovery file', () => {
      if (!existsSync(discovery)) return undefined;
      const d = JSON.parse(readFileSync(discovery, 'utf8')) as { url: string; token: string; pid: number };
      return d.pid === serve.pid ? d : undefined;
    });
    const chat = async (text: string) => {
      const r = await fetch(`${info.url}/api/chat`, { method: 'POST', headers: { authorization: `Bearer ${info.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ text }) });
      return { status: r.status, body: (await r.json()) as { reply?: string; error?: string } };
    };
    await headDone; // serve prints more than three lines as it starts

    // Output after the close: the app's own print (stdout) and an error report (stderr).
    const printed = await chat('secret');
    assert.equal(printed.status, 200, JSON.stringify(printed.body));
    const failed = await chat('boom');
    assert.equal(failed.status, 422, JSON.stringify(failed.body));
    const before = cpuTicks(serve.pid!);
    for (let i = 0; i < 5; i++) {
      const r = await chat(`still there ${i}`);
      assert.equal(r.body.reply, `echo: still there ${i}`);
    }
    // A looping writer burns every tick it gets; five round trips of an idle emulator take a few.
    const spent = cpuTicks(serve.pid!) - before;
    assert.ok(spent < 100, `serve used ${spent} CPU ticks for five chat round trips after its output closed`);

    serve.kill('SIGTERM');
    assert.equal(await exited, 0, 'one SIGTERM stops serve cleanly');
  } finally {
    if (serve.exitCode === null && serve.signalCode === null) serve.kill('SIGKILL');
    await exited;
    head.kill();
    rmSync(workspace, { recursive: true, force: true });
  }
});
