import { trailingMean } from '../../../shared/analysis/smoothing';
import { summarize } from '../../../shared/analysis/stats';
import { layerMetric } from '../../../shared/diagnostics';
import type { FigureError, FigureSpec } from '../../../shared/export/figure-spec';
import { ruleStyle } from '../../../shared/rule-style';
import type { RuleName } from '../../../shared/schemas/experiment';
import type { MetricSplit, SeriesPoint } from '../../../shared/schemas/records';
import { factorPanels, factorRows } from './factor-distributions';

/**
 * The rows a figure plots, computed here (not by Vega-Lite's own aggregates) so that the means, bands and error
 * bars are the same numbers the Compare view and the tables report (shared/analysis/stats), and so that the data
 * file written beside the figure holds exactly what is drawn.
 */

/** One configuration repeated over seeds: what a mean and its band are taken over. */
export interface FigureGroup {
  /** How the group is named in the legend, before "(N=…)" is added. */
  label: string;
  rule: RuleName;
  /** 0 for the first group of its rule, 1 for the second…: the second gets the next dash pattern. */
  nthOfRule: number;
  runs: readonly { id: number; seed: number }[];
}

export interface SeriesSource {
  /** Every stored point of one series, in step order; [] when the run has none. */
  series(runId: number, name: string, split: MetricSplit): readonly SeriesPoint[];
  /** The names of the run's series in a split (for finding which layers have a diagnostic). */
  names(runId: number, split: MetricSplit): readonly string[];
}

export interface Panel {
  id: string;
  /** Shown above the panel (layer-diagnostics: "Layer 2"); null for none. */
  title: string | null;
  xTitle: string;
  yTitle: string;
  /** 'curve': x is quantitative; 'points': x is the group, one point with an error bar each. */
  shape: 'curve' | 'points';
}

export interface LegendEntry {
  /** The label with its N, as the legend shows it. */
  label: string;
  colour: string;
  dash: readonly number[];
}

/** One plotted row; `layer` says which mark draws it. */
export type FigureRow =
  | { layer: 'mean'; panel: string; group: string; x: number; mean: number; lower: number; upper: number; n: number }
  /** A second, wider band under the mean's (factor distributions: 5–95% around the 25–75% band). */
  | { layer: 'outer'; panel: string; group: string; x: number; lower: number; upper: number }
  | { layer: 'seed'; panel: string; group: string; run: number; seed: number; x: number; y: number }
  | { layer: 'point'; panel: string; group: string; mean: number; lower: number; upper: number; n: number };

export interface FigureData {
  panels: Panel[];
  /** Groups with data in at least one panel, in the order given. */
  legend: LegendEntry[];
  rows: FigureRow[];
  /** Panels per row of the grid. */
  columns: number;
  caption: string;
  runIds: number[];
}

const METRIC_LABELS: Record<string, string> = {
  accuracy: 'accuracy',
  loss: 'loss',
  decorrelation_norm: 'Decorrelation ‖R‖',
  bp_cosine: 'BP cosine',
  activation_power: 'Activation power',
  pre: 'Presynaptic factor',
  post: 'Postsynaptic factor',
  mod: 'Modulatory factor',
};

/** "Test accuracy", "Train loss", "BP cosine": what an axis calls a metric. */
export function metricLabel(name: string, split: MetricSplit): string {
  const known = METRIC_LABELS[name];
  if (split === 'diagnostic') return known ?? capitalise(name.replace(/_/g, ' '));
  return capitalise(`${split} ${known ?? name.replace(/_/g, ' ')}`);
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The half-width of the band or error bar; 0 where it is undefined (one seed), which the legend's N shows. */
export function errorHalfWidth(values: readonly number[], error: FigureError): { mean: number; half: number } {
  const s = summarize(values);
  const half = error === 'std' ? s.std : error === 'sem' ? s.std / Math.sqrt(s.n) : s.n < 2 ? 0 : s.ci95;
  return { mean: s.mean, half };
}

const ERROR_WORDS: Record<FigureError, string> = {
  std: '± one sample standard deviation',
  sem: '± one standard error of the mean',
  ci95: "95% confidence interval of the mean (Student's t)",
};

export function buildFigureData(spec: FigureSpec, groups: readonly FigureGroup[], source: SeriesSource): FigureData {
  const withN = new Map<FigureGroup, Set<number>>(groups.map((g) => [g, new Set<number>()]));
  const rows: FigureRow[] = [];
  let panels: Panel[];
  let columns: number;
  if (spec.kind === 'final-best') {
    panels = finalBestPanels(spec);
    columns = 2;
    for (const metric of spec.metrics) pointRows(spec, metric, groups, source, withN, rows);
  } else if (spec.kind === 'factor-distributions') {
    const layout = factorPanels(spec, groups, source);
    panels = layout.panels;
    columns = layout.columns;
    for (const [panel, layer, factor] of layout.series)
      factorRows(spec, panel, layer, factor, groups, source, withN, rows);
  } else {
    const layout = spec.kind === 'layer-diagnostics' ? diagnosticPanels(spec, groups, source) : curvePanels(spec);
    panels = layout.panels;
    columns = layout.columns;
    for (const [panel, name, split] of layout.series) curveRows(spec, panel, name, split, groups, source, withN, rows);
  }
  const present = groups.filter((g) => (withN.get(g)?.size ?? 0) > 0);
  const labels = new Map(present.map((g) => [g, `${g.label} (N=${withN.get(g)?.size ?? 0})`]));
  for (const row of rows) {
    const group = present.find((g) => g.label === row.group);
    if (group) row.group = labels.get(group) ?? row.group;
  }
  const legend = present.map((g) => {
    const style = ruleStyle(g.rule, g.nthOfRule);
    return { label: labels.get(g) ?? g.label, colour: style.colour, dash: style.dash };
  });
  const runIds = [...new Set(present.flatMap((g) => [...(withN.get(g) ?? [])]))].sort((a, b) => a - b);
  return { panels, legend, rows, columns, caption: caption(spec, runIds), runIds };
}

function curvePanels(spec: FigureSpec) {
  const xTitle = spec.x === 'step' ? 'Step' : 'Epoch';
  const panels: Panel[] = spec.metrics.map((name, i) => ({
    id: `p${i}`,
    title: null,
    xTitle,
    yTitle: metricLabel(name, spec.split),
    shape: 'curve',
  }));
  const series = spec.metrics.map((name, i): [string, string, MetricSplit] => [`p${i}`, name, spec.split]);
  const columns = Math.min(panels.length, spec.preset === 'single' ? 2 : 3);
  return { panels, series, columns };
}

function finalBestPanels(spec: FigureSpec): Panel[] {
  return spec.metrics.flatMap((name, i) =>
    (['final', 'best'] as const).map((which) => ({
      id: `p${i}-${which}`,
      title: null,
      xTitle: '',
      yTitle: `${which === 'final' ? 'Final' : 'Best'} ${metricLabel(name, spec.split).toLowerCase()}`,
      shape: 'points' as const,
    })),
  );
}

/** One row of panels per metric, one column per hidden layer that any run recorded the metric for. */
function diagnosticPanels(spec: FigureSpec, groups: readonly FigureGroup[], source: SeriesSource) {
  const layers = new Set<number>();
  for (const group of groups) {
    for (const run of group.runs) {
      for (const name of source.names(run.id, 'diagnostic')) {
        const match = /^layer(\d+)\.(.+)$/.exec(name);
        if (match && spec.metrics.includes(match[2] ?? '')) layers.add(Number(match[1]));
      }
    }
  }
  const sorted = [...layers].sort((a, b) => a - b);
  const panels: Panel[] = [];
  const series: [string, string, MetricSplit][] = [];
  spec.metrics.forEach((metric, row) => {
    for (const layer of sorted) {
      const id = `m${row}-l${layer}`;
      panels.push({
        id,
        title: row === 0 ? `Layer ${layer}` : null,
        xTitle: spec.x === 'step' ? 'Step' : 'Epoch',
        yTitle: metricLabel(metric, 'diagnostic'),
        shape: 'curve',
      });
      series.push([id, layerMetric(layer, metric), 'diagnostic']);
    }
  });
  return { panels, series, columns: Math.max(sorted.length, 1) };
}

function curveRows(
  spec: FigureSpec,
  panel: string,
  name: string,
  split: MetricSplit,
  groups: readonly FigureGroup[],
  source: SeriesSource,
  withN: Map<FigureGroup, Set<number>>,
  rows: FigureRow[],
): void {
  for (const group of groups) {
    const curves: { run: number; seed: number; points: Map<number, number> }[] = [];
    for (const run of group.runs) {
      const points = source.series(run.id, name, split);
      if (points.length === 0) continue;
      const xy = points.map((p) => ({ x: spec.x === 'step' ? p.step : p.epoch, y: p.value }));
      const smoothed = trailingMean(xy, spec.smoothing);
      curves.push({ run: run.id, seed: run.seed, points: new Map(smoothed.map((p) => [p.x, p.y])) });
      withN.get(group)?.add(run.id);
      if (spec.seeds) {
        for (const p of smoothed)
          rows.push({ layer: 'seed', panel, group: group.label, run: run.id, seed: run.seed, x: p.x, y: p.y });
      }
    }
    const [first, ...rest] = curves;
    if (!first) continue;
    // Seeds of one group log the same steps; the mean is drawn where every seed has a value, as in Compare.
    const xs = [...first.points.keys()].filter((x) => rest.every((c) => c.points.has(x))).sort((a, b) => a - b);
    for (const x of xs) {
      const { mean, half } = errorHalfWidth(
        curves.map((c) => c.points.get(x) ?? NaN),
        spec.error,
      );
      rows.push({
        layer: 'mean',
        panel,
        group: group.label,
        x,
        mean,
        lower: mean - half,
        upper: mean + half,
        n: curves.length,
      });
    }
  }
}

function pointRows(
  spec: FigureSpec,
  metric: string,
  groups: readonly FigureGroup[],
  source: SeriesSource,
  withN: Map<FigureGroup, Set<number>>,
  rows: FigureRow[],
): void {
  const index = spec.metrics.indexOf(metric);
  const better = spec.better ?? (metric.includes('loss') ? 'min' : 'max');
  for (const group of groups) {
    const finals: number[] = [];
    const bests: number[] = [];
    for (const run of group.runs) {
      const points = source.series(run.id, metric, spec.split);
      const last = points.at(-1);
      if (!last) continue;
      finals.push(last.value);
      const values = points.map((p) => p.value);
      bests.push(better === 'max' ? Math.max(...values) : Math.min(...values));
      withN.get(group)?.add(run.id);
    }
    if (finals.length === 0) continue;
    for (const [which, values] of [
      ['final', finals],
      ['best', bests],
    ] as const) {
      const { mean, half } = errorHalfWidth(values, spec.error);
      rows.push({
        layer: 'point',
        panel: `p${index}-${which}`,
        group: group.label,
        mean,
        lower: mean - half,
        upper: mean + half,
        n: values.length,
      });
    }
  }
}

function caption(spec: FigureSpec, runIds: readonly number[]): string {
  const smoothing =
    spec.smoothing > 1
      ? `Each seed smoothed by a trailing mean of ${spec.smoothing} points before averaging.`
      : 'Raw values, no smoothing.';
  const what =
    spec.kind === 'factor-distributions'
      ? 'Distribution of each factor of the update over batch and units: median (line), 25–75% (darker band) and 5–95% (lighter band), each quantile averaged over seeds.'
      : spec.kind === 'final-best'
        ? `Final and best (${spec.better ?? 'by metric'}) value per rule: mean over seeds, error bars ${ERROR_WORDS[spec.error]}.`
        : `Mean over seeds with a band of ${ERROR_WORDS[spec.error]}${spec.seeds ? '; faint lines are single seeds' : ''}.`;
  return `${what} N (seeds per group) in the legend. ${spec.kind === 'final-best' ? '' : `${smoothing} `}Runs ${runIds.join(', ')}.`;
}
