import { FACTOR_QUANTILES, layerMetric, type FactorKey } from '../../../shared/diagnostics';
import type { XY } from '../../../shared/analysis/bands';
import type { ChartLine } from './chart-line';
import { faint } from './colors';
import type { SeriesRef } from './series';

/** The quantile series of one factor of one layer, in FACTOR_QUANTILES order. */
export function factorRefs(layer: number, factor: FactorKey): SeriesRef[] {
  return FACTOR_QUANTILES.map(({ suffix }) => ({
    name: layerMetric(layer, `${factor}.${suffix}`),
    split: 'diagnostic',
  }));
}

/**
 * A fan chart of a distribution over time: the 5–95% band faint, the 25–75% band stronger, the median on top.
 * Each band is a borderless lower edge followed by an upper edge that fills down to it (MetricChart fills '-1').
 */
export function fanLines(quantiles: readonly XY[][], color: string, label: string): ChartLine[] {
  const [q05 = [], q25 = [], q50 = [], q75 = [], q95 = []] = quantiles;
  const edge = { color: 'transparent', faint: true, width: 0, legend: false };
  return [
    { ...edge, label: `${label} 5%`, points: q05 },
    { ...edge, label: `${label} 95%`, points: q95, fill: faint(color, 0.15) },
    { ...edge, label: `${label} 25%`, points: q25 },
    { ...edge, label: `${label} 75%`, points: q75, fill: faint(color, 0.3) },
    { label: `${label} median`, color, faint: false, width: 2, points: q50 },
  ];
}
