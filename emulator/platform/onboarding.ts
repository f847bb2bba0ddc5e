// Onboarding completion (`await session.complete_onboarding()`): the platform keeps, per app and
// user, that the user finished the app's onboarding flow, and answers when. Kept in the
// collections database (table `onboarding`) beside the tasks, so it survives a restart; completing
// again keeps the first time, as a flag that is already set does. `reset` is the dashboard's (and
// `POST /api/onboarding/reset`): the user goes through onboarding again. The functions at the end
// are the store commands' (`capsule-local export`, `import`, `reset`), on the database file.
import { hasTable, type Database } from '../collections/database';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS onboarding (
  app TEXT NOT NULL,
  user_id TEXT NOT NULL,
  completed_at TEXT NOT NULL,
  PRIMARY KEY (app, user_id)
);
`;

export interface OnboardingRecord {
  app: string;
  userId: string;
  completedAt: string;
}

export class OnboardingRecords {
  private db: Database | undefined;

  constructor(
    private readonly database: () => Database,
    private readonly now: () => number,
    /** Whether the database file exists: reading the list never creates it. */
    private readonly exists: () => boolean,
  ) {}

  private get sql(): Database {
    if (!this.db) {
      const db = this.database();
      db.exec(SCHEMA);
      this.db = db;
    }
    return this.db;
  }

  /** Marks the user's onboarding of the app complete; the time it was (first) completed. */
  complete(app: string, userId: string): { completedAt: string; first: boolean } {
    const at = new Date(this.now()).toISOString();
    const inserted = this.sql.prepare('INSERT OR IGNORE INTO onboarding (app, user_id, completed_at) VALUES (?, ?, ?)').run(app, userId, at).changes === 1;
    const row = this.sql.prepare('SELECT completed_at FROM onboarding WHERE app = ? AND user_id = ?').get(app, userId) as { completed_at: string };
    return { completedAt: row.completed_at, first: inserted };
  }

  /** Forgets a completion (one user, or every user of the app); how many were forgotten. */
  reset(app: string, userId?: string): number {
    const run = userId === undefined ? this.sql.prepare('DELETE FROM onboarding WHERE app = ?').run(app) : this.sql.prepare('DELETE FROM onboarding WHERE app = ? AND user_id = ?').run(app, userId);
    return run.changes;
  }

  list(): OnboardingRecord[] {
    if (!this.db && !this.exists()) return [];
    return (this.sql.prepare('SELECT app, user_id, completed_at FROM onboarding ORDER BY completed_at').all() as Array<{ app: string; user_id: string; completed_at: string }>).map((r) => ({ app: r.app, userId: r.user_id, completedAt: r.completed_at }));
  }

  close(): void {
    this.db = undefined;
  }
}

/** Every completion, for `capsule-local export`. */
export function exportOnboarding(db: Database): OnboardingRecord[] {
  if (!hasTable(db, 'onboarding')) return [];
  return (db.prepare('SELECT app, user_id, completed_at FROM onboarding ORDER BY app, user_id').all() as Array<{ app: string; user_id: string; completed_at: string }>).map((r) => ({ app: r.app, userId: r.user_id, completedAt: r.completed_at }));
}

/** An export's `onboarding` section, checked whole before anything is imported. */
export function parseOnboardingExport(v: unknown): OnboardingRecord[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) throw new TypeError('"onboarding" must be an array of {app, userId, completedAt}');
  return v.map((r: unknown, i) => {
    const o = r as Record<string, unknown> | null;
    for (const k of ['app', 'userId', 'completedAt'] as const) {
      if (!o || typeof o !== 'object' || typeof o[k] !== 'string' || !o[k]) throw new TypeError(`"onboarding[${i}].${k}" must be a non-empty string`);
    }
    if (!Number.isFinite(Date.parse(o!.completedAt as string))) throw new TypeError(`"onboarding[${i}].completedAt" is not an ISO 8601 time`);
    return { app: o!.app as string, userId: o!.userId as string, completedAt: o!.completedAt as string };
  });
}

/** `import`: merge replaces a user's completion of the same app, replace makes the table the export. */
export function importOnboarding(db: Database, records: OnboardingRecord[], mode: 'merge' | 'replace'): number {
  db.exec(SCHEMA);
  return db.transaction(() => {
    if (mode === 'replace') db.prepare('DELETE FROM onboarding').run();
    const put = db.prepare('INSERT OR REPLACE INTO onboarding (app, user_id, completed_at) VALUES (?, ?, ?)');
    for (const r of records) put.run(r.app, r.userId, r.completedAt);
    return records.length;
  })();
}

/** `reset`: every user goes through onboarding again; how many completions were forgotten. */
export function clearOnboarding(db: Database): number {
  return hasTable(db, 'onboarding') ? db.prepare('DELETE FROM onboarding').run().changes : 0;
}
