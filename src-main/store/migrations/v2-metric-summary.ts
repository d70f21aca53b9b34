import type { SeriesPoint } from '../../../shared/schemas/records';
import { SummaryWriter } from '../metric-summary';
import type { Migration } from './migration';

const BACKFILL_PAGE = 8192;

/**
 * Down-sampling a long series by scanning its points took seconds for a million points. v2 keeps
 * per-series totals and a multi-resolution min/max summary (tiles of 16-step blocks plus coarser rows,
 * see metric-summary.ts) maintained at insert time, and backfills both for the metrics a v1 database
 * already holds. It also adds the indexes v1 lacked for deleting a run's events and for finding
 * unfinished runs at start-up.
 *
 * The backfill uses today's SummaryWriter; if a later version changes the summary's layout, that
 * version's migration rebuilds the summary rather than editing this one.
 */
export const v2MetricSummary: Migration = {
  version: 2,
  description: 'metric series totals, multi-resolution metric summary, event and run-status indexes',
  up(db) {
    db.exec(`
      ALTER TABLE metric_series ADD COLUMN point_count INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE metric_series ADD COLUMN first_step INTEGER;
      ALTER TABLE metric_series ADD COLUMN last_step INTEGER;

      CREATE TABLE metric_tiles (
        series_id INTEGER NOT NULL,
        start_step INTEGER NOT NULL,
        extremes BLOB NOT NULL,
        PRIMARY KEY (series_id, start_step)
      ) WITHOUT ROWID;

      CREATE TABLE metric_summary (
        series_id INTEGER NOT NULL,
        start_step INTEGER NOT NULL,
        level INTEGER NOT NULL,
        count INTEGER NOT NULL,
        min_step INTEGER NOT NULL,
        min_epoch REAL NOT NULL,
        min_value REAL NOT NULL,
        max_step INTEGER NOT NULL,
        max_epoch REAL NOT NULL,
        max_value REAL NOT NULL,
        PRIMARY KEY (series_id, start_step, level)
      ) WITHOUT ROWID;

      -- Like metric_points, summary rows are removed by the series' trigger rather than by a foreign key.
      DROP TRIGGER metric_series_cascade;
      CREATE TRIGGER metric_series_cascade AFTER DELETE ON metric_series BEGIN
        DELETE FROM metric_points WHERE series_id = old.id;
        DELETE FROM metric_tiles WHERE series_id = old.id;
        DELETE FROM metric_summary WHERE series_id = old.id;
      END;

      CREATE INDEX events_by_run ON events (run_id);
      CREATE INDEX events_by_session ON events (session_id);
      CREATE INDEX runs_by_status ON runs (status);

      UPDATE metric_series SET
        point_count = (SELECT count(*) FROM metric_points p WHERE p.series_id = metric_series.id),
        first_step = (SELECT min(step) FROM metric_points p WHERE p.series_id = metric_series.id),
        last_step = (SELECT max(step) FROM metric_points p WHERE p.series_id = metric_series.id);
    `);
    const summary = new SummaryWriter(db, db.name);
    const seriesIds = db
      .prepare<[], number>('SELECT id FROM metric_series WHERE point_count > 0 ORDER BY id')
      .pluck()
      .all();
    // Paged rather than iterated: better-sqlite3 allows no writes while a statement is being iterated.
    const page = db.prepare<[number, number, number], SeriesPoint>(
      'SELECT step, epoch, value FROM metric_points WHERE series_id = ? AND step > ? ORDER BY step LIMIT ?',
    );
    for (const seriesId of seriesIds) {
      // Pages in step order are appends, so the summary is built in one pass by the insert-time code.
      let after = -1;
      for (;;) {
        const points = page.all(seriesId, after, BACKFILL_PAGE);
        const last = points.at(-1);
        if (!last) break;
        summary.appendSorted(seriesId, points);
        after = last.step;
      }
    }
  },
};
