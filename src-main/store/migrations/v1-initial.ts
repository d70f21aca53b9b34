import { APPLICATION_ID } from '../open-database';
import type { Migration } from './migration';

/**
 * The first schema. Frozen: a database written by the first release holds exactly this, and the
 * fixture test/fixtures/store-v1.sqlite was made from it. Change the schema with a new migration.
 *
 * Metric points are keyed (series_id, step) WITHOUT ROWID, so a series is one contiguous range of the
 * primary b-tree: appends go to its right edge and a step-range read is one seek and a scan. They carry
 * no foreign key: checking one per point cost a quarter of the insert rate, the store only writes
 * series ids it has just looked up, and a trigger does the cascade instead.
 */
export const v1Initial: Migration = {
  version: 1,
  description: 'sessions, experiments, runs, metrics, checkpoints and events',
  up(db) {
    db.exec(`
      CREATE TABLE sessions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL,
        notes TEXT NOT NULL DEFAULT '',
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );

      CREATE TABLE experiments (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        schema_version INTEGER NOT NULL,
        spec TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX experiments_by_session ON experiments (session_id);

      CREATE TABLE runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        experiment_id INTEGER NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
        rule TEXT NOT NULL,
        seed INTEGER NOT NULL,
        status TEXT NOT NULL,
        backend TEXT,
        environment TEXT NOT NULL DEFAULT '{}',
        started_at INTEGER,
        ended_at INTEGER,
        error TEXT,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX runs_by_experiment ON runs (experiment_id);

      CREATE TABLE metric_series (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        split TEXT NOT NULL,
        UNIQUE (run_id, name, split)
      );

      CREATE TABLE metric_points (
        series_id INTEGER NOT NULL,
        step INTEGER NOT NULL,
        epoch REAL NOT NULL,
        value REAL NOT NULL,
        PRIMARY KEY (series_id, step)
      ) WITHOUT ROWID;
      CREATE TRIGGER metric_series_cascade AFTER DELETE ON metric_series BEGIN
        DELETE FROM metric_points WHERE series_id = old.id;
      END;

      CREATE TABLE checkpoints (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        step INTEGER NOT NULL,
        epoch REAL NOT NULL,
        data BLOB NOT NULL,
        created_at INTEGER NOT NULL,
        UNIQUE (run_id, step)
      );

      CREATE TABLE events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id INTEGER REFERENCES runs (id) ON DELETE CASCADE,
        session_id INTEGER REFERENCES sessions (id) ON DELETE CASCADE,
        level TEXT NOT NULL,
        kind TEXT NOT NULL,
        message TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
    `);
    db.pragma(`application_id = ${APPLICATION_ID}`);
  },
};
