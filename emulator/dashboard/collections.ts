// The dashboard's collections browser (read-only): every collection with its documents' scope
// and count, and one collection's documents page by page, filtered by a JSON filter (the SDK's
// query language, the same engine the app uses) and sorted by a field.
import type { Hub } from '../hub';
import type { CollectionSummary } from '../collections';
import { DataError } from '../collections';

const MAX_PER_PAGE = 200;

/** A collection's scope as its documents show it (the scope fields the SDK adds). */
export function scopeOf(c: CollectionSummary): string {
  const { user, owner, session } = c.scoped;
  const kinds = [user && 'user', owner && 'owner', session && 'session'].filter(Boolean) as string[];
  if (user + owner + session < c.count) kinds.unshift('app');
  return kinds.length === 1 ? kinds[0]! : `mixed (${kinds.join(', ')})`;
}

export function registerCollectionsBrowser(hub: Hub): void {
  const r = hub.protectedRouter;
  const engine = () => {
    if (!hub.collections) throw new DataError('UNAVAILABLE', 'collections are not served by this emulator');
    return hub.collections.get();
  };
  const fail = (res: import('express').Response, e: unknown) => {
    if (e instanceof DataError) res.status(e.status === 'UNAVAILABLE' ? 503 : 400).json({ error: e.message });
    else res.status(500).json({ error: (e as Error).message });
  };

  r.get('/api/dashboard/collections', (_req, res) => {
    try {
      // What the documents show, with the declared scope where the app declares the collection,
      // and declared collections without documents yet (count 0).
      const declared = new Map((hub.collections?.declared() ?? []).map((d) => [JSON.stringify([d.app, d.name]), d]));
      const rows = engine()
        .collections()
        .map((c) => {
          const k = JSON.stringify([c.app, c.name]);
          const d = declared.get(k);
          declared.delete(k);
          return { ...c, scope: d ? d.scope : scopeOf(c), declared: d !== undefined, stored: scopeOf(c) };
        });
      for (const d of declared.values()) rows.push({ app: d.app, name: d.name, count: 0, scoped: { user: 0, owner: 0, session: 0 }, scope: d.scope, declared: true, stored: '' });
      rows.sort((a, b) => a.app.localeCompare(b.app) || a.name.localeCompare(b.name));
      res.json({ collections: rows });
    } catch (e) {
      fail(res, e);
    }
  });

  r.get('/api/dashboard/collections/:app/:name', (req, res) => {
    const q = req.query as Record<string, string | undefined>;
    const page = Number(q.page ?? '1');
    const perPage = Number(q.per_page ?? '50');
    if (!Number.isInteger(page) || page < 1) return void res.status(400).json({ error: 'page must be a whole number from 1' });
    if (!Number.isInteger(perPage) || perPage < 1 || perPage > MAX_PER_PAGE) return void res.status(400).json({ error: `per_page must be a whole number from 1 to ${MAX_PER_PAGE}` });
    const dir = q.sort_dir ?? 'asc';
    if (dir !== 'asc' && dir !== 'desc') return void res.status(400).json({ error: 'sort_dir must be asc or desc' });
    const app = String(req.params.app);
    const name = String(req.params.name);
    const filter = q.filter && q.filter.trim() ? q.filter : '{}';
    try {
      const e = engine();
      const sort = q.sort ? JSON.stringify({ [q.sort]: dir === 'asc' ? 1 : -1 }) : undefined;
      const docs = e.find(app, name, filter, { sort, skip: (page - 1) * perPage, limit: perPage });
      res.json({ app, name, page, per_page: perPage, total: e.count(app, name, filter), documents: docs.map((d) => JSON.parse(d) as unknown) });
    } catch (err) {
      fail(res, err);
    }
  });
}
