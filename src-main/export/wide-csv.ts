import type { MetricSplit } from '../../shared/schemas/records';
import type { TimedPointRow } from '../store/types';
import { csvLine } from '../../shared/export/csv';
import type { ExportContext } from './context';
import { armLabel } from './selection';
import { seriesPages } from './series-pages';
import type { TextSink } from './text-sink';

/** A run's series read a page at a time, for merging runs by step. */
class Cursor {
  private page: TimedPointRow[] = [];
  private at = 0;
  constructor(private readonly pages: AsyncGenerator<TimedPointRow[]>) {}

  async current(): Promise<TimedPointRow | undefined> {
    while (this.at >= this.page.length) {
      const next = await this.pages.next();
      if (next.done) return undefined;
      this.page = next.value;
      this.at = 0;
    }
    return this.page[this.at];
  }

  advance(): void {
    this.at++;
  }
}

/**
 * One metric of one split as a wide table: a row per step, a column per run (run id, arm and seed in the header),
 * empty where a run has no point at that step. The epoch is the first run's at that step (runs of one experiment
 * agree; runs on differently sized data may not, which the tidy CSV keeps per run). Memory: one page per run.
 */
export async function writeWideCsv(
  ctx: ExportContext,
  name: string,
  split: MetricSplit,
  sink: TextSink,
): Promise<number> {
  const runs = ctx.selection.runs.filter((r) =>
    ctx.store.metrics.names(r.id).some((n) => n.name === name && n.split === split),
  );
  await sink.write(csvLine(['step', 'epoch', ...runs.map((r) => `run ${r.id} ${armLabel(r)} seed ${r.seed}`)]));
  const cursors = runs.map((r) => new Cursor(seriesPages(ctx.store, r.id, name, split)));
  let rows = 0;
  let chunk = '';
  for (;;) {
    const heads = await Promise.all(cursors.map((c) => c.current()));
    let step = Infinity;
    for (const h of heads) if (h && h[0] < step) step = h[0];
    if (step === Infinity) break;
    let epoch: number | undefined;
    const values = heads.map((h, i) => {
      if (!h || h[0] !== step) return null;
      epoch ??= h[1];
      cursors[i]!.advance();
      return h[2];
    });
    chunk += csvLine([step, epoch, ...values]);
    rows++;
    if (chunk.length > 1 << 16) {
      await sink.write(chunk);
      chunk = '';
    }
  }
  await sink.write(chunk);
  return rows;
}
