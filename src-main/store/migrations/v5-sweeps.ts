import type { Migration } from './migration';

/**
 * What sweeps, parallel runs and imports need of the schema:
 * - runs.uid: an id that stays the same when a run moves between databases (a cluster task's own file, another
 *   machine's session), so that importing it twice adds it once. Existing runs get a random one.
 * - runs.sweep_values: the values a sweep point gave the run (JSON, field path → value); null outside sweeps.
 * - run_queue.priority: higher first, then in queued order.
 */
export const v5Sweeps: Migration = {
  version: 5,
  description: 'run uids, sweep values and queue priorities',
  up(db) {
    db.exec(`
      ALTER TABLE runs ADD COLUMN uid TEXT;
      UPDATE runs SET uid = lower(hex(randomblob(16)));
      CREATE UNIQUE INDEX runs_by_uid ON runs (uid);
      ALTER TABLE runs ADD COLUMN sweep_values TEXT;
      ALTER TABLE run_queue ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
      CREATE INDEX run_queue_by_priority ON run_queue (priority DESC, position);
    `);
  },
};
