import type { XY } from '../../../shared/analysis/bands';

/**
 * Puts curves on one set of steps so that a mean can be taken at each. Curves read whole share their logged
 * steps and pass through untouched. Down-sampled curves (the store keeps each bucket's min and max) keep
 * different steps per run; for the plot they are interpolated linearly at the steps of the sparsest one,
 * inside the range that all of them cover.
 */
export function alignCurves(curves: readonly (readonly XY[])[], downsampled: boolean): XY[][] {
  if (!downsampled || curves.length < 2) return curves.map((c) => [...c]);
  const sorted = curves.map((c) => [...c].sort((a, b) => a.x - b.x));
  const lo = Math.max(...sorted.map((c) => c[0]?.x ?? Infinity));
  const hi = Math.min(...sorted.map((c) => c.at(-1)?.x ?? -Infinity));
  if (!(lo <= hi)) return sorted.map(() => []);
  const inside = sorted.map((c) => c.filter((p) => p.x >= lo && p.x <= hi));
  const grid = inside.reduce((a, b) => (b.length < a.length ? b : a)).map((p) => p.x);
  return sorted.map((c) => interpolate(c, grid));
}

/** The curve's values at the given increasing steps, all within its range. */
function interpolate(curve: readonly XY[], grid: readonly number[]): XY[] {
  const out: XY[] = [];
  let i = 0;
  for (const x of grid) {
    while (i < curve.length - 2 && (curve[i + 1]?.x ?? Infinity) < x) i++;
    const a = curve[i];
    const b = curve[i + 1] ?? a;
    if (!a || !b) break;
    const t = b.x === a.x ? 0 : (x - a.x) / (b.x - a.x);
    out.push({ x, y: a.y + Math.min(1, Math.max(0, t)) * (b.y - a.y) });
  }
  return out;
}
