import type { Migration } from './migration';

/**
 * The queue of runs waiting to train, kept in the database rather than in the host's memory, so that a
 * run's status and its place in the queue are written together and a crash cannot leave either behind.
 * `position` grows with every enqueue: the queue is served in that order.
 */
export const v4RunQueue: Migration = {
  version: 4,
  description: 'the run queue',
  up(db) {
    db.exec(`
      CREATE TABLE run_queue (
        position INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id INTEGER NOT NULL UNIQUE REFERENCES runs (id) ON DELETE CASCADE,
        backend TEXT NOT NULL,
        queued_at INTEGER NOT NULL
      );
    `);
  },
};
