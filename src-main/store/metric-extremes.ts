import type { SeriesPoint } from '../../shared/schemas/records';

/** A stretch of a series reduced to its size and its two extreme points: what a chart needs to keep spikes. */
export interface Extremes {
  count: number;
  minStep: number;
  minEpoch: number;
  minValue: number;
  maxStep: number;
  maxEpoch: number;
  maxValue: number;
}

/** A block of a summary level: `block` counts blocks of that level's width from step 0. */
export interface BlockExtremes extends Extremes {
  block: number;
}

export function pointExtremes(step: number, epoch: number, value: number): Extremes {
  return { count: 1, minStep: step, minEpoch: epoch, minValue: value, maxStep: step, maxEpoch: epoch, maxValue: value };
}

/**
 * Folds `other` into `into`. Ties go to the earlier step, so that a summary built in one pass, merged
 * batch by batch or recomputed later always names the same point.
 */
export function mergeExtremes(into: Extremes, other: Extremes): void {
  into.count += other.count;
  if (other.minValue < into.minValue || (other.minValue === into.minValue && other.minStep < into.minStep)) {
    into.minStep = other.minStep;
    into.minEpoch = other.minEpoch;
    into.minValue = other.minValue;
  }
  if (other.maxValue > into.maxValue || (other.maxValue === into.maxValue && other.maxStep < into.maxStep)) {
    into.maxStep = other.maxStep;
    into.maxEpoch = other.maxEpoch;
    into.maxValue = other.maxValue;
  }
}

/** Adds one point; the same tie rule as mergeExtremes, without allocating on the hot path. */
export function absorbPoint(into: Extremes, step: number, epoch: number, value: number): void {
  into.count += 1;
  if (value < into.minValue || (value === into.minValue && step < into.minStep)) {
    into.minStep = step;
    into.minEpoch = epoch;
    into.minValue = value;
  }
  if (value > into.maxValue || (value === into.maxValue && step < into.maxStep)) {
    into.maxStep = step;
    into.maxEpoch = epoch;
    into.maxValue = value;
  }
}

export function extremesOfPoints(points: readonly SeriesPoint[]): Extremes | undefined {
  const first = points[0];
  if (!first) return undefined;
  const extremes = pointExtremes(first.step, first.epoch, first.value);
  for (let i = 1; i < points.length; i++) {
    const p = points[i]!;
    absorbPoint(extremes, p.step, p.epoch, p.value);
  }
  return extremes;
}

/** The one or two points that stand for a stretch, in step order. */
export function pushExtremePoints(out: SeriesPoint[], e: Extremes): void {
  const min = { step: e.minStep, epoch: e.minEpoch, value: e.minValue };
  const max = { step: e.maxStep, epoch: e.maxEpoch, value: e.maxValue };
  if (e.minStep === e.maxStep) out.push(min);
  else if (e.minStep < e.maxStep) out.push(min, max);
  else out.push(max, min);
}
