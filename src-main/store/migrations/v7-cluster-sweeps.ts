import type { Migration } from './migration';

/**
 * The cluster sweeps the app follows: each results folder (a job array's plan, script and task files on the shared
 * filesystem) with the session its runs are shown and imported in. Kept in the database so that following survives
 * a restart of the app; `ended_at` is set once every task has ended (a resubmission clears it).
 */
export const v7ClusterSweeps: Migration = {
  version: 7,
  description: 'followed cluster sweeps',
  up(db) {
    db.exec(`
      CREATE TABLE cluster_sweeps (
        results TEXT PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        added_at INTEGER NOT NULL,
        ended_at INTEGER
      );
    `);
  },
};
