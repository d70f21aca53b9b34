import { summarize, type Summary } from '../../../shared/analysis/stats';
import type { SeriesPoint } from '../../../shared/schemas/records';
import type { SeriesRef } from '../monitor/series';

/** A metric the summary tables report, and which way is better. */
export interface SummaryMetric {
  id: 'test-accuracy' | 'validation-accuracy' | 'train-loss' | 'test-loss';
  label: string;
  ref: SeriesRef;
  better: 'max' | 'min';
  kind: 'accuracy' | 'loss';
}

export const SUMMARY_METRICS: readonly SummaryMetric[] = [
  {
    id: 'test-accuracy',
    label: 'Test accuracy',
    ref: { name: 'accuracy', split: 'test' },
    better: 'max',
    kind: 'accuracy',
  },
  {
    id: 'validation-accuracy',
    label: 'Validation accuracy',
    ref: { name: 'accuracy', split: 'validation' },
    better: 'max',
    kind: 'accuracy',
  },
  { id: 'train-loss', label: 'Train loss', ref: { name: 'loss', split: 'train' }, better: 'min', kind: 'loss' },
  { id: 'test-loss', label: 'Test loss', ref: { name: 'loss', split: 'test' }, better: 'min', kind: 'loss' },
];

/** One run's value of a metric: its last stored point, and its best over the whole stored series. */
export interface RunOutcome {
  final: number;
  best: number;
}

/** Null when the run stored no point of the metric (no validation split, or not evaluated yet). */
export function runOutcome(points: readonly SeriesPoint[], better: SummaryMetric['better']): RunOutcome | null {
  const last = points.at(-1);
  if (!last) return null;
  let best = points[0]?.value ?? NaN;
  for (const p of points) {
    // NaN never wins a comparison; a diverged point must still poison "best" rather than vanish.
    if (Number.isNaN(p.value)) best = NaN;
    else if (!Number.isNaN(best) && (better === 'max' ? p.value > best : p.value < best)) best = p.value;
  }
  return { final: last.value, best };
}

export interface GroupOutcome {
  final: Summary | null;
  best: Summary | null;
  /** Runs that have the metric. */
  n: number;
}

/** Mean ± std over the runs that have the metric; runs without it are counted out of N, not in as zeros. */
export function groupOutcome(outcomes: readonly (RunOutcome | null)[]): GroupOutcome {
  const present = outcomes.filter((o): o is RunOutcome => o !== null);
  if (present.length === 0) return { final: null, best: null, n: 0 };
  return {
    final: summarize(present.map((o) => o.final)),
    best: summarize(present.map((o) => o.best)),
    n: present.length,
  };
}
