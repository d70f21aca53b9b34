import type { CsvTable } from './csv';
import { DatasetError } from './errors';
import { describeGap, labelGap } from './labels';

/**
 * Checks of a CSV table's class labels when they are numbers. Words name classes and cannot be out of
 * range; numbers are meant as class numbers, so a negative or fractional one, or one far past the
 * others, is a damaged cell rather than a class of its own.
 */

const CLASS_NUMBER = /^[+]?\d+$/;

function label(table: CsvTable, row: number, problem: string): DatasetError {
  return new DatasetError('label', table.file, `line ${table.lines[row]}: label ${problem}`);
}

/** With a declared count the labels are the class numbers 0…classes−1 themselves. */
export function declaredClassLabels(table: CsvTable, classes: number): Int32Array {
  const y = new Int32Array(table.size);
  table.labelCells.forEach((cell, r) => {
    const value = CLASS_NUMBER.test(cell) ? Number(cell) : Number.NaN;
    if (!(value < classes))
      throw label(table, r, `'${cell}' is not a class number 0…${classes - 1} (${classes} classes were declared)`);
    y[r] = value;
  });
  return y;
}

/** True when every label is a number, so that the labels are class numbers and not class names. */
export function numericLabels(table: CsvTable): boolean {
  return table.labelCells.every((cell) => Number.isFinite(Number(cell)));
}

/**
 * Numeric labels without a declared count: whole and not negative in both tables, and, in the training
 * table, without a gap when they start at 0 or 1 (a set that starts higher, like wine grades 3…8, names
 * its classes by number and is taken as it is).
 */
export function checkClassNumbers(train: CsvTable, test: CsvTable | null): void {
  for (const table of test === null ? [train] : [train, test]) {
    table.labelCells.forEach((cell, r) => {
      const value = Number(cell);
      if (!Number.isInteger(value)) {
        throw label(
          table,
          r,
          `'${cell}' is not a whole number; class labels are whole numbers from 0, or words (import the table as regression if the column is a measurement)`,
        );
      }
      if (value < 0) throw label(table, r, `'${cell}' is negative; class labels are whole numbers from 0, or words`);
    });
  }
  const values = train.labelCells.map(Number);
  if (values.reduce((a, b) => Math.min(a, b), Infinity) > 1) return;
  const gap = labelGap(values);
  if (gap !== null) throw label(train, gap.record, `${gap.value} ${describeGap(gap)}`);
}
