import { FACTOR_QUANTILES, FACTORS, layerMetric } from '../../../shared/diagnostics';
import type { FigureSpec } from '../../../shared/export/figure-spec';
import type { FigureGroup, FigureRow, Panel, SeriesSource } from './figure-data';
import { FigureInputError } from './figure-input-error';

const FACTOR_KEYS: readonly string[] = FACTORS.map((f) => f.key);
const FACTOR_SERIES = /^layer(\d+)\.(pre|post|mod)\.q50$/;

/**
 * The three-factor distributions as small multiples: one row per factor asked for, one column per hidden layer that
 * recorded it. Each panel draws, per group, the median and the 25–75% and 5–95% bands over steps (the quantiles the
 * engine records, shared/diagnostics.ts), each quantile averaged over the group's seeds.
 */
export function factorPanels(spec: FigureSpec, groups: readonly FigureGroup[], source: SeriesSource) {
  const unknown = spec.metrics.filter((m) => !FACTOR_KEYS.includes(m));
  if (unknown.length > 0) {
    throw new FigureInputError(
      `a factor-distributions figure plots the factors ${FACTOR_KEYS.join(', ')}; got ${unknown.join(', ')}`,
    );
  }
  const layers = new Set<number>();
  for (const group of groups) {
    for (const run of group.runs) {
      for (const name of source.names(run.id, 'diagnostic')) {
        const match = FACTOR_SERIES.exec(name);
        if (match && spec.metrics.includes(match[2] ?? '')) layers.add(Number(match[1]));
      }
    }
  }
  const sorted = [...layers].sort((a, b) => a - b);
  const panels: Panel[] = [];
  const series: [string, number, string][] = [];
  spec.metrics.forEach((factor, row) => {
    const title = FACTORS.find((f) => f.key === factor)?.title ?? factor;
    for (const layer of sorted) {
      const id = `f${row}-l${layer}`;
      panels.push({
        id,
        title: row === 0 ? `Layer ${layer}` : null,
        xTitle: spec.x === 'step' ? 'Step' : 'Epoch',
        yTitle: `${title} factor`,
        shape: 'curve',
      });
      series.push([id, layer, factor]);
    }
  });
  return { panels, series, columns: Math.max(sorted.length, 1) };
}

/** Per group: the mean over seeds of each quantile, at the x every seed and quantile has. */
export function factorRows(
  spec: FigureSpec,
  panel: string,
  layer: number,
  factor: string,
  groups: readonly FigureGroup[],
  source: SeriesSource,
  withN: Map<FigureGroup, Set<number>>,
  rows: FigureRow[],
): void {
  for (const group of groups) {
    // seeds × quantiles (q05, q25, q50, q75, q95), each x → value
    const seeds: Map<number, number>[][] = [];
    for (const run of group.runs) {
      const quantiles = FACTOR_QUANTILES.map(({ suffix }) => {
        const points = source.series(run.id, layerMetric(layer, `${factor}.${suffix}`), 'diagnostic');
        return new Map(points.map((p) => [spec.x === 'step' ? p.step : p.epoch, p.value]));
      });
      if (quantiles.some((q) => q.size === 0)) continue;
      seeds.push(quantiles);
      withN.get(group)?.add(run.id);
    }
    const first = seeds[0]?.[0];
    if (!first) continue;
    const xs = [...first.keys()].filter((x) => seeds.every((qs) => qs.every((q) => q.has(x)))).sort((a, b) => a - b);
    const mean = (x: number, q: number) => seeds.reduce((sum, qs) => sum + (qs[q]?.get(x) ?? NaN), 0) / seeds.length;
    for (const x of xs) {
      rows.push({ layer: 'outer', panel, group: group.label, x, lower: mean(x, 0), upper: mean(x, 4) });
      rows.push({
        layer: 'mean',
        panel,
        group: group.label,
        x,
        mean: mean(x, 2),
        lower: mean(x, 1),
        upper: mean(x, 3),
        n: seeds.length,
      });
    }
  }
}
