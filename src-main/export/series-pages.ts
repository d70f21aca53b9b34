import type { MetricName, MetricSplit } from '../../shared/schemas/records';
import type { ExportOptions } from '../../shared/api/contract-export';
import { ApiError } from '../../shared/api/errors';
import type { Run } from '../../shared/schemas/records';
import type { Store, TimedPointRow } from '../store/types';

/** Points per page: large enough that SQLite's per-query cost vanishes, small enough to keep memory flat. */
export const PAGE_SIZE = 8192;

/** The event loop gets a turn between pages, so that a long export never stalls the app or the server. */
export const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * A series' points, page by page, in step order (keyset paging on the store): never the whole series at once, and
 * the connection is free between pages for the training runs that write to it.
 */
export async function* seriesPages(
  store: Store,
  runId: number,
  name: string,
  split: MetricSplit,
  pageSize = PAGE_SIZE,
): AsyncGenerator<TimedPointRow[]> {
  let after = -1;
  for (;;) {
    const page = store.metrics.page(runId, name, split, after, pageSize);
    if (page.length === 0) return;
    yield page;
    if (page.length < pageSize) return;
    after = page[page.length - 1]![0];
    await yieldToEventLoop();
  }
}

/** The last [step, epoch, value, wallTime] of a series (its final value), or undefined for an empty one. */
export async function lastPoint(
  store: Store,
  runId: number,
  name: string,
  split: MetricSplit,
): Promise<TimedPointRow | undefined> {
  let last: TimedPointRow | undefined;
  for await (const page of seriesPages(store, runId, name, split)) last = page[page.length - 1];
  return last;
}

/**
 * The series of a run that the options select (metric names, split), in name then split order. A metric name the
 * options ask for that no selected run has is refused, naming the metrics there are.
 */
export function selectedSeries(
  store: Store,
  runs: readonly Run[],
  options: Pick<ExportOptions, 'metrics' | 'split'>,
): Map<number, MetricName[]> {
  const out = new Map<number, MetricName[]>();
  const seen = new Set<string>();
  for (const run of runs) {
    const names = store.metrics.names(run.id);
    for (const n of names) seen.add(`${n.split}/${n.name}`);
    out.set(
      run.id,
      names.filter(
        (n) => (!options.metrics || options.metrics.includes(n.name)) && (!options.split || options.split === n.split),
      ),
    );
  }
  const available = [...seen].sort();
  for (const metric of options.metrics ?? []) {
    if (![...out.values()].some((list) => list.some((n) => n.name === metric))) {
      const where = options.split ? ` in the ${options.split} split` : '';
      throw new ApiError(
        'invalid_request',
        `No selected run has a metric "${metric}"${where}. Stored: ${available.join(', ') || 'none (no run has recorded a point yet)'}.`,
      );
    }
  }
  return out;
}
