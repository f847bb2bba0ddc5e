// Files an app uploads (RunnerService.UploadFile: `session.show_image` of a local path, media) and
// files a user gives it (a `session.prompt_file` answer): kept in the store folder
// (uploads/<id>/<name>) and served at /files/<id>/<name>.
//
// Two ways in. The signed-in browser or API client (the session token), as every page. And the
// URL handed to the app, which carries `?token=<the file's token>`: the SDK's
// `FileUpload.download()`, `prompt_file(path=)` and `Attachment.download()` are a plain GET with
// no credentials, as they are of the platform's presigned URLs, so that URL is a capability.
// The token is random per file and kept beside it (uploads/<id>.token, outside the served folder),
// not an HMAC under a key held in memory: a URL the app kept (in session data, a queued task's
// arguments, the history) must still work after the emulator restarts, as those do. It never goes
// into the event log (the upload's event names the file, not its URL).
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Router, type RequestHandler } from 'express';
import type { GatewayHub } from '../gateway/hub-impl';
import { sameToken } from '../gateway/security';

/** What this module needs of the hub to find a file and name its URL. */
type FilesHub = Pick<GatewayHub, 'url'> & { store: { paths: { dir: string } } };

const ID = /^[A-Za-z0-9_-]{16}$/;

export function uploadsDir(hub: FilesHub): string {
  return join(hub.store.paths.dir, 'uploads');
}

function tokenPath(hub: FilesHub, id: string): string {
  return join(uploadsDir(hub), `${id}.token`);
}

/** The file's token, or undefined (an unknown id, or a file kept before files had tokens). */
function tokenOf(hub: FilesHub, id: string): string | undefined {
  if (!ID.test(id)) return undefined;
  try {
    return readFileSync(tokenPath(hub, id), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Saves the file; answers the URL the app is given (with the file's token). */
export async function saveUpload(hub: GatewayHub, f: { app: string; sessionId: string; filename: string; contentType: string; data: Buffer }): Promise<string> {
  const id = randomBytes(12).toString('base64url');
  const token = randomBytes(24).toString('base64url');
  const name = basename(f.filename || 'file').replace(/[^A-Za-z0-9._-]/g, '_') || 'file';
  const dir = join(uploadsDir(hub), id);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFile(join(dir, name), f.data, { mode: 0o600 });
  await writeFile(tokenPath(hub, id), token, { mode: 0o600 });
  hub.events.emit({ kind: 'upload', app: f.app, sessionId: f.sessionId || undefined, summary: `${f.app} uploaded ${name} (${f.data.length} bytes)`, detail: { id, name, size: f.data.length, contentType: f.contentType } });
  return `${hub.url}/files/${id}/${encodeURIComponent(name)}?token=${token}`;
}

/**
 * `url` as the app is to get it: a /files URL of this emulator without its token gets it (a
 * message's attachments); any other URL is left as it is.
 */
export function urlForApp(hub: FilesHub, url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return url;
  }
  const m = /^\/files\/([^/]+)\/[^/]+$/.exec(u.pathname);
  if (!hub.url || u.origin !== new URL(hub.url).origin || !m || u.searchParams.has('token')) return url;
  const token = tokenOf(hub, m[1]!);
  if (!token) return url;
  u.searchParams.set('token', token);
  return u.toString();
}

/**
 * GET /files/<id>/<name>: an uploaded file, to the signed-in browser or API client, or to anyone
 * with the app's URL (its token). Mounted ahead of the gateway's session check: it makes its own.
 */
export function uploadsRouter(hub: FilesHub, auth: { allows(req: Parameters<RequestHandler>[0]): boolean; require: RequestHandler }): Router {
  const r = Router();
  r.get('/files/:id/:name', (req, res, next) => {
    const signedIn = auth.allows(req);
    const token = req.query.token;
    if (!signedIn && token === undefined) return auth.require(req, res, next);
    const id = req.params.id!;
    const name = req.params.name!;
    const file = join(uploadsDir(hub), id, name);
    if (!ID.test(id) || basename(name) !== name || name === '.' || name === '..' || !existsSync(file)) {
      res.status(404).json({ error: `no uploaded file ${id}/${name}` });
      return;
    }
    if (!signedIn) {
      // Constant-time, and the same answer for a token of another file, a cut one or none kept.
      const expected = tokenOf(hub, id);
      if (typeof token !== 'string' || !expected || !sameToken(token, expected)) {
        res.status(403).json({ error: `wrong token for file ${id}/${name}: use the URL the app was given, unchanged, or sign in` });
        return;
      }
    }
    res.setHeader('x-content-type-options', 'nosniff');
    res.sendFile(file, { dotfiles: 'allow' });
  });
  return r;
}
