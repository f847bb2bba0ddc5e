// Files the app downloads on the real SDK: FileUpload.download(), prompt_file(path=) and
// Attachment.download() are a plain GET of the file's URL with no credentials. The URLs the
// emulator hands the app are capability URLs (a per-file token); GET /files/<id>/<name> serves
// them without a browser session, refuses a wrong token, and the token stays out of the event log
// and serve's output.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { urlForApp } from '../../emulator/platform/uploads';
import { emulatorForSuite, startEmulator, type RunningEmulator } from '../support/emulator';
import { chat, events, waitForPrompt } from '../emulator/helpers';

const APP = join(__dirname, 'fixtures', 'files');

describe('files the app downloads (real SDK)', () => {
  let emu: RunningEmulator;
  emulatorForSuite({ app: APP }, (e) => (emu = e));

  test('FileUpload.download() of a prompt_file answer gets the file', async () => {
    const pending = chat(emu, 'download', { user: 'alice' });
    const p = await waitForPrompt(emu, 'file');
    const path = join(emu.workspace, 'report.csv');
    writeFileSync(path, 'a,b\n1,2\n3,4\n');
    const r = await emu.cli(['prompts', 'answer', p.id, '--file', path]);
    assert.equal(r.status, 0, r.stderr);
    const done = await pending;
    assert.equal(done.body.error, undefined, JSON.stringify(done.body));
    assert.equal(done.body.reply, 'downloaded report.csv: 12 bytes');
  });

  test('prompt_file(path=) downloads the file itself', async () => {
    const pending = chat(emu, 'save', { user: 'bob' });
    const p = await waitForPrompt(emu, 'file');
    const ok = await emu.api(`/api/prompts/${p.id}/file`, { method: 'POST', headers: { 'content-type': 'application/octet-stream', 'x-filename': 'blob.bin' }, body: Buffer.alloc(70_000, 7) });
    assert.equal(ok.status, 200, await ok.clone().text());
    const done = await pending;
    assert.equal(done.body.error, undefined, JSON.stringify(done.body));
    assert.equal(done.body.reply, 'saved blob.bin: 70000 bytes');
  });

  test("Attachment.download() of UploadFile's answer gets what the app uploaded", async () => {
    const done = await chat(emu, 'upload', { user: 'carol' });
    assert.equal(done.body.error, undefined, JSON.stringify(done.body));
    assert.equal(done.body.reply, 'uploaded and downloaded: 1234 bytes');
  });

  test('a signed URL needs no session; a wrong or missing token is refused; the token is not in the event log', async () => {
    const done = await chat(emu, 'image', { user: 'dave' });
    assert.equal(done.body.reply, 'shown');
    const url = new URL(String(done.body.blocks.find((b) => b.type === 'image')!.payload.url));
    assert.match(url.pathname, /^\/files\/[A-Za-z0-9_-]{16}\/dot\.png$/);
    const token = url.searchParams.get('token')!;
    assert.match(token, /^[A-Za-z0-9_-]{32}$/);

    // No bearer, no cookie: what the SDK's own GET sends.
    const plain = await fetch(url);
    assert.equal(plain.status, 200);
    assert.equal((await plain.arrayBuffer()).byteLength, 64);

    const tampered = new URL(url);
    tampered.searchParams.set('token', (token[0] === 'A' ? 'B' : 'A') + token.slice(1));
    const refused = await fetch(tampered);
    assert.equal(refused.status, 403);
    assert.match(((await refused.json()) as { error: string }).error, /wrong token for file/);
    const short = new URL(url);
    short.searchParams.set('token', 'x');
    assert.equal((await fetch(short)).status, 403);
    const other = new URL(url);
    other.pathname = url.pathname.replace('dot.png', 'other.png');
    assert.equal((await fetch(other)).status, 404);

    const bare = new URL(url);
    bare.search = '';
    assert.equal((await fetch(bare)).status, 401, 'without the token it takes a session, as before');
    const signedIn = await emu.api(bare.pathname);
    assert.equal(signedIn.status, 200, 'the signed-in browser or API client, as before');

    const log = JSON.stringify(await events(emu));
    assert.ok(log.includes('dot.png'), 'the upload is in the event log');
    assert.ok(!log.includes(token), 'its token is not');
    assert.ok(!emu.output().includes(token), "nor in serve's output");
  });
});

test("the app's URL still works after the emulator restarts (the token is kept with the file)", async () => {
  let emu = await startEmulator({ app: APP });
  try {
    const done = await chat(emu, 'image', { user: 'erin' });
    const url = new URL(String(done.body.blocks.find((b) => b.type === 'image')!.payload.url));
    await emu.stop();
    emu = await startEmulator({ app: APP, workspace: emu.workspace });
    // --port 0: the new emulator has another port; on a fixed port (8790) the URL is the same.
    const again = await fetch(`${emu.url}${url.pathname}${url.search}`);
    assert.equal(again.status, 200);
    assert.equal((await again.arrayBuffer()).byteLength, 64);
  } finally {
    await emu.stop();
    emu.cleanup();
  }
});

test("a message's attachment that is a file of this emulator goes to the app with its token", () => {
  const dir = mkdtempSync(join(tmpdir(), 'files-'));
  try {
    const hub = { url: 'http://127.0.0.1:8790', store: { paths: { dir } } };
    mkdirSync(join(dir, 'uploads', 'AAAAAAAAAAAAAAAA'), { recursive: true });
    writeFileSync(join(dir, 'uploads', 'AAAAAAAAAAAAAAAA.token'), 'tok_0123456789');
    assert.equal(urlForApp(hub, 'http://127.0.0.1:8790/files/AAAAAAAAAAAAAAAA/a%20b.txt'), 'http://127.0.0.1:8790/files/AAAAAAAAAAAAAAAA/a%20b.txt?token=tok_0123456789');
    // Already signed, another file, another origin, not a URL: unchanged.
    for (const url of ['http://127.0.0.1:8790/files/AAAAAAAAAAAAAAAA/a.txt?token=x', 'http://127.0.0.1:8790/files/BBBBBBBBBBBBBBBB/a.txt', 'https://example.com/files/AAAAAAAAAAAAAAAA/a.txt', 'not a url']) {
      assert.equal(urlForApp(hub, url), url);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
