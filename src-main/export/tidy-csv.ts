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
 * wall_time is when the point's batch reached the host (ISO 8601, UTC, milliseconds): empty where it is not known
 * (points stored before the store kept it, or imported from another database).
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
        for (const [step, epoch, value, wallTime] of page) {
          chunk += `${runPrefix}${epoch},${step}${suffix}${value},${wallTime === null ? '' : isoTime(wallTime)}\n`;
        }
        await sink.write(chunk);
        done += page.length;
        ctx.progress?.(done, total, 'tidy.csv');
      }
    }
  }
  return done;
}

/** Consecutive points of a batch share their time: format each distinct time once. */
let lastTime = Number.NaN;
let lastIso = '';
function isoTime(ms: number): string {
  if (ms !== lastTime) {
    lastTime = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}
