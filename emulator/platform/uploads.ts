// Files an app uploads (RunnerService.UploadFile: `session.show_image` of a local path, media):
// kept in the store folder (uploads/<id>/<name>) and served to the signed-in browser at
// /files/<id>/<name>, the URL the SDK shows.
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
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
