// `serve`'s head start (cli/early-serve.ts): which command lines it takes on (anything unusual is
// left to the full CLI), and the held server: requests and upgrades that arrive before the
// emulator mounts its routes wait, then get the emulator's answer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { listenHeld, parseServeArgs } from '../../cli/early-serve';

test('the head start reads the serve flags as commander does, and leaves anything unusual alone', () => {
  const env = { CAPSULE_PYTHON: '/opt/py/bin/python3' };
  const cwd = '/work/app';
  assert.deepEqual(parseServeArgs(['app.py:app'], {}, cwd), { entry: 'app.py:app', storeDir: resolve(cwd, '.capsule'), port: 8790, python: 'python3', cwd });
  assert.deepEqual(parseServeArgs(['--no-open', 'app.py:app', '--port', '0', '--store=st', '--no-watch', '--python', 'py3'], env, cwd), {
    entry: 'app.py:app',
    storeDir: resolve(cwd, 'st'),
    port: 0,
    python: 'py3',
    cwd,
  });
  assert.equal(parseServeArgs(['app.py:app'], env, cwd)?.python, '/opt/py/bin/python3', 'CAPSULE_PYTHON when no --python');
  for (const args of [
    [],
    ['--help'],
    ['app.py:app', '-h'],
    ['app.py:app', 'other.py:app'],
    ['app.py:app', '--port', 'x'],
    ['app.py:app', '--port', '70000'],
    ['app.py:app', '--port'],
    ['app.py:app', '--unknown'],
    ['app.py:app', '--no-open=1'],
    ['app.py:app', '--', '--port', '1'],
  ]) {
    assert.equal(parseServeArgs(args, env, cwd), undefined, `left to the full CLI: ${args.join(' ')}`);
  }
});

function get(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolveGet, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolveGet({ status: res.statusCode ?? 0, body }));
    });
    req.on('upgrade', (res, socket, head: Buffer) => {
      let body = head.toString();
      socket.on('data', (c: Buffer) => (body += c.toString()));
      socket.on('end', () => resolveGet({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('requests and upgrades that arrive before the routes are mounted wait, then get their answer', async () => {
  const held = await listenHeld(0);
  const port = (held.server.address() as AddressInfo).port;
  try {
    let answered = 0;
    const early = get(port, '/early').then((r) => (answered++, r));
    const upgrade = get(port, '/_runner/link', { connection: 'Upgrade', upgrade: 'test-protocol' }).then((r) => (answered++, r));
    // Both reached the server and wait there (nothing is answered before release).
    for (let i = 0; held.pending() < 2; i++) {
      assert.ok(i < 400, `both requests reach the server (pending ${held.pending()})`);
      await new Promise((r) => setTimeout(r, 10));
    }
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(answered, 0, 'nothing is answered before the routes are mounted');

    held.server.on('upgrade', (_req, socket) => socket.end('HTTP/1.1 101 Switching Protocols\r\nUpgrade: test-protocol\r\nConnection: Upgrade\r\n\r\nlinked'));
    held.release((req, res) => {
      res.setHeader('content-type', 'text/plain');
      res.end(`mounted ${req.url}`);
    });
    assert.deepEqual(await early, { status: 200, body: 'mounted /early' });
    assert.deepEqual(await upgrade, { status: 101, body: 'linked' });
    assert.equal(held.pending(), 0);
    assert.deepEqual(await get(port, '/later'), { status: 200, body: 'mounted /later' }, 'later requests go straight to the app');
    assert.throws(() => held.release(() => undefined), /released already/);
  } finally {
    held.server.closeAllConnections();
    await new Promise<void>((r) => held.server.close(() => r()));
  }
});

test('a port in use makes the head start fail like listen does (the full CLI then reports it)', async () => {
  const first = await listenHeld(0);
  const port = (first.server.address() as AddressInfo).port;
  try {
    await assert.rejects(listenHeld(port), /EADDRINUSE/);
  } finally {
    await new Promise<void>((r) => first.server.close(() => r()));
  }
});
