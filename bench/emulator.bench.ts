// Emulator figures against baselines measured in the same run (the machines are shared and noisy):
//   cold start (serve → first reply) vs `python3 -c "import app"`      goal: ≤ import + 300 ms
//   API round trip p50/p99 vs a bare loopback HTTP echo                goal: p50 ≤ 3× echo
//   messages/s with 50 concurrent sessions                             goal: ≥ 1,000 msg/s
//   save → the new code answers                                        goal: ≤ 500 ms
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startEmulator, fixture, type RunningEmulator } from '../test/support/emulator';
import { pythonRuntimeDir } from '../emulator/runner/launch';

const APP = fixture('emulator', 'reload');
const GOALS = { startOverImportMs: 300, roundTripRatio: 3, messagesPerSecond: 1000, reloadMs: 500 };

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

const fmt = (ms: number): string => `${ms.toFixed(1)} ms`;
const verdict = (ok: boolean): string => (ok ? 'goal met' : 'goal NOT met');

async function chat(emu: RunningEmulator, text: string, sessionId?: string): Promise<{ session_id: string; reply: string }> {
  const r = await emu.api('/api/chat', { method: 'POST', body: JSON.stringify({ text, ...(sessionId ? { session_id: sessionId } : {}) }) });
  if (!r.ok) throw new Error(`chat failed: ${r.status} ${await r.text()}`);
  return (await r.json()) as { session_id: string; reply: string };
}

function importTime(workspace: string): number {
  const runs: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.env.CAPSULE_PYTHON ?? 'python3', ['-c', 'import app'], {
      cwd: workspace,
      env: { ...process.env, PYTHONPATH: [pythonRuntimeDir(), process.env.PYTHONPATH].filter(Boolean).join(delimiter), PYTHONDONTWRITEBYTECODE: '1' },
    });
    runs.push(performance.now() - t0);
    if (r.status !== 0) throw new Error(`import app failed: ${r.stderr.toString()}`);
  }
  return median(runs);
}

async function coldStart(): Promise<{ serve: number; imp: number }> {
  const runs: number[] = [];
  let imp = 0;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const emu = await startEmulator({ app: APP, waitForApp: false });
    try {
      await chat(emu, 'first');
      runs.push(performance.now() - t0);
      if (i === 0) imp = importTime(emu.workspace);
    } finally {
      await emu.stop();
      emu.cleanup();
    }
  }
  return { serve: median(runs), imp };
}

/**
 * One more start with CAPSULE_TRACE_STARTUP=1 (not part of the cold-start figure): where the time
 * goes, in ms after the serve process started (the trace's own clock).
 */
async function startupBreakdown(): Promise<string> {
  const t0 = performance.now();
  const emu = await startEmulator({ app: APP, waitForApp: false, env: { CAPSULE_TRACE_STARTUP: '1' } });
  try {
    await chat(emu, 'first');
    const total = performance.now() - t0;
    const at = new Map<string, string>();
    for (const m of emu.output().matchAll(/^(?:\[[^\]]*\] )?(?:capsule-local|cpsl): startup \+([\d.]+) ms: (.*)$/gm)) {
      if (!at.has(m[2]!)) at.set(m[2]!, Number(m[1]).toFixed(0));
    }
    const find = (prefix: string): string => [...at].find(([k]) => k.startsWith(prefix))?.[1] ?? '?';
    const launched = [...at.keys()].find((k) => k.startsWith('serve: runner launched'));
    const how = launched ? `runner launched ${find('serve: runner launched')} (${/\((.*)\)/.exec(launched)?.[1]})` : 'no head start';
    return (
      `start-up breakdown (one traced run, ms after the serve process started): ${how}; ` +
      `Python reached cpsl ${find('import cpsl')}, cpsl imported ${find('cpsl imported')}; ` +
      `full CLI loaded ${find('cli: full CLI loaded')}, emulator code loaded ${find('serve: emulator code loaded')}, routes mounted ${find('emulator: routes mounted')}, ` +
      `discovery file ${find('emulator: discovery file written')}; app registered ${find('app registered')}; first reply (from spawn) ${total.toFixed(0)}`
    );
  } finally {
    await emu.stop();
    emu.cleanup();
  }
}

async function echoBaseline(n: number): Promise<number[]> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      res.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: `m${i}` }) });
    await r.json();
    times.push(performance.now() - t0);
  }
  server.close();
  return times;
}

async function roundTrips(emu: RunningEmulator, n: number): Promise<number[]> {
  const { session_id } = await chat(emu, 'warm');
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await chat(emu, `m${i}`, session_id);
    times.push(performance.now() - t0);
  }
  return times;
}

async function throughput(emu: RunningEmulator, sessions: number, perSession: number): Promise<number> {
  const ids = await Promise.all(Array.from({ length: sessions }, (_, i) => chat(emu, `open ${i}`).then((r) => r.session_id)));
  const t0 = performance.now();
  await Promise.all(ids.map(async (id) => {
    for (let i = 0; i < perSession; i++) await chat(emu, `m${i}`, id);
  }));
  return (sessions * perSession) / ((performance.now() - t0) / 1000);
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
    // Let the replaced process finish stopping, as between two saves of a developer.
    await new Promise((r) => setTimeout(r, 500));
  }
  return median(runs);
}

export default async function run(): Promise<void> {
  const cold = await coldStart();
  console.log(`cold start (serve → first reply): ${fmt(cold.serve)}; python3 -c "import app": ${fmt(cold.imp)}; overhead ${fmt(cold.serve - cold.imp)} (goal ≤ ${GOALS.startOverImportMs} ms): ${verdict(cold.serve - cold.imp <= GOALS.startOverImportMs)}`);
  console.log(await startupBreakdown());

  const emu = await startEmulator({ app: APP });
  try {
    const echo = await echoBaseline(500);
    const rt = await roundTrips(emu, 500);
    const ratio = percentile(rt, 50) / percentile(echo, 50);
    console.log(
      `API round trip: p50 ${fmt(percentile(rt, 50))}, p99 ${fmt(percentile(rt, 99))}; bare loopback echo: p50 ${fmt(percentile(echo, 50))}, p99 ${fmt(percentile(echo, 99))}; ` +
        `p50 ratio ${ratio.toFixed(2)}× (goal ≤ ${GOALS.roundTripRatio}×): ${verdict(ratio <= GOALS.roundTripRatio)}`,
    );
    const reload = await reloadTime(emu);
    console.log(`save → reloaded (new code answers): ${fmt(reload)} (goal ≤ ${GOALS.reloadMs} ms): ${verdict(reload <= GOALS.reloadMs)}`);
    const mps = await throughput(emu, 50, 40);
    console.log(`throughput, 50 concurrent sessions: ${mps.toFixed(0)} msg/s (goal ≥ ${GOALS.messagesPerSecond}): ${verdict(mps >= GOALS.messagesPerSecond)}`);
  } finally {
    await emu.stop();
    emu.cleanup();
  }
  // Breakdown: the same app with the runner link turned off (every message and call over HTTP).
  const http = await startEmulator({ app: APP, env: { CAPSULE_RUNNER_LINK: '0' } });
  try {
    const rt = await roundTrips(http, 300);
    const mps = await throughput(http, 50, 10);
    console.log(`  without the runner link (HTTP runner protocol): round trip p50 ${fmt(percentile(rt, 50))}, p99 ${fmt(percentile(rt, 99))}; 50 sessions ${mps.toFixed(0)} msg/s`);
  } finally {
    await http.stop();
    http.cleanup();
  }
}
