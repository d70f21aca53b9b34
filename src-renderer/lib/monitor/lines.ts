import type { BandKind, XY } from '../../../shared/analysis/bands';
import { trailingMean } from '../../../shared/analysis/smoothing';
import type { Run } from '../../../shared/schemas/records';
import { compareChartData, type GroupCurves } from '../compare/lines';
import type { ChartLine } from './chart-line';
import { faint } from './colors';

/** How the seeds of one rule arm are drawn: each on its own, or their mean with a std or 95% CI band. */
export type SeedView = 'seeds' | BandKind;

export interface ArmRun {
  run: Run;
  arm: number;
  label: string;
  /** The arm's rule colour and dash (colors.ts's armStyles). */
  style: { colour: string; dash: readonly number[] };
}

/**
 * The lines of one monitor chart. With 'seeds' every run is a line (the first seed in the arm's colour, later seeds
 * faint); with a band, each arm's seeds are drawn faintly under their mean and band, as the Compare view draws a
 * group. Smoothing (a trailing mean of `smoothing` points) applies to every curve before anything is averaged.
 */
export function monitorLines(
  runs: readonly ArmRun[],
  pointsOf: (run: Run) => XY[],
  view: SeedView,
  smoothing: number,
  firstSeed: number | undefined,
  downsampled = false,
): ChartLine[] {
  const curve = (run: Run) => trailingMean(pointsOf(run), smoothing);
  if (view === 'seeds') {
    return runs.map(({ run, label, style }) => {
      const first = run.seed === firstSeed;
      return {
        label: `${label} · seed ${run.seed}`,
        color: first ? style.colour : faint(style.colour),
        faint: !first,
        dash: style.dash,
        points: curve(run),
      };
    });
  }
  const groups = new Map<number, GroupCurves>();
  for (const { run, arm, label, style } of runs) {
    let group = groups.get(arm);
    if (!group) {
      group = { key: String(arm), label, color: style.colour, dash: style.dash, seeds: [], downsampled };
      groups.set(arm, group);
    }
    group.seeds.push({ seed: run.seed, points: curve(run) });
  }
  return compareChartData([...groups.values()], view).lines;
}
