// What the React pages' JSON routes share (session-data.ts, integrations.ts): the app a route
// names, the viewer it is read as, and one way to answer a refusal.
import type { Request, Response } from 'express';
import type { AppInfo, Hub } from '../hub';
import { HttpError } from '../gateway/errors';
import { LIMITS } from '../limits';

/** The app the route names (`:app`), served here, else a 404. */
export function appOf(hub: Hub, req: Request): AppInfo {
  const name = String(req.params.app);
  const a = hub.apps().find((x) => x.name === name);
  if (!a) throw new HttpError(404, `no app "${name.slice(0, 80)}" is served here`);
  return a;
}

/** The viewer: `user` (a persona id), else the default persona, as the page routes take it. */
export function viewerOf(hub: Hub, given: string): string {
  const d = hub.read();
  const user = given || d.personas[0]?.id || '';
  if (!d.personas.some((p) => p.id === user)) throw new HttpError(400, `no persona ${user.slice(0, 80)}`);
  return user;
}

/** The viewer a GET names with `?as=`. */
export const viewerOfQuery = (hub: Hub, req: Request): string => viewerOf(hub, typeof req.query.as === 'string' ? req.query.as.slice(0, LIMITS.nameChars + 1) : '');

/**
 * A route whose HttpError is its answer ({error}); anything else is a 500 saying only what could
 * not be done (`failure`): an unexpected error's text is not the page's to read.
 */
export function pageRoute(failure: string, fn: (req: Request, res: Response) => Promise<void> | void) {
  return (req: Request, res: Response): void => {
    Promise.resolve()
      .then(() => fn(req, res))
      .catch((e: unknown) => {
        if (e instanceof HttpError) return void res.status(e.status).json({ error: e.message });
        res.status(500).json({ error: failure });
      });
  };
}
