// The app's React pages (`app.add_page(..., component="pages/x.tsx")`), rendered as the platform's
// hosted UI does: an HTML shell whose import map names the modules a page bundle leaves external
// (page_bundle.py `external_args`): react, react-dom, react-dom/client and react/jsx-runtime (our
// ESM builds of the pinned npm packages, dist/media/vendor, one React instance for all four) and
// @capsule/page (our kit, media/capsule-page/). The shell's script (media/capsule-page/boot.js)
// reads the page's bundle through the emulator (`/apps/<app>/pages/<name>/bundle.js`, the runner's
// `/pages/<name>/bundle.js`, forward.ts) and mounts its default export with react-dom/client.
// The npm packages a page declares (`packages=`) are served by the platform's CDN, which is not
// here: each is mapped to a module that throws an error naming it, and the page says which are
// missing before it runs the bundle (a named import from one fails at link time, before any module
// runs).
import { createHash } from 'node:crypto';
import type { Response } from 'express';
import type { DeclaredOnboarding, DeclaredPage } from './widgets';
import { PAGE_HEAD, pageCsp, topbarNav } from '../channels/static';

/** The bare specifiers every page bundle imports from the page (page_bundle.py). */
export const REACT_IMPORTS: Readonly<Record<string, string>> = Object.freeze({
  react: '/media/vendor/react.js',
  'react-dom': '/media/vendor/react-dom.js',
  'react-dom/client': '/media/vendor/react-dom-client.js',
  'react/jsx-runtime': '/media/vendor/react-jsx-runtime.js',
  '@capsule/page': '/media/capsule-page/index.js',
});

/** The import-map root of an npm package spec (`name@1.2`, `@scope/name@1`), as page_bundle.py `package_root`. */
export function packageRoot(spec: string): string {
  const s = spec.trim();
  if (!s) return s;
  if (s.startsWith('@')) {
    const parts = s.split('/');
    return parts.length >= 2 ? `${parts[0]}/${parts[1]!.split('@')[0]}` : s;
  }
  return s.split('@')[0]!;
}

/** The page's npm packages by import root, in the order declared, duplicates and bad names dropped. */
export function pagePackages(packages: readonly string[] | undefined): string[] {
  const roots = (packages ?? []).map(packageRoot).filter((r) => /^(@[\w.-]+\/)?[\w.-]+$/.test(r) && !Object.hasOwn(REACT_IMPORTS, r));
  return [...new Set(roots)].slice(0, 100);
}

/** The import map of a page: ours, and each package mapped to the module that says it is not here. */
export function importMap(packages: readonly string[]): { imports: Record<string, string> } {
  const imports: Record<string, string> = { ...REACT_IMPORTS };
  for (const p of pagePackages(packages)) {
    imports[p] = `/media/capsule-page/missing-package.js?package=${encodeURIComponent(p)}`;
  }
  return { imports };
}

/** JSON that may sit inside a <script> element: nothing in it can close the element. */
function scriptJson(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** What the shell tells its script: which app and page, where the bundle is. */
export interface ReactShell {
  app: string;
  /** The page's route ('' for none), or the onboarding page's segment. */
  route: string;
  /** The runner's page name (`__onboarding__` for a React onboarding). */
  bundleName: string;
  title: string;
  component?: string;
  packages: string[];
  onboarding?: boolean;
}

export function reactShell(app: string, page: DeclaredPage): ReactShell {
  return { app, route: page.route, bundleName: page.name, title: page.name, component: page.component, packages: pagePackages(page.packages) };
}

export function reactOnboardingShell(app: string, onboarding: DeclaredOnboarding, segment: string): ReactShell {
  return { app, route: segment, bundleName: '__onboarding__', title: 'Onboarding', component: onboarding.component, packages: pagePackages(onboarding.packages), onboarding: true };
}

/** The bundle of a page as the page reads it through the emulator. */
export function bundlePath(app: string, bundleName: string): string {
  return `/apps/${encodeURIComponent(app)}/pages/${encodeURIComponent(bundleName)}/bundle.js`;
}

/**
 * Sends the shell: the pages' head and top bar (static.ts). Its CSP is the pages' own (scripts
 * from the emulator only) plus the hash of its one inline script, the import map; inline styles
 * and data: fonts are allowed, as React pages use them; it frames no preview.
 */
export function sendReactShell(res: Response, shell: ReactShell): void {
  const map = scriptJson(importMap(shell.packages));
  const config = scriptJson({ ...shell, bundle: bundlePath(shell.app, shell.bundleName) });
  const hash = createHash('sha256').update(map, 'utf8').digest('base64');
  const html = `<!doctype html>
<html lang="en">
<head>
${PAGE_HEAD}
  <title>${escapeHtml(`${shell.title} — ${shell.app} — Capsule Local`)}</title>
  <link rel="stylesheet" href="/media/capsule-page/page.css">
  <script type="importmap">${map}</script>
  <script type="application/json" id="capsule-page-config">${config}</script>
  <script src="/media/common.js"></script>
  <script src="/media/feed.js"></script>
  <script type="module" src="/media/capsule-page/boot.js"></script>
</head>
<body class="app-page react-page">
  <header class="topbar">
${topbarNav()}
    <nav aria-label="App pages" id="app-nav"></nav>
    <span class="spacer"></span>
    <span id="viewer" class="pill"></span>
  </header>
  <div id="capsule-page-status" role="status"></div>
  <main id="capsule-page-root" class="capsule-page-root"></main>
</body>
</html>
`;
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Content-Security-Policy', pageCsp({ scriptHashes: [hash], inlineStyles: true, dataFonts: true }));
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Cache-Control', 'no-store');
  res.send(html);
}
