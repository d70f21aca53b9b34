import { summarize } from './stats';

/** A point of a curve: x is the step. */
export interface XY {
  x: number;
  y: number;
}

/** What the shaded band around a group's mean spans: ± one sample std, or ± the 95% CI half-width. */
export type BandKind = 'std' | 'ci95';

export interface BandPoint {
  x: number;
  mean: number;
  lower: number;
  upper: number;
  /** How many series the point averages. */
  n: number;
}

/**
 * The mean of several curves and a band around it, at each x that every curve has. Seeds of one group log the
 * same steps, so the intersection is their common grid; a run still training is shorter and the band stops
 * where it does, rather than averaging fewer seeds towards the end and jumping. A 95% CI needs two curves; with
 * one it collapses onto the mean.
 */
export function meanBand(series: readonly (readonly XY[])[], kind: BandKind): BandPoint[] {
  if (series.length === 0) return [];
  const lookups = series.map(byX);
  const [first, ...rest] = lookups;
  if (!first) return [];
  const xs = [...first.keys()].filter((x) => rest.every((m) => m.has(x))).sort((a, b) => a - b);
  return xs.map((x) => {
    const summary = summarize(lookups.map((m) => m.get(x) ?? NaN));
    const half = kind === 'std' ? summary.std : summary.n < 2 ? 0 : summary.ci95;
    return { x, mean: summary.mean, lower: summary.mean - half, upper: summary.mean + half, n: summary.n };
  });
}

/** A curve as x → y; when an x repeats, its last y counts (the latest write of a step). */
function byX(points: readonly XY[]): Map<number, number> {
  const map = new Map<number, number>();
  for (const p of points) map.set(p.x, p.y);
  return map;
}
