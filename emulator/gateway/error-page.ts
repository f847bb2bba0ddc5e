// Errors as a browser sees them. A page a person opened (Accept: text/html) gets a small HTML
// page that says what happened and what to do; API clients and the pages' own calls keep the
// JSON answer `{error}` (they ask for JSON or anything).
import type { Request, Response } from 'express';

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Whether the request prefers HTML over JSON (a browser navigation, not fetch or curl). */
export function wantsHtml(req: Request): boolean {
  return req.accepts(['json', 'html']) === 'html';
}

export function errorPageHtml(title: string, message: string, hint?: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} — Capsule Local</title><link rel="icon" href="data:,"><link rel="stylesheet" href="/media/common.css"></head>
<body><main style="max-width:640px;margin:48px auto;padding:0 16px"><h1>${esc(title)}</h1><p role="alert">${esc(message)}</p>${hint ? `<p>${hint}</p>` : ''}</main></body></html>`;
}

/** Sends an error as HTML to a browser and as `{error}` JSON to everything else. */
export function sendError(req: Request, res: Response, status: number, message: string, page?: { title?: string; hint?: string }): void {
  res.status(status);
  if (wantsHtml(req)) res.type('html').send(errorPageHtml(page?.title ?? `Error ${status}`, message, page?.hint));
  else res.json({ error: message });
}

/** What a signed-out browser is told: how to get a fresh sign-in link. */
export const SIGN_IN_HINT =
  'To sign in, run <code>capsule-local open</code> in the workspace folder (the folder of <code>.capsule</code>): it prints a fresh sign-in link and opens it in your browser. A link signs one browser in once; a browser stays signed in across emulator restarts.';
