import os from 'node:os';

/** One line of a benchmark's table; a row with a target says PASS or MISSED beside its value. */
export interface Row {
  label: string;
  value: string;
  target?: string;
  pass?: boolean;
}

/** Prints rows as an aligned table: label, value, target, verdict. */
export function printTable(title: string, rows: readonly Row[]): void {
  const labelWidth = Math.max(...rows.map((r) => r.label.length), 6);
  const valueWidth = Math.max(...rows.map((r) => r.value.length), 5);
  const targetWidth = Math.max(...rows.map((r) => r.target?.length ?? 0), 6);
  console.log(`\n${title}`);
  console.log(`${'metric'.padEnd(labelWidth)}  ${'value'.padStart(valueWidth)}  ${'target'.padEnd(targetWidth)}`);
  console.log('-'.repeat(labelWidth + valueWidth + targetWidth + 12));
  for (const row of rows) {
    const verdict = row.pass === undefined ? '' : row.pass ? 'PASS' : 'MISSED';
    console.log(
      `${row.label.padEnd(labelWidth)}  ${row.value.padStart(valueWidth)}  ${(row.target ?? '').padEnd(targetWidth)}  ${verdict}`.trimEnd(),
    );
  }
}

export const ms = (value: number, digits = 1): string => `${value.toFixed(digits)} ms`;

/** The machine and its load, printed with every browser benchmark: on a shared machine the load explains a slow run. */
export function machineLine(): string {
  const [one, five, fifteen] = os.loadavg().map((l) => l.toFixed(2));
  return `${os.cpus().length} CPUs, ${os.cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}, load average ${one} ${five} ${fifteen}`;
}
