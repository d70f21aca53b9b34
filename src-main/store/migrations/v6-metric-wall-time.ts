import type { Migration } from './migration';

/**
 * The clock time each metric point reached the host (milliseconds since the Unix epoch, UTC), for the tidy CSV's
 * wall_time column. Nullable: points stored before this version, and points imported from another database, have no
 * known time and stay NULL rather than getting a made-up one. Adding a nullable column rewrites no rows.
 */
export const v6MetricWallTime: Migration = {
  version: 6,
  description: 'wall time per metric point',
  up(db) {
    db.exec('ALTER TABLE metric_points ADD COLUMN wall_time INTEGER');
  },
};
