import type { XY } from './bands';

/**
 * Display smoothing: the trailing mean of the last `window` points (fewer at the start of a curve). Trailing, so
 * that a point already drawn never moves when a new one arrives; it lags a trend by about (window − 1) / 2 points,
 * which the chart says next to it. window ≤ 1 returns the points as they are. Only what is drawn is smoothed:
 * stored values, tables and exports use the raw ones.
 */
export function trailingMean(points: readonly XY[], window: number): XY[] {
  if (window <= 1) return [...points];
  const out: XY[] = [];
  let sum = 0;
  for (let i = 0; i < points.length; i++) {
    sum += points[i]!.y;
    if (i >= window) sum -= points[i - window]!.y;
    out.push({ x: points[i]!.x, y: sum / Math.min(i + 1, window) });
  }
  return out;
}

/** What a chart says about its smoothing, so that nobody mistakes a smoothed curve for raw data. */
export function describeSmoothing(window: number): string {
  return window <= 1 ? 'raw values' : `smoothed: trailing mean of ${window} points`;
}
