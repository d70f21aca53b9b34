import type { XY } from '../monitor/series';

/**
 * Pixels per decimation bucket: its min and max, one point per two pixels, still draws a noisy curve's envelope.
 * Halving the points from 2-pixel buckets cut a redraw of 20 × 10,000 points from 35 to 24 ms of CPU (bench chart).
 */
export const BUCKET_PX = 4;

/**
 * The min and max of each of `buckets` equal step ranges, in step order, with the first and last points kept (the
 * newest value stays on screen). chart.js's own decimation re-reads every point on each update and keeps up to four
 * per pixel; with 20 series × 10,000 points that made each redraw ~70 ms of main-thread work, half of it drawing.
 */
export function minMax(points: readonly XY[], buckets: number): readonly XY[] {
  const n = points.length;
  if (buckets < 1 || n <= 2 * buckets + 2) return points;
  const first = points[0]!;
  const last = points[n - 1]!;
  const width = (last.x - first.x) / buckets;
  const out: XY[] = [first];
  let i = 1;
  for (let b = 1; b <= buckets && i < n - 1; b++) {
    const end = b === buckets ? last.x : first.x + width * b;
    // A gap in the steps leaves buckets empty.
    if (points[i]!.x > end) continue;
    let min = points[i]!;
    let max = min;
    for (i++; i < n - 1 && points[i]!.x <= end; i++) {
      const p = points[i]!;
      if (p.y < min.y) min = p;
      else if (p.y > max.y) max = p;
    }
    if (min === max) out.push(min);
    else if (min.x < max.x) out.push(min, max);
    else out.push(max, min);
  }
  out.push(last);
  return out;
}

/** Points packed as x0, y0, x1, y1, …: one transferable buffer instead of thousands of objects to clone. */
export function packXY(points: readonly XY[]): Float64Array {
  const xy = new Float64Array(points.length * 2);
  for (let i = 0; i < points.length; i++) {
    xy[2 * i] = points[i]!.x;
    xy[2 * i + 1] = points[i]!.y;
  }
  return xy;
}

export function unpackXY(xy: Float64Array): XY[] {
  const points = new Array<XY>(xy.length / 2);
  for (let i = 0; i < points.length; i++) points[i] = { x: xy[2 * i]!, y: xy[2 * i + 1]! };
  return points;
}
