import type { DatasetShapes } from '../../../shared/analysis/grouping';
import type { BroadcastRegime } from '../../../shared/analysis/regime';
import type { XY } from '../../../shared/analysis/bands';
import type { DatasetInfo } from '../../../shared/api/contract';
import type { MetricSplit } from '../../../shared/schemas/records';
import { seriesKey, type SeriesRef } from '../monitor/series';
import type { RunOutcome, SummaryMetric } from './summary-metrics';

export interface Curve {
  points: XY[];
  downsampled: boolean;
}

/**
 * What has been read about picked runs: metric names, summary outcomes and plotted curves. Kept outside
 * Svelte's reactivity (curves can be long); its owner bumps a version when it changes. Requests under way are
 * remembered with the epoch they were made in, so that one is never sent twice and an answer made stale by
 * forget() is dropped.
 */
export class RunDataCache {
  readonly names = new Map<number, SeriesRef[]>();
  readonly outcomes = new Map<string, RunOutcome | null>();
  readonly curves = new Map<string, Curve>();
  /** Each run's broadcast regime (EBD, SBD, DKP), null for other rules; absent until read. */
  readonly regimes = new Map<number, BroadcastRegime | null>();
  #epoch = 0;
  readonly #inflight = new Map<string, number>();

  get epoch(): number {
    return this.#epoch;
  }

  outcomeKey(runId: number, metric: SummaryMetric): string {
    return `${runId}|${metric.id}`;
  }

  curveKey(runId: number, ref: SeriesRef): string {
    return seriesKey(runId, ref);
  }

  /** Drops one run's data, or everything; answers to earlier requests are then ignored. */
  forget(runId?: number): void {
    const prefix = runId === undefined ? null : `${runId}|`;
    for (const map of [this.outcomes, this.curves]) {
      for (const key of [...map.keys()]) if (prefix === null || key.startsWith(prefix)) map.delete(key);
    }
    if (runId === undefined) {
      this.names.clear();
      this.regimes.clear();
    } else {
      this.names.delete(runId);
      this.regimes.delete(runId);
    }
    this.#epoch++;
  }

  /** Runs job unless the same request is already under way in this epoch; null when it is. */
  start(key: string, job: (epoch: number) => Promise<void>): Promise<void> | null {
    const epoch = this.#epoch;
    if (this.#inflight.get(key) === epoch) return null;
    this.#inflight.set(key, epoch);
    return job(epoch).finally(() => {
      if (this.#inflight.get(key) === epoch) this.#inflight.delete(key);
    });
  }

  /** Whether an answer to a request made in this epoch may still be stored. */
  current(epoch: number): boolean {
    return epoch === this.#epoch;
  }
}

const SPLIT_ORDER: readonly MetricSplit[] = ['train', 'validation', 'test', 'diagnostic'];

/** The metrics any of the given runs recorded, without repeats, in split order; `current` always among them. */
export function metricOptions(current: SeriesRef, lists: readonly (readonly SeriesRef[])[]): SeriesRef[] {
  const seen = new Map<string, SeriesRef>([[seriesKey(0, current), current]]);
  for (const list of lists) for (const ref of list) seen.set(seriesKey(0, ref), { name: ref.name, split: ref.split });
  return [...seen.values()].sort(
    (a, b) => SPLIT_ORDER.indexOf(a.split) - SPLIT_ORDER.indexOf(b.split) || a.name.localeCompare(b.name),
  );
}

/** Input and output sizes by dataset name, from datasets.list, for group labels. */
export function shapesOf(datasets: readonly DatasetInfo[]): DatasetShapes {
  const shapes = new Map(
    datasets.map((d) => [d.name, { input: d.inputShape.reduce((a, b) => a * b, 1), output: d.outputSize }]),
  );
  return (name) => shapes.get(name);
}

export function indexById<T extends { id: number }>(items: readonly T[]): ReadonlyMap<number, T> {
  return new Map(items.map((item) => [item.id, item]));
}
