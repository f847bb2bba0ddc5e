// The runner link: inbound messages and the runner's calls travel as frames over one upgraded
// loopback connection (PROTOCOL.md, "Runner link"). Real emulator, real app processes, real sockets.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { REPO, fixture, emulatorForSuite, startEmulator, type RunningEmulator } from '../support/emulator';
import { attachDebugpy } from '../support/dap';
import { pidAlive } from '../../emulator/store/process-alive';
import { waitFor } from '../support/wait';
import { appState, chat, events, json, lastSeq, waitForEvent, waitForPrompt } from './helpers';

const LINK_APP = fixture('emulator', 'link');
/** debugpy for the runners launched under the debugger: the project's .venv, on their PYTHONPATH. */
const DEBUGPY_PATH = [join(REPO, '.venv', 'lib', 'python3.11', 'site-packages')];

type Frame = Record<string, unknown>;

/** A hand-driven link client: the upgrade request, then frames in and out. */
class RawLink {
  readonly frames: Frame[] = [];
  closed = false;
  private buffered = '';

  private constructor(
    readonly socket: Socket,
    readonly status: number,
    readonly head: string,
    readonly body: string,
  ) {}

  static open(port: number, headers: Record<string, string>, path = '/_runner/link'): Promise<RawLink> {
    return new Promise((resolveOpen, reject) => {
      const socket = connect(port, '127.0.0.1');
      let data = Buffer.alloc(0);
      let link: RawLink | undefined;
      const lines = Object.entries({ Host: `127.0.0.1:${port}`, Connection: 'Upgrade', Upgrade: 'capsule-runner-link/1', ...headers })
        .filter(([, v]) => v !== '')
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join('');
      socket.on('connect', () => socket.write(`GET ${path} HTTP/1.1\r\n${lines}\r\n`));
      socket.on('error', (e) => (link ? undefined : reject(e)));
      const settle = (ended: boolean): void => {
        const text = data.toString('utf8');
        const end = text.indexOf('\r\n\r\n');
        if (end < 0) {
          if (ended) reject(new Error(`the connection closed before an answer: ${JSON.stringify(text)}`));
          return;
        }
        const head = text.slice(0, end);
        const status = Number(head.split(' ')[1]);
        if (status === 101) {
          link = new RawLink(socket, status, head, '');
          link.take(text.slice(end + 4));
          socket.removeAllListeners('data');
          socket.on('data', (b: Buffer) => link!.take(b.toString('utf8')));
          socket.on('close', () => (link!.closed = true));
          resolveOpen(link);
        } else if (ended) {
          resolveOpen(new RawLink(socket, status, head, text.slice(end + 4)));
        }
      };
      socket.on('data', (b: Buffer) => {
        data = Buffer.concat([data, b]);
        settle(false);
      });
      socket.on('end', () => settle(true));
    });
  }

  private take(text: string): void {
    this.buffered += text;
    let nl: number;
    while ((nl = this.buffered.indexOf('\n')) >= 0) {
      const line = this.buffered.slice(0, nl);
      this.buffered = this.buffered.slice(nl + 1);
      if (line.trim()) this.frames.push(JSON.parse(line) as Frame);
    }
  }

  send(text: string): void {
    this.socket.write(text);
  }

  /** The first frame (after those already taken) that matches. */
  next(what: string, match: (f: Frame) => boolean, ms = 10_000): Promise<Frame> {
    return waitFor(`a link frame: ${what} (frames so far: ${JSON.stringify(this.frames).slice(0, 2000)})`, () => {
      const i = this.frames.findIndex(match);
      return i >= 0 ? this.frames.splice(i, 1)[0] : undefined;
    }, ms, 10);
  }

  close(): void {
    this.socket.destroy();
  }
}

interface LinkedState {
  apps: Array<{ name: string; status: string; version: number; pid?: number; link?: boolean }>;
}

async function linkedApp(emu: RunningEmulator) {
  return (await json<LinkedState>(emu, '/api/state')).body.apps[0]!;
}

const tokens = new WeakMap<RunningEmulator, string>();

/**
 * A runner token of this emulator that no serving runner holds: the emulator hands none out, so it
 * is read from the environment of a runner launched under the debugger that nobody attaches to
 * (asked for once: that pending runner would hold off restarts, hence an emulator of its own).
 */
async function runnerToken(emu: RunningEmulator): Promise<string> {
  const known = tokens.get(emu);
  if (known) return known;
  const { status, body } = await json<{ pid: number }>(emu, '/api/debug', { python_path: DEBUGPY_PATH });
  assert.equal(status, 200, JSON.stringify(body));
  const env = readFileSync(`/proc/${body.pid}/environ`, 'utf8').split('\0');
  const token = env.find((v) => v.startsWith('CAPSULE_RUNNER_TOKEN='))!.slice('CAPSULE_RUNNER_TOKEN='.length);
  tokens.set(emu, token);
  return token;
}


describe('runner link', () => {
  let emu: RunningEmulator;
  emulatorForSuite({ runtime: 'bundled', app: LINK_APP }, (e) => (emu = e));

  test('messages and the runner calls travel over the link', async () => {
    const app = await linkedApp(emu);
    assert.equal(app.status, 'running');
    assert.equal(app.link, true, 'the state shows the runner link');
    const via = await chat(emu, 'via');
    assert.equal(via.status, 200, JSON.stringify(via.body));
    assert.equal(via.body.reply, `inbound link, calls link, pid ${app.pid}`);
    const first = await chat(emu, 'count');
    assert.equal(first.body.reply, 'count 1');
    assert.equal((await chat(emu, 'count', { session_id: first.body.session_id })).body.reply, 'count 2');
    assert.equal((await chat(emu, 'kv blue')).body.reply, 'kv blue');
    // Many sessions at once over the one connection.
    const many = await Promise.all(Array.from({ length: 30 }, (_, i) => chat(emu, `hello ${i}`)));
    assert.deepEqual(many.map((r) => r.body.reply), Array.from({ length: 30 }, (_, i) => `echo: hello ${i}`));
  });

  test('each message carries only the history the runner was not sent; the app sees the whole tail', async () => {
    const first = await chat(emu, 'note 0');
    const sid = first.body.session_id;
    for (let i = 1; i < 30; i++) assert.equal((await chat(emu, `note ${i}`, { session_id: sid })).body.reply, `echo: note ${i}`);
    // 61 items: the last 50 without this message, the same as GetSession's; sent: the last reply and this message.
    assert.equal((await chat(emu, 'history', { session_id: sid })).body.reply, 'history 49, same True, delta True, items 2');
    // Another session in between changes nothing for this one.
    await chat(emu, 'elsewhere');
    assert.equal((await chat(emu, 'history', { session_id: sid })).body.reply, 'history 49, same True, delta True, items 2');
    // A new link knows nothing yet: the whole tail again, then deltas.
    const app = await linkedApp(emu);
    const oldLink = (await chat(emu, 'linkid')).body.reply;
    assert.equal((await chat(emu, 'droplink', { session_id: sid })).body.reply, 'dropping');
    await waitFor('the new link', async () => {
      const now = (await chat(emu, 'linkid')).body.reply;
      return now !== oldLink && now !== 'link none' && (await chat(emu, 'via')).body.reply.startsWith('inbound link');
    });
    assert.equal((await linkedApp(emu)).pid, app.pid);
    assert.equal((await chat(emu, 'history', { session_id: sid })).body.reply, 'history 49, same True, delta False, items 50');
    assert.equal((await chat(emu, 'history', { session_id: sid })).body.reply, 'history 49, same True, delta True, items 2');
  });

  test('a message written as the link closes is sent again over HTTP, and handled once', { timeout: 90_000 }, async () => {
    const pid = (await linkedApp(emu)).pid;
    const relinked = () => waitFor('the link again', async () => (await chat(emu, 'via')).body.reply.startsWith('inbound link'));
    // The frame is lost with the connection: without a second delivery its turn never ends.
    assert.equal((await chat(emu, 'lose')).body.reply, 'armed');
    const lost = await chat(emu, 'via');
    assert.equal(lost.status, 200, JSON.stringify(lost.body));
    assert.match(lost.body.reply, new RegExp(`^inbound http, calls (http|link), pid ${pid}$`));
    await relinked();
    // The frame arrives, then the connection goes: the second delivery is recognised and dropped.
    assert.equal((await chat(emu, 'dup')).body.reply, 'armed');
    assert.equal((await chat(emu, 'tally')).body.reply, 'tally 1');
    await relinked();
    assert.equal((await chat(emu, 'tally')).body.reply, 'tally 2', 'the message sent twice was handled once');
    assert.equal((await linkedApp(emu)).pid, pid, 'the same process throughout');
  });

  test('a runner killed mid-turn: the caller gets the clear error and the app restarts', async () => {
    const before = await linkedApp(emu);
    const since = await lastSeq(emu);
    const slow = chat(emu, 'sleep 10');
    // The message is in the handler once its inbound event is logged.
    await waitForEvent(emu, 'the message delivered', (e) => e.kind === 'inbound' && e.summary.endsWith('sleep 10'), since);
    await new Promise((r) => setTimeout(r, 300));
    process.kill(before.pid!, 'SIGKILL');
    const r = await slow;
    assert.equal(r.status, 422, JSON.stringify(r.body));
    assert.match(r.body.error ?? '', /the app process exited \(killed by SIGKILL\) while handling this message/);
    await waitFor('the restarted app', async () => {
      const s = await linkedApp(emu);
      return s.status === 'running' && s.version > before.version && s.link;
    });
    const after = await linkedApp(emu);
    assert.equal((await chat(emu, 'via')).body.reply, `inbound link, calls link, pid ${after.pid}`);
  });

  test('a held prompt is cancelled when the link drops; the runner links again', async () => {
    const before = await linkedApp(emu);
    const since = await lastSeq(emu);
    const waiting = chat(emu, 'github', { user: 'erin' });
    const p = await waitForPrompt(emu, 'github');
    assert.equal((await chat(emu, 'droplink')).body.reply, 'dropping');
    await waitFor('the prompt to go away', async () => !(await json<Array<{ id: string }>>(emu, '/api/prompts')).body.some((x) => x.id === p.id));
    const cancelled = (await events(emu, since)).find((e) => e.kind === 'prompt' && e.detail?.id === p.id && e.detail?.outcome === 'cancelled');
    assert.ok(cancelled, 'the prompt is recorded as cancelled');
    const r = await waiting;
    assert.equal(r.status, 422, JSON.stringify(r.body));
    assert.match(r.body.error ?? '', /not reachable .*WaitForIntegration: the runner link closed/);
    // The process lives on and links again; later messages use the link.
    await waitFor('the new link', async () => (await linkedApp(emu)).link);
    const now = await linkedApp(emu);
    assert.equal(now.pid, before.pid, 'the same process');
    assert.equal((await chat(emu, 'via')).body.reply, `inbound link, calls link, pid ${before.pid}`);
    const late = await json(emu, `/api/prompts/${p.id}/answer`, { allow: true });
    assert.equal(late.status, 404);
  });
});

// A hand-driven link needs a runner token of its own (runnerToken above).
describe('runner link: the handshake and malformed frames', () => {
  let emu: RunningEmulator;
  emulatorForSuite({ runtime: 'bundled', app: LINK_APP }, (e) => (emu = e));

  test('the link is refused without the runner token, with a wrong one, elsewhere and for other protocols', async () => {
    const missing = await RawLink.open(emu.port, {});
    assert.equal(missing.status, 401);
    assert.deepEqual(JSON.parse(missing.body), { error: 'wrong or missing runner token' });
    const wrong = await RawLink.open(emu.port, { Authorization: `Bearer ${emu.token}` });
    assert.equal(wrong.status, 401, 'the session token is not a runner token');
    const other = await RawLink.open(emu.port, { Authorization: 'Bearer nope' }, '/_runner/other');
    assert.equal(other.status, 404);
    const ws = await RawLink.open(emu.port, { Upgrade: 'websocket' });
    assert.equal(ws.status, 400);
    const token = await runnerToken(emu);
    const foreign = await RawLink.open(emu.port, { Authorization: `Bearer ${token}`, Host: 'evil.example:80' });
    assert.equal(foreign.status, 403);
    const origin = await RawLink.open(emu.port, { Authorization: `Bearer ${token}`, Origin: 'https://evil.example' });
    assert.equal(origin.status, 403);
    for (const l of [missing, wrong, other, ws, foreign, origin]) l.close();
    assert.doesNotMatch(missing.body + wrong.body, new RegExp(token), 'no token in the answers');
  });

  test('malformed frames get an error frame; the link, the runner and other sessions go on', async () => {
    const since = await lastSeq(emu);
    const token = await runnerToken(emu);
    const link = await RawLink.open(emu.port, { Authorization: `Bearer ${token}` });
    assert.equal(link.status, 101, link.head);
    try {
      link.send('this is not json\n');
      const notJson = await link.next('not JSON', (f) => f.t === 'error');
      assert.equal(notJson.status, 400);
      assert.match(String(notJson.error), /not valid JSON/);

      const truncated = '{"t":"call","id":7,"method":"KvGet","body":';
      link.send(truncated + '\n');
      assert.deepEqual(await link.next('truncated call', (f) => f.id === 7), { t: 'result', id: 7, status: 400, error: `malformed frame: not valid JSON (${truncated.length} bytes)` });

      link.send('{"t":"call","id":8,"method":"NoSuchMethod","body":{}}\n{"t":"call","id":9,"method":"constructor"}\n');
      assert.deepEqual(await link.next('unknown method', (f) => f.id === 8), { t: 'result', id: 8, status: 404, error: 'unknown runner method NoSuchMethod' });
      assert.equal((await link.next('inherited name', (f) => f.id === 9)).status, 404);

      link.send('{"t":"call","id":10}\n{"t":"call","id":11,"method":"KvGet","body":[1]}\n{"t":"bogus","id":12}\n[1,2]\n{"t":"call","method":"KvGet"}\n');
      assert.match(String((await link.next('no method', (f) => f.id === 10)).error), /needs a "method"/);
      assert.match(String((await link.next('array body', (f) => f.id === 11)).error), /"body" must be a JSON object/);
      assert.match(String((await link.next('unknown type', (f) => f.id === 12)).error), /unknown frame type "bogus"/);
      assert.match(String((await link.next('not an object', (f) => f.t === 'error')).error), /not a JSON object/);
      assert.match(String((await link.next('no id', (f) => f.t === 'error')).error), /needs an "id"/);

      // Over the size limit: answered with 413 for its id, and the link reads on after it.
      const big = `{"t":"call","id":13,"method":"Log","body":{"records":[{"stream":"stdout","text":"${'x'.repeat(17 * 1024 * 1024)}"}]}}\n`;
      link.send(big);
      assert.equal((await link.next('too large', (f) => f.id === 13, 30_000)).status, 413);

      // Meanwhile the app serves other sessions, over its own link.
      assert.equal((await chat(emu, 'via')).body.reply.startsWith('inbound link, calls link'), true);

      link.send('{"t":"call","id":14,"method":"KvSet","body":{"scope":"app","scope_id":"raw","key":"k","value_json":"1"}}\n{"t":"call","id":15,"method":"KvGet","body":{"scope":"app","scope_id":"raw","key":"k"}}\n');
      assert.deepEqual(await link.next('KvSet', (f) => f.id === 14), { t: 'result', id: 14, result: { ok: true } });
      assert.deepEqual(await link.next('KvGet', (f) => f.id === 15), { t: 'result', id: 15, result: { found: true, value_json: '1' } });
      assert.equal(link.closed, false);

      // A cast is applied in order like a call, and answered only when it fails.
      link.send(
        '{"t":"cast","id":16,"method":"KvSet","body":{"scope":"app","scope_id":"raw","key":"c","value_json":"2"}}\n' +
          '{"t":"cast","id":17,"method":"NoSuchMethod","body":{}}\n' +
          '{"t":"call","id":18,"method":"KvGet","body":{"scope":"app","scope_id":"raw","key":"c"}}\n',
      );
      assert.equal((await link.next('the failed cast', (f) => f.id === 17)).status, 404);
      assert.deepEqual(await link.next('KvGet after the cast', (f) => f.id === 18), { t: 'result', id: 18, result: { found: true, value_json: '2' } });
      assert.equal(link.frames.some((f) => f.id === 16), false, 'a successful cast is not answered');

      const logged = await waitForEvent(emu, 'a logged link problem', (e) => e.kind === 'runner' && e.detail?.event === 'link-error', since);
      assert.match(logged.summary, /runner link of linked/);
    } finally {
      link.close();
    }
    assert.equal((await chat(emu, 'still there?')).body.reply, 'echo: still there?');
  });
});

test('HTTP fallback: a runner without the link is served over HTTP', async () => {
  const emu = await startEmulator({ runtime: 'bundled', app: LINK_APP, env: { CAPSULE_RUNNER_LINK: '0' } });
  try {
    const app = await linkedApp(emu);
    assert.equal(app.link, false);
    assert.equal((await chat(emu, 'via')).body.reply, `inbound http, calls http, pid ${app.pid}`);
    const first = await chat(emu, 'count');
    assert.equal((await chat(emu, 'count', { session_id: first.body.session_id })).body.reply, 'count 2');
    const waiting = chat(emu, 'github', { user: 'fred' });
    const p = await waitForPrompt(emu, 'github');
    assert.equal((await json(emu, `/api/prompts/${p.id}/answer`, { allow: true })).status, 200);
    assert.equal((await waiting).body.reply, 'Connect GitHub\ngithub scopes repo');
  } finally {
    await emu.stop();
    emu.cleanup();
  }
});

test('the app process stops when the emulator is killed with kill -9: its stdin closes (with the link or without)', async () => {
  for (const link of ['0', '1']) {
    const emu = await startEmulator({ runtime: 'bundled', app: LINK_APP, env: { CAPSULE_RUNNER_LINK: link } });
    const pid = (await appState(emu)).pid!;
    try {
      assert.ok(pidAlive(pid));
      emu.proc.kill('SIGKILL');
      await waitFor(`the app process to exit (runner link ${link === '1' ? 'on' : 'off'})`, () => !pidAlive(pid), 15_000);
    } finally {
      if (pidAlive(pid)) process.kill(pid, 'SIGKILL');
      await emu.stop();
      emu.cleanup();
    }
  }
});

test('a runner under the debugger stops when the emulator is killed with kill -9', async () => {
  const emu = await startEmulator({ runtime: 'bundled', app: LINK_APP });
  let debugged: number | undefined;
  let dap: Awaited<ReturnType<typeof attachDebugpy>>['dap'] | undefined;
  try {
    const { body } = await json<{ host: string; port: number; pid: number }>(emu, '/api/debug', { python_path: DEBUGPY_PATH });
    debugged = body.pid;
    dap = (await attachDebugpy(body, { path: join(emu.workspace, 'app.py'), lines: [] })).dap;
    await waitFor('the debugged runner to take over', async () => (await linkedApp(emu)).pid === debugged);
    assert.equal((await linkedApp(emu)).link, true);
    assert.equal((await chat(emu, 'via')).body.reply, `inbound link, calls link, pid ${debugged}`);
    emu.proc.kill('SIGKILL');
    await waitFor('the debugged runner to exit on its own', () => !pidAlive(debugged!), 15_000);
  } finally {
    dap?.close();
    if (debugged && pidAlive(debugged)) process.kill(debugged, 'SIGKILL');
    await emu.stop();
    emu.cleanup();
  }
});
