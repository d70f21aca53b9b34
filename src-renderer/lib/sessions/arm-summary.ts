import { summarize, type Summary } from '../../../shared/analysis/stats';
import type { Experiment, Run, SeriesPoint } from '../../../shared/schemas/records';
import { runOutcome } from '../compare/summary-metrics';

/**
 * A session's results at a glance: one row per arm of each experiment (a rule with its settings, over its seeds),
 * with the final and best test accuracy as mean ± std over the seeds that have one, how its runs ended and how
 * long they took. The Sessions view sorts these rows by any column.
 */
export interface ArmRow {
  key: string;
  experiment: string;
  label: string;
  rule: string;
  seeds: number;
  /** "2 completed, 1 failed", most common first. */
  status: string;
  final: Summary | null;
  best: Summary | null;
  /** Summed wall time of the arm's runs, in ms; null while none has started. */
  durationMs: number | null;
}

export type ArmColumn = 'experiment' | 'label' | 'seeds' | 'status' | 'final' | 'best' | 'duration';

export function armRows(
  experiments: readonly Experiment[],
  runs: readonly Run[],
  testAccuracy: ReadonlyMap<number, readonly SeriesPoint[]>,
  now = Date.now(),
): ArmRow[] {
  const names = new Map(experiments.map((e) => [e.id, e.name]));
  const arms = new Map<string, Run[]>();
  for (const run of runs) {
    const arm = typeof run.environment.arm === 'number' ? run.environment.arm : run.rule;
    const key = `${run.experimentId}:${arm}`;
    arms.set(key, [...(arms.get(key) ?? []), run]);
  }
  return [...arms].map(([key, armRuns]) => {
    const first = armRuns[0]!;
    const outcomes = armRuns.flatMap((run) => {
      const outcome = runOutcome(testAccuracy.get(run.id) ?? [], 'max');
      return outcome ? [outcome] : [];
    });
    const started = armRuns.filter((r) => r.startedAt !== null);
    return {
      key,
      experiment: names.get(first.experimentId) ?? `#${first.experimentId}`,
      label: typeof first.environment.label === 'string' ? first.environment.label : first.rule.toUpperCase(),
      rule: first.rule,
      seeds: armRuns.length,
      status: statusMix(armRuns),
      final: outcomes.length > 0 ? summarize(outcomes.map((o) => o.final)) : null,
      best: outcomes.length > 0 ? summarize(outcomes.map((o) => o.best)) : null,
      durationMs:
        started.length === 0 ? null : started.reduce((sum, r) => sum + ((r.endedAt ?? now) - r.startedAt!), 0),
    };
  });
}

function statusMix(runs: readonly Run[]): string {
  const counts = new Map<string, number>();
  for (const run of runs) counts.set(run.status, (counts.get(run.status) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([status, n]) => `${n} ${status}`)
    .join(', ');
}

/** Rows sorted by a column; rows without a value (no accuracy yet) last in either direction. */
export function sortArmRows(rows: readonly ArmRow[], column: ArmColumn, descending: boolean): ArmRow[] {
  const value = (row: ArmRow): number | string | null => {
    switch (column) {
      case 'final':
        return row.final?.mean ?? null;
      case 'best':
        return row.best?.mean ?? null;
      case 'duration':
        return row.durationMs;
      case 'seeds':
        return row.seeds;
      default:
        return row[column];
    }
  };
  return [...rows].sort((a, b) => {
    const x = value(a);
    const y = value(b);
    if (x === null || y === null) return x === y ? 0 : x === null ? 1 : -1;
    const order = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
    return descending ? -order : order;
  });
}
