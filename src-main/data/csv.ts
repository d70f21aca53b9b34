import path from 'node:path';
import { checkClassNumbers, declaredClassLabels, numericLabels } from './csv-labels';
import { DatasetError } from './errors';
import { readFileBytes } from './gzip';
import { declaredClassCount } from './labels';
import type { RawPart, RawSource, Task } from './types';

/**
 * CSV tables: a header row, numeric feature columns and one named label column (several target columns
 * for regression). Quoting follows RFC 4180 ("a, b" is one cell, "" is a quote inside quotes).
 * Errors name the line (1 = header) and the column, so a user can open the file and look.
 */

export interface CsvOptions {
  /** The label column (classification) or the target columns (regression). Default 'label'. */
  labelColumn?: string | readonly string[];
  /**
   * 'auto' (default): classification when every label is an integer or a word, regression when any is a
   * fraction or there are several target columns.
   */
  task?: 'auto' | Task;
  /** Default: sniffed from the header line (comma, else semicolon or tab if the header holds one). */
  delimiter?: ',' | ';' | '\t';
  /**
   * Classification: the number of classes, when the labels are the class numbers 0…classes−1 (a class
   * with no sample in the table still counts). Default: the distinct labels of the training table.
   */
  classes?: number;
}

export interface CsvRecords {
  readonly records: string[][];
  /** The line each record starts on (1-based). */
  readonly lines: number[];
}

export function sniffDelimiter(text: string): ',' | ';' | '\t' {
  const end = text.indexOf('\n');
  const header = end < 0 ? text : text.slice(0, end);
  if (header.includes(',')) return ',';
  if (header.includes(';')) return ';';
  if (header.includes('\t')) return '\t';
  return ',';
}

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

/** Splits text into records of cells. Blank lines are skipped; an unclosed quote is an error. */
export function parseCsvRecords(text: string, file: string, delimiter: string): CsvRecords {
  const records: string[][] = [];
  const lines: number[] = [];
  eachCsvRecord(text, file, delimiter, (cells, line) => {
    records.push(cells);
    lines.push(line);
  });
  return { records, lines };
}

/**
 * Calls `visit` with each record's cells and the line it starts on. Tables are read this way rather
 * than as one array of all cells: millions of retained cell strings cost more in garbage collection
 * than the parsing itself.
 */
export function eachCsvRecord(
  text: string,
  file: string,
  delimiter: string,
  visit: (cells: string[], line: number) => void,
): void {
  const sep = delimiter.charCodeAt(0);
  // Character codes, not one-character strings: this loop runs once per byte of a possibly 100 MB table.
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; // a UTF-8 byte-order mark, as spreadsheet programs write
  let line = 1;
  const n = text.length;
  while (i < n) {
    const startLine = line;
    const cells: string[] = [];
    let blank = true;
    for (;;) {
      let cell: string;
      if (text.charCodeAt(i) === QUOTE) {
        blank = false;
        i++;
        cell = '';
        for (;;) {
          const close = text.indexOf('"', i);
          if (close < 0) throw new DatasetError('table', file, `line ${startLine}: a quoted cell is never closed`);
          const piece = text.slice(i, close);
          for (let k = piece.indexOf('\n'); k >= 0; k = piece.indexOf('\n', k + 1)) line++;
          cell += piece;
          i = close + 1;
          if (text.charCodeAt(i) === QUOTE) {
            cell += '"'; // "" inside quotes is one quote
            i++;
            continue;
          }
          break;
        }
        // After a closing quote only a delimiter or the end of the record may follow.
        const next = text.charCodeAt(i);
        if (i < n && next !== sep && next !== LF && next !== CR) {
          throw new DatasetError(
            'table',
            file,
            `line ${line}: unexpected text after a closing quote in column ${cells.length + 1}`,
          );
        }
      } else {
        const start = i;
        let c = text.charCodeAt(i);
        while (i < n && c !== sep && c !== LF && c !== CR) c = text.charCodeAt(++i);
        cell = text.slice(start, i);
        if (cell.length > 0) blank = false;
      }
      cells.push(cell);
      if (i < n && text.charCodeAt(i) === sep) {
        blank = false;
        i++;
        continue;
      }
      break;
    }
    if (text.charCodeAt(i) === CR) i++;
    if (text.charCodeAt(i) === LF) {
      i++;
      line++;
    }
    if (!blank) visit(cells, startLine);
  }
}

interface Columns {
  readonly header: readonly string[];
  readonly features: readonly number[];
  readonly labels: readonly number[];
}

function columns(header: readonly string[], file: string, labelColumn: string | readonly string[]): Columns {
  const wanted = typeof labelColumn === 'string' ? [labelColumn] : [...labelColumn];
  if (wanted.length === 0) throw new DatasetError('options', file, 'name at least one label column');
  const seen = new Set<string>();
  header.forEach((name, c) => {
    if (seen.has(name))
      throw new DatasetError('table', file, `line 1: column name '${name}' appears twice (column ${c + 1})`);
    seen.add(name);
  });
  const labels = wanted.map((name) => {
    const c = header.indexOf(name);
    if (c < 0) {
      throw new DatasetError(
        'table',
        file,
        `has no column '${name}' for the label; the header has: ${header.map((h) => `'${h}'`).join(', ')}`,
      );
    }
    return c;
  });
  const features = header.map((_, c) => c).filter((c) => !labels.includes(c));
  if (features.length === 0) throw new DatasetError('table', file, 'has no feature columns besides the label');
  return { header, features, labels };
}

function cellNumber(cell: string, file: string, line: number, column: number, name: string): number {
  const text = cell.trim();
  const value = text === '' ? Number.NaN : Number(text);
  if (!Number.isFinite(value)) {
    const what =
      text === '' ? 'is empty' : `'${cell.length > 40 ? cell.slice(0, 40) + '…' : cell}' is not a finite number`;
    throw new DatasetError('table', file, `line ${line}, column ${column + 1} ('${name}'): ${what}`);
  }
  return value;
}

export interface CsvTable {
  readonly file: string;
  readonly header: readonly string[];
  readonly featureNames: readonly string[];
  /** Header index of each label column. */
  readonly labelColumns: readonly number[];
  readonly size: number;
  readonly x: Float32Array;
  /** Label cells as written (trimmed), `size × labelColumns.length`, row-major. */
  readonly labelCells: readonly string[];
  /** The line each data row starts on. */
  readonly lines: readonly number[];
}

/** Parses and checks the whole table: every row as wide as the header, every feature cell a number. */
export function parseCsvTable(text: string, file: string, options: CsvOptions = {}): CsvTable {
  const delimiter = options.delimiter ?? sniffDelimiter(text);
  // Set by the first record; a holder object, since a closure assigns it.
  const head: { header: string[] | null; cols: Columns | null } = { header: null, cols: null };
  let d = 0;
  let size = 0;
  // Grown by doubling: the row count is known only at the end.
  let x = new Float32Array(0);
  const labelCells: string[] = [];
  const lines: number[] = [];
  eachCsvRecord(text, file, delimiter, (cells, line) => {
    const { header, cols } = head;
    if (header === null || cols === null) {
      head.header = cells.map((h) => h.trim());
      head.cols = columns(head.header, file, options.labelColumn ?? 'label');
      d = head.cols.features.length;
      x = new Float32Array(d * 1024);
      return;
    }
    if (cells.length !== header.length) {
      throw new DatasetError(
        'table',
        file,
        `line ${line} has ${cells.length} cells but the header has ${header.length} columns`,
      );
    }
    if ((size + 1) * d > x.length) {
      const grown = new Float32Array(x.length * 2);
      grown.set(x);
      x = grown;
    }
    const base = size * d;
    for (let f = 0; f < d; f++) {
      const c = cols.features[f]!;
      x[base + f] = cellNumber(cells[c]!, file, line, c, header[c]!);
    }
    for (const c of cols.labels) {
      const cell = cells[c]!.trim();
      if (cell === '')
        throw new DatasetError('table', file, `line ${line}, column ${c + 1} ('${header[c]}'): the label is empty`);
      labelCells.push(cell);
    }
    lines.push(line);
    size++;
  });
  const finalHeader = head.header;
  const finalCols = head.cols;
  if (finalHeader === null || finalCols === null)
    throw new DatasetError('table', file, 'is empty; expected a header row and data rows');
  if (size === 0) throw new DatasetError('table', file, 'has a header but no data rows');
  return {
    file,
    header: finalHeader,
    featureNames: finalCols.features.map((c) => finalHeader[c]!),
    labelColumns: finalCols.labels,
    size,
    x: x.slice(0, size * d),
    labelCells,
    lines,
  };
}

const INTEGER = /^[+-]?\d+$/;

/** 'auto': regression for several targets or any fractional label, classification for integers and words. */
function decideTask(table: CsvTable, requested: CsvOptions['task']): Task {
  if (requested === 'classification' || requested === 'regression') return requested;
  if (table.labelColumns.length > 1) return 'regression';
  const words = table.labelCells.some((c) => !Number.isFinite(Number(c)));
  const fractional = table.labelCells.some((c) => !INTEGER.test(c));
  return fractional && !words ? 'regression' : 'classification';
}

function targetsOf(table: CsvTable): Float32Array {
  const k = table.labelColumns.length;
  const out = new Float32Array(table.labelCells.length);
  table.labelCells.forEach((cell, i) => {
    const c = table.labelColumns[i % k]!;
    out[i] = cellNumber(cell, table.file, table.lines[Math.floor(i / k)]!, c, table.header[c]!);
  });
  return out;
}

/** Class names in a stable order: numerically when every label is an integer, else by code unit. */
function classNamesOf(cells: readonly string[]): string[] {
  if (cells.every((c) => INTEGER.test(c))) {
    // "01" and "1" are the same class once read as numbers.
    return [...new Set(cells.map((c) => String(Number(c))))].sort((a, b) => Number(a) - Number(b));
  }
  return [...new Set(cells)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function classLabels(table: CsvTable, classNames: readonly string[], numeric: boolean, trainFile: string): Int32Array {
  const index = new Map(classNames.map((name, i) => [name, i]));
  const y = new Int32Array(table.size);
  table.labelCells.forEach((cell, r) => {
    const label = index.get(numeric && INTEGER.test(cell) ? String(Number(cell)) : cell);
    if (label === undefined) {
      throw new DatasetError(
        'label',
        table.file,
        `line ${table.lines[r]}: label '${cell}' is not one of the classes of ${trainFile}`,
      );
    }
    y[r] = label;
  });
  return y;
}

/**
 * Reads a training table and, optionally, a test table with the same columns. Classes are taken from
 * the training table; a test label it does not have is an error.
 */
export async function readCsvSource(
  trainFile: string,
  testFile: string | null,
  options: CsvOptions = {},
): Promise<RawSource> {
  const train = parseCsvTable((await readFileBytes(trainFile)).toString('utf8'), trainFile, options);
  const test =
    testFile === null ? null : parseCsvTable((await readFileBytes(testFile)).toString('utf8'), testFile, options);
  if (test !== null && test.header.join('\u0000') !== train.header.join('\u0000')) {
    throw new DatasetError(
      'mismatch',
      test.file,
      `has columns ${test.header.join(', ')} but ${train.file} has ${train.header.join(', ')}`,
    );
  }
  const task = decideTask(train, options.task);
  const base = {
    name: path.basename(trainFile).replace(/\.csv$/i, ''),
    inputShape: [train.featureNames.length],
    featureNames: train.featureNames,
    location: trainFile,
    scaleByDefault: true,
    validation: null,
  };
  if (task === 'regression') {
    if (options.classes !== undefined)
      throw new DatasetError('options', trainFile, 'classes applies to classification, not regression');
    const part = (t: CsvTable): RawPart => ({ size: t.size, x: t.x, y: targetsOf(t) });
    return {
      ...base,
      task,
      outputSize: train.labelColumns.length,
      classNames: train.labelColumns.map((c) => train.header[c]!),
      train: part(train),
      test: test === null ? null : part(test),
    };
  }
  if (train.labelColumns.length > 1)
    throw new DatasetError('options', trainFile, 'classification takes one label column');
  if (options.classes !== undefined) {
    const classes = declaredClassCount(options.classes, trainFile);
    return {
      ...base,
      task,
      outputSize: classes,
      classNames: Array.from({ length: classes }, (_, i) => String(i)),
      train: { size: train.size, x: train.x, y: declaredClassLabels(train, classes) },
      test: test === null ? null : { size: test.size, x: test.x, y: declaredClassLabels(test, classes) },
    };
  }
  if (numericLabels(train)) checkClassNumbers(train, test);
  const classNames = classNamesOf(train.labelCells);
  const numeric = train.labelCells.every((c) => INTEGER.test(c));
  return {
    ...base,
    task,
    outputSize: classNames.length,
    classNames,
    train: { size: train.size, x: train.x, y: classLabels(train, classNames, numeric, trainFile) },
    test: test === null ? null : { size: test.size, x: test.x, y: classLabels(test, classNames, numeric, trainFile) },
  };
}
