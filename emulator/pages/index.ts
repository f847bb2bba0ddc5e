// The app's cpsl.ui pages, rendered as the platform's web app would: `/pages/<app>` (the home
// body), `/pages/<app>/<route>` (an `@app.page`), `/pages/<app>/_workflow/<name>` (a workflow's
// screen), `/pages/<app>/chat` (the chat page, its ChatPanel the web chat embedded) and
// `/pages/<app>/_onboarding` (the onboarding page), behind the session like the dashboard. The
// page itself (media/pages.html, pages.js) draws the widget tree in the browser and reads the
// data behind it through the routes the web app uses: the runner's `/collection/<name>` and
// `/data/<name>` through the forward routes, actions through POST /api/actions/run.
// `GET /api/pages/<app>` is what the page script reads: the app's pages, home body, the default
// persona and which widget types are rendered (widgets.ts). `POST /api/pages/<app>/chat/thread`
// is the chat page's one session in `mode="single"` (found or created per owner by thread key);
// `GET /api/pages/<app>/changes` (SSE) says when the app's data changed, for the data widgets (and
// the React pages' kit), and when a background task's status did (its id and status), for task
// boards and run lists. A React page's session data is session-data.ts's, its files files.ts's,
// the viewer's integrations integrations.ts's.
import express, { type Request, type Response } from 'express';
import type { Hub } from '../hub';
import { ownerIdOf, sessionIdForKey } from '../gateway/sessions';
import { LIMITS, clipText } from '../limits';
import { sendMedia } from '../channels/static';
import { openSse } from '../channels/sse';
import { sendError } from '../gateway/error-page';
import { reactOnboardingShell, reactShell, sendReactShell } from './react';
import { registerFileBrowser } from './files';
import { registerRuns } from './runs';
import { registerSessionData } from './session-data';
import { registerPageIntegrations } from './integrations';
import { ONBOARDING_SEGMENT, PAGE_LIMITS, RENDERED_WIDGETS, WIDGET_CLASSES, chatPagePath, dataSourceNames, declaredChatPage, declaredOnboarding, declaredPages, declaredWorkflows, homeTree, onboardingPath, pagePath, workflowPath } from './widgets';

function appNamed(hub: Hub, name: string) {
  return hub.apps().find((a) => a.name === name);
}

function restOf(req: Request): string | undefined {
  const rest = (req.params as Record<string, unknown>).rest;
  if (rest === undefined) return undefined;
  return Array.isArray(rest) ? rest.join('/') : String(rest);
}

/**
 * The session of a chat page with `mode="single"` for this owner: on the platform one persistent
 * session per `scope` ("owner", the only one the SDK takes: a persona's org when it has one, so
 * members of an org share it, else the persona), found or created by `thread_key`. Its id follows
 * from app, owner and key, so the same session comes back after a reload, in another browser and
 * after a restart (the store keeps it); it is created, empty, on the first visit.
 */
async function chatThread(hub: Hub, app: string, threadKey: string, userId: string): Promise<{ sessionId: string; created: boolean; owner: string }> {
  const persona = hub.read().personas.find((p) => p.id === userId);
  if (!persona) throw Object.assign(new Error(`no persona ${userId.slice(0, 80)}`), { status: 400 });
  const owner = ownerIdOf(persona);
  const sessionId = sessionIdForKey(JSON.stringify(['chat_page', app, owner, threadKey]));
  let created = false;
  if (!hub.read().sessions[sessionId]) {
    await hub.update((d) => {
      if (d.sessions[sessionId]) return;
      const now = new Date().toISOString();
      d.sessions[sessionId] = { id: sessionId, app, userId: persona.id, channelType: 'chat', threadKey: clipText(threadKey, LIMITS.nameChars), createdAt: now, updatedAt: now, history: [], dataJson: '{}' };
      created = true;
    });
  }
  if (created) hub.events.emit({ kind: 'session', app, sessionId, userId: persona.id, summary: `chat page thread "${hub.events.preview(threadKey, 80)}" of ${owner} created`, detail: { threadKey, owner } });
  return { sessionId, created, owner };
}

export function registerPages(hub: Hub): void {
  const r = hub.protectedRouter;
  // ui.FileBrowser's file API (files.ts), ahead of the page routes.
  registerFileBrowser(hub);
  // ui.RunList's runs of a workflow (runs.ts).
  registerRuns(hub);
  // A React page's session data (@capsule/page useSession: read, set, publish; session-data.ts).
  registerSessionData(hub);
  // The viewer's connections of the app's integrations (@capsule/page useSession().integrations()).
  registerPageIntegrations(hub);

  // The app's data changed (a collection written, a session's data saved; coalesced): the page
  // reads its data widgets again. Also what the web chat's tables over a collection follow.
  r.get('/api/pages/:app/changes', (req: Request, res: Response) => {
    const a = appNamed(hub, String(req.params.app));
    if (!a) return void res.status(404).json({ error: `no app "${req.params.app}" is served here` });
    if (!hub.dataChanges) return void res.status(501).json({ error: 'this emulator does not follow data changes' });
    const sse = openSse(req, res);
    const stop = hub.dataChanges.subscribe((c) => {
      if (c.app === a.name) sse.send('data-changed', { sessions: c.sessions, collections: c.collections, tasks: c.tasks });
    });
    sse.onClose(stop);
  });

  r.post('/api/pages/:app/chat/thread', express.json({ limit: '16kb' }), async (req: Request, res: Response) => {
    const a = appNamed(hub, String(req.params.app));
    if (!a) return void res.status(404).json({ error: `no app "${req.params.app}" is served here` });
    const chat = declaredChatPage(a.declarations);
    if (!chat) return void res.status(404).json({ error: `${a.name} declares no chat page (@app.chat_page())` });
    if (chat.mode !== 'single') return void res.status(409).json({ error: `${a.name}'s chat page has mode="${chat.mode}": its users open and switch between sessions; only mode="single" keeps one per owner` });
    // The SDK takes scope="owner" only (app.py chat_page); another one would be a newer SDK's.
    if (chat.scope !== 'owner') return void res.status(409).json({ error: `${a.name}'s chat page has scope="${chat.scope}": Capsule Local keeps the single session per owner (scope="owner") only` });
    const body = (req.body ?? {}) as Record<string, unknown>;
    const user = typeof body.user === 'string' && body.user ? body.user : hub.read().personas[0]?.id ?? '';
    try {
      res.json({ ...(await chatThread(hub, a.name, chat.thread_key, user)), threadKey: chat.thread_key, scope: chat.scope });
    } catch (e) {
      const status = (e as { status?: unknown }).status;
      res.status(typeof status === 'number' ? status : 500).json({ error: (e as Error).message });
    }
  });

  r.get('/pages/:app{/*rest}', (req: Request, res: Response) => {
    const name = String(req.params.app);
    const a = appNamed(hub, name);
    const route = restOf(req)?.replace(/\/+$/, '');
    const known = hub.apps().map((x) => x.name).join(', ') || 'none';
    if (!a) return sendError(req, res, 404, `no app "${name}" is served here (apps: ${known})`, { title: 'No such app' });
    if (!route) {
      if (!homeTree(a.declarations)) return sendError(req, res, 404, `${a.name} declares no home body (@app.home_body())`, { title: 'No home body' });
    } else if (route === 'chat') {
      if (!declaredChatPage(a.declarations)) return sendError(req, res, 404, `${a.name} declares no chat page (@app.chat_page())`, { title: 'No chat page' });
    } else if (route === ONBOARDING_SEGMENT) {
      const onb = declaredOnboarding(a.declarations);
      if (!onb) return sendError(req, res, 404, `${a.name} declares no onboarding (@app.onboarding())`, { title: 'No onboarding' });
      if (onb.type === 'react' && onb.component) return sendReactShell(res, reactOnboardingShell(a.name, onb, ONBOARDING_SEGMENT));
    } else if (route.startsWith('_workflow/')) {
      const name = route.slice('_workflow/'.length);
      const wf = declaredWorkflows(a.declarations).find((w) => w.name === name);
      if (!wf) return sendError(req, res, 404, `${a.name} declares no workflow named "${name}" (its workflows: ${declaredWorkflows(a.declarations).map((w) => w.name).join(', ') || 'none'})`, { title: 'No such workflow' });
    } else {
      const page = declaredPages(a.declarations).find((p) => p.route === route);
      if (!page) {
        const routes = declaredPages(a.declarations).map((p) => `/${p.route}`).join(', ') || 'none';
        return sendError(req, res, 404, `${a.name} declares no page at /${route} (its pages: ${routes})`, { title: 'No such page' });
      }
      // A React page: the shell that loads its bundle (react.ts).
      if (page.type === 'react' && page.component) return sendReactShell(res, reactShell(a.name, page));
    }
    sendMedia(res, 'pages.html');
  });

  r.get('/api/pages/:app', (req, res) => {
    const a = appNamed(hub, String(req.params.app));
    if (!a) return void res.status(404).json({ error: `no app "${req.params.app}" is served here` });
    const d = hub.read();
    res.json({
      app: a.name,
      // The tasks of /api/state name their app by this id (ui.TaskBoard shows the app's own).
      app_id: a.appId ?? null,
      runtime: a.runtime,
      status: a.status,
      persona: d.personas[0]?.id ?? null,
      personas: d.personas.map((p) => p.id),
      home: homeTree(a.declarations) ? { path: pagePath(a.name), widget_tree: homeTree(a.declarations) } : null,
      pages: declaredPages(a.declarations).map((p) => ({ ...p, path: pagePath(a.name, p.route) })),
      data_sources: [...dataSourceNames({ data_sources: a.dataSources })],
      // app.theme(...): what the page view draws its content in and a React page's useTheme() starts from (media/pages-theme.js).
      theme: a.declarations && typeof a.declarations.theme === 'object' ? a.declarations.theme : null,
      workflows: declaredWorkflows(a.declarations).map((w) => ({ ...w, path: workflowPath(a.name, w.name) })),
      chat: (() => {
        const c = declaredChatPage(a.declarations);
        return c ? { ...c, path: chatPagePath(a.name) } : null;
      })(),
      onboarding: (() => {
        const o = declaredOnboarding(a.declarations);
        return o ? { ...o, path: onboardingPath(a.name) } : null;
      })(),
      widgets: { classes: WIDGET_CLASSES, rendered: RENDERED_WIDGETS, limits: PAGE_LIMITS },
    });
  });
}
