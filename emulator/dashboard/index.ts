// The dashboard at /dashboard and its APIs. The live event log itself is the gateway's
// `GET /api/events` stream; these routes add the combined state, session transcripts and replay.
import express, { type Request, type Response } from 'express';
import type { Hub } from '../hub';
import { sendMedia } from '../channels/static';
import { ReplayError, replayEvent, replaySource } from './replay';
import { dashboardState, sessionRow } from './state';
import { registerCollectionsBrowser } from './collections';

const json = express.json({ limit: '1mb' });

export function registerDashboard(hub: Hub): void {
  const r = hub.protectedRouter;

  r.get('/dashboard', (_req, res) => sendMedia(res, 'dashboard.html'));

  r.get('/api/dashboard/state', (_req, res) => {
    res.json(dashboardState(hub));
  });

  r.get('/api/dashboard/sessions/:id', (req, res) => {
    const s = hub.read().sessions[String(req.params.id)];
    if (!s) return void res.status(404).json({ error: `no session ${req.params.id}` });
    res.json({ ...sessionRow(hub, s), history: s.history, data: s.dataJson });
  });

  registerCollectionsBrowser(hub);

  r.get('/api/dashboard/events/:seq/replay', (req, res) => {
    const e = hub.read().events.find((x) => x.seq === Number(req.params.seq));
    const src = e && replaySource(hub, e);
    if (!src) return void res.status(404).json({ error: `event #${req.params.seq} cannot be replayed` });
    res.json(src);
  });

  r.post('/api/dashboard/events/:seq/replay', json, async (req: Request, res: Response) => {
    const edited = typeof req.body?.edited === 'string' ? (req.body.edited as string) : undefined;
    try {
      res.json(await replayEvent(hub, Number(req.params.seq), edited));
    } catch (e) {
      const status = e instanceof ReplayError ? e.status : 502;
      res.status(status).json({ error: (e as Error).message });
    }
  });
}
