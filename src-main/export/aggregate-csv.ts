import { aggregate, epochBin } from '../../shared/export/aggregate';
import { csvLine } from '../../shared/export/csv';
import type { MetricName } from '../../shared/schemas/records';
import type { ExportContext } from './context';
import { seriesPages, selectedSeries } from './series-pages';
import type { TextSink } from './text-sink';

export const AGGREGATE_COLUMNS = [
  'group',
  'rule',
  'split',
  'metric',
  'epoch',
  'n',
  'mean',
  'std',
  'sem',
  'ci95',
  'ci95_low',
  'ci95_high',
  'min',
  'max',
  'run_ids',
] as const;

/**
 * Per group, metric and epoch, the mean over the group's runs with std, SEM and the 95% CI from Student's t (N is
 * the runs with a point in that epoch). A run's value at epoch e is its last point with e − 1 < epoch ≤ e
 * (shared/export/aggregate.ts epochBin): the evaluation at the end of epoch e for validation and test.
 */
export async function writeAggregateCsv(ctx: ExportContext, sink: TextSink): Promise<number> {
  const series = selectedSeries(ctx.store, ctx.selection.runs, ctx.options);
  await sink.write(csvLine([...AGGREGATE_COLUMNS]));
  let rows = 0;
  for (const group of ctx.selection.groups) {
    const metrics = new Map<string, MetricName>();
    for (const run of group.runs) for (const n of series.get(run.id) ?? []) metrics.set(`${n.split}\u0000${n.name}`, n);
    for (const { name, split } of [...metrics.values()].sort(
      (a, b) => a.split.localeCompare(b.split) || a.name.localeCompare(b.name),
    )) {
      // epoch → one value per run (its last point in that epoch), in run order.
      const byEpoch = new Map<number, { runIds: number[]; values: number[] }>();
      for (const run of group.runs) {
        const last = new Map<number, number>();
        for await (const page of seriesPages(ctx.store, run.id, name, split))
          for (const [, epoch, value] of page) last.set(epochBin(epoch), value);
        for (const [epoch, value] of last) {
          const entry = byEpoch.get(epoch) ?? { runIds: [], values: [] };
          entry.runIds.push(run.id);
          entry.values.push(value);
          byEpoch.set(epoch, entry);
        }
      }
      let chunk = '';
      for (const epoch of [...byEpoch.keys()].sort((a, b) => a - b)) {
        const { runIds, values } = byEpoch.get(epoch)!;
        const a = aggregate(values);
        chunk += csvLine([
          group.label,
          group.config.rules.rule,
          split,
          name,
          epoch,
          a.n,
          a.mean,
          a.n < 2 ? null : a.std,
          a.sem,
          a.ci95,
          a.mean - a.ci95,
          a.mean + a.ci95,
          a.min,
          a.max,
          runIds.join(' '),
        ]);
        rows++;
      }
      await sink.write(chunk);
    }
  }
  return rows;
}
