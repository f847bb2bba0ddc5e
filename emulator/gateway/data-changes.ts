// The app's data changed outside the conversation's own signal: a collection written through the
// SDK's DataService (by a chat turn, a task, a workflow's action, a data handler, a setting saved
// from a page; settings and the KV store are collections too) or a session's data saved
// (SessionService.SaveSessionData, or a React page's useSession().set/publish:
// pages/session-data.ts), or a background task's status changed (the task queue: queued,
// scheduled, claimed, running, retry, completed, failed, cancelled, timeout). Open pages follow it
// (GET /api/pages/<app>/changes, SSE) and read their data widgets, task boards and run lists
// again. Cheap by design: nothing is kept while no page listens, and the changes of one app within
// `delayMs` go out as one notice (which sessions' data changed, whether a collection did, and
// which tasks have which status now). A task is named by its id and status only: never its name,
// kwargs (the app's payload) or error.
import type { DataChange } from '../hub';

/** More sessions than this in one notice: the notice says "any session" (`sessions: null`). */
const SESSIONS_PER_NOTICE = 20;
/** More tasks than this in one notice: the notice says "any task" (`tasks: null`). */
const TASKS_PER_NOTICE = 50;

interface Pending {
  sessions: Set<string> | null;
  collections: boolean;
  /** Task id → its latest status in this window; null: too many. */
  tasks: Map<string, string> | null;
  timer: NodeJS.Timeout;
}

export class DataChanges {
  private readonly listeners = new Set<(c: DataChange) => void>();
  private readonly pending = new Map<string, Pending>();

  constructor(private readonly delayMs = 150) {}

  /** A write of `app`'s data: a session's data (`sessionId`), a collection, or a task's status (`task`: its id and status only). */
  note(app: string, what: { sessionId?: string; collection?: boolean; task?: { id: string; status: string } }): void {
    if (!this.listeners.size || !app) return;
    let p = this.pending.get(app);
    if (!p) {
      p = { sessions: new Set(), collections: false, tasks: new Map(), timer: setTimeout(() => this.flush(app), this.delayMs) };
      p.timer.unref();
      this.pending.set(app, p);
    }
    if (what.collection) p.collections = true;
    if (what.sessionId && p.sessions) {
      p.sessions.add(what.sessionId);
      if (p.sessions.size > SESSIONS_PER_NOTICE) p.sessions = null;
    }
    if (what.task && p.tasks) {
      // Only the two strings go on: whatever else the caller's object holds stays here.
      p.tasks.delete(what.task.id);
      p.tasks.set(String(what.task.id), String(what.task.status));
      if (p.tasks.size > TASKS_PER_NOTICE) p.tasks = null;
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
    const change: DataChange = { app, sessions: p.sessions ? [...p.sessions] : null, collections: p.collections, tasks: p.tasks ? [...p.tasks].map(([id, status]) => ({ id, status })) : null };
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
