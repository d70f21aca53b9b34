import type { ExportSelection } from '../../../shared/api/contract-export';
import { FACTORS } from '../../../shared/diagnostics';
import {
  isPerLayerKind,
  LAYER_DIAGNOSTICS,
  type FigureKind,
  type FigureSpecInput,
  type FigureFormat,
  type FigureError,
  type JournalPreset,
} from '../../../shared/export/figure-spec';
import type { MetricName, MetricSplit, Run } from '../../../shared/schemas/records';

/** What the Export view's figure form holds; figureSpec() turns it into the API's figure specification. */
export interface FigureForm {
  kind: FigureKind;
  metrics: string[];
  split: MetricSplit;
  x: 'step' | 'epoch';
  error: FigureError;
  preset: JournalPreset;
  fontSize: number;
  smoothing: number;
  seeds: boolean;
  format: FigureFormat;
  dpi: 300 | 600;
}

export const DEFAULT_FIGURE_FORM: FigureForm = {
  kind: 'learning-curves',
  metrics: ['accuracy'],
  split: 'test',
  x: 'step',
  error: 'std',
  preset: 'single',
  fontSize: 8,
  smoothing: 1,
  seeds: false,
  format: 'svg',
  dpi: 300,
};

export const FIGURE_KINDS: { kind: FigureKind; label: string }[] = [
  { kind: 'learning-curves', label: 'Learning curves' },
  { kind: 'final-best', label: 'Final and best' },
  { kind: 'layer-diagnostics', label: 'Per-layer diagnostics' },
  { kind: 'factor-distributions', label: 'Three-factor distributions' },
];

export function figureSpec(form: FigureForm): FigureSpecInput {
  return {
    kind: form.kind,
    metrics: form.metrics,
    split: isPerLayerKind(form.kind) ? 'diagnostic' : form.split,
    x: form.x,
    error: form.error,
    preset: form.preset,
    fontSize: form.fontSize,
    smoothing: form.smoothing,
    seeds: form.seeds,
    format: form.format,
    dpi: form.dpi,
  };
}

/**
 * The metrics the form offers for a kind, from what the chosen runs recorded: per-split names for curves and
 * points, per-layer diagnostic names without their layer for small multiples, the factors with recorded quantiles
 * for factor distributions.
 */
export function metricChoices(kind: FigureKind, split: MetricSplit, names: readonly MetricName[]): string[] {
  if (kind === 'factor-distributions') {
    const recorded = new Set(names.map((n) => /^layer\d+\.(pre|post|mod)\.q50$/.exec(n.name)?.[1] ?? ''));
    return FACTORS.map((f) => f.key).filter((key) => recorded.has(key));
  }
  if (kind === 'layer-diagnostics') {
    const recorded = new Set(
      names.filter((n) => n.split === 'diagnostic').map((n) => /^layer\d+\.(.+)$/.exec(n.name)?.[1] ?? ''),
    );
    return LAYER_DIAGNOSTICS.filter((m) => recorded.has(m));
  }
  return [...new Set(names.filter((n) => n.split === split && !n.name.includes('.')).map((n) => n.name))].sort();
}

/** Splits that hold plain (not per-layer) metrics, in display order. */
export function splitChoices(names: readonly MetricName[]): MetricSplit[] {
  const order: MetricSplit[] = ['test', 'validation', 'train'];
  return order.filter((split) => names.some((n) => n.split === split));
}

/** The metrics kept when the choices change: those still offered, else the first offered. */
export function keepMetrics(current: readonly string[], choices: readonly string[]): string[] {
  const kept = current.filter((m) => choices.includes(m));
  if (kept.length > 0) return kept;
  return choices.length > 0 ? [choices[0]!] : [];
}

/** The whole experiment when every run is ticked (so that the file names it), else the ticked runs. */
export function selectionOf(
  experimentId: number,
  runs: readonly Run[],
  ticked: ReadonlySet<number>,
): ExportSelection | null {
  const chosen = runs.filter((r) => ticked.has(r.id)).map((r) => r.id);
  if (chosen.length === 0) return null;
  if (chosen.length === runs.length) return { kind: 'experiment', experimentId };
  return { kind: 'runs', runIds: chosen };
}
