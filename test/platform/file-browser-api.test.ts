// ui.FileBrowser's file API (emulator/pages/files.ts) over plain HTTP, on the real SDK: it lists,
// reads and changes the managed filesystem's folder in the store, which the app sees at its mount
// path; and every bad request is a clear 4xx that changes nothing: no session (401), a path that
// climbs out or is not one ("..", NUL, relative), a symbolic link (never followed, even to list
// it), a change the browser's allow_* flags do not allow (403), a path outside the browser's
// folder, a mount no browser shows, a file that is too large (413), a name that is taken (409).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type RunningEmulator } from '../support/emulator';
import { chat } from '../emulator/helpers';
import { waitFor } from '../support/wait';

const DOCS = '/capsule-local-test-docs';
const REPORTS = '/capsule-local-test-reports';
const FILES = '/api/pages/file-browser/files';

async function call(emu: RunningEmulator, path: string, init: RequestInit = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await emu.api(path, init);
  const text = await r.text();
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = { raw: text };
  }
  return { status: r.status, body };
}
const q = (o: Record<string, string>) => new URLSearchParams(o).toString();
const list = (emu: RunningEmulator, mount: string, path: string) => call(emu, `${FILES}?${q({ mount, path })}`);
const post = (emu: RunningEmulator, what: string, body: Record<string, unknown>) => call(emu, `${FILES}/${what}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
const upload = (emu: RunningEmulator, mount: string, path: string, name: string, data: Buffer | string, type = 'application/octet-stream') =>
  call(emu, `${FILES}/upload?${q({ mount, path, name })}`, { method: 'POST', body: typeof data === 'string' ? data : new Uint8Array(data), headers: { 'content-type': type } });

test('the file API: list, read, upload, mkdir, rename, delete, seen by the app at its mount path', async () => {
  const emu = await startEmulator({ app: join(__dirname, 'fixtures', 'file-browser') });
  try {
    await waitFor('the boot hook to seed the files', async () => ((await list(emu, DOCS, '/')).body.entries as unknown[] | undefined)?.length === 3 || undefined);
    const root = await list(emu, DOCS, '/');
    assert.equal(root.status, 200);
    assert.deepEqual((root.body.entries as Array<{ name: string; kind: string }>).map((e) => [e.name, e.kind]), [['drafts', 'dir'], ['pixel.png', 'file'], ['readme.txt', 'file']], 'folders first');
    assert.deepEqual(root.body.allow, { upload: true, delete: true, rename: true, mkdir: true });

    const read = await emu.api(`${FILES}/content?${q({ mount: DOCS, path: '/readme.txt' })}`);
    assert.equal(read.status, 200);
    assert.match(read.headers.get('content-disposition')!, /^attachment; filename\*=UTF-8''readme.txt$/);
    assert.equal(read.headers.get('content-type'), 'application/octet-stream');
    assert.equal(await read.text(), 'hello <b>from</b> the mount\n');
    const inline = await emu.api(`${FILES}/content?${q({ mount: DOCS, path: '/readme.txt', inline: '1' })}`);
    assert.equal(inline.headers.get('content-type'), 'text/plain; charset=utf-8');
    assert.match(inline.headers.get('content-security-policy')!, /^sandbox/);
    assert.equal(inline.headers.get('x-content-type-options'), 'nosniff');

    // An upload is the request body as it is: a .json file sent as JSON stays bytes.
    const json = '{"a": [1, 2]}\n';
    assert.equal((await upload(emu, DOCS, '/drafts', 'data.json', json, 'application/json')).status, 201);
    assert.equal((await chat(emu, 'cat /drafts/data.json')).body.reply, json, 'the app reads it at its mount path');
    // A file named like an object's prototype is a file like any other.
    assert.equal((await upload(emu, DOCS, '/', '__proto__', 'p')).status, 201);
    assert.deepEqual(JSON.parse((await chat(emu, 'ls /')).body.reply), ['__proto__', 'drafts', 'pixel.png', 'readme.txt']);
    assert.equal(({} as Record<string, unknown>).kind, undefined);

    assert.equal((await post(emu, 'mkdir', { mount: DOCS, path: '/drafts/old' })).status, 201);
    assert.equal((await post(emu, 'rename', { mount: DOCS, path: '/drafts/plan.md', to: 'plan v2.md' })).status, 200);
    assert.deepEqual(JSON.parse((await chat(emu, 'ls /drafts')).body.reply), ['data.json', 'old', 'plan v2.md']);
    assert.equal((await post(emu, 'delete', { mount: DOCS, path: '/drafts' })).status, 200, 'a folder goes with what is in it');
    assert.equal((await post(emu, 'delete', { mount: DOCS, path: '/__proto__' })).status, 200);
    assert.deepEqual(JSON.parse((await chat(emu, 'ls /')).body.reply), ['pixel.png', 'readme.txt']);

    // The read-only browser lists and reads its own folder.
    const reports = await list(emu, REPORTS, '/2024');
    assert.deepEqual((reports.body.entries as Array<{ name: string }>).map((e) => e.name), ['q1.csv']);
    assert.deepEqual(reports.body.allow, { upload: false, delete: false, rename: false, mkdir: false });
    assert.equal(reports.body.at_root, true);
    // A browser's folder the app has not made yet is empty; an upload makes it; its flags are its own.
    const next = await list(emu, REPORTS, '/2025');
    assert.equal(next.status, 200);
    assert.deepEqual(next.body.entries, []);
    assert.deepEqual(next.body.allow, { upload: true, delete: false, rename: true, mkdir: true });
    assert.equal((await upload(emu, REPORTS, '/2025', 'plan.csv', 'a,b\n')).status, 201);
    assert.equal(readFileSync(join(emu.workspace, '.capsule', 'filesystems', 'reports', '2025', 'plan.csv'), 'utf8'), 'a,b\n');
    assert.equal((await post(emu, 'delete', { mount: REPORTS, path: '/2025/plan.csv' })).status, 403);
    assert.equal((await upload(emu, REPORTS, '/2024', 'x.csv', 'x')).status, 403, "the 2025 browser's upload does not reach 2024");
    const events = await call(emu, '/api/events/log');
    assert.ok((events.body as unknown as Array<{ summary: string }>).some((e) => e.summary === `file-browser: uploaded ${DOCS}/drafts/data.json (14 bytes) (the page view's file browser)`));
  } finally {
    await emu.stop();
    emu.cleanup();
  }
});

test('the file API refuses, with a clear 4xx, what would leave the folder or what the browser does not allow', async () => {
  const emu = await startEmulator({ app: join(__dirname, 'fixtures', 'file-browser') });
  const outside = mkdtempSync(join(tmpdir(), 'capsule-outside-'));
  try {
    writeFileSync(join(outside, 'secret.txt'), 'outside');
    await waitFor('the boot hook to seed the files', async () => ((await list(emu, DOCS, '/')).body.entries as unknown[] | undefined)?.length === 3 || undefined);
    const folder = join(emu.workspace, '.capsule', 'filesystems', 'docs');
    // Links the app (or anyone) left in the folder, to outside it.
    symlinkSync(outside, join(folder, 'out'));
    symlinkSync(join(outside, 'secret.txt'), join(folder, 'secret-link.txt'));
    const linked = await list(emu, DOCS, '/');
    assert.deepEqual((linked.body.entries as Array<{ name: string; kind: string; size: unknown }>).filter((e) => e.kind === 'link').map((e) => [e.name, e.size]), [['out', null], ['secret-link.txt', null]], 'a link is listed as a link, not followed');

    const cases: Array<[string, () => Promise<{ status: number; body: Record<string, unknown> }>, number, RegExp]> = [
      ['climbing with ..', () => list(emu, DOCS, '/../reports'), 400, /contains "\.\.": a path may not climb out/],
      ['climbing inside a path', () => call(emu, `${FILES}/content?${q({ mount: DOCS, path: '/drafts/../../../etc/passwd' })}`), 400, /contains "\.\."/],
      ['a relative path', () => list(emu, DOCS, 'drafts'), 400, /must start with "\/"/],
      ['a NUL byte', () => call(emu, `${FILES}/content?mount=${encodeURIComponent(DOCS)}&path=%2Freadme.txt%00.png`), 400, /NUL byte/],
      ['a system path is a path inside the mount', () => call(emu, `${FILES}/content?${q({ mount: DOCS, path: '/etc/passwd' })}`), 404, /no file \/capsule-local-test-docs\/etc\/passwd/],
      ['listing through a link', () => list(emu, DOCS, '/out'), 403, /\/out is a symbolic link: the file browser does not follow links/],
      ['reading through a link', () => call(emu, `${FILES}/content?${q({ mount: DOCS, path: '/secret-link.txt' })}`), 403, /symbolic link/],
      ['reading inside a linked folder', () => call(emu, `${FILES}/content?${q({ mount: DOCS, path: '/out/secret.txt' })}`), 403, /\/out is a symbolic link/],
      ['uploading into a linked folder', () => upload(emu, DOCS, '/out', 'x.txt', 'x'), 403, /symbolic link/],
      ['uploading over a link', () => upload(emu, DOCS, '/', 'secret-link.txt', 'x'), 409, /is already there/],
      ['renaming onto a path', () => post(emu, 'rename', { mount: DOCS, path: '/readme.txt', to: '../../x' }), 400, /must be a name, not a path/],
      ['an upload named ..', () => upload(emu, DOCS, '/', '..', 'x'), 400, /must be a name, not a path/],
      ['an upload over a file', () => upload(emu, DOCS, '/', 'readme.txt', 'x'), 409, /readme.txt is already there: delete or rename it first/],
      ['deleting the browser\'s folder', () => post(emu, 'delete', { mount: DOCS, path: '/' }), 400, /own folder cannot be deleted/],
      ['a mount no browser shows', () => list(emu, '/etc', '/'), 404, /declares no ui.FileBrowser over \/etc/],
      ['a browser over a path the app does not mount', () => list(emu, '/capsule-local-test-nowhere', '/'), 404, /not one of file-browser's managed filesystems \(filesystems= of cpsl.App declares: \/capsule-local-test-docs \(docs\), \/capsule-local-test-reports \(reports\)\)/],
      ['outside the browser\'s folder', () => call(emu, `${FILES}/content?${q({ mount: REPORTS, path: '/secret.txt' })}`), 403, /outside the folders file-browser's ui.FileBrowsers show \(\/capsule-local-test-reports\/2024, \/capsule-local-test-reports\/2025\)/],
      ['upload where allow_upload=False', () => upload(emu, REPORTS, '/2024', 'x.csv', 'x'), 403, /does not allow uploading \(allow_upload=False\)/],
      ['mkdir where allow_mkdir=False', () => post(emu, 'mkdir', { mount: REPORTS, path: '/2024/new' }), 403, /does not allow new folders \(allow_mkdir=False\)/],
      ['rename where allow_rename=False', () => post(emu, 'rename', { mount: REPORTS, path: '/2024/q1.csv', to: 'q2.csv' }), 403, /does not allow renaming \(allow_rename=False\)/],
      ['delete where allow_delete=False', () => post(emu, 'delete', { mount: REPORTS, path: '/2024/q1.csv' }), 403, /does not allow deleting \(allow_delete=False\)/],
      ['a file over the upload limit', () => upload(emu, DOCS, '/', 'big.bin', Buffer.alloc(16 * 1024 * 1024 + 1)), 413, /^the file is 16777217 bytes: an upload through the file browser is at most 16 MiB$/],
      ['another app', () => call(emu, `/api/pages/nope/files?${q({ mount: DOCS, path: '/' })}`), 404, /no app "nope"/],
    ];
    for (const [what, run, status, message] of cases) {
      const r = await run();
      assert.equal(r.status, status, `${what}: ${JSON.stringify(r.body)}`);
      assert.match(String(r.body.error), message, what);
    }
    // Without the session, nothing is answered.
    for (const [method, path] of [['GET', `${FILES}?${q({ mount: DOCS, path: '/' })}`], ['GET', `${FILES}/content?${q({ mount: DOCS, path: '/readme.txt' })}`], ['POST', `${FILES}/upload?${q({ mount: DOCS, path: '/', name: 'x.txt' })}`], ['POST', `${FILES}/delete`]] as const) {
      const r = await fetch(`${emu.url}${path}`, { method, ...(method === 'POST' ? { body: '{}', headers: { 'content-type': 'application/json' } } : {}) });
      assert.equal(r.status, 401, `${method} ${path}`);
    }

    // Nothing was changed: outside the folder, in it, in the read-only mount.
    assert.equal(readFileSync(join(outside, 'secret.txt'), 'utf8'), 'outside');
    assert.equal(existsSync(join(outside, 'x.txt')), false);
    assert.deepEqual(JSON.parse((await chat(emu, 'ls /')).body.reply), ['drafts', 'out', 'pixel.png', 'readme.txt', 'secret-link.txt']);
    assert.equal((await chat(emu, 'cat /readme.txt')).body.reply, 'hello <b>from</b> the mount\n');
    assert.deepEqual((((await list(emu, REPORTS, '/2024')).body.entries) as Array<{ name: string }>).map((e) => e.name), ['q1.csv']);
    // Deleting a link removes the link, not what it points to.
    assert.equal((await post(emu, 'delete', { mount: DOCS, path: '/out' })).status, 200);
    assert.equal(readFileSync(join(outside, 'secret.txt'), 'utf8'), 'outside');
  } finally {
    rmSync(outside, { recursive: true, force: true });
    await emu.stop();
    emu.cleanup();
  }
});

test("a file by its mount path (a React page's fileUrl): any file of a managed filesystem, through the same checks", async () => {
  const emu = await startEmulator({ app: join(__dirname, 'fixtures', 'file-browser') });
  const outside = mkdtempSync(join(tmpdir(), 'capsule-outside-'));
  const mounted = (path: string) => call(emu, `${FILES}/mounted?${q({ path })}`);
  try {
    writeFileSync(join(outside, 'secret.txt'), 'outside');
    await waitFor('the boot hook to seed the files', async () => ((await list(emu, DOCS, '/')).body.entries as unknown[] | undefined)?.length === 3 || undefined);
    const folder = join(emu.workspace, '.capsule', 'filesystems', 'docs');
    symlinkSync(outside, join(folder, 'out'));
    symlinkSync(join(outside, 'secret.txt'), join(folder, 'secret-link.txt'));

    // Text and images are shown in the page (sandboxed); a file outside any browser's folder is
    // still the app's: the page is the app's own code.
    const text = await emu.api(`${FILES}/mounted?${q({ path: `${DOCS}/readme.txt` })}`);
    assert.equal(text.status, 200);
    assert.equal(text.headers.get('content-type'), 'text/plain; charset=utf-8');
    assert.match(text.headers.get('content-security-policy')!, /^sandbox/);
    assert.equal(text.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(await text.text(), 'hello <b>from</b> the mount\n');
    const image = await emu.api(`${FILES}/mounted?${q({ path: `${DOCS}/./pixel.png` })}`);
    assert.equal(image.headers.get('content-type'), 'image/png');
    assert.equal((await image.arrayBuffer()).byteLength, 66, 'the PNG the app wrote');
    const report = await emu.api(`${FILES}/mounted?${q({ path: `${REPORTS}/secret.txt` })}`);
    assert.equal(await report.text(), "not in the browser's folder");
    const plan = await emu.api(`${FILES}/mounted?${q({ path: `${DOCS}//drafts/plan.md` })}`);
    assert.equal(await plan.text(), '# plan');
    writeFileSync(join(folder, 'drafts', 'data.bin'), 'bytes');
    const bin = await emu.api(`${FILES}/mounted?${q({ path: `${DOCS}/drafts/data.bin` })}`);
    assert.match(bin.headers.get('content-disposition')!, /^attachment; filename\*=UTF-8''data.bin$/, 'a file that is no image or text is a download');
    assert.equal(bin.headers.get('content-type'), 'application/octet-stream');

    const cases: Array<[string, () => Promise<{ status: number; body: Record<string, unknown> }>, number, RegExp]> = [
      ['climbing with ..', () => mounted(`${DOCS}/../capsule-local-test-reports/secret.txt`), 400, /contains "\.\.": a path may not climb out/],
      ['a relative path', () => mounted('capsule-local-test-docs/readme.txt'), 400, /must start with "\/"/],
      ['no path', () => call(emu, `${FILES}/mounted`), 400, /"path" is required/],
      ['a NUL byte', () => call(emu, `${FILES}/mounted?path=${encodeURIComponent(DOCS)}%2Freadme.txt%00.png`), 400, /NUL byte/],
      ['a path in no managed filesystem', () => mounted('/etc/passwd'), 404, /\/etc\/passwd is in none of file-browser's managed filesystems \(filesystems= of cpsl.App declares: \/capsule-local-test-docs \(docs\), \/capsule-local-test-reports \(reports\)\)/],
      ['a mount path\'s prefix only', () => mounted('/capsule-local-test-docsx/readme.txt'), 404, /is in none of file-browser's managed filesystems/],
      ['a file that is not there', () => mounted(`${DOCS}/nope.txt`), 404, /no file \/capsule-local-test-docs\/nope.txt/],
      ['a folder', () => mounted(`${DOCS}/drafts`), 400, /is a folder/],
      ['the mount itself', () => mounted(DOCS), 400, /is a folder/],
      ['reading through a link', () => mounted(`${DOCS}/secret-link.txt`), 403, /symbolic link/],
      ['reading inside a linked folder', () => mounted(`${DOCS}/out/secret.txt`), 403, /\/out is a symbolic link/],
      ['a hostile name', () => mounted(`${DOCS}/__proto__`), 404, /no file/],
      ['another app', () => call(emu, `/api/pages/nope/files/mounted?${q({ path: `${DOCS}/readme.txt` })}`), 404, /no app "nope"/],
    ];
    for (const [what, run, status, message] of cases) {
      const r = await run();
      assert.equal(r.status, status, `${what}: ${JSON.stringify(r.body)}`);
      assert.match(String(r.body.error), message, what);
    }
    assert.equal((await fetch(`${emu.url}${FILES}/mounted?${q({ path: `${DOCS}/readme.txt` })}`)).status, 401, 'not without the session');
  } finally {
    rmSync(outside, { recursive: true, force: true });
    await emu.stop();
    emu.cleanup();
  }
});
