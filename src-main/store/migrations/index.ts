import type { Db } from '../sqlite';
import type { Migration } from './migration';
import { v1Initial } from './v1-initial';
import { v2MetricSummary } from './v2-metric-summary';
import { v3Templates } from './v3-templates';
import { v4RunQueue } from './v4-run-queue';
import { v5Sweeps } from './v5-sweeps';
import { v6MetricWallTime } from './v6-metric-wall-time';
import { v7ClusterSweeps } from './v7-cluster-sweeps';

export type { Migration } from './migration';

/** In order, one per version, never edited once released. */
export const MIGRATIONS: readonly Migration[] = [
  v1Initial,
  v2MetricSummary,
  v3Templates,
  v4RunQueue,
  v5Sweeps,
  v6MetricWallTime,
  v7ClusterSweeps,
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS.length;

MIGRATIONS.forEach((m, i) => {
  if (m.version !== i + 1)
    throw new Error(`migration ${m.description} is numbered ${m.version} but is number ${i + 1}`);
});

/**
 * Brings the database to `target` (the latest by default), one transaction per migration, so a failure
 * leaves the file at the last version that completed. BEGIN IMMEDIATE takes the write lock up front:
 * another writer makes this fail fast (SQLITE_BUSY) instead of half-way through.
 */
export function migrate(db: Db, target: number = LATEST_SCHEMA_VERSION): { from: number; to: number } {
  const from = currentVersion(db);
  for (const migration of MIGRATIONS) {
    if (migration.version <= from || migration.version > target) continue;
    db.transaction(() => {
      // Re-read under the lock: another process may have upgraded the file since `from` was read.
      if (currentVersion(db) >= migration.version) return;
      migration.up(db);
      db.pragma(`user_version = ${migration.version}`);
    }).immediate();
  }
  return { from, to: currentVersion(db) };
}

export function currentVersion(db: Db): number {
  const version = db.pragma('user_version', { simple: true });
  if (typeof version !== 'number') throw new Error('PRAGMA user_version did not return a number');
  return version;
}
