import path from 'node:path';
import { createCheckpointStore } from './checkpoints';
import { createClusterSweepStore } from './cluster-sweeps';
import { createEventStore } from './events';
import { createExperimentStore } from './experiments';
import { SeriesIndex } from './metric-series-index';
import { createMetricStore } from './metrics';
import { LATEST_SCHEMA_VERSION, migrate } from './migrations';
import { openDatabase } from './open-database';
import { openDatabaseReadOnly } from './open-read-only';
import { createQueueStore } from './queue';
import { diskReserve } from './disk-reserve';
import { recoverInterruptedRuns } from './recovery';
import { createRunStore } from './runs';
import { createSessionStore } from './sessions';
import { createTemplateStore } from './templates';
import { guardMethods } from './guard';
import { createRunImporter } from './import-runs';
import { classifyOpenFailure, classifyRuntimeFailure } from './store-errors';
import type { Store, StoreOptions } from './types';

export { StoreError } from './types';
export { TemplateNameTaken } from './templates';
export type * from './types';
export { LATEST_SCHEMA_VERSION } from './migrations';

/** Short enough that a second app on the same file is told at once, long enough to ride out a checkpoint. */
export const DEFAULT_BUSY_TIMEOUT_MS = 2000;

/**
 * Opens the session database, creating it and its folder when missing, upgrading an older schema and marking
 * the runs a crashed process left unfinished as interrupted. With `readOnly` it does none of that and writes
 * nothing. Throws StoreError (corrupt, read_only, locked, disk_full, newer_schema, io; read-only also
 * missing and older_schema) without touching a file it cannot use.
 */
export function openStore(options: StoreOptions): Store {
  const file = path.resolve(options.path);
  const now = options.now ?? Date.now;
  const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  const readOnly = options.readOnly === true;
  const db = readOnly
    ? openDatabaseReadOnly(file, busyTimeoutMs, LATEST_SCHEMA_VERSION)
    : openDatabase(file, busyTimeoutMs, LATEST_SCHEMA_VERSION);
  try {
    const schemaVersion = readOnly ? LATEST_SCHEMA_VERSION : migrate(db).to;
    const series = new SeriesIndex(db);
    const forgetSeries = () => series.forget();
    const events = createEventStore(db, file, now);
    const interruptedAtOpen = Object.freeze(readOnly ? [] : recoverInterruptedRuns(db, events, now));
    const guard = <T extends object>(target: T): T =>
      guardMethods(target, (error) => classifyRuntimeFailure(error, file, busyTimeoutMs));
    const reserve = readOnly ? { release: () => false, restore: () => false } : diskReserve(`${file}-reserve`);
    reserve.restore();
    let closed = false;
    const stores = {
      sessions: guard(createSessionStore(db, now, forgetSeries)),
      experiments: guard(createExperimentStore(db, file, now, forgetSeries)),
      runs: guard(createRunStore(db, file, now)),
      metrics: guard(createMetricStore(db, file, series)),
      checkpoints: guard(createCheckpointStore(db, now)),
      events: guard(events),
    };
    return {
      path: file,
      schemaVersion,
      readOnly,
      interruptedAtOpen,
      ...stores,
      queue: guard(createQueueStore(db, now)),
      templates: guard(createTemplateStore(db, now)),
      clusterSweeps: guard(createClusterSweepStore(db, now)),
      imports: createRunImporter(db, stores, (source) => openStore({ path: source, readOnly: true }), busyTimeoutMs),
      diskReserve: reserve,
      close() {
        if (closed) return;
        closed = true;
        try {
          // Refreshes the planner statistics this session's writes made stale; cheap when nothing changed.
          if (!readOnly) db.pragma('optimize');
        } catch {
          // Statistics are an optimisation: a busy or full disk must not keep the file open.
        } finally {
          db.close();
        }
      },
    };
  } catch (error) {
    db.close();
    throw classifyOpenFailure(error, file, busyTimeoutMs);
  }
}
