// ui.RunList's data: the runs of a workflow, that is the app's sessions its start handler tagged
// (the SDK's runner sets `session.data["__workflow__"]` to the workflow's name before it calls
// `@wf.start()`: cpsl/runner/session.py), newest first, as the viewer may see them by the
// workflow's scope (app.workflow(scope=): "user" the viewer's own runs, "owner" those of the
// viewer's owner (the org, or the user), "app" every run).
//   GET /api/pages/<app>/runs?workflow=<name>&as=<user>
import type { Request, Response } from 'express';
import type { Hub } from '../hub';
import type { StoredSession } from '../store/schema';

const record = (v: unknown): Record<string, unknown> | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);

/** The runs a list shows at most (the newest). */
export const MAX_RUNS = 200;

/** The workflow a session runs, from its data (`__workflow__`), or undefined. */
export function workflowOf(s: StoredSession): string | undefined {
  try {
    const w = record(JSON.parse(s.dataJson || '{}'))?.__workflow__;
    return typeof w === 'string' ? w : undefined;
  } catch {
    return undefined;
  }
}

export function registerRuns(hub: Hub): void {
  hub.protectedRouter.get('/api/pages/:app/runs', (req: Request, res: Response) => {
    const appName = String(req.params.app);
    const a = hub.apps().find((x) => x.name === appName);
    if (!a) return void res.status(404).json({ error: `no app "${appName}" is served here` });
    const name = typeof req.query.workflow === 'string' ? req.query.workflow : '';
    const list = Array.isArray(a.declarations.workflows) ? a.declarations.workflows : [];
    const wf = list.map(record).find((w) => w?.name === name);
    if (!wf) return void res.status(404).json({ error: `${a.name} declares no workflow named "${name.slice(0, 200)}"` });
    const scope = typeof wf.scope === 'string' ? wf.scope : 'user';
    const d = hub.read();
    const viewer = typeof req.query.as === 'string' && req.query.as ? req.query.as : (d.personas[0]?.id ?? '');
    const ownerOf = (userId: string): string => {
      const p = d.personas.find((x) => x.id === userId);
      return p?.orgId ? `org:${p.orgId}` : userId;
    };
    const visible = (s: StoredSession): boolean => scope === 'app' || (scope === 'owner' ? ownerOf(s.userId) === ownerOf(viewer) : s.userId === viewer);
    const runs = Object.values(d.sessions)
      .filter((s) => s.app === a.name && workflowOf(s) === name && visible(s))
      .sort((x, y) => y.createdAt.localeCompare(x.createdAt));
    res.json({
      workflow: name,
      scope,
      viewer,
      total: runs.length,
      runs: runs.slice(0, MAX_RUNS).map((s) => {
        const o = hub.outline(s);
        const last = o.last && o.last.sender !== 'block' ? o.last.text : '';
        return { id: s.id, user: s.userId, created_at: s.createdAt, updated_at: s.updatedAt, messages: o.messages, last: hub.events.preview(last, 200) };
      }),
    });
  });
}
