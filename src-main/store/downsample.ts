import type { SeriesPoint } from '../../shared/schemas/records';
import { absorbPoint, mergeExtremes, pointExtremes, pushExtremePoints, type Extremes } from './metric-extremes';
import { SUMMARY_BASE_SHIFT, SUMMARY_TOP_SHIFT, blockOf, type SummaryReader } from './metric-summary';

/**
 * How a step range is cut into buckets. Buckets are aligned on multiples of their width, so that with
 * the summary every bucket is exactly a run of whole blocks (plus exactly computed ragged ends) and its
 * min and max are exact, not estimated.
 */
export type DownsamplePlan =
  { kind: 'single' } | { kind: 'points'; width: number } | { kind: 'summary'; shift: number; blocksPerBucket: number };

/**
 * Aligned buckets of width w over `span` steps number at most ceil((span - 1) / w) + 1, so a width of
 * span / (buckets - 1) keeps within the budget. The summary level chosen is the finest whose blocks are
 * that wide: one block per bucket, hence between buckets/2 and buckets buckets, read from at most as many
 * rows (levels below 256 steps come sixteen 16-step blocks to a tile row). Bucket edges follow steps, not
 * point counts, so a series with gaps fills fewer buckets: the x axis of a chart is the step.
 */
export function planDownsample(lo: number, hi: number, buckets: number): DownsamplePlan {
  if (buckets < 2) return { kind: 'single' };
  const minWidth = (hi - lo + 1) / (buckets - 1);
  if (minWidth < 2 ** SUMMARY_BASE_SHIFT) return { kind: 'points', width: Math.max(1, Math.ceil(minWidth)) };
  for (let shift = SUMMARY_BASE_SHIFT; shift <= SUMMARY_TOP_SHIFT; shift++) {
    if (2 ** shift >= minWidth) return { kind: 'summary', shift, blocksPerBucket: 1 };
  }
  return { kind: 'summary', shift: SUMMARY_TOP_SHIFT, blocksPerBucket: Math.ceil(minWidth / 2 ** SUMMARY_TOP_SHIFT) };
}

export interface DownsampledRange {
  total: number;
  downsampled: boolean;
  points: SeriesPoint[];
}

/**
 * The points of [lo, hi] (steps a series actually spans), reduced to at most maxPoints by keeping the
 * min and max of each bucket. When the range holds no more than maxPoints points they are returned as
 * they are; `total` is always the number of points in the range.
 */
export function downsampleRange(
  reader: SummaryReader,
  seriesId: number,
  lo: number,
  hi: number,
  maxPoints: number,
): DownsampledRange {
  const plan = planDownsample(lo, hi, Math.floor(maxPoints / 2));
  if (plan.kind === 'points') {
    const points = reader.rawPoints(seriesId, lo, hi);
    if (points.length <= maxPoints) return { total: points.length, downsampled: false, points };
    return { total: points.length, downsampled: true, points: bucketPoints(points, plan.width) };
  }
  const buckets =
    plan.kind === 'single' ? singleBucket(reader, seriesId, lo, hi) : summaryBuckets(reader, seriesId, lo, hi, plan);
  let total = 0;
  for (const b of buckets) total += b.count;
  if (total <= maxPoints) return { total, downsampled: false, points: reader.rawPoints(seriesId, lo, hi) };
  const points: SeriesPoint[] = [];
  for (const b of buckets) pushExtremePoints(points, b);
  return { total, downsampled: true, points };
}

function bucketPoints(points: readonly SeriesPoint[], width: number): SeriesPoint[] {
  const out: SeriesPoint[] = [];
  let current: Extremes | undefined;
  let currentBucket = -1;
  for (const p of points) {
    const bucket = Math.floor(p.step / width);
    if (current && bucket === currentBucket) absorbPoint(current, p.step, p.epoch, p.value);
    else {
      if (current) pushExtremePoints(out, current);
      current = pointExtremes(p.step, p.epoch, p.value);
      currentBucket = bucket;
    }
  }
  if (current) pushExtremePoints(out, current);
  return out;
}

function singleBucket(reader: SummaryReader, seriesId: number, lo: number, hi: number): Extremes[] {
  const e = reader.rangeExtremes(seriesId, lo, hi);
  return e ? [e] : [];
}

function summaryBuckets(
  reader: SummaryReader,
  seriesId: number,
  lo: number,
  hi: number,
  plan: { shift: number; blocksPerBucket: number },
): Extremes[] {
  const size = 2 ** plan.shift;
  const firstBlock = blockOf(lo, plan.shift);
  const lastBlock = blockOf(hi, plan.shift);
  // Blocks wholly inside [lo, hi] come from the summary; a block cut by lo or hi is computed exactly.
  const parts: { block: number; e: Extremes | undefined }[] = [];
  if (firstBlock === lastBlock) parts.push({ block: firstBlock, e: reader.rangeExtremes(seriesId, lo, hi) });
  else {
    const firstWhole = lo % size === 0 ? firstBlock : firstBlock + 1;
    const lastWhole = (hi + 1) % size === 0 ? lastBlock : lastBlock - 1;
    if (firstWhole !== firstBlock) {
      parts.push({ block: firstBlock, e: reader.rangeExtremes(seriesId, lo, firstWhole * size - 1) });
    }
    if (firstWhole <= lastWhole) {
      for (const b of reader.blocks(seriesId, plan.shift, firstWhole, lastWhole)) parts.push({ block: b.block, e: b });
    }
    if (lastWhole !== lastBlock) {
      parts.push({ block: lastBlock, e: reader.rangeExtremes(seriesId, (lastWhole + 1) * size, hi) });
    }
  }
  const buckets: Extremes[] = [];
  let current: Extremes | undefined;
  let currentBucket = -1;
  for (const { block, e } of parts) {
    if (!e) continue;
    const bucket = Math.floor(block / plan.blocksPerBucket);
    if (current && bucket === currentBucket) mergeExtremes(current, e);
    else {
      current = { ...e };
      currentBucket = bucket;
      buckets.push(current);
    }
  }
  return buckets;
}
