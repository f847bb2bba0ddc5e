// Navigation and the page's context in @capsule/page: the app's pages (its `@app.page` and
// `add_page` routes, drawn by the emulator at /pages/<app>/<route>), navigate() to them and to the
// app's other surfaces, useCapsule(), and the onboarding (completeOnboarding records that the
// viewer finished it, as `session.complete_onboarding()` does, then goes on to its redirect page).
import { useCallback, useMemo, useState } from 'react';
import { api, appName, config, notAvailable, pageInfo, state, viewer, viewerPersona } from './context.js';

const appBase = () => `/pages/${encodeURIComponent(appName())}`;
const routePath = (route) => `${appBase()}${route ? `/${String(route).split('/').map(encodeURIComponent).join('/')}` : ''}`;
/** The emulator's URL, keeping who the page is seen as (`?as=`) when it was given. */
function keepViewer(path) {
  const as = new URLSearchParams(location.search).get('as');
  return as ? `${path}${path.includes('?') ? '&' : '?'}as=${encodeURIComponent(as)}` : path;
}

function pagesOf() {
  const info = pageInfo();
  return (info.pages || []).map((p) => ({
    name: p.name,
    route: p.route,
    path: `/${p.route}`,
    href: keepViewer(routePath(p.route)),
    icon: p.icon || 'file',
    type: p.type === 'react' ? 'react' : 'dsl',
    ...(p.access ? { access: p.access } : {}),
  }));
}

export function usePages() {
  return pagesOf();
}

function findPage(target) {
  const pages = pagesOf();
  const keys = typeof target === 'string' ? [target] : target && typeof target === 'object' ? [target.route, target.pageId, target.page, target.name].filter((k) => typeof k === 'string' && k) : [];
  for (const k of keys) {
    const clean = k.replace(/^\/+/, '');
    const p = pages.find((x) => x.route === clean || x.name === k);
    if (p) return p;
  }
  throw new Error(`${appName()} has no page ${JSON.stringify(target)} (its pages: ${pages.map((p) => p.name).join(', ') || 'none'})`);
}

export function pageRoute(target) {
  return findPage(target).route;
}

export function pageHref(target) {
  return findPage(target).href;
}

const ELSEWHERE = { logs: '/dashboard', integrations: '/integrations', connections: '/integrations' };

/** Where a navigation target leads in Capsule Local, or an error for a surface it does not have. */
export function targetHref(target) {
  const info = pageInfo();
  const t = typeof target === 'string' ? { kind: target } : target && typeof target === 'object' ? target : {};
  if (typeof t.href === 'string') return t.href;
  if (typeof t.path === 'string') return keepViewer(t.path.startsWith('/pages/') ? t.path : routePath(t.path.replace(/^\/+/, '')));
  switch (t.kind) {
    case 'home':
      return keepViewer(info.home ? appBase() : info.pages && info.pages[0] ? routePath(info.pages[0].route) : '/chat');
    case 'chat': {
      if (t.sessionId) return `/chat?session=${encodeURIComponent(t.sessionId)}`;
      return info.chat ? keepViewer(`${appBase()}/chat`) : `/chat?app=${encodeURIComponent(appName())}`;
    }
    case 'workflow': {
      if (t.sessionId) return `/chat?session=${encodeURIComponent(t.sessionId)}`;
      const name = t.workflowName || t.workflow || t.name;
      if (typeof name !== 'string' || !name) throw new Error('navigate({kind: "workflow"}) needs the workflow\'s name');
      return keepViewer(`${appBase()}/_workflow/${encodeURIComponent(name)}`);
    }
    case 'page':
      return findPage(t).href;
    case 'api': case 'docs': case 'org': case 'team':
      throw notAvailable(`navigate("${t.kind}")`);
    default:
      if (typeof t.kind === 'string' && Object.prototype.hasOwnProperty.call(ELSEWHERE, t.kind)) return ELSEWHERE[t.kind];
      if (typeof target === 'string') return findPage(target).href;
      throw new Error(`navigate: ${JSON.stringify(target)} is not a target of @capsule/page`);
  }
}

export function navigate(target) {
  location.assign(targetHref(target));
}

export function useNavigate() {
  return navigate;
}

export function useCapsule() {
  const info = pageInfo();
  const p = viewerPersona();
  return {
    appId: info.app_id || info.app,
    props: {},
    user: p ? { email: p.email || '', id: p.id, name: p.name } : null,
    pages: pagesOf(),
    login: () => location.assign('/chat'),
    navigate,
    pageRoute,
    pageHref,
  };
}

export async function completeOnboarding() {
  const info = pageInfo();
  if (!viewer()) throw new Error('completeOnboarding: the page is seen signed out (no persona)');
  await api('/api/onboarding/complete', { method: 'POST', body: { app: appName(), user: viewer() } });
  const redirect = info.onboarding && info.onboarding.redirect;
  if (config.onboarding && redirect) {
    const page = (info.pages || []).find((x) => x.name === redirect || x.route === redirect);
    if (page) location.assign(keepViewer(routePath(page.route)));
  }
}

export function useOnboarding() {
  const [st, setSt] = useState({ completing: false, error: null });
  const complete = useCallback(async () => {
    setSt({ completing: true, error: null });
    try {
      await completeOnboarding();
      setSt({ completing: false, error: null });
    } catch (e) {
      setSt({ completing: false, error: e.message });
      throw e;
    }
  }, []);
  return { ...st, complete };
}

/**
 * A file mounted into the app (`filesystems={"/data": cpsl.FileSystem("notes")}`), by its mount
 * path as `cpsl.file(path)` takes one ("/data/report.pdf"): the emulator's URL of that file in the
 * managed filesystem's folder of the store (GET /api/pages/<app>/files/mounted, emulator/pages/
 * files.ts: no "..", NUL or symbolic link is followed there). The same path gives the same URL.
 * The path is normalised as the SDK's `cpsl.file` does (posixpath.normpath); it must start with "/".
 */
export function fileUrl(path) {
  if (typeof path !== 'string' || !path) throw new Error('fileUrl: file path must not be empty');
  if (!path.startsWith('/')) throw new Error(`fileUrl: file path must start with '/' (${JSON.stringify(path.slice(0, 200))})`);
  if (path.includes('\0')) throw new Error('fileUrl: file path contains a NUL byte, which no file name can');
  const parts = [];
  for (const p of path.split('/')) {
    if (!p || p === '.') continue;
    if (p === '..') parts.pop();
    else parts.push(p);
  }
  return `/api/pages/${encodeURIComponent(appName())}/files/mounted?path=${encodeURIComponent(`/${parts.join('/')}`)}`;
}

/** fileUrl for render: the same URL while the path is the same. */
export function useFileUrl(path) {
  return useMemo(() => fileUrl(path), [path]);
}

export { state };
