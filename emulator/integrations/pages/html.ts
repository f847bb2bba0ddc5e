// The page shell shared by consent screens, secret forms and the fault panel: self-contained HTML
// (inline CSS, no external assets, so it works offline) sent with a strict content policy.
import type { Response } from 'express';

export function esc(text: unknown): string {
  return String(text ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

export interface PageParts {
  title: string;
  css: string;
  body: string;
  script?: string;
  bodyClass?: string;
}

export function page(p: PageParts): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>${esc(p.title)}</title>
<style>${p.css}</style>
</head>
<body class="${esc(p.bodyClass ?? '')}">
${p.body}
${p.script ? `<script>${p.script}</script>` : ''}
</body>
</html>`;
}

/** Sends a page: no caching (pages show live state), no framing (consent screens). */
export function sendPage(res: Response, html: string, status = 200): void {
  res
    .status(status)
    .set({
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Frame-Options': 'DENY',
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy':
        "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'",
    })
    .send(html);
}

/** A persona's avatar: the initial on a color derived from the id (no images). */
export function avatar(name: string, id: string, size = 32): string {
  let h = 0;
  for (const ch of id) h = (h * 31 + ch.charCodeAt(0)) % 360;
  const initial = esc((name.trim()[0] ?? '?').toUpperCase());
  return `<span class="avatar" style="width:${size}px;height:${size}px;line-height:${size}px;background:hsl(${h} 55% 45%)">${initial}</span>`;
}

export const SIMULATED_NOTE = 'Simulated by Capsule Local — no real account is used.';
