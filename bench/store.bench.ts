// Store figures, as ratios against a baseline measured in the same run (the machines are shared
// and noisy). The store holds a full event log (5,000 events) and 50 sessions; each update is what
// a chat message costs the store: one history item on a session plus one event.
//   acknowledged updates/s, 1 serial caller and 10 / 100 concurrent callers:
//     journal, default sync (one appended record per group commit, flushed to the disk within
//     100 ms: survives a killed process), journal with sync 'full' (fdatasync before each
//     acknowledgement: survives a power cut too)
//     vs the whole-file rewrite (every write folds into store.json: temp file, fsync, rename)
//   the cost of one compaction (store.json rewritten whole, the journal removed)
//   reading the store: store.json alone vs store.json plus a journal near the default threshold
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Store, loadStoreSync, pushEvent, MIN_COMPACT_BYTES, type StoreData } from '../emulator/store';

const SESSIONS = 50;
const RUN_MS = 1_500;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const fmt = (n: number): string => n.toLocaleString('en-US', { maximumFractionDigits: 0 });

/** A store folder with 5,000 events and 50 sessions of 20 history items each; store.json only. */
async function seededStore(): Promise<string> {
  const dir = join(mkdtempSync(join(tmpdir(), 'capsule-bench-store-')), '.capsule');
  const store = await Store.open(dir);
  await store.update((d) => {
    for (let s = 0; s < SESSIONS; s++) {
      const id = `ses_${s}`;
      d.sessions[id] = { id, app: 'app', userId: 'user_dev', channelType: 'chat', createdAt: '', updatedAt: '', dataJson: '{}', history: [] };
      for (let i = 0; i < 10; i++) d.sessions[id].history.push({ text: `message ${i} of session ${s}`, sender: i % 2 ? 'app' : 'user', channelType: 'chat', timestamp: 1_700_000_000 + i });
    }
    for (let i = 0; i < 5_000; i++) {
      pushEvent(d, { kind: i % 2 ? 'reply' : 'inbound', app: 'app', sessionId: `ses_${i % SESSIONS}`, channel: 'chat', summary: `message ${i}` });
    }
  });
  await store.close();
  return dir;
}

let counter = 0;
/** What one chat message does to the store. */
function message(d: StoreData): void {
  const n = ++counter;
  const id = `ses_${n % SESSIONS}`;
  const s = d.sessions[id]!;
  s.history.push({ text: `bench message ${n}`, sender: 'user', channelType: 'chat', timestamp: 1_700_000_000 + n });
  // Keep sessions at a steady size so that the figure does not drift with the run's length.
  if (s.history.length > 40) s.history.splice(0, s.history.length - 40);
  s.updatedAt = new Date(0).toISOString();
  pushEvent(d, { kind: 'inbound', app: 'app', sessionId: id, channel: 'chat', summary: `bench message ${n}` });
}

/** Acknowledged updates per second with `callers` callers, each awaiting its own updates in turn. */
async function throughput(dir: string, journal: boolean, callers: number, sync: 'normal' | 'full' = 'normal'): Promise<number> {
  const store = await Store.open(dir, { journal, sync });
  let done = 0;
  const end = performance.now() + RUN_MS;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (performance.now() < end) {
        await store.update(message);
        done++;
      }
    }),
  );
  const rate = done / ((performance.now() - t0) / 1000);
  await store.close();
  return rate;
}

async function compactionCost(dir: string): Promise<{ ms: number; bytes: number }> {
  const times: number[] = [];
  for (let i = 0; i < 7; i++) {
    const store = await Store.open(dir);
    for (let j = 0; j < 20; j++) await store.update(message);
    const t0 = performance.now();
    await store.close(); // folds the 20 records into store.json
    times.push(performance.now() - t0);
  }
  return { ms: median(times), bytes: statSync(join(dir, 'store.json')).size };
}

async function readCost(dir: string): Promise<{ plain: number; withJournal: number; journalBytes: number }> {
  const file = join(dir, 'store.json');
  const time = (): number => {
    const ts: number[] = [];
    for (let i = 0; i < 7; i++) {
      const t0 = performance.now();
      loadStoreSync(file);
      ts.push(performance.now() - t0);
    }
    return median(ts);
  };
  const plain = time();
  // Fill the journal to just under the compaction threshold.
  const store = await Store.open(dir);
  const limit = Math.max(MIN_COMPACT_BYTES, 2 * statSync(file).size) * 0.95;
  const journal = join(dir, 'store.journal');
  while ((statSync(journal, { throwIfNoEntry: false })?.size ?? 0) < limit) await Promise.all(Array.from({ length: 50 }, () => store.update(message)));
  const journalBytes = statSync(journal).size;
  const withJournal = time();
  await store.close();
  return { plain, withJournal, journalBytes };
}

export default async function run(): Promise<void> {
  const dir = await seededStore();
  try {
    console.log(`store.json with 5,000 events and ${SESSIONS} sessions: ${fmt(statSync(join(dir, 'store.json')).size / 1024)} KB`);
    console.log('acknowledged updates/s (one history item + one event each), journal vs whole-file rewrite:');
    for (const callers of [1, 10, 100]) {
      const rewrite = await throughput(dir, false, callers);
      const journal = await throughput(dir, true, callers);
      const full = await throughput(dir, true, callers, 'full');
      console.log(
        `  ${String(callers).padStart(3)} caller${callers === 1 ? ' ' : 's'}: journal ${fmt(journal).padStart(7)}/s (×${(journal / rewrite).toFixed(1)}), ` +
          `journal with sync 'full' ${fmt(full).padStart(7)}/s (×${(full / rewrite).toFixed(1)}), rewrite ${fmt(rewrite).padStart(7)}/s`,
      );
    }
    const one = await throughput(dir, true, 1);
    console.log(`  one serial caller: ${(1000 / one).toFixed(2)} ms per acknowledged update with the journal`);
    const c = await compactionCost(dir);
    console.log(`compaction (store.json of ${fmt(c.bytes / 1024)} KB rewritten, journal removed): ${c.ms.toFixed(1)} ms = ${(c.ms * one / 1000).toFixed(0)}× one journaled update`);
    const r = await readCost(dir);
    console.log(`reading the store: store.json alone ${r.plain.toFixed(1)} ms; with a ${fmt(r.journalBytes / 1024)} KB journal ${r.withJournal.toFixed(1)} ms (×${(r.withJournal / r.plain).toFixed(1)})`);
  } finally {
    rmSync(join(dir, '..'), { recursive: true, force: true });
  }
}
