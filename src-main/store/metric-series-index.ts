import type { MetricSplit } from '../../shared/schemas/records';
import { isForeignKeyViolation, type Db, type Statement } from './sqlite';

/** A series' identity and the running totals kept on its metric_series row. */
export interface SeriesState {
  id: number;
  count: number;
  firstStep: number | null;
  lastStep: number | null;
}

interface SeriesRow {
  id: number;
  count: number;
  firstStep: number | null;
  lastStep: number | null;
}

/**
 * Finds (run, name, split) → series, with a per-store cache: a training run appends to the same few
 * series thousands of times, and the cached last step is what tells an append (the fast summary path)
 * from a rewrite. The store is the only writer of its file, so the cache is authoritative; it is
 * dropped whenever rows may have gone away (a delete, a failed transaction).
 */
export class SeriesIndex {
  private readonly cache = new Map<number, Map<string, SeriesState>>();
  private readonly select: Statement<[number, string, string], SeriesRow>;
  private readonly insert: Statement<[number, string, string], SeriesRow>;
  private readonly update: Statement<[number, number | null, number | null, number]>;

  constructor(db: Db) {
    const columns = 'id, point_count AS count, first_step AS firstStep, last_step AS lastStep';
    this.select = db.prepare(`SELECT ${columns} FROM metric_series WHERE run_id = ? AND name = ? AND split = ?`);
    this.insert = db.prepare(`INSERT INTO metric_series (run_id, name, split) VALUES (?, ?, ?) RETURNING ${columns}`);
    this.update = db.prepare('UPDATE metric_series SET point_count = ?, first_step = ?, last_step = ? WHERE id = ?');
  }

  find(runId: number, name: string, split: MetricSplit): SeriesState | undefined {
    const key = `${split}\u0000${name}`;
    const cached = this.cache.get(runId)?.get(key);
    if (cached) return cached;
    const row = this.select.get(runId, name, split);
    return row ? this.remember(runId, key, row) : undefined;
  }

  /** Must run inside the caller's transaction, which also covers the points written to the series. */
  findOrCreate(runId: number, name: string, split: MetricSplit): SeriesState {
    const found = this.find(runId, name, split);
    if (found) return found;
    try {
      const row = this.insert.get(runId, name, split);
      if (!row) throw new Error(`metric series ${name}/${split} of run ${runId} was not created`);
      return this.remember(runId, `${split}\u0000${name}`, row);
    } catch (error) {
      if (isForeignKeyViolation(error))
        throw new Error(`run ${runId} does not exist; its metrics cannot be stored`, { cause: error });
      throw error;
    }
  }

  saveTotals(state: SeriesState): void {
    this.update.run(state.count, state.firstStep, state.lastStep, state.id);
  }

  forget(): void {
    this.cache.clear();
  }

  private remember(runId: number, key: string, row: SeriesRow): SeriesState {
    let byKey = this.cache.get(runId);
    if (!byKey) {
      byKey = new Map();
      this.cache.set(runId, byKey);
    }
    const state: SeriesState = { ...row };
    byKey.set(key, state);
    return state;
  }
}
