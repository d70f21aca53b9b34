import { summarize, type Summary } from '../analysis/stats';

/**
 * Aggregates over seeds for exports: the Compare view's summary (shared/analysis/stats.ts) plus the standard error,
 * and the error measure a table or figure states. One definition, so that every export and the screen agree.
 */
export type ErrorMeasure = 'std' | 'sem' | 'ci95';
export const ERROR_MEASURES: readonly ErrorMeasure[] = ['std', 'sem', 'ci95'];

export const ERROR_DESCRIPTION: Record<ErrorMeasure, string> = {
  std: 'sample standard deviation over seeds',
  sem: 'standard error of the mean over seeds',
  ci95: "half-width of the 95% confidence interval of the mean (Student's t)",
};

export interface Aggregate extends Summary {
  /** std/√n; NaN for a single value (one seed says nothing about the spread). */
  sem: number;
}

export function aggregate(values: readonly number[]): Aggregate {
  const summary = summarize(values);
  return { ...summary, sem: summary.n < 2 ? Number.NaN : summary.std / Math.sqrt(summary.n) };
}

/** The half-width to print after ±; NaN when the measure is undefined (n < 2). */
export function errorOf(a: Aggregate, measure: ErrorMeasure): number {
  if (a.n < 2) return Number.NaN;
  return measure === 'std' ? a.std : measure === 'sem' ? a.sem : a.ci95;
}

/**
 * The epoch a point belongs to in per-epoch aggregates: epoch e covers (e − 1, e]. Validation and test points are
 * stamped with the whole number of epochs done, training points with a fraction, so the evaluation at the end of
 * epoch e and the training steps that led to it share e; the first diagnostics (epoch 0) are epoch 0.
 */
export function epochBin(epoch: number): number {
  return Math.ceil(epoch);
}
