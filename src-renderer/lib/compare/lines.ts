import { meanBand, type BandKind, type XY } from '../../../shared/analysis/bands';
import type { ChartLine } from '../monitor/chart-line';
import { faint } from '../monitor/colors';
import { alignCurves } from './align';

/** One group's curves for the chosen metric, one per selected seed. */
export interface GroupCurves {
  key: string;
  label: string;
  color: string;
  /** The rule's dash pattern, for the seeds and the mean. */
  dash: readonly number[];
  seeds: { seed: number; points: XY[] }[];
  /** Whether any curve came down-sampled (its steps then differ between seeds). */
  downsampled: boolean;
}

/** How wide a group's band is where it ends: shown next to the chart, and what a test can read. */
export interface BandEnd {
  key: string;
  label: string;
  color: string;
  kind: BandKind;
  /** Seeds averaged. */
  n: number;
  x: number | null;
  mean: number | null;
  /** Null until two seeds have a common step. */
  halfWidth: number | null;
}

export interface CompareChartData {
  lines: ChartLine[];
  bands: BandEnd[];
}

/**
 * Per group: each seed as a thin faint line, then the band as two borderless lines with the area between them
 * filled (lower edge first: chart.js fills '-1' to the previous dataset), then the mean drawn bold on top.
 */
export function compareChartData(groups: readonly GroupCurves[], kind: BandKind): CompareChartData {
  const lines: ChartLine[] = [];
  const bands: BandEnd[] = [];
  for (const group of groups) {
    for (const seed of group.seeds) {
      lines.push({
        label: `${group.label} · seed ${seed.seed}`,
        color: faint(group.color, 0.35),
        faint: true,
        dash: group.dash,
        points: seed.points,
        legend: false,
      });
    }
    const curves = group.seeds.map((s) => s.points).filter((p) => p.length > 0);
    const band = meanBand(alignCurves(curves, group.downsampled), kind);
    const edge = { color: 'transparent', faint: true, width: 0, legend: false };
    lines.push({ ...edge, label: `${group.label} · lower`, points: band.map((p) => ({ x: p.x, y: p.lower })) });
    lines.push({
      ...edge,
      label: `${group.label} · upper`,
      points: band.map((p) => ({ x: p.x, y: p.upper })),
      fill: faint(group.color, 0.18),
    });
    lines.push({
      label: group.label,
      color: group.color,
      faint: false,
      width: 3,
      dash: group.dash,
      points: band.map((p) => ({ x: p.x, y: p.mean })),
    });
    const last = band.at(-1);
    bands.push({
      key: group.key,
      label: group.label,
      color: group.color,
      kind,
      n: curves.length,
      x: last?.x ?? null,
      mean: last?.mean ?? null,
      // One curve has no spread to show: no width rather than a width of 0.
      halfWidth: last && curves.length > 1 ? (last.upper - last.lower) / 2 : null,
    });
  }
  return { lines, bands };
}
