// The gateway's route table, read from express's router stack (routes of nested routers get their
// mount path in front). For tooling and the tests that probe every route with hostile input.
import type { Express } from 'express';

export interface RouteEntry {
  /** An HTTP method, `ALL`, or `USE` for a mount point whose handler routes by itself. */
  method: string;
  /** Express path syntax (`:name` parameters, `*name` wildcards, `{...}` optional parts), or a RegExp's `/source/`. */
  path: string;
}

interface LayerLike {
  rawPath?: unknown;
  route?: { path: unknown; methods: Record<string, boolean> };
  handle?: { stack?: LayerLike[] };
}

export function routeTable(app: Express): RouteEntry[] {
  const out: RouteEntry[] = [];
  const walk = (stack: LayerLike[], prefix: string): void => {
    for (const layer of stack) {
      if (layer.route) {
        const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        for (const raw of paths) {
          const p = raw instanceof RegExp ? String(raw) : typeof raw === 'string' ? raw : undefined;
          if (p === undefined) continue;
          for (const [m, on] of Object.entries(layer.route.methods)) if (on && m !== '_all') out.push({ method: m.toUpperCase(), path: join(prefix, p) });
          if (layer.route.methods._all) out.push({ method: 'ALL', path: join(prefix, p) });
        }
      } else if (layer.handle?.stack) {
        walk(layer.handle.stack, typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? join(prefix, layer.rawPath) : prefix);
      } else if (typeof layer.rawPath === 'string' && layer.rawPath !== '/') {
        out.push({ method: 'USE', path: join(prefix, layer.rawPath) });
      }
    }
  };
  const router = (app as unknown as { router?: { stack: LayerLike[] } }).router;
  walk(router?.stack ?? [], '');
  return out;
}

function join(prefix: string, path: string): string {
  return prefix ? prefix.replace(/\/$/, '') + (path.startsWith('/') ? path : `/${path}`) : path;
}
