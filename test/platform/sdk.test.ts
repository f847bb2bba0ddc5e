// Apps written as the platform's docs show them, on the real SDK (`cpsl` from the project's
// .venv) against the emulator's gRPC gateway: they import, register and answer; what the gateway
// serves (sessions, data, history, KV, secrets, uploads, declarations) reaches them; what it does
// not serve yet fails with the feature named.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { emulatorForSuite, startEmulator, type RunningEmulator } from '../support/emulator';
import { chat, json, appState } from '../emulator/helpers';
import { waitFor } from '../support/wait';

const FIXTURES = join(__dirname, 'fixtures');

interface SdkAppState {
  status: string;
  runtime: string;
  sdk?: string;
  pid?: number;
  runnerPort?: number;
  declarations: Record<string, unknown>;
}

async function sdkApp(emu: RunningEmulator): Promise<SdkAppState> {
  return (await json<{ apps: SdkAppState[] }>(emu, '/api/state')).body.apps[0]!;
}

describe('the docs quickstart on the real SDK', () => {
  let emu: RunningEmulator;
  emulatorForSuite({ app: join(FIXTURES, 'quickstart') }, (e) => (emu = e));

  test('it registers with the SDK that .venv has and answers', async () => {
    const app = await sdkApp(emu);
    assert.equal(app.runtime, 'sdk');
    assert.match(app.sdk ?? '', /^\d+\.\d+\.\d+/);
    assert.match(emu.output(), /the real SDK, cpsl \d+\.\d+\.\d+ in \S+ \(--python\)/);
    const r = await chat(emu, 'hi there', { user: 'alice' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.reply, 'Hello user_alice! You said: hi there');
  });

  test("the runner's HTTP server listens on loopback only, on a port of its own (not 0.0.0.0:8080)", async () => {
    const app = await sdkApp(emu);
    assert.ok(app.runnerPort && app.runnerPort !== 8080, `runner port ${app.runnerPort}`);
    const listening = readFileSync('/proc/net/tcp', 'utf8')
      .split('\n')
      .slice(1)
      .map((l) => l.trim().split(/\s+/))
      .filter((f) => f[3] === '0A')
      .map((f) => f[1]!);
    const hex = app.runnerPort.toString(16).toUpperCase().padStart(4, '0');
    assert.deepEqual(listening.filter((a) => a.endsWith(`:${hex}`)), [`0100007F:${hex}`], 'bound to 127.0.0.1 and nothing else');
    assert.ok(!listening.includes('00000000:1F90'), 'nothing listens on 0.0.0.0:8080');
  });
});

test('two apps served at once do not collide (each runner has its own loopback port)', async () => {
  const [a, b] = await Promise.all([startEmulator({ app: join(FIXTURES, 'quickstart') }), startEmulator({ app: join(FIXTURES, 'quickstart') })]);
  try {
    const [pa, pb] = [(await sdkApp(a)).runnerPort, (await sdkApp(b)).runnerPort];
    assert.notEqual(pa, pb);
    assert.equal((await chat(a, 'one')).body.reply, 'Hello user_dev! You said: one');
    assert.equal((await chat(b, 'two')).body.reply, 'Hello user_dev! You said: two');
  } finally {
    await Promise.all([a.stop(), b.stop()]);
    a.cleanup();
    b.cleanup();
  }
});

test('a class-based app (@app.cls) runs its boot hook and keeps session data between turns', async () => {
  const emu = await startEmulator({ app: join(FIXTURES, 'class-agent'), entry: 'app.py:Agent' });
  try {
    const first = await chat(emu, 'one');
    assert.equal(first.body.reply, 'ready: one (turn 1)');
    const second = await chat(emu, 'two', { session_id: first.body.session_id });
    assert.equal(second.body.reply, 'ready: two (turn 2)');
  } finally {
    await emu.stop();
    emu.cleanup();
  }
});

describe('an app that uses what the gateway serves', () => {
  let emu: RunningEmulator;
  emulatorForSuite({ app: join(FIXTURES, 'workbench'), env: { WORKBENCH_KEY: 'workbench-secret-value-1' } }, (e) => (emu = e));

  test('a streamed reply is one message after the notify; history comes back in order', async () => {
    const first = await chat(emu, 'hello');
    const sid = first.body.session_id;
    assert.equal(first.body.reply, 'turn 1: hello');
    const streamed = await chat(emu, 'stream', { session_id: sid });
    assert.equal(streamed.body.reply, 'alpha beta gamma');
    const history = await chat(emu, 'history', { session_id: sid });
    assert.equal(history.body.reply, 'user:hello | app:turn 1: hello | user:stream | system:Thinking... | app:alpha beta gamma');
  });

  test('the KV keeps a user-scoped value across sessions; a secret resolves and is injected', async () => {
    assert.equal((await chat(emu, 'remember blue', { user: 'kim' })).body.reply, 'noted');
    assert.equal((await chat(emu, 'recall', { user: 'kim' })).body.reply, 'fact=blue');
    assert.equal((await chat(emu, 'recall', { user: 'lee' })).body.reply, 'fact=None');
    assert.equal((await chat(emu, 'secret')).body.reply, 'env True, length 24');
  });

  test('a local image is uploaded (UploadFile) and served to the signed-in client', async () => {
    const r = await chat(emu, 'image');
    assert.equal(r.body.reply, 'shown');
    const block = r.body.blocks.find((b) => b.type === 'image');
    assert.ok(block, JSON.stringify(r.body.blocks));
    const url = new URL(String(block.payload.url));
    assert.equal(url.origin, emu.url);
    const file = await emu.api(url.pathname);
    assert.equal(file.status, 200);
    assert.deepEqual(Buffer.from(await file.arrayBuffer()), readFileSync(join(FIXTURES, 'workbench', 'dot.png')));
    // The URL the app got carries the file's token (files.test.ts); without it, the session token.
    url.search = '';
    const anonymous = await fetch(url);
    assert.equal(anonymous.status, 401, 'uploads need the session token');
  });

  test('a data handler with a session parameter sees that session; an endpoint answers', async () => {
    const first = await chat(emu, 'hi', { user: 'mo' });
    await chat(emu, 'again', { session_id: first.body.session_id });
    const r = await json<{ user: string; turns: number; history: number }>(emu, `/apps/workbench/data/stats?session_id=${first.body.session_id}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.user, 'user_mo');
    assert.equal(r.body.turns, 2);
    assert.equal(r.body.history, 4);
    const e = await json(emu, '/apps/workbench/endpoints/hello');
    assert.deepEqual(e.body, { hello: 'world' });
  });

  test('what the app declares is kept (collections, settings, tasks, image) for the dashboard', async () => {
    const d = (await sdkApp(emu)).declarations as { collections?: Array<{ name: string }>; settings?: Array<{ name: string }>; tasks?: Array<{ name: string }>; image?: { python_packages: string[] } };
    assert.deepEqual(d.collections?.map((c) => c.name), ['notes']);
    assert.deepEqual(d.settings?.map((s) => s.name), ['tone']);
    assert.deepEqual(d.tasks?.map((t) => t.name), ['crunch']);
    assert.deepEqual(d.image?.python_packages, ['httpx']);
  });

  test('a background task is submitted and runs (tasks.test.ts covers them)', async () => {
    const r = await chat(emu, 'task');
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.reply, 'submitted');
    await waitFor('crunch completed', async () => {
      const { body } = await json<{ tasks: Array<{ name: string; status: string }> }>(emu, '/api/state');
      return body.tasks.find((t) => t.name === 'crunch' && t.status === 'completed');
    });
  });
});

test('kill -9 of the emulator: the real SDK runner stops on its own (its stdin closes)', async () => {
  const emu = await startEmulator({ app: join(FIXTURES, 'quickstart') });
  const pid = (await appState(emu)).pid!;
  const alive = (p: number): boolean => {
    try {
      process.kill(p, 0);
      return true;
    } catch {
      return false;
    }
  };
  try {
    assert.ok(alive(pid));
    emu.proc.kill('SIGKILL');
    await waitFor('the SDK runner to exit after its emulator was killed', () => !alive(pid), 20_000);
  } finally {
    if (alive(pid)) process.kill(pid, 'SIGKILL');
    await emu.stop();
    emu.cleanup();
  }
});
