// "Open App Page": where the running app serves each of its page surfaces. The language server's
// "Open page" lens names a surface as the code declares it (a page's name, the home body, the chat
// page, the onboarding, a workflow's name); the route is read from the running app itself
// (`GET /api/pages/<app>`, the same answer the page view draws from), never worked out here.
import type { Emulator } from './emulator';

/** What a lens's command carries: the surface as the decorator declares it. */
export type PageSurface = { kind: 'page'; name: string } | { kind: 'home' } | { kind: 'chat' } | { kind: 'onboarding' } | { kind: 'workflow'; name: string };

/** The part of `GET /api/pages/<app>` read here. */
export interface AppPages {
  app: string;
  runtime: 'sdk' | 'bundled' | string;
  status: string;
  home: { path: string } | null;
  pages: Array<{ name: string; route: string; type: string; path: string }>;
  workflows: Array<{ name: string; description?: string; path: string }>;
  chat: { path: string; sidebar_label: string } | null;
  onboarding: { path: string; type: string } | null;
}

export interface PageTarget {
  app: string;
  surface: PageSurface;
  /** The quick pick's row. */
  label: string;
  description: string;
  /** Where the emulator renders it (/pages/<app>/...). */
  path: string;
}

interface ServedApp {
  name: string;
  entry: string;
  status: string;
  error?: string;
  reloadError?: string;
  runtime?: string;
}

export function isPageSurface(v: unknown): v is PageSurface {
  if (!v || typeof v !== 'object') return false;
  const s = v as { kind?: unknown; name?: unknown };
  if (s.kind === 'page' || s.kind === 'workflow') return typeof s.name === 'string' && s.name.length > 0;
  return s.kind === 'home' || s.kind === 'chat' || s.kind === 'onboarding';
}

/** How a surface is named to the user: `page "Dashboard"`, `the chat page`. */
export function describeSurface(s: PageSurface): string {
  switch (s.kind) {
    case 'page':
      return `page "${s.name}"`;
    case 'workflow':
      return `workflow "${s.name}"`;
    case 'home':
      return 'home body (@app.home_body())';
    case 'chat':
      return 'chat page (@app.chat_page())';
    case 'onboarding':
      return 'onboarding page (@app.onboarding())';
  }
}

/** Every surface of the app the emulator renders, in the dashboard's order. */
export function pageTargets(p: AppPages): PageTarget[] {
  const out: PageTarget[] = [];
  if (p.home) out.push({ app: p.app, surface: { kind: 'home' }, label: '$(home) Home', description: p.home.path, path: p.home.path });
  for (const page of p.pages) {
    // cpsl.ui pages and React pages (add_page(component=...)) alike: the emulator draws both.
    out.push({ app: p.app, surface: { kind: 'page', name: page.name }, label: `$(${page.type === 'dsl' ? 'file' : 'file-code'}) ${page.name}`, description: page.path, path: page.path });
  }
  if (p.chat) out.push({ app: p.app, surface: { kind: 'chat' }, label: `$(comment-discussion) ${p.chat.sidebar_label || 'Chat'} (chat page)`, description: p.chat.path, path: p.chat.path });
  for (const w of p.workflows) out.push({ app: p.app, surface: { kind: 'workflow', name: w.name }, label: `$(play) ${w.name} (workflow)`, description: w.path, path: w.path });
  if (p.onboarding) out.push({ app: p.app, surface: { kind: 'onboarding' }, label: '$(rocket) Onboarding', description: p.onboarding.path, path: p.onboarding.path });
  return out;
}

function sameSurface(a: PageSurface, b: PageSurface): boolean {
  if (a.kind !== b.kind) return false;
  return a.kind === 'page' || a.kind === 'workflow' ? a.name === (b as { name: string }).name : true;
}

/** What exists, for a message: `pages "Overview", "Stats"; home; workflow "Triage"`. */
function listing(p: AppPages): string {
  const parts: string[] = [];
  if (p.pages.length) parts.push(`page${p.pages.length > 1 ? 's' : ''} ${p.pages.map((x) => `"${x.name}"`).join(', ')}`);
  if (p.home) parts.push('the home body');
  if (p.chat) parts.push('the chat page');
  if (p.workflows.length) parts.push(`workflow${p.workflows.length > 1 ? 's' : ''} ${p.workflows.map((w) => `"${w.name}"`).join(', ')}`);
  if (p.onboarding) parts.push('the onboarding page');
  return parts.join('; ');
}

const BUNDLED = "the bundled runtime (no cpsl SDK in the app's Python interpreter) renders no pages: install cpsl in the interpreter the app runs with (the capsule.python.interpreter setting, or the workspace's .venv) to see its pages";

/** Why the app has nothing to open. */
export function noPagesMessage(p: AppPages): string {
  if (p.runtime === 'bundled') return `${p.app} has no pages to open: ${BUNDLED}.`;
  return `${p.app} declares no page surface (@app.page, @app.home_body, @app.chat_page, @app.onboarding or a workflow's @wf.ui()).`;
}

/** The surface a lens names, or the message saying it is not there and what is. */
export function findTarget(p: AppPages, surface: PageSurface, reloadError?: string): PageTarget | { error: string } {
  const hit = pageTargets(p).find((t) => sameSurface(t.surface, surface));
  if (hit) return hit;
  if (p.runtime === 'bundled') return { error: `${p.app} has no ${describeSurface(surface)} to open: ${BUNDLED}.` };
  const exists = listing(p);
  return {
    error:
      `the running ${p.app} declares no ${describeSurface(surface)}` +
      (exists ? ` (it declares ${exists})` : ' (it declares no page surface at all)') +
      (reloadError ? `; its last reload failed, so it still runs its previous version: ${reloadError.split('\n')[0]}` : '; if you renamed or added it, save the file: the emulator reloads the app on save') +
      '.',
  };
}

/**
 * Waits until the emulator serves `entry` and the app has registered (its declarations are what
 * /api/pages answers from); fails at once when the app crashed.
 */
export async function servedApp(emu: Emulator, entry: string | undefined, timeoutMs = 60_000): Promise<ServedApp> {
  const deadline = Date.now() + timeoutMs;
  let last: ServedApp | undefined;
  for (;;) {
    const state = await emu.json<{ apps?: ServedApp[] }>('/api/state').catch(() => undefined);
    const apps = state?.apps ?? [];
    const app = (entry ? apps.find((a) => a.entry === entry) : undefined) ?? (apps.length === 1 ? apps[0] : undefined);
    if (app) {
      last = app;
      if (app.status === 'running') return app;
      if (app.status === 'crashed' && app.runtime === 'bundled') {
        // Page declarations are the SDK's: the bundled runtime refuses them at import.
        throw new Error(`${app.name} did not start on the bundled runtime${app.error ? ` (${app.error.split('\n')[0]})` : ''}; ${BUNDLED}.`);
      }
      if (app.status === 'crashed' || app.status === 'stopped') {
        throw new Error(`${app.name} is ${app.status}${app.error ? `: ${app.error.split('\n')[0]}` : ''} (see the Capsule output for its log)`);
      }
    }
    if (Date.now() > deadline) {
      throw new Error(last ? `${last.name} did not finish starting within ${timeoutMs / 1000} s (status: ${last.status})` : `the emulator does not serve ${entry ?? 'an app'} (it serves ${apps.map((a) => a.entry).join(', ') || 'nothing yet'})`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The pages of every app the emulator serves (the quick pick without a lens). */
export async function servedApps(emu: Emulator): Promise<ServedApp[]> {
  return (await emu.json<{ apps?: ServedApp[] }>('/api/state')).apps ?? [];
}

export function pagesOf(emu: Emulator, app: string): Promise<AppPages> {
  return emu.json<AppPages>(`/api/pages/${encodeURIComponent(app)}`);
}
