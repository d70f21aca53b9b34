import os from 'node:os';
import type { SeriesPoint } from '../../shared/schemas/records';
import type { BlockExtremes, Extremes } from './metric-extremes';

/**
 * A tile is 256 aligned steps of one series, stored as one row of metric_tiles holding the extremes of
 * its sixteen 16-step blocks. Writing one row per 256 points instead of a row per block per level
 * (~125 rows per 1000 points) is what keeps the summary within the insert budget, and a chart's view of
 * a million points reads a few thousand tiles. Wider levels inside a tile (32…256 steps) are merged from
 * the blocks when read; levels above a tile are rows of metric_summary.
 *
 * Blob layout, Float64 values: a bit mask of the non-empty blocks, then for each of them in block order
 * count, min step, min epoch, min value, max step, max epoch, max value. At most 904 bytes, which stays
 * under the ~1000 bytes a WITHOUT ROWID row keeps on its b-tree page (larger rows spill to overflow
 * pages, which quadrupled the file's tile storage and the query time when tried).
 */
export const BLOCK_SHIFT = 4;
export const TILE_SHIFT = 8;
export const BLOCK_SIZE = 2 ** BLOCK_SHIFT;
export const TILE_SIZE = 2 ** TILE_SHIFT;
export const BLOCKS_PER_TILE = TILE_SIZE / BLOCK_SIZE;

const FIELDS = 7;

// The blob is a Float64Array's bytes in the machine's order; every platform Electron ships for is little-endian.
if (os.endianness() !== 'LE') throw new Error('the metric tile format assumes a little-endian machine');

export function tileOf(step: number): number {
  return Math.floor(step / TILE_SIZE);
}

/** The sixteen blocks of one tile, unpacked; a block with count 0 is empty. */
export class TileBlocks {
  readonly values = new Float64Array(BLOCKS_PER_TILE * FIELDS);

  constructor(readonly tile: number) {}

  get start(): number {
    return this.tile * TILE_SIZE;
  }

  absorb(step: number, epoch: number, value: number): void {
    const v = this.values;
    const at = (Math.floor(step / BLOCK_SIZE) - this.tile * BLOCKS_PER_TILE) * FIELDS;
    if (v[at] === 0) {
      v[at] = 1;
      v[at + 1] = v[at + 4] = step;
      v[at + 2] = v[at + 5] = epoch;
      v[at + 3] = v[at + 6] = value;
      return;
    }
    v[at] = v[at]! + 1;
    // Ties keep the earlier step, as everywhere in the summary (see mergeExtremes).
    if (value < v[at + 3]! || (value === v[at + 3]! && step < v[at + 1]!)) {
      v[at + 1] = step;
      v[at + 2] = epoch;
      v[at + 3] = value;
    }
    if (value > v[at + 6]! || (value === v[at + 6]! && step < v[at + 4]!)) {
      v[at + 4] = step;
      v[at + 5] = epoch;
      v[at + 6] = value;
    }
  }

  /** Everything in the tile: its one block at TILE_SHIFT. */
  extremes(): Extremes | undefined {
    const out: BlockExtremes[] = [];
    readTileLevel(this.tile, this.encode(), TILE_SHIFT, this.tile, this.tile, out);
    return out[0];
  }

  encode(): Buffer {
    const v = this.values;
    let mask = 0;
    let blocks = 0;
    for (let i = 0; i < BLOCKS_PER_TILE; i++) {
      if (v[i * FIELDS] !== 0) {
        mask |= 1 << i;
        blocks++;
      }
    }
    const out = new Float64Array(1 + blocks * FIELDS);
    out[0] = mask;
    let at = 1;
    for (let i = 0; i < BLOCKS_PER_TILE; i++) {
      if ((mask & (1 << i)) === 0) continue;
      out.set(v.subarray(i * FIELDS, (i + 1) * FIELDS), at);
      at += FIELDS;
    }
    return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
  }

  static decode(tile: number, blob: Uint8Array): TileBlocks {
    const { mask, stored } = unpack(tile, blob);
    const tileBlocks = new TileBlocks(tile);
    let at = 1;
    for (let i = 0; i < BLOCKS_PER_TILE; i++) {
      if ((mask & (1 << i)) === 0) continue;
      tileBlocks.values.set(stored.subarray(at, at + FIELDS), i * FIELDS);
      at += FIELDS;
    }
    return tileBlocks;
  }

  static fromPoints(tile: number, points: readonly SeriesPoint[]): TileBlocks {
    const tileBlocks = new TileBlocks(tile);
    for (const p of points) tileBlocks.absorb(p.step, p.epoch, p.value);
    return tileBlocks;
  }
}

function popcount(mask: number): number {
  let n = 0;
  for (let m = mask; m !== 0; m &= m - 1) n++;
  return n;
}

function unpack(tile: number, blob: Uint8Array): { mask: number; stored: Float64Array } {
  // Float64Array needs an 8-byte-aligned offset; copy when the blob's buffer does not provide one.
  const aligned = blob.byteOffset % 8 === 0 ? blob : blob.slice();
  if (aligned.byteLength % 8 !== 0 || aligned.byteLength === 0)
    throw new RangeError(`tile ${tile}: ${blob.byteLength} bytes`);
  const stored = new Float64Array(aligned.buffer, aligned.byteOffset, aligned.byteLength / 8);
  const mask = stored[0]!;
  if (
    !Number.isInteger(mask) ||
    mask <= 0 ||
    mask >= 2 ** BLOCKS_PER_TILE ||
    stored.length !== 1 + popcount(mask) * FIELDS
  ) {
    throw new RangeError(`tile ${tile}: block mask ${mask} does not match its ${blob.byteLength} bytes`);
  }
  return { mask, stored };
}

/**
 * Appends the non-empty blocks of level `shift` (BLOCK_SHIFT…TILE_SHIFT) that a stored tile holds within
 * [fromBlock, toBlock], straight from the blob: the read path of a chart query, which visits thousands of
 * tiles and must not build a TileBlocks (and an object per 16-step block) for each.
 */
export function readTileLevel(
  tile: number,
  blob: Uint8Array,
  shift: number,
  fromBlock: number,
  toBlock: number,
  out: BlockExtremes[],
): void {
  const { mask, stored } = unpack(tile, blob);
  const groupShift = shift - BLOCK_SHIFT; // block i of the tile lies in group i >> groupShift
  const firstOfTile = tile * (BLOCKS_PER_TILE >> groupShift);
  let current: BlockExtremes | undefined;
  let at = 1;
  for (let bits = mask; bits !== 0; bits &= bits - 1, at += FIELDS) {
    const i = 31 - Math.clz32(bits & -bits); // the lowest set bit: the next non-empty block
    const block = firstOfTile + (i >> groupShift);
    if (block < fromBlock || block > toBlock) continue;
    const count = stored[at]!;
    const minStep = stored[at + 1]!;
    const minValue = stored[at + 3]!;
    const maxStep = stored[at + 4]!;
    const maxValue = stored[at + 6]!;
    if (current === undefined || current.block !== block) {
      current = {
        block,
        count,
        minStep,
        minEpoch: stored[at + 2]!,
        minValue,
        maxStep,
        maxEpoch: stored[at + 5]!,
        maxValue,
      };
      out.push(current);
      continue;
    }
    // mergeExtremes, inlined: this loop runs ~60k times for one chart of a million points.
    current.count += count;
    if (minValue < current.minValue || (minValue === current.minValue && minStep < current.minStep)) {
      current.minStep = minStep;
      current.minEpoch = stored[at + 2]!;
      current.minValue = minValue;
    }
    if (maxValue > current.maxValue || (maxValue === current.maxValue && maxStep < current.maxStep)) {
      current.maxStep = maxStep;
      current.maxEpoch = stored[at + 5]!;
      current.maxValue = maxValue;
    }
  }
}
