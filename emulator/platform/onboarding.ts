// Onboarding completion (`await session.complete_onboarding()`): the platform keeps, per app and
// user, that the user finished the app's onboarding flow, and answers when. Kept in the
// collections database (table `onboarding`) beside the tasks, so it survives a restart; completing
// again keeps the first time, as a flag that is already set does. `reset` is the SDK's
// `serve --reset-onboarding` (and the dashboard's): the user goes through onboarding again.
import type { Database } from '../collections/database';

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
