// Emulator figures, each beside a baseline measured in the same run (the machines are shared and
// noisy). The app runs on the real SDK (cpsl from .venv) unless a figure says otherwise:
//   start (serve → first reply) vs `python -c "import cpsl, app"`      goal: ≤ import + 300 ms
//   API round trip p50/p99, real SDK and bundled runtime side by side   goal: p50 ≤ 5 ms
//     (a bare loopback HTTP echo in the bench process is shown beside them, for scale)
//   RSS of the emulator and of the runner process at idle after start (both runtimes)
//   CPU time per round trip of each process (where the round trip's time goes on a busy machine)
//   where a turn's time goes, the gateway's part apart from the app's (CAPSULE_TRACE_TURNS), and
//     the real SDK's decoding of the session it fetches on every message, measured alone
//   save → the new code answers                                        goal: ≤ 500 ms
// Inserts and the find over 100,000 documents are in collections.bench.ts.
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startEmulator, fixture, type RunningEmulator } from '../test/support/emulator';
import { requireSdkPython } from '../test/support/python';

const APP = fixture('emulator', 'reload');
const RUNTIMES = ['sdk', 'bundled'] as const;
type Runtime = (typeof RUNTIMES)[number];
/** Rounds that open connections and let both sides' hot code compile before anything counts. */
const WARMUP = 300;
const ROUNDS = 1_000;
const GOALS = { startOverImportMs: 300, roundTripP50Ms: 5, reloadMs: 500 };

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}
const median = (xs: number[]): number => percentile(xs, 50);
const fmt = (ms: number): string => `${ms.toFixed(Math.abs(ms) < 10 ? 2 : 0)} ms`;
const verdict = (ok: boolean): string => (ok ? 'goal met' : 'goal NOT met');

async function chat(emu: RunningEmulator, text: string, sessionId?: string): Promise<{ session_id: string; reply: string }> {
  const r = await emu.api('/api/chat', { method: 'POST', body: JSON.stringify({ text, ...(sessionId ? { session_id: sessionId } : {}) }) });
  if (!r.ok) throw new Error(`chat failed: ${r.status} ${await r.text()}`);
  return (await r.json()) as { session_id: string; reply: string };
}

function importTime(workspace: string, code = 'import cpsl, app'): number {
  const runs: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const r = spawnSync(requireSdkPython(), ['-c', code], { cwd: workspace });
    runs.push(performance.now() - t0);
    if (r.status !== 0) throw new Error(`${code} failed: ${r.stderr.toString()}`);
  }
  return median(runs);
}

/** What the SDK's own runner adds to any start: importing it (aiohttp's server, grpc), on Capsule too. */
const RUNNER_IMPORT = 'import cpsl, app, cpsl.runner.core';
/** Starts counted; the machines are shared and noisy, so a median of several. */
const STARTS = 7;

/** Node's own start in this environment (an empty script): every `serve` pays it before our code runs. */
function nodeStart(env: Record<string, string> = {}): number {
  const runs: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    spawnSync(process.execPath, ['-e', '0'], { env: { ...process.env, ...env } });
    runs.push(performance.now() - t0);
  }
  return median(runs);
}

/** Medians of STARTS starts and of the baselines, each measured between the starts. */
async function startTime(env: Record<string, string> = {}): Promise<{ serve: number; imp: number; runnerImp: number; node: number }> {
  const serve: number[] = [];
  const imp: number[] = [];
  const runnerImp: number[] = [];
  const node: number[] = [];
  // Not counted: the first start after a build writes the caches a developer's later starts use
  // (V8's code cache of the CLI, the interpreter's answers).
  for (let i = -1; i < STARTS; i++) {
    const t0 = performance.now();
    const emu = await startEmulator({ app: APP, waitForApp: false, env });
    try {
      await chat(emu, 'first');
      if (i < 0) continue;
      serve.push(performance.now() - t0);
      imp.push(importTime(emu.workspace));
      runnerImp.push(importTime(emu.workspace, RUNNER_IMPORT));
      node.push(nodeStart(env));
    } finally {
      await emu.stop();
      emu.cleanup();
    }
  }
  return { serve: median(serve), imp: median(imp), runnerImp: median(runnerImp), node: median(node) };
}

/** VmRSS of a process in MB, from /proc (Linux). */
function rssMb(pid: number): number {
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  if (!kb) throw new Error(`no VmRSS for process ${pid}`);
  return Number(kb) / 1024;
}

/** CPU time (user + system) a process has used so far, in ms, from /proc (Linux). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}
/** The kernel's USER_HZ, the unit of /proc/<pid>/stat's times (100 on every Linux in use). */
const CLOCK_TICKS = 100;

async function sparePid(emu: RunningEmulator): Promise<number | undefined> {
  const state = (await (await emu.api('/api/state')).json()) as { apps: Array<{ sparePid?: number }> };
  return state.apps[0]?.sparePid;
}

async function runnerPid(emu: RunningEmulator): Promise<number> {
  const state = (await (await emu.api('/api/state')).json()) as { apps: Array<{ runnerPids: number[] }> };
  const pids = state.apps[0]?.runnerPids ?? [];
  if (pids.length !== 1) throw new Error(`expected one runner process, found ${pids.length}`);
  return pids[0]!;
}

async function startEcho(): Promise<{ url: string; close(): void }> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      res.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

interface Target {
  url: string;
  path: string;
  token: string;
  sessionId: string;
}

/**
 * Round trips with fetch, one request to each target in turn, so that all of them are measured
 * under the same load of this shared machine. The first WARMUP rounds are not counted.
 */
async function roundTrips(targets: Target[]): Promise<number[][]> {
  const times = targets.map((): number[] => []);
  for (let i = 0; i < ROUNDS + WARMUP; i++) {
    for (const [k, t] of targets.entries()) {
      const t0 = performance.now();
      const r = await fetch(t.url + t.path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${t.token}` },
        body: JSON.stringify({ text: `m${i}`, session_id: t.sessionId }),
      });
      if (!r.ok) throw new Error(`round trip failed: ${r.status} ${await r.text()}`);
      await r.json();
      if (i >= WARMUP) times[k]!.push(performance.now() - t0);
    }
  }
  return times;
}

/** The parts of one turn's CAPSULE_TRACE_TURNS line (emulator/gateway/turn-trace.ts), in ms. */
interface TurnSplit {
  gateway: number;
  toApp: number;
  answering: number;
  toAck: number;
  app: number;
  calls: string;
}
const TURN_LINE = /capsule-local: turn \S+: [\d.]+ ms; gateway ([\d.]+) ms \(to the app ([\d.]+), answering its calls ([\d.]+), end → durable ([\d.]+)\); app ([\d.]+) ms \(([^)]*)\)/g;

/** The last `count` turns an emulator traced: the rounds counted. */
function turnSplits(emu: RunningEmulator, count: number): TurnSplit[] {
  const all = [...emu.output().matchAll(TURN_LINE)].map((m) => ({ gateway: +m[1]!, toApp: +m[2]!, answering: +m[3]!, toAck: +m[4]!, app: +m[5]!, calls: m[6]! }));
  if (all.length < count) throw new Error(`expected ${count} traced turns, found ${all.length}`);
  return all.slice(-count);
}

function splitFigure(runtime: Runtime, turns: TurnSplit[]): string {
  const m = (k: keyof Omit<TurnSplit, 'calls'>): string => fmt(median(turns.map((t) => t[k])));
  const calls = new Map<string, number>();
  for (const t of turns) calls.set(t.calls, (calls.get(t.calls) ?? 0) + 1);
  const usual = [...calls].sort((a, b) => b[1] - a[1])[0]![0];
  return `${runtime}: gateway ${m('gateway')} (to the app ${m('toApp')}, answering its calls ${m('answering')}, end → durable ${m('toAck')}), app ${m('app')} (${usual})`;
}

/**
 * The real SDK's runner fetches the session (GetSession, with the HISTORY entries it asks for) on
 * every message and decodes it with its protobuf runtime (betterproto, pure Python): that decoding
 * alone, in its own process, for a session like the bench's.
 */
const HISTORY = 50;
function sdkSessionDecode(workspace: string): number {
  const code = [
    'import time',
    'from cpsl.clients.capsule import GetSessionResponse, HistoryEntry',
    `h = [HistoryEntry(sender="app" if i % 2 else "user", text=("v1: m%d" if i % 2 else "m%d") % (1000 + i), timestamp=1700000000, channel_type="api") for i in range(${HISTORY})]`,
    'b = bytes(GetSessionResponse(session_id="ses_0123456789ab", channel_type="api", user_id="user_alice", data_json="{}", history=h, app_id="reloader", owner_id="user_alice"))',
    'runs = []',
    'for _ in range(50):',
    '    t0 = time.perf_counter(); GetSessionResponse.FromString(b); runs.append(time.perf_counter() - t0)',
    'print(sorted(runs)[len(runs) // 2] * 1000)',
  ].join('\n');
  const r = spawnSync(requireSdkPython(), ['-c', code], { cwd: workspace });
  if (r.status !== 0) throw new Error(`the decode measurement failed: ${r.stderr.toString()}`);
  return Number(r.stdout.toString().trim());
}

async function reloadTime(emu: RunningEmulator): Promise<number> {
  const file = join(emu.workspace, 'app.py');
  const original = readFileSync(file, 'utf8');
  const runs: number[] = [];
  for (let v = 10; v < 13; v++) {
    const t0 = performance.now();
    writeFileSync(file, original.replace('VERSION = "v1"', `VERSION = "v${v}"`));
    for (;;) {
      if ((await chat(emu, 'which')).reply.startsWith(`v${v}:`)) break;
      if (performance.now() - t0 > 20_000) throw new Error('the reload did not happen within 20 s');
    }
    runs.push(performance.now() - t0);
    // A developer's saves are seconds apart: the replaced process stops meanwhile, and the next
    // runner is made ready (the supervisor's spare).
    await new Promise((r) => setTimeout(r, 2000));
  }
  return median(runs);
}

export default async function run(): Promise<void> {
  const start = await startTime();
  const over = start.serve - start.imp;
  console.log(
    `start (serve → first reply), real SDK: ${fmt(start.serve)}; python -c "import cpsl, app": ${fmt(start.imp)}; ` +
      `over the import ${fmt(over)} (goal ≤ ${GOALS.startOverImportMs} ms): ${verdict(over <= GOALS.startOverImportMs)}`,
  );
  const certs = process.env.NODE_EXTRA_CA_CERTS ? ', which reads NODE_EXTRA_CA_CERTS' : '';
  console.log(
    `  medians of ${STARTS} starts; of which the SDK's runner import ("${RUNNER_IMPORT}": ${fmt(start.runnerImp)}): ${fmt(start.runnerImp - start.imp)}; ` +
      `Node's own start (node -e 0${certs}): ${fmt(start.node)}; the rest (the CLI before the launch, connect, register, the first message): ${fmt(start.serve - start.runnerImp - start.node)}`,
  );

  if (process.env.NODE_EXTRA_CA_CERTS) {
    // Node reads the whole bundle before any script runs; a machine without one does not pay it.
    const bare = await startTime({ NODE_EXTRA_CA_CERTS: '' });
    const bareOver = bare.serve - bare.imp;
    console.log(
      `  the same without this machine's NODE_EXTRA_CA_CERTS (Node's start ${fmt(bare.node)}): serve → first reply ${fmt(bare.serve)}; import ${fmt(bare.imp)}; ` +
        `over the import ${fmt(bareOver)}: ${verdict(bareOver <= GOALS.startOverImportMs)}; of which the SDK's runner import ${fmt(bare.runnerImp - bare.imp)}`,
    );
  }

  const emus = new Map<Runtime, RunningEmulator>();
  const echo = await startEcho();
  try {
    // Each turn's split on the emulator's stderr: one short line per message (turn-trace.ts).
    for (const runtime of RUNTIMES) emus.set(runtime, await startEmulator({ app: APP, runtime, env: { CAPSULE_TRACE_TURNS: '1' } }));
    // At idle: the start's own follow-up work (the interpreter check a second after it) is over.
    await new Promise((r) => setTimeout(r, 2_500));
    const pids = new Map<Runtime, { emulator: number; runner: number }>();
    for (const [runtime, emu] of emus) pids.set(runtime, { emulator: emu.pid, runner: await runnerPid(emu) });
    const memory = [...pids].map(([runtime, p]) => `${runtime}: emulator ${rssMb(p.emulator).toFixed(0)} MB, runner ${rssMb(p.runner).toFixed(0)} MB`);
    // The real SDK's next runner, started ahead for hot reload (supervisor.ts).
    const spare = await sparePid(emus.get('sdk')!);
    if (spare) memory.push(`the real SDK's spare runner ${rssMb(spare).toFixed(0)} MB`);
    console.log(`memory at idle after start (VmRSS): ${memory.join('; ')}`);

    const targets: Target[] = [{ url: echo.url, path: '/', token: '', sessionId: 'ses_echo' }];
    for (const emu of emus.values()) targets.push({ url: emu.url, path: '/api/chat', token: emu.token, sessionId: (await chat(emu, 'warm')).session_id });
    const cpuBefore = [...pids.values()].map((p) => [cpuMs(p.emulator), cpuMs(p.runner)]);
    const [echoTimes, ...emuTimes] = await roundTrips(targets);
    const cpu = [...pids].map(([runtime, p], k) => {
      const per = (pid: number, before: number): string => ((cpuMs(pid) - before) / (ROUNDS + WARMUP)).toFixed(2);
      return `${runtime}: emulator ${per(p.emulator, cpuBefore[k]![0]!)} ms, runner ${per(p.runner, cpuBefore[k]![1]!)} ms`;
    });
    const figures = [...emus.keys()].map((runtime, k) => {
      const p50 = percentile(emuTimes[k]!, 50);
      return `${runtime}: p50 ${fmt(p50)}, p99 ${fmt(percentile(emuTimes[k]!, 99))} (goal p50 ≤ ${GOALS.roundTripP50Ms} ms: ${verdict(p50 <= GOALS.roundTripP50Ms)})`;
    });
    console.log(
      `API round trip (${ROUNDS} each, in turn, fetch): ${figures.join('; ')}; ` +
        `loopback echo in the bench process: p50 ${fmt(percentile(echoTimes!, 50))}, p99 ${fmt(percentile(echoTimes!, 99))}`,
    );
    console.log(`  CPU time per round trip: ${cpu.join('; ')}`);
    const splits = [...emus].map(([runtime, emu]) => splitFigure(runtime, turnSplits(emu, ROUNDS)));
    console.log(`  where a message's time goes in the emulator (CAPSULE_TRACE_TURNS, medians; the rest of a round trip is the HTTP request itself): ${splits.join('; ')}`);
    console.log(
      `  of the real SDK's part: decoding the session it fetches on every message (${HISTORY} history entries here), alone in its own process: ${fmt(sdkSessionDecode(emus.get('sdk')!.workspace))}`,
    );

    const reload = await reloadTime(emus.get('sdk')!);
    console.log(`save → the new code answers, real SDK: ${fmt(reload)} (goal ≤ ${GOALS.reloadMs} ms): ${verdict(reload <= GOALS.reloadMs)}`);
  } finally {
    echo.close();
    for (const emu of emus.values()) {
      await emu.stop();
      emu.cleanup();
    }
  }
}
