import type { SeriesPoint } from '../../shared/schemas/records';
import { ChunkedInsert } from './chunked-insert';
import { absorbPoint, extremesOfPoints, mergeExtremes, pointExtremes, type Extremes } from './metric-extremes';
import type { Db, Statement } from './sqlite';

/**
 * The multi-resolution summary behind fast down-sampling (table metric_summary, schema v2).
 *
 * Level `shift` cuts a series' step axis into aligned blocks of 2^shift steps and keeps, per non-empty
 * block, its point count and its min and max points. Levels double from 16 steps to ~1M steps, so any
 * query finds a level whose blocks are at most twice as wide as the buckets it wants: a 10k-point view
 * of a 1M-point series reads ~4k summary rows instead of a million points. Blocks are aligned on steps
 * rather than on point rank so that a late or replaced point only touches the blocks around its step.
 */
export const SUMMARY_BASE_SHIFT = 4;
export const SUMMARY_TOP_SHIFT = 20;

/** The base level is 16 steps wide: finer levels would cost more rows than the points they summarise. */
export const SUMMARY_BASE_SIZE = 2 ** SUMMARY_BASE_SHIFT;

export interface BlockExtremes extends Extremes {
  block: number;
}

/** Where a summary row or a point sits; steps are integers up to 2^53, beyond the reach of `>>`. */
export function blockOf(step: number, shift: number): number {
  return Math.floor(step / 2 ** shift);
}

type SummaryRow = [number, number, number, number, number, number, number, number];

const SUMMARY_COLUMNS = 'block, count, min_step, min_epoch, min_value, max_step, max_epoch, max_value';

function fromRow(row: SummaryRow): BlockExtremes {
  const [block, count, minStep, minEpoch, minValue, maxStep, maxEpoch, maxValue] = row;
  return { block, count, minStep, minEpoch, minValue, maxStep, maxEpoch, maxValue };
}

/** One level's blocks from sorted points (or sorted finer blocks): consecutive members share a block. */
function blocksOfSorted(points: readonly SeriesPoint[], shift: number): BlockExtremes[] {
  const out: BlockExtremes[] = [];
  let current: BlockExtremes | undefined;
  for (const p of points) {
    const block = blockOf(p.step, shift);
    if (current && current.block === block) absorbPoint(current, p.step, p.epoch, p.value);
    else {
      current = { block, ...pointExtremes(p.step, p.epoch, p.value) };
      out.push(current);
    }
  }
  return out;
}

function coarsen(blocks: readonly BlockExtremes[]): BlockExtremes[] {
  const out: BlockExtremes[] = [];
  let current: BlockExtremes | undefined;
  for (const b of blocks) {
    const parent = Math.floor(b.block / 2);
    if (current && current.block === parent) mergeExtremes(current, b);
    else {
      current = { ...b, block: parent };
      out.push(current);
    }
  }
  return out;
}

function uniqueSorted(values: Iterable<number>): number[] {
  return [...new Set(values)].sort((a, b) => a - b);
}

/** Reads of the summary and of the raw points around it; every statement prepared once per store. */
export class SummaryReader {
  private readonly levelRange: Statement<[number, number, number, number], SummaryRow>;
  private readonly single: Statement<[number, number, number], SummaryRow>;
  private readonly points: Statement<[number, number, number], SeriesPoint>;

  constructor(db: Db) {
    this.levelRange = db
      .prepare<[number, number, number, number], SummaryRow>(
        `SELECT ${SUMMARY_COLUMNS} FROM metric_summary
         WHERE series_id = ? AND level = ? AND block BETWEEN ? AND ? ORDER BY block`,
      )
      .raw(true);
    this.single = db
      .prepare<[number, number, number], SummaryRow>(
        `SELECT ${SUMMARY_COLUMNS} FROM metric_summary WHERE series_id = ? AND level = ? AND block = ?`,
      )
      .raw(true);
    this.points = db.prepare<[number, number, number], SeriesPoint>(
      'SELECT step, epoch, value FROM metric_points WHERE series_id = ? AND step BETWEEN ? AND ? ORDER BY step',
    );
  }

  blocks(seriesId: number, shift: number, fromBlock: number, toBlock: number): BlockExtremes[] {
    return this.levelRange.all(seriesId, shift, fromBlock, toBlock).map(fromRow);
  }

  block(seriesId: number, shift: number, block: number): BlockExtremes | undefined {
    const row = this.single.get(seriesId, shift, block);
    return row ? fromRow(row) : undefined;
  }

  rawPoints(seriesId: number, fromStep: number, toStep: number): SeriesPoint[] {
    return this.points.all(seriesId, fromStep, toStep);
  }

  /**
   * Exact extremes of any step range [lo, hi], without reading more than a few dozen rows: the ragged
   * ends below the base level come from the points, then each level contributes at most one block per
   * end until the remaining middle is a run of top-level blocks (a segment-tree walk).
   */
  rangeExtremes(seriesId: number, lo: number, hi: number): Extremes | undefined {
    let acc: Extremes | undefined;
    const add = (e: Extremes | undefined) => {
      if (!e) return;
      if (acc) mergeExtremes(acc, e);
      else acc = { ...e };
    };
    let start = lo;
    let end = hi + 1; // half-open from here on
    const headEnd = Math.min(end, Math.ceil(start / SUMMARY_BASE_SIZE) * SUMMARY_BASE_SIZE);
    if (start < headEnd) {
      add(extremesOfPoints(this.rawPoints(seriesId, start, headEnd - 1)));
      start = headEnd;
    }
    const tailStart = Math.max(start, Math.floor(end / SUMMARY_BASE_SIZE) * SUMMARY_BASE_SIZE);
    if (tailStart < end) {
      add(extremesOfPoints(this.rawPoints(seriesId, tailStart, end - 1)));
      end = tailStart;
    }
    for (let shift = SUMMARY_BASE_SHIFT; shift < SUMMARY_TOP_SHIFT && start < end; shift++) {
      const size = 2 ** shift;
      if (start % (2 * size) !== 0) {
        add(this.block(seriesId, shift, start / size));
        start += size;
      }
      if (start < end && end % (2 * size) !== 0) {
        add(this.block(seriesId, shift, end / size - 1));
        end -= size;
      }
    }
    if (start < end) {
      const size = 2 ** SUMMARY_TOP_SHIFT;
      for (const b of this.blocks(seriesId, SUMMARY_TOP_SHIFT, start / size, end / size - 1)) add(b);
    }
    return acc;
  }
}

/** Keeps metric_summary in step with metric_points; callers run it inside the insert's transaction. */
export class SummaryWriter {
  private readonly merge: ChunkedInsert;
  private readonly replace: Statement<[number, number, number, number, number, number, number, number, number, number]>;
  private readonly reader: SummaryReader;

  constructor(db: Db) {
    const columns = `series_id, level, ${SUMMARY_COLUMNS}`;
    // The new rows of a batch only ever add points, so merging is exact: counts add, extremes compete.
    // An update's right-hand side sees the row as it was, so the min_step test still reads the old min_value.
    this.merge = new ChunkedInsert(
      db,
      10,
      (values) => `INSERT INTO metric_summary (${columns}) VALUES ${values}
        ON CONFLICT (series_id, level, block) DO UPDATE SET
          count = count + excluded.count,
          min_step = iif(excluded.min_value < min_value, excluded.min_step, min_step),
          min_epoch = iif(excluded.min_value < min_value, excluded.min_epoch, min_epoch),
          min_value = min(min_value, excluded.min_value),
          max_step = iif(excluded.max_value > max_value, excluded.max_step, max_step),
          max_epoch = iif(excluded.max_value > max_value, excluded.max_epoch, max_epoch),
          max_value = max(max_value, excluded.max_value)`,
      [32, 8, 1],
    );
    this.replace = db.prepare(
      `INSERT OR REPLACE INTO metric_summary (${columns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.reader = new SummaryReader(db);
  }

  /**
   * The fast path: `points` are strictly increasing in step and all later than anything stored for the
   * series, so each level's blocks can be built in one pass and merged into the stored rows.
   */
  appendSorted(seriesId: number, points: readonly SeriesPoint[]): void {
    const rows: { shift: number; b: BlockExtremes }[] = [];
    let level = blocksOfSorted(points, SUMMARY_BASE_SHIFT);
    for (let shift = SUMMARY_BASE_SHIFT; ; shift++) {
      for (const b of level) rows.push({ shift, b });
      if (shift === SUMMARY_TOP_SHIFT) break;
      level = coarsen(level);
    }
    this.merge.run(rows.length, (args, at, i) => {
      const { shift, b } = rows[i]!;
      args[at] = seriesId;
      args[at + 1] = shift;
      args[at + 2] = b.block;
      args[at + 3] = b.count;
      args[at + 4] = b.minStep;
      args[at + 5] = b.minEpoch;
      args[at + 6] = b.minValue;
      args[at + 7] = b.maxStep;
      args[at + 8] = b.maxEpoch;
      args[at + 9] = b.maxValue;
    });
  }

  /**
   * The slow path, for points written out of order or over existing steps (a run resumed from an
   * earlier checkpoint): a replaced value may have been a block's extreme, so the blocks holding
   * `steps` are rebuilt from the points, and their ancestors from the level below.
   */
  recompute(seriesId: number, steps: Iterable<number>): void {
    let blocks = uniqueSorted([...steps].map((s) => blockOf(s, SUMMARY_BASE_SHIFT)));
    for (const block of blocks) {
      const from = block * SUMMARY_BASE_SIZE;
      const e = extremesOfPoints(this.reader.rawPoints(seriesId, from, from + SUMMARY_BASE_SIZE - 1));
      if (e) this.write(seriesId, SUMMARY_BASE_SHIFT, block, e);
    }
    for (let shift = SUMMARY_BASE_SHIFT + 1; shift <= SUMMARY_TOP_SHIFT; shift++) {
      blocks = uniqueSorted(blocks.map((b) => Math.floor(b / 2)));
      for (const block of blocks) {
        const children = this.reader.blocks(seriesId, shift - 1, 2 * block, 2 * block + 1);
        const first = children[0];
        if (!first) continue;
        const e: Extremes = { ...first };
        for (const child of children.slice(1)) mergeExtremes(e, child);
        this.write(seriesId, shift, block, e);
      }
    }
  }

  private write(seriesId: number, shift: number, block: number, e: Extremes): void {
    this.replace.run(
      seriesId,
      shift,
      block,
      e.count,
      e.minStep,
      e.minEpoch,
      e.minValue,
      e.maxStep,
      e.maxEpoch,
      e.maxValue,
    );
  }
}
