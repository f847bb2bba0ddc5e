// The app's data changed outside the conversation's own signal: a collection written through the
// SDK's DataService (by a chat turn, a task, a workflow's action, a data handler, a setting saved
// from a page; settings and the KV store are collections too) or a session's data saved
// (SessionService.SaveSessionData, or a React page's useSession().set/publish:
// pages/session-data.ts). Open pages follow it (GET /api/pages/<app>/changes, SSE) and read their
// data widgets again. Cheap by design: nothing is kept while no page listens, and the
// changes of one app within `delayMs` go out as one notice (which sessions' data changed, and
// whether a collection did).
import type { DataChange } from '../hub';

/** More sessions than this in one notice: the notice says "any session" (`sessions: null`). */
const SESSIONS_PER_NOTICE = 20;

interface Pending {
  sessions: Set<string> | null;
  collections: boolean;
  timer: NodeJS.Timeout;
}

export class DataChanges {
  private readonly listeners = new Set<(c: DataChange) => void>();
  private readonly pending = new Map<string, Pending>();

  constructor(private readonly delayMs = 150) {}

  /** A write of `app`'s data: a session's data (`sessionId`) or a collection. */
  note(app: string, what: { sessionId?: string; collection?: boolean }): void {
    if (!this.listeners.size || !app) return;
    let p = this.pending.get(app);
    if (!p) {
      p = { sessions: new Set(), collections: false, timer: setTimeout(() => this.flush(app), this.delayMs) };
      p.timer.unref();
      this.pending.set(app, p);
    }
    if (what.collection) p.collections = true;
    if (what.sessionId && p.sessions) {
      p.sessions.add(what.sessionId);
      if (p.sessions.size > SESSIONS_PER_NOTICE) p.sessions = null;
    }
  }

  subscribe(listener: (c: DataChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private flush(app: string): void {
    const p = this.pending.get(app);
    this.pending.delete(app);
    if (!p) return;
    const change: DataChange = { app, sessions: p.sessions ? [...p.sessions] : null, collections: p.collections };
    for (const l of this.listeners) {
      try {
        l(change);
      } catch {
        this.listeners.delete(l);
      }
    }
  }

  close(): void {
    for (const p of this.pending.values()) clearTimeout(p.timer);
    this.pending.clear();
    this.listeners.clear();
  }
}
