import type { MetricPoint, MetricSplit } from '../../../shared/schemas/records';

/** A point as chart.js reads it with parsing off: x is the step. */
export interface XY {
  x: number;
  y: number;
}

/** What a chart plots: one metric on one split. */
export interface SeriesRef {
  name: string;
  split: MetricSplit;
}

export const TRAIN_LOSS: SeriesRef = { name: 'loss', split: 'train' };
export const TEST_ACCURACY: SeriesRef = { name: 'accuracy', split: 'test' };

export function seriesKey(runId: number, ref: SeriesRef): string {
  return `${runId}|${ref.split}|${ref.name}`;
}

/**
 * Every plotted series, by run and metric, held outside Svelte's reactivity (thousands of points per series would
 * make proxies expensive); owners bump a version counter instead. History arrives after live points may have, so
 * live points that land while a series loads are kept and merged after it.
 */
export class SeriesBook {
  readonly #series = new Map<string, XY[]>();
  readonly #loading = new Map<string, XY[]>();
  /** Series whose history came down-sampled: their steps differ between runs. */
  readonly #downsampled = new Set<string>();

  get(runId: number, ref: SeriesRef): XY[] {
    return this.#series.get(seriesKey(runId, ref)) ?? [];
  }

  beginLoad(runId: number, ref: SeriesRef): void {
    this.#loading.set(seriesKey(runId, ref), []);
  }

  /** Stored history in, then the live points that came meanwhile and lie past its end. */
  finishLoad(runId: number, ref: SeriesRef, history: XY[], downsampled = false): void {
    const key = seriesKey(runId, ref);
    if (downsampled) this.#downsampled.add(key);
    else this.#downsampled.delete(key);
    const buffered = this.#loading.get(key) ?? [];
    this.#loading.delete(key);
    const last = history.at(-1)?.x ?? -1;
    this.#series.set(key, [...history, ...buffered.filter((p) => p.x > last)]);
  }

  /** Appends live points to the series that are tracked; returns whether any was. */
  append(runId: number, points: MetricPoint[], tracked: SeriesRef[]): boolean {
    let changed = false;
    for (const ref of tracked) {
      const key = seriesKey(runId, ref);
      const target = this.#loading.get(key) ?? this.#series.get(key);
      if (!target) continue;
      for (const p of points) {
        if (p.name !== ref.name || p.split !== ref.split) continue;
        const last = target.at(-1);
        if (last && p.step <= last.x) continue;
        target.push({ x: p.step, y: p.value });
        changed = true;
      }
    }
    return changed;
  }

  isDownsampled(runId: number, ref: SeriesRef): boolean {
    return this.#downsampled.has(seriesKey(runId, ref));
  }

  clear(): void {
    this.#series.clear();
    this.#loading.clear();
    this.#downsampled.clear();
  }
}
