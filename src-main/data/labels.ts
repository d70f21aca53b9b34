import { DatasetError } from './errors';

/**
 * Class labels whose count is not declared anywhere (an imported IDX folder, a CSV table of class
 * numbers) are inferred as "largest label + 1". A single damaged label would then invent classes: one 250
 * among the digits 0…9 makes a 251-class problem that trains without complaint. Real label sets number
 * their classes without gaps, so a gap is taken as the sign of a bad value. Class 0 may be unused, since
 * some sets number their classes from 1 (EMNIST letters).
 */

export interface LabelGap {
  /** The first and last class that no sample has. */
  readonly from: number;
  readonly to: number;
  /** The first record (in file order) whose label lies beyond the gap, and that label. */
  readonly record: number;
  readonly value: number;
  /** What the count would be if the labels were right: largest label + 1. */
  readonly classes: number;
}

/** The first gap in the labels' classes, or null when they number classes 0 (or 1) … max without one. */
export function labelGap(labels: ArrayLike<number>): LabelGap | null {
  const present = new Set<number>();
  for (let i = 0; i < labels.length; i++) present.add(labels[i]!);
  const sorted = [...present].sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  let expected = 1;
  let beyond: number | null = null;
  for (const value of sorted) {
    if (value === 0) continue;
    if (value !== expected) {
      beyond = value;
      break;
    }
    expected++;
  }
  if (beyond === null) return null;
  // Labels {5, 6, 7}: the missing classes start at 0, not at 1.
  const from = expected === 1 && !present.has(0) ? 0 : expected;
  let record = 0;
  while (labels[record]! < beyond) record++;
  return { from, to: beyond - 1, record, value: labels[record]!, classes: sorted.at(-1)! + 1 };
}

/** The sentence after "label V at <where>": what is missing and how to go on. */
export function describeGap(gap: LabelGap): string {
  const classes = gap.from === gap.to ? `class ${gap.from}` : `classes ${gap.from}…${gap.to}`;
  return (
    `leaves ${classes} without a single sample, so it looks like a damaged label: labels must number the ` +
    `classes from 0 without gaps. Fix the label, or declare ${gap.classes} classes when importing if the gap is real`
  );
}

/** A declared class count must be a whole number of at least one class. */
export function declaredClassCount(classes: number, file: string): number {
  if (!Number.isInteger(classes) || classes < 1)
    throw new DatasetError('options', file, `classes must be a whole number ≥ 1, got ${classes}`);
  return classes;
}
