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

/** What a page may allow beyond the pages' policy (everything from the emulator, nothing inline). */
export interface PagePolicy {
  /** Inline scripts allowed by their SHA-256 (base64), none by default. */
  scriptHashes?: readonly string[];
  /** Inline styles (React pages set them). */
  inlineStyles?: boolean;
  /** Fonts from data: URLs. */
  dataFonts?: boolean;
  /** Frames of the previews' own origins (`<port>-<app>.preview.localhost`). */
  previewFrames?: boolean;
}

/** The Content-Security-Policy of a page of the emulator's web UI: the one policy, and what `p` adds. */
export function pageCsp(p: PagePolicy = {}): string {
  return [
    "default-src 'self'",
    ["script-src 'self'", ...(p.scriptHashes ?? []).map((h) => `'sha256-${h}'`)].join(' '),
    p.inlineStyles ? "style-src 'self' 'unsafe-inline'" : "style-src 'self'",
    "img-src 'self' data: blob: https:",
    "media-src 'self' blob: https:",
    ...(p.dataFonts ? ["font-src 'self' data:"] : []),
    "connect-src 'self'",
    p.previewFrames ? "frame-src 'self' http://*.preview.localhost:*" : "frame-src 'self'",
    "frame-ancestors 'self'",
    "base-uri 'none'",
    "form-action 'self'",
  ].join('; ');
}

/** The policy of the static pages (chat, simulators, dashboard, app pages). */
export const PAGE_CSP = pageCsp({ previewFrames: true });

/** The lines every page's <head> starts with (its title and own stylesheets follow). */
export const PAGE_HEAD = `  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <link rel="icon" href="data:,">
  <link rel="stylesheet" href="/media/common.css">`;

const TOP_PAGES = [
  ['/chat', 'Chat'],
  ['/dashboard', 'Dashboard'],
  ['/integrations', 'Integrations'],
] as const;

/** The start of every page's top bar: the brand and the emulator's pages, `current` marked. */
export function topbarNav(current?: string): string {
  const links = TOP_PAGES.map(([href, name]) => `      <a href="${href}"${href === `/${current}` ? ' aria-current="page"' : ''}>${name}</a>`);
  return ['    <span class="brand">Capsule Local</span>', '    <nav aria-label="Pages">', ...links, '    </nav>'].join('\n');
}

/**
 * A static page with its shared parts in place: a line `<!--#head-->` is PAGE_HEAD, a line
 * `<!--#topbar chat-->` is topbarNav('chat').
 */
export function expandPage(html: string): string {
  return html.replace(/^[ \t]*<!--#(head|topbar)(?: ([\w-]+))?-->$/gm, (_line, part: string, current?: string) => (part === 'head' ? PAGE_HEAD : topbarNav(current)));
}

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
  res.send(extname(file) === '.html' ? expandPage(readFileSync(file, 'utf8')) : readFileSync(file));
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
