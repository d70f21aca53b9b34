import type { FigureRow } from './figure-data';

/**
 * The rows a figure draws when a curve has more points than print can show: a panel is at most a few hundred
 * points wide, so past about two vertices per point nothing more is visible, while every vertex costs Vega, the PDF
 * and the rasteriser time. Each curve keeps, per bucket of consecutive points, the point with the lowest and the
 * one with the highest value (so spikes stay), in step order; the kept points are stored values, unchanged. The data
 * file written beside the figure keeps every row.
 */
export function thinCurves(rows: readonly FigureRow[], maxPerCurve: number): FigureRow[] {
  const curves = new Map<string, FigureRow[]>();
  const out: FigureRow[] = [];
  for (const row of rows) {
    if (row.layer === 'point') {
      out.push(row);
      continue;
    }
    const key = `${row.panel}|${row.layer}|${row.group}|${row.layer === 'seed' ? row.run : ''}`;
    const curve = curves.get(key);
    if (curve) curve.push(row);
    else curves.set(key, [row]);
  }
  for (const curve of curves.values()) {
    if (curve.length <= maxPerCurve) {
      out.push(...curve);
      continue;
    }
    const value = (r: FigureRow) =>
      r.layer === 'seed' ? r.y : r.layer === 'mean' ? r.mean : r.layer === 'outer' ? (r.lower + r.upper) / 2 : 0;
    const bucket = Math.ceil(curve.length / Math.max(1, Math.floor(maxPerCurve / 2)));
    for (let start = 0; start < curve.length; start += bucket) {
      let lo = start;
      let hi = start;
      const end = Math.min(curve.length, start + bucket);
      for (let i = start + 1; i < end; i++) {
        if (value(curve[i]!) < value(curve[lo]!)) lo = i;
        if (value(curve[i]!) > value(curve[hi]!)) hi = i;
      }
      if (lo === hi) out.push(curve[lo]!);
      else out.push(curve[Math.min(lo, hi)]!, curve[Math.max(lo, hi)]!);
    }
  }
  return out;
}
