// A process killed (SIGKILL) at any moment while writing leaves store.json as the previous or a
// newer acknowledged state, never a broken or mixed file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { Store } from '../../emulator/store';

const writer = join(__dirname, 'fixtures', 'crash-writer.ts');
const KILLS = 25;

function runUntilKilled(dir: string, afterAcks: number, extraMs: number): Promise<{ lastAck: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', writer, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let lastAck = 0;
    let acks = 0;
    let out = '';
    let err = '';
    let killTimer: NodeJS.Timeout | undefined;
    const guard = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`writer made no progress within 20 s (acks ${acks}); stderr: ${err}`));
    }, 20_000);
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      const lines = out.split('\n');
      out = lines.pop()!;
      for (const line of lines) {
        const m = /^ack (\d+)$/.exec(line);
        if (!m) continue;
        lastAck = Math.max(lastAck, Number(m[1]));
        if (++acks === afterAcks) killTimer = setTimeout(() => child.kill('SIGKILL'), extraMs);
      }
    });
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('exit', (code, signal) => {
      clearTimeout(guard);
      if (killTimer) clearTimeout(killTimer);
      if (signal !== 'SIGKILL') reject(new Error(`writer exited by itself (code ${code}): ${err}`));
      else resolve({ lastAck, output: err });
    });
  });
}

test('SIGKILL during writes never leaves a broken store.json and never loses an acknowledged update', async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'capsule-crash-')), '.capsule');
  let lastAck = 0;
  for (let i = 0; i < KILLS; i++) {
    // Random moments: after a random number of acknowledged writes plus a random delay.
    const run = await runUntilKilled(dir, 1 + Math.floor(Math.random() * 6), Math.floor(Math.random() * 15));
    lastAck = Math.max(lastAck, run.lastAck);
    const text = readFileSync(join(dir, 'store.json'), 'utf8');
    const data = JSON.parse(text) as { kv: Record<string, Record<string, string>> };
    const state = data.kv.crash!;
    assert.ok(state, `run ${i}: the counter state is missing`);
    assert.equal(createHash('sha256').update(state.payload!).digest('hex'), state.digest, `run ${i}: payload and digest disagree (mixed file)`);
    assert.ok(state.payload!.startsWith(`${state.n}:`), `run ${i}: payload belongs to another state`);
    assert.ok(Number(state.n) >= lastAck, `run ${i}: file holds ${state.n} but ${lastAck} was acknowledged`);
    // The Store itself must also open it (schema intact).
    const store = await Store.open(dir);
    assert.equal(store.read().kv.crash!.n, state.n);
    await store.close();
  }
  const leftovers = readdirSync(dir).filter((f) => f.endsWith('.tmp'));
  assert.ok(leftovers.length <= 1, `temp files of killed writers are cleaned up on the next write: ${leftovers.join(', ')}`);
});
