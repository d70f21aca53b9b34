import {
  MetricSplit,
  type MetricName,
  type MetricPoint,
  type MetricSeries,
  type SeriesPoint,
} from '../../shared/schemas/records';
import type { SeriesQuery } from '../../shared/api/contract';
import { ChunkedInsert } from './chunked-insert';
import { downsampleRange } from './downsample';
import type { SeriesIndex, SeriesState } from './metric-series-index';
import { SummaryReader, SummaryWriter } from './metric-summary';
import { parseColumn } from './row-values';
import type { Db } from './sqlite';
import type { MetricStore, PointColumns, TimedPointRow } from './types';

const SPLITS: ReadonlySet<string> = new Set(MetricSplit.options);

/** The points of one (name, split) within a batch, with what decides the summary's fast path. */
interface SeriesBatch {
  name: string;
  split: MetricSplit;
  points: MetricPoint[];
  increasing: boolean;
  minStep: number;
  maxStep: number;
}

/**
 * Callers validate requests with zod, but the trainer writes here directly and SQLite would turn a NaN
 * into NULL; check the few properties that matter with plain comparisons (zod per point would cost more
 * than the insert itself).
 */
function checkPoint(p: MetricPoint, index: number): void {
  // Plain comparisons first; the message (and its closure) is only built for a bad point.
  if (
    typeof p.name === 'string' &&
    p.name.length > 0 &&
    SPLITS.has(p.split) &&
    Number.isSafeInteger(p.step) &&
    p.step >= 0 &&
    Number.isFinite(p.epoch) &&
    p.epoch >= 0 &&
    Number.isFinite(p.value)
  ) {
    return;
  }
  const where = `metric point ${index} (${String(p.name)}/${String(p.split)} at step ${String(p.step)})`;
  if (typeof p.name !== 'string' || p.name.length === 0)
    throw new TypeError(`${where}: the name must be a non-empty string`);
  if (!SPLITS.has(p.split)) throw new TypeError(`${where}: the split must be one of ${[...SPLITS].join(', ')}`);
  if (!Number.isSafeInteger(p.step) || p.step < 0)
    throw new RangeError(`${where}: the step must be a non-negative integer`);
  if (!Number.isFinite(p.epoch) || p.epoch < 0) throw new RangeError(`${where}: the epoch must be a finite number ≥ 0`);
  throw new RangeError(`${where}: the value must be finite, got ${String(p.value)}`);
}

function groupBySeries(points: readonly MetricPoint[]): SeriesBatch[] {
  const bySplit = new Map<string, Map<string, SeriesBatch>>();
  const batches: SeriesBatch[] = [];
  let last: SeriesBatch | undefined;
  for (let i = 0; i < points.length; i++) {
    const p = points[i]!;
    checkPoint(p, i);
    let batch = last && last.name === p.name && last.split === p.split ? last : undefined;
    if (!batch) {
      let byName = bySplit.get(p.split);
      if (!byName) bySplit.set(p.split, (byName = new Map()));
      batch = byName.get(p.name);
      if (!batch) {
        batch = { name: p.name, split: p.split, points: [], increasing: true, minStep: p.step, maxStep: p.step };
        byName.set(p.name, batch);
        batches.push(batch);
      }
    }
    const previous = batch.points.at(-1);
    if (previous && p.step <= previous.step) batch.increasing = false;
    if (p.step < batch.minStep) batch.minStep = p.step;
    if (p.step > batch.maxStep) batch.maxStep = p.step;
    batch.points.push(p);
    last = batch;
  }
  return batches;
}

export function createMetricStore(db: Db, file: string, index: SeriesIndex): MetricStore {
  const reader = new SummaryReader(db, file);
  const summary = new SummaryWriter(db, file);
  // Appends cannot conflict; a rewritten step keeps one value (a run resumed from a checkpoint replays steps).
  const appendPoints = new ChunkedInsert(
    db,
    5,
    (values) => `INSERT INTO metric_points (series_id, step, epoch, value, wall_time) VALUES ${values}`,
  );
  const upsertPoints = new ChunkedInsert(
    db,
    5,
    (values) => `INSERT INTO metric_points (series_id, step, epoch, value, wall_time) VALUES ${values}
      ON CONFLICT (series_id, step) DO UPDATE SET epoch = excluded.epoch, value = excluded.value,
        wall_time = excluded.wall_time`,
  );
  const seriesOfRun = db.prepare<[number], { id: number }>('SELECT id FROM metric_series WHERE run_id = ?');
  const deletePointsFrom = db.prepare<[number, number]>('DELETE FROM metric_points WHERE series_id = ? AND step >= ?');
  const lastStepOf = db
    .prepare<[number], number | null>('SELECT max(step) FROM metric_points WHERE series_id = ?')
    .pluck();
  const saveTotals = db.prepare<[number, number | null, number]>(
    'UPDATE metric_series SET point_count = ?, last_step = ? WHERE id = ?',
  );
  const deleteSeries = db.prepare<[number]>('DELETE FROM metric_series WHERE id = ?');
  const truncateAll = db.transaction((runId: number, fromStep: number): number => {
    let removed = 0;
    for (const { id } of seriesOfRun.all(runId)) {
      const deleted = deletePointsFrom.run(id, fromStep).changes;
      if (deleted === 0) continue;
      removed += deleted;
      const lastStep = lastStepOf.get(id) ?? null;
      if (lastStep === null) {
        deleteSeries.run(id); // its trigger removes what is left of its summary
        continue;
      }
      summary.truncate(id, fromStep);
      saveTotals.run(reader.pointCount(id), lastStep, id);
    }
    return removed;
  });
  const pageOf = db
    .prepare<[number, number, number], TimedPointRow>(
      'SELECT step, epoch, value, wall_time FROM metric_points WHERE series_id = ? AND step > ? ORDER BY step LIMIT ?',
    )
    .raw(true);
  // pageInto: better-sqlite3 builds each result row through V8's API (an array and a call per column), which costs
  // more than SQLite's own read; a SQL function that copies each row into typed arrays costs half. It is the scan's
  // filter: false while it takes points, true at the first one past the page's end, which LIMIT 1 stops at. The scan
  // follows the primary key in step order; the check of that order makes any other plan an error, never bad data.
  let into: PointColumns | undefined;
  let filled = 0;
  db.function(
    'bl_page_into',
    { directOnly: true, deterministic: false },
    (step: number, epoch: number, value: number, wallTime: number | null) => {
      if (!into) throw new Error('bl_page_into is only called by MetricStore.pageInto');
      if (filled === into.step.length) return 1;
      if (filled > 0 && step <= into.step[filled - 1]!) throw new Error('bl_page_into: points out of step order');
      into.step[filled] = step;
      into.epoch[filled] = epoch;
      into.value[filled] = value;
      into.wallTime[filled] = wallTime ?? Number.NaN;
      filled++;
      return 0;
    },
  );
  const pageIntoOf = db.prepare<[number, number], number>(
    `SELECT step FROM metric_points
      WHERE series_id = ? AND step > ? AND bl_page_into(step, epoch, value, wall_time) ORDER BY step LIMIT 1`,
  );
  const namesOf = db.prepare<[number], { name: string; split: string; count: number }>(
    'SELECT name, split, point_count AS count FROM metric_series WHERE run_id = ? ORDER BY name, split',
  );

  function appendBatch(runId: number, batch: SeriesBatch, wallTime: number | null): void {
    const series: SeriesState = index.findOrCreate(runId, batch.name, batch.split);
    const points = batch.points;
    const appending = batch.increasing && (series.lastStep === null || batch.minStep > series.lastStep);
    (appending ? appendPoints : upsertPoints).run(points.length, (args, at, i) => {
      const p = points[i]!;
      args[at] = series.id;
      args[at + 1] = p.step;
      args[at + 2] = p.epoch;
      args[at + 3] = p.value;
      args[at + 4] = wallTime;
    });
    if (appending) {
      summary.appendSorted(series.id, points);
      series.count += points.length;
    } else {
      const steps = points.map((p) => p.step);
      summary.recompute(series.id, steps);
      series.count = reader.pointCount(series.id);
    }
    series.firstStep = series.firstStep === null ? batch.minStep : Math.min(series.firstStep, batch.minStep);
    series.lastStep = series.lastStep === null ? batch.maxStep : Math.max(series.lastStep, batch.maxStep);
    index.saveTotals(series);
  }

  const insertAll = db.transaction((runId: number, batches: readonly SeriesBatch[], wallTime: number | null) => {
    for (const batch of batches) appendBatch(runId, batch, wallTime);
  });

  return {
    insert(runId, points, wallTime) {
      if (points.length === 0) return;
      if (wallTime !== undefined && (!Number.isSafeInteger(wallTime) || wallTime < 0)) {
        throw new RangeError(`the wall time of a metric batch must be ms since the epoch, got ${String(wallTime)}`);
      }
      const batches = groupBySeries(points);
      try {
        // IMMEDIATE takes the write lock before the series lookups read anything, so that waiting for
        // another writer goes through the busy timeout instead of failing on a stale read snapshot.
        insertAll.immediate(runId, batches, wallTime ?? null);
      } catch (error) {
        // The cached totals were advanced inside the transaction that just rolled back.
        index.forget();
        throw error;
      }
    },

    truncate(runId, fromStep) {
      if (!Number.isSafeInteger(fromStep) || fromStep < 0) {
        throw new RangeError(`truncate needs a non-negative integer step, got ${fromStep}`);
      }
      try {
        return truncateAll.immediate(runId, fromStep);
      } finally {
        // Totals and last steps changed under the cache (or the transaction rolled back): reload on next use.
        index.forget();
      }
    },

    names(runId): MetricName[] {
      return namesOf.all(runId).map((row) => ({
        name: row.name,
        split: parseColumn(MetricSplit, row.split, `the split of metric ${row.name} of run ${runId}`, file),
        count: row.count,
      }));
    },

    page(runId, name, split, afterStep, limit) {
      const series = index.find(runId, name, split);
      return series ? pageOf.all(series.id, afterStep, limit) : [];
    },

    pageInto(runId, name, split, afterStep, columns) {
      const series = index.find(runId, name, split);
      if (!series) return 0;
      into = columns;
      filled = 0;
      try {
        pageIntoOf.get(series.id, afterStep);
        return filled;
      } finally {
        into = undefined;
      }
    },

    series(query: SeriesQuery): MetricSeries {
      const { runId, name, split, maxPoints } = query;
      const empty: MetricSeries = { runId, name, split, total: 0, downsampled: false, points: [] };
      const series = index.find(runId, name, split);
      if (!series || series.firstStep === null || series.lastStep === null) return empty;
      const lo = Math.max(query.fromStep ?? series.firstStep, series.firstStep);
      const hi = Math.min(query.toStep ?? series.lastStep, series.lastStep);
      if (lo > hi) return empty;
      const whole = lo === series.firstStep && hi === series.lastStep;
      if (maxPoints === undefined || (whole && series.count <= maxPoints)) {
        const points: SeriesPoint[] = reader.rawPoints(series.id, lo, hi);
        return { ...empty, total: points.length, points };
      }
      return { ...empty, ...downsampleRange(reader, series.id, lo, hi, maxPoints) };
    },
  };
}
