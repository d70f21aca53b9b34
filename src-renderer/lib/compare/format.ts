import type { Summary } from '../../../shared/analysis/stats';

/** Accuracies as percentages with two decimals; losses with four decimals, or three significant digits when tiny or huge. */
export function formatValue(value: number, kind: 'accuracy' | 'loss'): string {
  if (Number.isNaN(value)) return 'NaN';
  if (kind === 'accuracy') return (value * 100).toFixed(2);
  const size = Math.abs(value);
  return size === 0 || (size >= 0.01 && size < 1000) ? value.toFixed(4) : value.toExponential(2);
}

/** "81.23 ± 0.40 %": the ± part is left out for one run, where a spread does not exist. */
export function formatSummary(summary: Summary, kind: 'accuracy' | 'loss'): string {
  const unit = kind === 'accuracy' ? ' %' : '';
  const mean = formatValue(summary.mean, kind);
  if (summary.n < 2) return `${mean}${unit}`;
  return `${mean} ± ${formatValue(summary.std, kind)}${unit}`;
}
