// ui.FileBrowser's file API: a managed filesystem's folder in the store (`.capsule/filesystems/<name>`,
// the folder the app's own file calls see at its mount path: runner/filesystems.ts), listed,
// read, and changed from the page view. Behind the session like every page API:
//   GET  /api/pages/<app>/files?mount=&path=            the folder's entries
//   GET  /api/pages/<app>/files/content?mount=&path=    a file (?inline=1: shown in the page when it is an image or text)
//   GET  /api/pages/<app>/files/mounted?path=           a file by its mount path (`/data/report.pdf`), for a
//        React page's fileUrl(path): in any of the app's managed filesystems, no FileBrowser needed
//        (shown in the page when it is an image or text)
//   POST /api/pages/<app>/files/upload?mount=&path=&name=   the request body is the file (its bytes)
//   POST /api/pages/<app>/files/mkdir  {mount, path}     a new folder
//   POST /api/pages/<app>/files/rename {mount, path, to} a new name in the same folder
//   POST /api/pages/<app>/files/delete {mount, path}     a file, or a folder with what is in it
// `path` is inside the mount ("/" is the mount itself). What may be done is what the app's own
// FileBrowsers over that mount allow: the request must fall inside the `path=` of one of them, and
// a change needs one of those to allow it (allow_upload, allow_mkdir, allow_rename, allow_delete);
// the buttons the page hides are refused here too. Nothing leaves the folder: ".." and NUL bytes
// are refused, every part of a path is checked with lstat and a symbolic link is never followed
// (listed as a link, not opened), files are opened with O_NOFOLLOW and created with O_EXCL.
import express, { type NextFunction, type Request, type Response } from 'express';
import { constants } from 'node:fs';
import { lstat, mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { posix, join } from 'node:path';
import type { Hub } from '../hub';
import { HttpError } from '../gateway/errors';
import { LIMITS } from '../limits';
import { filesystemFolder } from '../runner/filesystems';
import { PAGE_LIMITS, declaredChatPage, declaredOnboarding, declaredPages, declaredWorkflows, homeTree } from './widgets';

const record = (v: unknown): Record<string, unknown> | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);

/** The entries a listing answers at most (the rest are counted, not listed). */
export const MAX_LISTED = 1000;
const MAX_PATH_CHARS = 4096;

/** The route an upload takes: its body is the file, kept raw (the gateway's JSON parser leaves it). */
export const FILE_UPLOAD_PATH = /^\/api\/pages\/[^/]+\/files\/upload$/;

type Op = 'upload' | 'delete' | 'rename' | 'mkdir';

export interface DeclaredFileBrowser {
  mount: string;
  /** The browser's folder inside the mount, as parts ([] is the mount itself). */
  root: string[];
  scope: string;
  allow: Record<Op, boolean>;
}

/** A mount path as the SDK normalizes one (`mount.rstrip("/") or "/"`), with `.`, `..` and `//` resolved. */
export function normalMount(m: string): string {
  const n = posix.normalize(m);
  return n.length > 1 ? n.replace(/\/+$/, '') : n;
}

/** Every ui.FileBrowser the app declares, in any of its trees (pages, home, chat, onboarding, workflows). */
export function declaredFileBrowsers(declarations: Record<string, unknown> | undefined): DeclaredFileBrowser[] {
  const trees: unknown[] = [
    ...declaredPages(declarations).map((p) => p.widget_tree),
    homeTree(declarations),
    declaredChatPage(declarations)?.widget_tree,
    declaredOnboarding(declarations)?.widget_tree,
    ...declaredWorkflows(declarations).map((w) => w.widget_tree),
  ];
  const found: DeclaredFileBrowser[] = [];
  let seen = 0;
  const walk = (v: unknown, depth: number): void => {
    const node = record(v);
    if (!node || depth > PAGE_LIMITS.depth || ++seen > PAGE_LIMITS.widgets * 8) return;
    if (node.type === 'file_browser' && typeof node.mount === 'string' && node.mount.startsWith('/')) {
      const root = typeof node.path === 'string' && node.path.startsWith('/') ? node.path.split('/').filter((p) => p && p !== '.') : [];
      if (!root.includes('..')) {
        found.push({
          mount: normalMount(node.mount),
          root,
          scope: typeof node.scope === 'string' ? node.scope : '',
          // The SDK's defaults are True: only an explicit false takes a control away.
          allow: { upload: node.allow_upload !== false, delete: node.allow_delete !== false, rename: node.allow_rename !== false, mkdir: node.allow_mkdir !== false },
        });
      }
    }
    for (const c of Array.isArray(node.children) ? node.children : []) walk(c, depth + 1);
  };
  for (const t of trees) walk(t, 0);
  return found;
}

/** The declared filesystems: mount path → name (`filesystems={"/data": cpsl.FileSystem("notes")}`). */
function declaredMounts(declarations: Record<string, unknown> | undefined): Array<{ mount: string; name: string }> {
  const fs = record(declarations?.filesystems) ?? {};
  return Object.entries(fs).flatMap(([m, spec]) => {
    const name = record(spec)?.name;
    return m.startsWith('/') && typeof name === 'string' && name ? [{ mount: normalMount(m), name }] : [];
  });
}

/** A path inside the mount as its parts: starts with "/", no NUL, no "..", parts of at most 255 bytes. */
export function pathParts(p: unknown, field = 'path'): string[] {
  if (typeof p !== 'string' || !p) throw new HttpError(400, `"${field}" is required: a path inside the mount, starting with "/"`);
  if (p.length > MAX_PATH_CHARS) throw new HttpError(400, `"${field}" is ${p.length} characters long: at most ${MAX_PATH_CHARS}`);
  if (p.includes('\0')) throw new HttpError(400, `"${field}" contains a NUL byte, which no file name can`);
  if (!p.startsWith('/')) throw new HttpError(400, `"${field}" must start with "/": it is a path inside the mount ("/" is the mount itself)`);
  const parts = p.split('/').filter((x) => x && x !== '.');
  if (parts.includes('..')) throw new HttpError(400, `"${field}" contains "..": a path may not climb out of the folder it is in`);
  for (const part of parts) if (Buffer.byteLength(part) > 255) throw new HttpError(400, `"${field}" has a part of more than 255 bytes, longer than a file name can be`);
  return parts;
}

/** A new name (of an uploaded file, a folder, a rename): one part, not "." or "..". */
function nameOf(v: unknown, field: string): string {
  if (typeof v !== 'string' || !v) throw new HttpError(400, `"${field}" is required: the new name`);
  if (v.includes('\0')) throw new HttpError(400, `"${field}" contains a NUL byte, which no file name can`);
  if (v.includes('/') || v === '.' || v === '..') throw new HttpError(400, `"${field}" must be a name, not a path: no "/", and not "." or ".."`);
  if (Buffer.byteLength(v) > 255) throw new HttpError(400, `"${field}" is longer than 255 bytes, longer than a file name can be`);
  return v;
}

const shown = (mount: string, parts: string[]): string => (mount === '/' ? '' : mount) + '/' + parts.join('/');
const isPrefix = (pre: string[], parts: string[]): boolean => pre.length <= parts.length && pre.every((p, i) => parts[i] === p);

interface Target {
  app: string;
  mount: string;
  parts: string[];
  /** The store folder of the mount (the browser's mount path, inside the filesystem it is on). */
  base: string;
  browsers: DeclaredFileBrowser[];
}

function targetOf(hub: Hub, req: Request, mountIn: unknown, pathIn: unknown): Target {
  const appName = String(req.params.app);
  const a = hub.apps().find((x) => x.name === appName);
  if (!a) throw new HttpError(404, `no app "${appName}" is served here`);
  if (typeof mountIn !== 'string' || !mountIn.startsWith('/') || mountIn.includes('\0') || mountIn.length > MAX_PATH_CHARS) throw new HttpError(400, '"mount" is required: the FileBrowser\'s mount path, e.g. "/data"');
  const mount = normalMount(mountIn);
  const parts = pathParts(pathIn);
  const onMount = declaredFileBrowsers(a.declarations).filter((b) => b.mount === mount);
  if (!onMount.length) throw new HttpError(404, `${a.name} declares no ui.FileBrowser over ${mount}`);
  const browsers = onMount.filter((b) => isPrefix(b.root, parts));
  if (!browsers.length) {
    const roots = onMount.map((b) => shown(mount, b.root));
    throw new HttpError(403, `${shown(mount, parts)} is outside ${roots.length > 1 ? `the folders ${a.name}'s ui.FileBrowsers show` : `the folder ${a.name}'s ui.FileBrowser shows`} (${roots.join(', ')})`);
  }
  const mounts = declaredMounts(a.declarations).filter((m) => m.mount === mount || mount.startsWith(m.mount === '/' ? '/' : `${m.mount}/`)).sort((x, y) => y.mount.length - x.mount.length);
  const fs = mounts[0];
  if (!fs) {
    const list = declaredMounts(a.declarations).map((m) => `${m.mount} (${m.name})`).join(', ') || 'none';
    throw new HttpError(404, `${mount} is not one of ${a.name}'s managed filesystems (filesystems= of cpsl.App declares: ${list})`);
  }
  const dir = hub.filesystemsDir?.();
  if (!dir) throw new HttpError(503, 'this emulator keeps no managed filesystems (no store)');
  const rest = mount.slice(fs.mount.length).split('/').filter(Boolean);
  return { app: a.name, mount, parts, base: join(filesystemFolder(dir, fs.name), ...rest), browsers };
}

/**
 * A file by its mount path (`/data/report.pdf`: a mount path of `filesystems=` and the path inside
 * it), for a React page's `fileUrl(path)`: in whichever managed filesystem holds it (the longest
 * mount path that is a prefix), with no ui.FileBrowser needed (the page is the app's own code, as
 * its Python file calls are). The path is checked as every other here: starts with "/", no "..",
 * no NUL, and no part of it a link.
 */
function mountedTarget(hub: Hub, req: Request, pathIn: unknown): Target {
  const appName = String(req.params.app);
  const a = hub.apps().find((x) => x.name === appName);
  if (!a) throw new HttpError(404, `no app "${appName}" is served here`);
  const all = pathParts(pathIn);
  const mounts = declaredMounts(a.declarations)
    .map((m) => ({ ...m, parts: m.mount.split('/').filter(Boolean) }))
    .filter((m) => isPrefix(m.parts, all))
    .sort((x, y) => y.parts.length - x.parts.length);
  const fs = mounts[0];
  if (!fs) {
    const list = declaredMounts(a.declarations).map((m) => `${m.mount} (${m.name})`).join(', ') || 'none';
    throw new HttpError(404, `${shown('/', all)} is in none of ${a.name}'s managed filesystems (filesystems= of cpsl.App declares: ${list})`);
  }
  const dir = hub.filesystemsDir?.();
  if (!dir) throw new HttpError(503, 'this emulator keeps no managed filesystems (no store)');
  return { app: a.name, mount: fs.mount, parts: all.slice(fs.parts.length), base: filesystemFolder(dir, fs.name), browsers: [] };
}

function allowed(t: Target, op: Op): void {
  if (t.browsers.some((b) => b.allow[op])) return;
  throw new HttpError(403, `${t.app}'s ui.FileBrowser over ${t.mount} does not allow ${op === 'mkdir' ? 'new folders' : `${op === 'delete' ? 'deleting' : op === 'rename' ? 'renaming' : 'uploading'}`} (allow_${op}=False)`);
}

/** Whether `parts` is the folder of one of the browsers (its `path=`). */
const isRoot = (t: Target, parts: string[]): boolean => t.browsers.some((b) => b.root.length === parts.length);

/** Makes the browser's own folder when it is the one asked for and missing (checked part by part first). */
async function ensureRoot(t: Target, parts: string[]): Promise<void> {
  await mkdir(t.base, { recursive: true });
  if (!isRoot(t, parts)) return;
  // Every part that exists is checked (no link, no file) before the missing ones are made.
  const at = await resolve(t, parts);
  if (!at.exists) await mkdir(at.path, { recursive: true });
}

const code = (e: unknown): string | undefined => (e as NodeJS.ErrnoException)?.code;

/**
 * The real path of `parts` under the folder, each part that exists checked with lstat: a symbolic
 * link is refused (except as the last part when `lastMayBeLink`: renaming or deleting a link does
 * not follow it), and so is a file where a folder is needed. Parts that do not exist are joined.
 */
async function resolve(t: Target, parts: string[], lastMayBeLink = false): Promise<{ path: string; exists: boolean; kind?: 'file' | 'dir' | 'link' | 'other' }> {
  let cur = t.base;
  for (let i = -1; i < parts.length; i++) {
    if (i >= 0) cur = join(cur, parts[i]!);
    let st;
    try {
      st = await lstat(cur);
    } catch (e) {
      if (code(e) === 'ENOENT') return { path: join(cur, ...parts.slice(i + 1)), exists: false };
      throw e;
    }
    const last = i === parts.length - 1;
    if (st.isSymbolicLink()) {
      if (last && lastMayBeLink) return { path: cur, exists: true, kind: 'link' };
      throw new HttpError(403, `${shown(t.mount, parts.slice(0, i + 1))} is a symbolic link: the file browser does not follow links (one could lead out of the mount)`);
    }
    if (!last && !st.isDirectory()) throw new HttpError(400, `${shown(t.mount, parts.slice(0, i + 1))} is a file, not a folder`);
    if (last) return { path: cur, exists: true, kind: st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'other' };
  }
  return { path: cur, exists: false };
}

const TYPES: Record<string, string> = {
  png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp', svg: 'image/svg+xml', avif: 'image/avif',
  txt: 'text/plain; charset=utf-8', md: 'text/plain; charset=utf-8', csv: 'text/plain; charset=utf-8', log: 'text/plain; charset=utf-8', json: 'text/plain; charset=utf-8',
  py: 'text/plain; charset=utf-8', yaml: 'text/plain; charset=utf-8', yml: 'text/plain; charset=utf-8', toml: 'text/plain; charset=utf-8', tsv: 'text/plain; charset=utf-8',
  pdf: 'application/pdf',
};
/** How the page shows a file: an image, text, or only a download. */
export function previewKind(name: string): 'image' | 'text' | 'none' {
  const t = TYPES[(/\.([A-Za-z0-9]+)$/.exec(name)?.[1] ?? '').toLowerCase()] ?? '';
  return t.startsWith('image/') ? 'image' : t.startsWith('text/') ? 'text' : 'none';
}

function wrap(fn: (req: Request, res: Response) => Promise<void>) {
  return (req: Request, res: Response, next: NextFunction): void => {
    fn(req, res).catch((e: unknown) => {
      if (e instanceof HttpError) return void res.status(e.status).json({ error: e.message });
      const c = code(e);
      if (c === 'ENOTEMPTY' || c === 'EEXIST') return void res.status(409).json({ error: `that name is taken (${c})` });
      if (c === 'ELOOP') return void res.status(403).json({ error: 'that is a symbolic link: the file browser does not follow links' });
      if (c === 'EACCES' || c === 'EPERM') return void res.status(403).json({ error: `the file system refused (${c})` });
      next(e);
    });
  };
}

/** The upload's body, raw, within the limit: a 413 that names the limit, before and while reading. */
function uploadBody(req: Request, res: Response, next: NextFunction): void {
  const limit = LIMITS.fileBrowserUploadBytes;
  const mib = `${limit / (1024 * 1024)} MiB`;
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return void res.status(413).json({ error: `the file is ${declared} bytes: an upload through the file browser is at most ${mib}` });
  express.raw({ type: () => true, limit })(req, res, (e?: unknown) => {
    if (e && (e as { type?: string }).type === 'entity.too.large') return void res.status(413).json({ error: `the file is larger than ${mib}, the most an upload through the file browser can be` });
    next(e);
  });
}

export function registerFileBrowser(hub: Hub): void {
  const r = hub.protectedRouter;
  const say = (t: Target, what: string): void => hub.events.emit({ kind: 'files', app: t.app, summary: `${t.app}: ${what} (the page view's file browser)`, detail: { mount: t.mount } });

  r.get('/api/pages/:app/files', wrap(async (req, res) => {
    const t = targetOf(hub, req, req.query.mount, req.query.path ?? '/');
    const at = await resolve(t, t.parts);
    let entries: Array<{ name: string; kind: string; size: number | null; modified: string | null; preview: string }> = [];
    let total = 0;
    if (at.exists) {
      if (at.kind !== 'dir') throw new HttpError(400, `${shown(t.mount, t.parts)} is a file, not a folder`);
      const names = (await readdir(at.path)).sort();
      total = names.length;
      for (const name of names.slice(0, MAX_LISTED)) {
        try {
          const st = await lstat(join(at.path, name));
          const kind = st.isSymbolicLink() ? 'link' : st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'other';
          entries.push({ name, kind, size: kind === 'file' ? st.size : null, modified: st.mtime.toISOString(), preview: kind === 'file' ? previewKind(name) : 'none' });
        } catch {
          // Gone between the listing and its lstat.
        }
      }
      entries = entries.sort((a, b) => Number(b.kind === 'dir') - Number(a.kind === 'dir') || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    } else if (!isRoot(t, t.parts)) throw new HttpError(404, `no folder ${shown(t.mount, t.parts)}`);
    // A browser's own folder the app has not made yet is empty; an upload or a new folder makes it.
    const roots = t.browsers.map((b) => b.root);
    const allow = Object.fromEntries((['upload', 'delete', 'rename', 'mkdir'] as const).map((op) => [op, t.browsers.some((b) => b.allow[op])]));
    res.json({ mount: t.mount, path: '/' + t.parts.join('/'), entries, total, truncated: total > entries.length, allow, at_root: roots.some((root) => root.length === t.parts.length) });
  }));

  /** The file at `t.parts`, opened without following a link; `inline` when it is an image or text. */
  const sendFile = async (t: Target, res: Response, wantInline: boolean): Promise<void> => {
    const at = await resolve(t, t.parts);
    if (!at.exists) throw new HttpError(404, `no file ${shown(t.mount, t.parts)}`);
    if (at.kind !== 'file') throw new HttpError(400, `${shown(t.mount, t.parts)} is ${at.kind === 'dir' ? 'a folder' : 'not a regular file'}`);
    const name = t.parts[t.parts.length - 1]!;
    const handle = await open(at.path, constants.O_RDONLY | constants.O_NOFOLLOW);
    const inline = wantInline && previewKind(name) !== 'none';
    const type = inline ? TYPES[(/\.([A-Za-z0-9]+)$/.exec(name)?.[1] ?? '').toLowerCase()]! : 'application/octet-stream';
    const size = (await handle.stat()).size;
    res.setHeader('content-type', type);
    res.setHeader('content-length', String(size));
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('content-security-policy', 'sandbox; default-src \'none\'; img-src \'self\' data:; style-src \'unsafe-inline\'');
    res.setHeader('content-disposition', `${inline ? 'inline' : 'attachment'}; filename*=UTF-8''${encodeURIComponent(name)}`);
    res.setHeader('cache-control', 'no-store');
    const stream = handle.createReadStream();
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  };

  r.get('/api/pages/:app/files/content', wrap(async (req, res) => {
    await sendFile(targetOf(hub, req, req.query.mount, req.query.path), res, req.query.inline === '1');
  }));

  // A React page's fileUrl(path) / useFileUrl / FileLink (@capsule/page): a file by its mount path.
  r.get('/api/pages/:app/files/mounted', wrap(async (req, res) => {
    await sendFile(mountedTarget(hub, req, req.query.path), res, true);
  }));

  r.post('/api/pages/:app/files/upload', uploadBody, wrap(async (req, res) => {
    const t = targetOf(hub, req, req.query.mount, req.query.path);
    allowed(t, 'upload');
    const name = nameOf(req.query.name, 'name');
    if (!Buffer.isBuffer(req.body)) throw new HttpError(400, 'send the file\'s bytes as the request body');
    await ensureRoot(t, t.parts);
    const dir = await resolve(t, t.parts);
    if (!dir.exists || dir.kind !== 'dir') throw new HttpError(404, `no folder ${shown(t.mount, t.parts)}`);
    const file = await resolve(t, [...t.parts, name], true);
    if (file.exists) throw new HttpError(409, `${shown(t.mount, [...t.parts, name])} is already there: delete or rename it first`);
    const handle = await open(file.path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
    try {
      await handle.writeFile(req.body);
    } finally {
      await handle.close();
    }
    say(t, `uploaded ${shown(t.mount, [...t.parts, name])} (${req.body.length} bytes)`);
    res.status(201).json({ ok: true, path: '/' + [...t.parts, name].join('/'), size: req.body.length });
  }));

  const body = (req: Request): Record<string, unknown> => record(req.body) ?? {};

  r.post('/api/pages/:app/files/mkdir', wrap(async (req, res) => {
    const t = targetOf(hub, req, body(req).mount, body(req).path);
    allowed(t, 'mkdir');
    if (!t.parts.length) throw new HttpError(400, 'name the new folder: "path" is the mount itself');
    await ensureRoot(t, t.parts.slice(0, -1));
    const parent = await resolve(t, t.parts.slice(0, -1));
    if (!parent.exists || parent.kind !== 'dir') throw new HttpError(404, `no folder ${shown(t.mount, t.parts.slice(0, -1))}`);
    const at = await resolve(t, t.parts, true);
    if (at.exists) throw new HttpError(409, `${shown(t.mount, t.parts)} is already there`);
    await mkdir(at.path);
    say(t, `made the folder ${shown(t.mount, t.parts)}`);
    res.status(201).json({ ok: true, path: '/' + t.parts.join('/') });
  }));

  r.post('/api/pages/:app/files/rename', wrap(async (req, res) => {
    const t = targetOf(hub, req, body(req).mount, body(req).path);
    allowed(t, 'rename');
    const to = nameOf(body(req).to, 'to');
    if (t.browsers.every((b) => b.root.length >= t.parts.length)) throw new HttpError(400, 'the file browser\'s own folder cannot be renamed');
    const at = await resolve(t, t.parts, true);
    if (!at.exists) throw new HttpError(404, `no file or folder ${shown(t.mount, t.parts)}`);
    const next = [...t.parts.slice(0, -1), to];
    const dest = await resolve(t, next, true);
    if (dest.exists) throw new HttpError(409, `${shown(t.mount, next)} is already there`);
    await rename(at.path, dest.path);
    say(t, `renamed ${shown(t.mount, t.parts)} to ${to}`);
    res.json({ ok: true, path: '/' + next.join('/') });
  }));

  r.post('/api/pages/:app/files/delete', wrap(async (req, res) => {
    const t = targetOf(hub, req, body(req).mount, body(req).path);
    allowed(t, 'delete');
    if (t.browsers.every((b) => b.root.length >= t.parts.length)) throw new HttpError(400, 'the file browser\'s own folder cannot be deleted');
    const at = await resolve(t, t.parts, true);
    if (!at.exists) throw new HttpError(404, `no file or folder ${shown(t.mount, t.parts)}`);
    // A folder goes with what is in it; rm never follows a link inside it (it removes the link).
    await rm(at.path, { recursive: at.kind === 'dir', force: false });
    say(t, `deleted ${shown(t.mount, t.parts)}`);
    res.json({ ok: true });
  }));
}
