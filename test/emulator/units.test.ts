// The gateway's pure parts: the hub clock, headless credentials, loopback names, entry points and
// the static secret-name scan.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HubClock } from '../../emulator/gateway/clock';
import { AnswerError, headlessCredential, toWire } from '../../emulator/gateway/credentials';
import { isLoopbackHost } from '../../emulator/gateway/security';
import { parseEntry, scanSecretNames, EntryError } from '../../emulator/runner/launch';
import type { PendingPrompt } from '../../emulator/hub';

test('advancing the hub clock fires due timers at once, in any order of registration, and only once', () => {
  const clock = new HubClock();
  const fired: string[] = [];
  const t0 = clock.now();
  clock.at(t0 + 60_000, () => fired.push('b'));
  clock.at(t0 + 30_000, () => fired.push('a'));
  const cancel = clock.at(t0 + 40_000, () => fired.push('cancelled'));
  cancel();
  clock.advance(29_000);
  assert.deepEqual(fired, []);
  clock.advance(31_000);
  assert.deepEqual(fired.sort(), ['a', 'b']);
  clock.advance(100_000);
  assert.equal(fired.length, 2);
  assert.ok(clock.now() - Date.now() >= 160_000 - 50);
  assert.throws(() => clock.advance(-1), RangeError);
  clock.dispose();
});

test('a real-time clock timer fires without advancing', async () => {
  const clock = new HubClock();
  const fired = await new Promise<boolean>((resolve) => {
    clock.at(clock.now() + 20, () => resolve(true));
    setTimeout(() => resolve(false), 2000);
  });
  assert.equal(fired, true);
  clock.dispose();
});

const oauthPrompt: PendingPrompt = {
  id: 'prm_1', app: 'a', userId: 'u', type: 'github', mode: 'oauth', reason: '', scopes: ['repo', 'read:user'], fields: [], createdAt: '', deadline: 0,
};

test('a headless OAuth grant: provider-style token, requested scopes by default, provider lifetime', () => {
  const now = Date.UTC(2026, 0, 1);
  const c = headlessCredential(oauthPrompt, {}, now);
  assert.match(c.accessToken, /^gho_local_/);
  assert.deepEqual(c.scopes, ['repo', 'read:user']);
  assert.equal(c.expiresAt, now / 1000 + 28_800);
  const fewer = headlessCredential(oauthPrompt, { scopes: ['repo'] }, now);
  assert.deepEqual(fewer.scopes, ['repo']);
  assert.throws(() => headlessCredential(oauthPrompt, { scopes: ['admin:org'] }, now), AnswerError);
  assert.deepEqual(toWire(fewer), { type: 'github', access_token: fewer.accessToken, token_type: 'Bearer', scopes: ['repo'], expires_at: fewer.expiresAt });
});

test('a headless secret-form grant needs every field and travels as a JSON object of fields', () => {
  const p: PendingPrompt = { ...oauthPrompt, type: 'jira', mode: 'secret', scopes: [], fields: ['url', 'token'] };
  assert.throws(() => headlessCredential(p, { fields: { url: 'https://x' } }, 0), /missing field for jira: token/);
  const c = headlessCredential(p, { fields: { url: 'https://x', token: 't' } }, 0);
  assert.deepEqual(toWire(c), { type: 'jira', access_token: '{"url":"https://x","token":"t"}', token_type: 'fields', scopes: [], expires_at: 0 });
});

test('loopback Host names', () => {
  for (const h of ['localhost', 'localhost:8790', '127.0.0.1', '127.0.0.1:1', '[::1]', '[::1]:8790', 'LOCALHOST:80']) assert.ok(isLoopbackHost(h), h);
  for (const h of [undefined, '', 'evil.com', 'localhost.evil.com', '127.0.0.1.nip.io', '127.0.0.2', '0.0.0.0:80', 'localhost:80@evil', '[::1]x']) assert.ok(!isLoopbackHost(h), String(h));
});

test('entry points: FILE.py:SYMBOL and module:Name, with clear errors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'capsule-entry-'));
  writeFileSync(join(dir, 'app.py'), 'x = 1\n');
  const e = parseEntry('app.py:app', dir);
  assert.equal(e.file, join(dir, 'app.py'));
  assert.equal(e.cwd, dir);
  assert.equal(e.arg, 'app.py:app');
  assert.equal(parseEntry('app:app', dir).file, join(dir, 'app.py'));
  assert.throws(() => parseEntry('app.py', dir), /must be FILE\.py:SYMBOL/);
  assert.throws(() => parseEntry('missing.py:app', dir), EntryError);
  assert.throws(() => parseEntry('app.py:1bad', dir), /not a Python name/);
});

test('the static secret scan finds string literals in secrets=[...]', () => {
  const dir = mkdtempSync(join(tmpdir(), 'capsule-scan-'));
  const file = join(dir, 'app.py');
  writeFileSync(file, 'app = cpsl.App(name="x", secrets=["OPENAI_API_KEY", \'SERVICE_TOKEN\',\n  "not a name"], image=cpsl.Image())\nother(secrets = [NAME_VAR])\n');
  assert.deepEqual(scanSecretNames(file).sort(), ['OPENAI_API_KEY', 'SERVICE_TOKEN']);
  assert.deepEqual(scanSecretNames(join(dir, 'missing.py')), []);
});
