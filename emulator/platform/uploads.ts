// Files an app uploads (RunnerService.UploadFile: `session.show_image` of a local path, media):
// kept in the store folder (uploads/<id>/<name>) and served to the signed-in browser at
// /files/<id>/<name>, the URL the SDK shows.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Router } from 'express';
import type { GatewayHub } from '../gateway/hub-impl';

export function uploadsDir(hub: GatewayHub): string {
  return join(hub.store.paths.dir, 'uploads');
}

export async function saveUpload(hub: GatewayHub, f: { app: string; sessionId: string; filename: string; contentType: string; data: Buffer }): Promise<string> {
  const id = randomBytes(12).toString('base64url');
  const name = basename(f.filename || 'file').replace(/[^A-Za-z0-9._-]/g, '_') || 'file';
  const dir = join(uploadsDir(hub), id);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFile(join(dir, name), f.data, { mode: 0o600 });
  hub.events.emit({ kind: 'upload', app: f.app, sessionId: f.sessionId || undefined, summary: `${f.app} uploaded ${name} (${f.data.length} bytes)`, detail: { id, name, size: f.data.length, contentType: f.contentType } });
  return `${hub.url}/files/${id}/${encodeURIComponent(name)}`;
}

/** GET /files/<id>/<name>: an uploaded file, to the signed-in browser or API client. */
export function uploadsRouter(hub: GatewayHub): Router {
  const r = Router();
  r.get('/files/:id/:name', (req, res) => {
    const id = req.params.id!;
    const name = req.params.name!;
    const file = join(uploadsDir(hub), id, name);
    if (!/^[A-Za-z0-9_-]{16}$/.test(id) || basename(name) !== name || !existsSync(file)) {
      res.status(404).json({ error: `no uploaded file ${id}/${name}` });
      return;
    }
    res.setHeader('x-content-type-options', 'nosniff');
    res.sendFile(file, { dotfiles: 'allow' });
  });
  return r;
}
