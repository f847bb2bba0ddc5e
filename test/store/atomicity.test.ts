// A process killed (SIGKILL) at any moment while writing (a transaction of the database, and
// store.json rewritten inside it) leaves a store that opens with every acknowledged update, never
// a broken or mixed state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { Store, readStoreSync } from '../../emulator/store';

const writer = join(__dirname, 'fixtures', 'crash-writer.ts');
const KILLS = 25;

function runUntilKilled(dir: string, afterAcks: number, extraMs: number, mode: string): Promise<{ lastAck: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', writer, dir, mode], { stdio: ['ignore', 'pipe', 'pipe'] });
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

const cases = [
  // Payloads of 20–74 KB in the database's rows.
  { name: 'database rows', mode: 'data' },
  // The same, and a secret each time: kills also land between store.json's rewrite and the commit.
  { name: 'rows and store.json', mode: 'both' },
];

for (const c of cases) {
  test(`SIGKILL during writes (${c.name}) never leaves a broken or mixed store and never loses an acknowledged update`, async (t) => {
    const dir = join(mkdtempSync(join(tmpdir(), 'capsule-crash-')), '.capsule');
    const file = join(dir, 'store.json');
    let lastAck = 0;
    let configAhead = 0;
    for (let i = 0; i < KILLS; i++) {
      // Random moments: after a random number of acknowledged writes plus a random delay.
      const run = await runUntilKilled(dir, 1 + Math.floor(Math.random() * 6), Math.floor(Math.random() * 15), c.mode);
      lastAck = Math.max(lastAck, run.lastAck);
      // store.json alone is always a whole JSON document (written atomically).
      JSON.parse(readFileSync(file, 'utf8'));
      const data = readStoreSync(dir)!;
      const state = data.kv.crash!;
      assert.ok(state, `run ${i}: the counter state is missing`);
      assert.equal(createHash('sha256').update(state.payload!).digest('hex'), state.digest, `run ${i}: payload and digest disagree (mixed state)`);
      assert.ok(state.payload!.startsWith(`${state.n}:`), `run ${i}: payload belongs to another state`);
      assert.ok(Number(state.n) >= lastAck, `run ${i}: the store holds ${state.n} but ${lastAck} was acknowledged`);
      if (c.mode === 'both') {
        // store.json is written just before the transaction commits: it is never behind the rows,
        // and ahead of them by at most the one batch that was being committed (three updates).
        const secretN = Number(data.secrets.CRASH!.value);
        assert.ok(secretN >= Number(state.n) && secretN - Number(state.n) <= 3, `run ${i}: store.json at ${secretN}, rows at ${state.n}`);
        if (secretN > Number(state.n)) configAhead++;
      }
      // The Store itself must also open it (schema intact).
      const store = await Store.open(dir);
      assert.equal(store.read().kv.crash!.n, state.n);
      await store.close();
    }
    const store = await Store.open(dir);
    const n = store.read().kv.crash!.n;
    await store.update((d) => void (d.kv.after = { n }));
    await store.close();
    const onDisk = readStoreSync(dir)!;
    assert.equal(onDisk.kv.crash!.n, n);
    assert.deepEqual({ ...onDisk.kv.after }, { n });
    const leftovers = readdirSync(dir).filter((f) => f.endsWith('.tmp'));
    assert.ok(leftovers.length <= 1, `temp files of killed writers are cleaned up on the next write: ${leftovers.join(', ')}`);
    t.diagnostic(`${c.name}: ${configAhead} of ${KILLS} kills left store.json one batch ahead of the rows`);
  });
}
