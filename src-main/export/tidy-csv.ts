import { csvField, csvLine } from '../../shared/export/csv';
import type { ExportContext } from './context';
import { armLabel } from './selection';
import { seriesPages, selectedSeries } from './series-pages';
import type { TextSink } from './text-sink';

export const TIDY_COLUMNS = [
  'run_id',
  'experiment_id',
  'experiment',
  'session_id',
  'session',
  'rule',
  'arm_label',
  'seed',
  'epoch',
  'step',
  'split',
  'metric',
  'value',
  'wall_time',
] as const;

/**
 * One row per stored point (tidy data: Wickham 2014), streamed a page at a time. The run's columns are formatted
 * once per run and the value with JavaScript's shortest round-trip form, so parsing gives back the stored double.
 * wall_time is empty: the store keeps no clock time per point (the run's start and end are in environment.json).
 */
export async function writeTidyCsv(ctx: ExportContext, sink: TextSink): Promise<number> {
  const { store, selection } = ctx;
  const series = selectedSeries(store, selection.runs, ctx.options);
  const total = [...series.values()].flat().reduce((sum, n) => sum + n.count, 0);
  await sink.write(csvLine([...TIDY_COLUMNS]));
  let done = 0;
  for (const run of selection.runs) {
    const experiment = selection.experiments.get(run.experimentId)!;
    const session = selection.sessions.get(run.sessionId)!;
    const runPrefix = `${csvLine([
      run.id,
      run.experimentId,
      experiment.name,
      run.sessionId,
      session.name,
      run.rule,
      armLabel(run),
      run.seed,
    ]).slice(0, -1)},`;
    for (const { name, split } of series.get(run.id) ?? []) {
      const suffix = `,${csvField(split)},${csvField(name)},`;
      for await (const page of seriesPages(store, run.id, name, split)) {
        let chunk = '';
        for (const [step, epoch, value] of page) chunk += `${runPrefix}${epoch},${step}${suffix}${value},\n`;
        await sink.write(chunk);
        done += page.length;
        ctx.progress?.(done, total, 'tidy.csv');
      }
    }
  }
  return done;
}
