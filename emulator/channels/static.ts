// Serves the pages' static files from media/ (copied next to the bundle by the build). Only the
// files of the chat, simulators, dashboard and app pages are served here, each with a strict CSP: the pages
// load nothing from outside the emulator (they frame its previews' own origins, preview-origin.ts).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, extname, join, normalize, sep } from 'node:path';
import type { Response, Router } from 'express';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

export const PAGE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob: https:; media-src 'self' blob: https:; connect-src 'self'; frame-src 'self' http://*.preview.localhost:*; frame-ancestors 'self'; base-uri 'none'; form-action 'self'";

let mediaDir: string | undefined;

/** media/ beside the bundle (dist/media) or at the repository root when run from source. */
export function findMediaDir(): string {
  if (mediaDir) return mediaDir;
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'media');
    if (existsSync(join(candidate, 'common.css'))) return (mediaDir = candidate);
    dir = dirname(dir);
  }
  throw new Error(`media/ with the web pages was not found above ${__dirname}; run the build`);
}

/** A page script's text, for the self-contained pages that inline it (integrations panel). */
export function mediaText(relative: string): string {
  return readFileSync(join(findMediaDir(), relative), 'utf8');
}

// Files are small and read per request so that editing a page needs no restart.
export function sendMedia(res: Response, relative: string): void {
  const root = findMediaDir();
  const file = normalize(join(root, relative));
  if (!file.startsWith(root + sep) || !existsSync(file)) {
    res.status(404).type('text/plain').send(`no such page asset: ${relative}`);
    return;
  }
  res.setHeader('Content-Type', TYPES[extname(file)] ?? 'application/octet-stream');
  res.setHeader('Content-Security-Policy', PAGE_CSP);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Cache-Control', 'no-store');
  res.send(readFileSync(file));
}

const OURS = /^(chat|dashboard|pages|common|keyed|feed)[\w.-]*\.(css|js|svg)$|^(channels|capsule-page)\/[\w.-]+\.(css|js|svg)$|^vendor\/[\w.-]+\.js$/;

/** `/media/<file>` for the chat, channel simulator and dashboard assets. */
export function registerMedia(router: Router): void {
  router.get(/^\/media\/(.+)$/, (req, res, next) => {
    const rel = String((req.params as Record<string, string>)[0] ?? '');
    if (!OURS.test(rel)) return next();
    sendMedia(res, rel);
  });
}
