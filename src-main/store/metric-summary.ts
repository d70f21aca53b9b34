import type { SeriesPoint } from '../../shared/schemas/records';
import { ChunkedInsert } from './chunked-insert';
import {
  absorbPoint,
  extremesOfPoints,
  mergeExtremes,
  pointExtremes,
  type BlockExtremes,
  type Extremes,
} from './metric-extremes';
import { BLOCK_SHIFT, BLOCK_SIZE, TILE_SHIFT, TILE_SIZE, TileBlocks, readTileLevel, tileOf } from './metric-tiles';
import type { Db, Statement } from './sqlite';
import { StoreError } from './types';

/**
 * The multi-resolution summary behind fast down-sampling (schema v2).
 *
 * Level `shift` cuts a series' step axis into aligned blocks of 2^shift steps; each non-empty block has
 * its point count and its min and max points. Levels double from 16 to 65536 steps, so any query finds
 * a level whose blocks are at most twice as wide as the buckets it wants: a 10k-point view of a
 * 1M-point series reads ~4k tiles instead of a million points. Levels 4…8 live in tiles (see
 * metric-tiles.ts); levels 9…16 are rows of metric_summary. Blocks are aligned on steps rather than on
 * point rank, so a late or replaced point only touches the blocks around its step.
 */
export const SUMMARY_BASE_SHIFT = BLOCK_SHIFT;
/**
 * Wider buckets merge several top-level blocks, which only views coarser than one bucket per 65536 steps
 * need (a sparkline of a very long run); each extra level costs a row write per series per insert.
 */
export const SUMMARY_TOP_SHIFT = 16;
export const SUMMARY_BASE_SIZE = BLOCK_SIZE;

/** Where a block sits on its level; steps are integers up to 2^53, beyond the reach of `>>`. */
export function blockOf(step: number, shift: number): number {
  return Math.floor(step / 2 ** shift);
}

type CoarseRow = [number, number, number, number, number, number, number, number];

const COARSE_COLUMNS = 'start_step, count, min_step, min_epoch, min_value, max_step, max_epoch, max_value';

function fromCoarseRow(row: CoarseRow, shift: number): BlockExtremes {
  const [startStep, count, minStep, minEpoch, minValue, maxStep, maxEpoch, maxValue] = row;
  return { block: startStep / 2 ** shift, count, minStep, minEpoch, minValue, maxStep, maxEpoch, maxValue };
}

/** Merges sorted blocks into their parents one level up. */
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
  private readonly tileRange: Statement<[number, number, number], [number, Buffer]>;
  private readonly coarseRange: Statement<[number, number, number, number], CoarseRow>;
  private readonly points: Statement<[number, number, number], SeriesPoint>;
  private readonly topCount: Statement<[number, number], number>;

  constructor(
    db: Db,
    private readonly file: string,
  ) {
    this.tileRange = db
      .prepare<[number, number, number], [number, Buffer]>(
        `SELECT start_step, extremes FROM metric_tiles
         WHERE series_id = ? AND start_step BETWEEN ? AND ? ORDER BY start_step`,
      )
      .raw(true);
    // The key is (series_id, start_step, level) so that an insert's rows sit together at the end of the
    // b-tree; a read of one level skips the other levels' rows of its range (about as many again).
    this.coarseRange = db
      .prepare<[number, number, number, number], CoarseRow>(
        `SELECT ${COARSE_COLUMNS} FROM metric_summary
         WHERE series_id = ? AND start_step BETWEEN ? AND ? AND level = ? ORDER BY start_step`,
      )
      .raw(true);
    this.points = db.prepare<[number, number, number], SeriesPoint>(
      'SELECT step, epoch, value FROM metric_points WHERE series_id = ? AND step BETWEEN ? AND ? ORDER BY step',
    );
    this.topCount = db
      .prepare<[number, number], number>(
        'SELECT coalesce(sum(count), 0) FROM metric_summary WHERE series_id = ? AND level = ?',
      )
      .pluck();
  }

  tiles(seriesId: number, fromTile: number, toTile: number): TileBlocks[] {
    return this.tileRange
      .all(seriesId, fromTile * TILE_SIZE, toTile * TILE_SIZE)
      .map(([start, blob]) => this.decoding(seriesId, start, () => TileBlocks.decode(start / TILE_SIZE, blob)));
  }

  /** A tile that cannot be decoded is a damaged row: say so with the file, like every other damaged value. */
  private decoding<T>(seriesId: number, start: number, decode: () => T): T {
    try {
      return decode();
    } catch (error) {
      throw new StoreError(
        'corrupt',
        this.file,
        `The database ${this.file} holds a damaged metric summary (series ${seriesId}, step ${start}): ` +
          `${error instanceof Error ? error.message : String(error)}. Its points are intact; the summary can be rebuilt.`,
        { cause: error },
      );
    }
  }

  tile(seriesId: number, tile: number): TileBlocks | undefined {
    return this.tiles(seriesId, tile, tile)[0];
  }

  blocks(seriesId: number, shift: number, fromBlock: number, toBlock: number): BlockExtremes[] {
    const size = 2 ** shift;
    if (shift > TILE_SHIFT) {
      return this.coarseRange
        .all(seriesId, fromBlock * size, toBlock * size, shift)
        .map((row) => fromCoarseRow(row, shift));
    }
    const out: BlockExtremes[] = [];
    for (const [start, blob] of this.tileRange.all(
      seriesId,
      tileOf(fromBlock * size) * TILE_SIZE,
      tileOf(toBlock * size) * TILE_SIZE,
    )) {
      this.decoding(seriesId, start, () => readTileLevel(start / TILE_SIZE, blob, shift, fromBlock, toBlock, out));
    }
    return out;
  }

  block(seriesId: number, shift: number, block: number): BlockExtremes | undefined {
    return this.blocks(seriesId, shift, block, block)[0];
  }

  rawPoints(seriesId: number, fromStep: number, toStep: number): SeriesPoint[] {
    return this.points.all(seriesId, fromStep, toStep);
  }

  /** The series' point count from the top level: a scan of its coarse summary, for the rare rewrite path. */
  pointCount(seriesId: number): number {
    return this.topCount.get(seriesId, SUMMARY_TOP_SHIFT) ?? 0;
  }

  /**
   * Exact extremes of any step range [lo, hi], reading a few dozen rows at most: the ragged ends below
   * 16 steps come from the points, then each level contributes at most one block per end until the
   * remaining middle is a run of top-level blocks (a segment-tree walk).
   */
  rangeExtremes(seriesId: number, lo: number, hi: number): Extremes | undefined {
    let acc: Extremes | undefined;
    const add = (e: Extremes | undefined) => {
      if (!e) return;
      if (acc) mergeExtremes(acc, e);
      else acc = { ...e };
    };
    // The walk asks for several blocks of the same tile; read each tile once.
    const tiles = new Map<number, Buffer | undefined>();
    const block = (shift: number, index: number): Extremes | undefined => {
      if (shift > TILE_SHIFT) return this.block(seriesId, shift, index);
      const tile = tileOf(index * 2 ** shift);
      if (!tiles.has(tile)) tiles.set(tile, this.tileRange.get(seriesId, tile * TILE_SIZE, tile * TILE_SIZE)?.[1]);
      const blob = tiles.get(tile);
      if (!blob) return undefined;
      const out: BlockExtremes[] = [];
      this.decoding(seriesId, tile * TILE_SIZE, () => readTileLevel(tile, blob, shift, index, index, out));
      return out[0];
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
        add(block(shift, start / size));
        start += size;
      }
      if (start < end && end % (2 * size) !== 0) {
        add(block(shift, end / size - 1));
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

/** Keeps metric_tiles and metric_summary in step with metric_points, inside the insert's transaction. */
export class SummaryWriter {
  private readonly writeTiles: ChunkedInsert;
  private readonly mergeCoarse: ChunkedInsert;
  private readonly replaceCoarse: Statement<
    [number, number, number, number, number, number, number, number, number, number]
  >;
  private readonly deleteCoarse: Statement<[number, number, number]>;
  private readonly deleteTile: Statement<[number, number]>;
  private readonly deleteFrom: Statement<[number, number]>[];
  private readonly reader: SummaryReader;

  constructor(db: Db, file: string) {
    this.writeTiles = new ChunkedInsert(
      db,
      3,
      (values) => `INSERT OR REPLACE INTO metric_tiles (series_id, start_step, extremes) VALUES ${values}`,
      [8, 1],
    );
    const columns = `series_id, level, ${COARSE_COLUMNS}`;
    // An append only ever adds points, so merging is exact: counts add, extremes compete. The right-hand
    // side of an upsert sees the row as it was, so the min_step test still reads the old min_value.
    this.mergeCoarse = new ChunkedInsert(
      db,
      10,
      (values) => `INSERT INTO metric_summary (${columns}) VALUES ${values}
        ON CONFLICT (series_id, start_step, level) DO UPDATE SET
          count = count + excluded.count,
          min_step = iif(excluded.min_value < min_value, excluded.min_step, min_step),
          min_epoch = iif(excluded.min_value < min_value, excluded.min_epoch, min_epoch),
          min_value = min(min_value, excluded.min_value),
          max_step = iif(excluded.max_value > max_value, excluded.max_step, max_step),
          max_epoch = iif(excluded.max_value > max_value, excluded.max_epoch, max_epoch),
          max_value = max(max_value, excluded.max_value)`,
      [16, 4, 1],
    );
    this.replaceCoarse = db.prepare(
      `INSERT OR REPLACE INTO metric_summary (${columns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.deleteCoarse = db.prepare('DELETE FROM metric_summary WHERE series_id = ? AND start_step = ? AND level = ?');
    this.deleteTile = db.prepare('DELETE FROM metric_tiles WHERE series_id = ? AND start_step = ?');
    this.deleteFrom = ['metric_tiles', 'metric_summary'].map((table) =>
      db.prepare<[number, number]>(`DELETE FROM ${table} WHERE series_id = ? AND start_step >= ?`),
    );
    this.reader = new SummaryReader(db, file);
  }

  /**
   * The fast path: `points` are strictly increasing in step and all later than anything stored for the
   * series. Only the first tile can already exist (it may hold the series' last points); the levels
   * above tiles merge in what this batch adds.
   */
  appendSorted(seriesId: number, points: readonly SeriesPoint[]): void {
    const tiles: TileBlocks[] = [];
    let added: BlockExtremes[] = [];
    for (let i = 0; i < points.length;) {
      const first = points[i]!;
      const tile = tileOf(first.step);
      const end = (tile + 1) * TILE_SIZE;
      const blocks = (tiles.length === 0 ? this.reader.tile(seriesId, tile) : undefined) ?? new TileBlocks(tile);
      const fresh: BlockExtremes = { block: tile, ...pointExtremes(first.step, first.epoch, first.value) };
      blocks.absorb(first.step, first.epoch, first.value);
      for (i++; i < points.length && points[i]!.step < end; i++) {
        const p = points[i]!;
        blocks.absorb(p.step, p.epoch, p.value);
        absorbPoint(fresh, p.step, p.epoch, p.value);
      }
      tiles.push(blocks);
      added.push(fresh);
    }
    this.saveTiles(seriesId, tiles);

    const rows: { shift: number; b: BlockExtremes }[] = [];
    for (let shift = TILE_SHIFT + 1; shift <= SUMMARY_TOP_SHIFT; shift++) {
      added = coarsen(added);
      for (const b of added) rows.push({ shift, b });
    }
    // In key order, so that the statement walks the b-tree forwards.
    rows.sort((x, y) => x.b.block * 2 ** x.shift - y.b.block * 2 ** y.shift || x.shift - y.shift);
    this.mergeCoarse.run(rows.length, (args, at, i) => {
      const { shift, b } = rows[i]!;
      args[at] = seriesId;
      args[at + 1] = shift;
      args[at + 2] = b.block * 2 ** shift;
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
   * earlier checkpoint): a replaced value may have been a block's extreme, so the tiles holding `steps`
   * are rebuilt from the points, and the coarse blocks above them from the level below.
   */
  recompute(seriesId: number, steps: Iterable<number>): void {
    let blocks = uniqueSorted([...steps].map(tileOf));
    const rebuilt: TileBlocks[] = [];
    for (const tile of blocks) {
      const points = this.reader.rawPoints(seriesId, tile * TILE_SIZE, (tile + 1) * TILE_SIZE - 1);
      // A tile can only lose all its points to truncate(); its row goes with them.
      if (points.length > 0) rebuilt.push(TileBlocks.fromPoints(tile, points));
      else this.deleteTile.run(seriesId, tile * TILE_SIZE);
    }
    this.saveTiles(seriesId, rebuilt);
    for (let shift = TILE_SHIFT + 1; shift <= SUMMARY_TOP_SHIFT; shift++) {
      blocks = uniqueSorted(blocks.map((b) => Math.floor(b / 2)));
      for (const block of blocks) {
        const children =
          shift - 1 === TILE_SHIFT
            ? this.reader.tiles(seriesId, 2 * block, 2 * block + 1).map((t) => t.extremes())
            : this.reader.blocks(seriesId, shift - 1, 2 * block, 2 * block + 1);
        let e: Extremes | undefined;
        for (const child of children) {
          if (!child) continue;
          if (e) mergeExtremes(e, child);
          else e = { ...child };
        }
        const start = block * 2 ** shift;
        if (!e) this.deleteCoarse.run(seriesId, start, shift);
        else {
          this.replaceCoarse.run(
            seriesId,
            shift,
            start,
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
    }
  }

  /**
   * After the points at `fromStep` and later were deleted: blocks that start there or later held only
   * those points and go; the one block per level that straddles `fromStep` is rebuilt like a rewrite.
   */
  truncate(seriesId: number, fromStep: number): void {
    for (const statement of this.deleteFrom) statement.run(seriesId, fromStep);
    if (fromStep > 0) this.recompute(seriesId, [fromStep - 1]);
  }

  private saveTiles(seriesId: number, tiles: readonly TileBlocks[]): void {
    this.writeTiles.run(tiles.length, (args, at, i) => {
      const tile = tiles[i]!;
      args[at] = seriesId;
      args[at + 1] = tile.start;
      args[at + 2] = tile.encode();
    });
  }
}
