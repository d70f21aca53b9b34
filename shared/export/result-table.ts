import { ERROR_DESCRIPTION, type ErrorMeasure } from './aggregate';
import { csvLine } from './csv';
import { latexText } from './latex-text';

/**
 * A results table (rules × metrics or rules × datasets) and its LaTeX, Markdown and CSV forms, all written from the
 * one model so that the three agree. Numbers are means over seeds with the chosen error measure; the caption states
 * the measure and N.
 */
export interface TableCell {
  mean: number;
  /** The half-width printed after ±; NaN when undefined (a single seed). */
  error: number;
  n: number;
}

export interface TableColumn {
  label: string;
  /** Which way is better, for bolding the best value; null: never bolded. */
  better: 'max' | 'min' | null;
}

export interface ResultTable {
  /** What the cells hold, the caption's first words ("Final test accuracy"). */
  title: string;
  rowHeading: string;
  columns: TableColumn[];
  rows: { label: string; cells: (TableCell | null)[] }[];
  error: ErrorMeasure;
  /** Digits after the decimal point. */
  digits: number;
  boldBest: boolean;
}

export interface LatexTableOptions {
  /** Align on the decimal point with siunitx S columns (needs \usepackage{siunitx}). */
  siunitx?: boolean;
  label?: string;
}

const MISSING = '—';

function cells(table: ResultTable): TableCell[] {
  return table.rows.flatMap((r) => r.cells.filter((c): c is TableCell => c !== null));
}

/** "mean ± std over N = 3 seeds" or "… N = 2–3 seeds (N per cell where it differs)". */
export function tableCaption(table: ResultTable): string {
  const ns = cells(table).map((c) => c.n);
  const lo = Math.min(...ns);
  const hi = Math.max(...ns);
  const n = ns.length === 0 ? 'no runs' : lo === hi ? `N = ${lo} seeds` : `N = ${lo}–${hi} seeds (given per cell)`;
  const bold = table.boldBest ? ' Best value per column in bold.' : '';
  return `${table.title}: mean ± ${ERROR_DESCRIPTION[table.error]}, ${n}.${bold}`;
}

function nVaries(table: ResultTable): boolean {
  return new Set(cells(table).map((c) => c.n)).size > 1;
}

/** For each column, the best mean (by its direction), or null where bolding does not apply. */
function bestOf(table: ResultTable): (number | null)[] {
  return table.columns.map((column, c) => {
    if (!table.boldBest || column.better === null) return null;
    const means = table.rows.map((r) => r.cells[c]?.mean).filter((m): m is number => Number.isFinite(m));
    if (means.length < 2) return null;
    return column.better === 'max' ? Math.max(...means) : Math.min(...means);
  });
}

function fixed(value: number, digits: number): string | null {
  return Number.isFinite(value) ? value.toFixed(digits) : null;
}

export function latexTable(table: ResultTable, options: LatexTableOptions = {}): string {
  const best = bestOf(table);
  const perCellN = nVaries(table);
  const siunitx = options.siunitx === true;
  // An S column holds a number only, so with siunitx a varying N gets a column of its own at the end of the row.
  const nColumn = siunitx && perCellN;
  const columnSpec = table.columns.map(() => (siunitx ? siunitxColumn(table) : 'c')).join('') + (nColumn ? 'c' : '');
  const header = [table.rowHeading, ...table.columns.map((c) => c.label)]
    .map((text, i) => (siunitx && i > 0 ? `{${latexText(text)}}` : latexText(text)))
    .concat(nColumn ? ['N'] : [])
    .join(' & ');
  const body = table.rows.map((row) => {
    const fields = row.cells.map((cell, c) => {
      if (!cell) return siunitx ? '{--}' : '--';
      const mean = fixed(cell.mean, table.digits) ?? 'NaN';
      const error = fixed(cell.error, table.digits);
      const isBest = best[c] !== null && cell.mean === best[c];
      const n = perCellN ? ` (${cell.n})` : '';
      if (siunitx) {
        const value = error === null ? mean : `${mean} \\pm ${error}`;
        return `${isBest ? '\\bfseries ' : ''}${value}`;
      }
      const value = error === null ? `$${mean}$` : `$${mean} \\pm ${error}$`;
      return `${isBest ? `\\boldmath${value}\\unboldmath` : value}${n}`;
    });
    const ns = [...new Set(row.cells.filter((c): c is TableCell => c !== null).map((c) => c.n))].join('/');
    return `    ${[latexText(row.label), ...fields, ...(nColumn ? [ns] : [])].join(' & ')} \\\\`;
  });
  const packages = siunitx ? '\\usepackage{booktabs} and \\usepackage{siunitx}' : '\\usepackage{booktabs}';
  return [
    `% Written by Broadcast Lab. Needs ${packages} in the preamble.`,
    '\\begin{table}[t]',
    '  \\centering',
    `  \\caption{${latexText(tableCaption(table))}}`,
    `  \\label{${options.label ?? 'tab:results'}}`,
    `  \\begin{tabular}{l${columnSpec}}`,
    '    \\toprule',
    `    ${header} \\\\`,
    '    \\midrule',
    ...body,
    '    \\bottomrule',
    '  \\end{tabular}',
    '\\end{table}',
    '',
  ].join('\n');
}

/** An S column wide enough for every mean and error of the table, bold-aware. */
function siunitxColumn(table: ResultTable): string {
  const all = cells(table);
  const intDigits = Math.max(1, ...all.map((c) => String(Math.trunc(Math.abs(c.mean))).length));
  const errInt = Math.max(0, ...all.map((c) => (Number.isFinite(c.error) ? String(Math.trunc(c.error)).length : 0)));
  const sign = all.some((c) => c.mean < 0) ? '-' : '';
  const uncertainty = errInt > 0 || all.some((c) => Number.isFinite(c.error)) ? `(${errInt + table.digits})` : '';
  return `S[separate-uncertainty=true, detect-weight=true, table-format=${sign}${intDigits}.${table.digits}${uncertainty}]`;
}

export function markdownTable(table: ResultTable): string {
  const best = bestOf(table);
  const perCellN = nVaries(table);
  const escape = (text: string) => text.replaceAll('|', '\\|');
  const lines = [
    `| ${[table.rowHeading, ...table.columns.map((c) => c.label)].map(escape).join(' | ')} |`,
    `|${['---', ...table.columns.map(() => '---:')].join('|')}|`,
  ];
  for (const row of table.rows) {
    const fields = row.cells.map((cell, c) => {
      if (!cell) return MISSING;
      const mean = fixed(cell.mean, table.digits) ?? 'NaN';
      const error = fixed(cell.error, table.digits);
      const value = `${mean} ± ${error ?? MISSING}${perCellN ? ` (N = ${cell.n})` : ''}`;
      return best[c] !== null && cell.mean === best[c] ? `**${value}**` : value;
    });
    lines.push(`| ${[escape(row.label), ...fields].join(' | ')} |`);
  }
  return `${lines.join('\n')}\n\nTable: ${tableCaption(table)}\n`;
}

/** The same table with full-precision numbers: a mean, error and N column per table column. */
export function csvTable(table: ResultTable): string {
  const header = [table.rowHeading];
  for (const c of table.columns) header.push(`${c.label} mean`, `${c.label} ${table.error}`, `${c.label} N`);
  let out = csvLine(header);
  for (const row of table.rows) {
    const fields: (string | number | null)[] = [row.label];
    for (const cell of row.cells) fields.push(cell?.mean ?? null, cell?.error ?? null, cell?.n ?? null);
    out += csvLine(fields);
  }
  return out;
}
