import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MetricPoint, SeriesPoint } from '../../shared/schemas/records';
import { planDownsample } from '../../src-main/store/downsample';
import type { Store } from '../../src-main/store';
import { expectedDownsample, openTestStore, prng, removeDir, seedRun, tempDir } from './store-test-helpers';

function inRange(points: readonly SeriesPoint[], lo: number, hi: number): SeriesPoint[] {
  return points.filter((p) => p.step >= lo && p.step <= hi);
}

let dir: string;
let store: Store;

beforeAll(() => {
  dir = tempDir();
  store = openTestStore(path.join(dir, 'metrics.sqlite'));
});

afterAll(() => {
  store.close();
  removeDir(dir);
});

describe('metric insert and names', () => {
  it('stores interleaved series of one batch apart and counts them', () => {
    const { run } = seedRun(store);
    const points: MetricPoint[] = [];
    for (let step = 0; step < 50; step++) {
      points.push({ step, epoch: step / 10, split: 'train', name: 'loss', value: 1 / (step + 1) });
      points.push({ step, epoch: step / 10, split: 'train', name: 'accuracy', value: step / 50 });
      if (step % 10 === 0)
        points.push({ step, epoch: step / 10, split: 'validation', name: 'loss', value: 2 / (step + 1) });
    }
    store.metrics.insert(run.id, points);
    expect(store.metrics.names(run.id)).toEqual([
      { name: 'accuracy', split: 'train', count: 50 },
      { name: 'loss', split: 'train', count: 50 },
      { name: 'loss', split: 'validation', count: 5 },
    ]);
    const validation = store.metrics.series({ runId: run.id, name: 'loss', split: 'validation' });
    expect(validation).toEqual({
      runId: run.id,
      name: 'loss',
      split: 'validation',
      total: 5,
      downsampled: false,
      points: [0, 10, 20, 30, 40].map((step) => ({ step, epoch: step / 10, value: 2 / (step + 1) })),
    });
  });

  it('answers an unknown series with an empty one', () => {
    const { run } = seedRun(store);
    expect(store.metrics.series({ runId: run.id, name: 'nope', split: 'test', maxPoints: 10 })).toEqual({
      runId: run.id,
      name: 'nope',
      split: 'test',
      total: 0,
      downsampled: false,
      points: [],
    });
    expect(store.metrics.names(run.id)).toEqual([]);
  });

  it('refuses a batch with a non-finite value or a bad step, writing none of it', () => {
    const { run } = seedRun(store);
    const good = { step: 1, epoch: 0, split: 'train' as const, name: 'loss', value: 1 };
    expect(() => store.metrics.insert(run.id, [good, { ...good, step: 2, value: Number.NaN }])).toThrow(
      /point 1 \(loss\/train at step 2\).*finite/,
    );
    expect(() => store.metrics.insert(run.id, [good, { ...good, step: -1 }])).toThrow(/step/);
    expect(() => store.metrics.insert(run.id, [good, { ...good, step: 1.5 }])).toThrow(/step/);
    expect(store.metrics.names(run.id)).toEqual([]);
    expect(() => store.metrics.insert(999_999, [good])).toThrow(/run 999999 does not exist/);
  });

  it('rolls a failed batch back completely and keeps working afterwards', () => {
    const { run } = seedRun(store);
    store.metrics.insert(run.id, [{ step: 1, epoch: 0, split: 'train', name: 'loss', value: 1 }]);
    // The second series of this batch names a run that does not exist, after the first was written.
    expect(() =>
      store.metrics.insert(999_998, [{ step: 2, epoch: 0, split: 'train', name: 'loss', value: 2 }]),
    ).toThrow();
    store.metrics.insert(run.id, [{ step: 2, epoch: 0, split: 'train', name: 'loss', value: 2 }]);
    expect(store.metrics.series({ runId: run.id, name: 'loss', split: 'train' }).points.map((p) => p.step)).toEqual([
      1, 2,
    ]);
    expect(store.metrics.names(run.id)).toEqual([{ name: 'loss', split: 'train', count: 2 }]);
  });

  it('keeps one value per step: a replayed step replaces the old value, also in the summary', () => {
    const { run } = seedRun(store);
    const base = Array.from({ length: 2000 }, (_, step) => ({
      step,
      epoch: 0,
      split: 'train' as const,
      name: 'loss',
      value: 1,
    }));
    base[700] = { ...base[700]!, value: 50 }; // a spike that a resumed run then overwrites
    store.metrics.insert(run.id, base);
    store.metrics.insert(run.id, [{ step: 700, epoch: 1, split: 'train', name: 'loss', value: 0.5 }]);
    const series = store.metrics.series({ runId: run.id, name: 'loss', split: 'train', maxPoints: 20 });
    expect(series.total).toBe(2000);
    expect(series.downsampled).toBe(true);
    expect(Math.max(...series.points.map((p) => p.value))).toBe(1);
    expect(series.points).toContainEqual({ step: 700, epoch: 1, value: 0.5 });
    expect(store.metrics.names(run.id)).toEqual([{ name: 'loss', split: 'train', count: 2000 }]);
  });
});

describe('down-sampled series', () => {
  const rand = prng(42);
  let runId: number;
  /** The truth, kept beside the store: step → point, after every insert and overwrite. */
  const truth = new Map<number, SeriesPoint>();
  let sorted: SeriesPoint[] = [];
  const spikes: number[] = [];

  beforeAll(() => {
    runId = seedRun(store).run.id;
    // 120k steps with gaps (every 7th step missing), noise, and isolated spikes both ways.
    const steps: number[] = [];
    for (let step = 0; step < 120_000; step++) if (step % 7 !== 3) steps.push(step);
    // Spikes sit 4001 steps apart, further than any bucket of the spike test, so no two compete.
    const points: MetricPoint[] = steps.map((step) => {
      let value = Math.exp(-step / 40_000) + (rand() - 0.5) * 0.1;
      if (step % 4001 === 2000) {
        value = rand() < 0.5 ? 25 + rand() : -25 - rand();
        spikes.push(step);
      }
      return { step, epoch: step / 10_000, split: 'train', name: 'loss', value };
    });
    for (let i = 0; i < points.length; i += 1000) store.metrics.insert(runId, points.slice(i, i + 1000));
    // Late and replayed points take the slow path: fill some gaps, overwrite some steps (in a shuffled batch).
    const late: MetricPoint[] = [];
    for (let step = 3; step < 120_000; step += 7 * 97)
      late.push({ step, epoch: step / 10_000, split: 'train', name: 'loss', value: rand() });
    for (let step = 11; step < 120_000; step += 1013)
      late.push({ step, epoch: step / 10_000, split: 'train', name: 'loss', value: -rand() });
    late.sort(() => rand() - 0.5);
    store.metrics.insert(runId, late);
    for (const p of [...points, ...late]) truth.set(p.step, { step: p.step, epoch: p.epoch, value: p.value });
    sorted = [...truth.values()].sort((a, b) => a.step - b.step);
  });

  it('returns the whole series in step order when no budget is given', () => {
    const series = store.metrics.series({ runId, name: 'loss', split: 'train' });
    expect(series.downsampled).toBe(false);
    expect(series.total).toBe(sorted.length);
    expect(series.points).toEqual(sorted);
  });

  it('keeps the min and max of every bucket, in step order, within the budget', () => {
    for (const maxPoints of [2, 3, 10, 101, 1000, 5000, 20_000]) {
      const series = store.metrics.series({ runId, name: 'loss', split: 'train', maxPoints });
      expect(series.total).toBe(sorted.length);
      expect(series.downsampled).toBe(true);
      expect(series.points.length).toBeLessThanOrEqual(maxPoints);
      expect(series.points).toEqual(expectedDownsample(sorted, 0, 119_999, maxPoints));
    }
  });

  it('keeps every spike and the global extremes', () => {
    const series = store.metrics.series({ runId, name: 'loss', split: 'train', maxPoints: 2000 });
    const steps = new Set(series.points.map((p) => p.step));
    const surviving = spikes.filter((step) => Math.abs(truth.get(step)!.value) >= 25);
    expect(surviving.length).toBeGreaterThan(20);
    for (const step of surviving) expect(steps).toContain(step);
    const values = sorted.map((p) => p.value);
    expect(Math.max(...series.points.map((p) => p.value))).toBe(Math.max(...values));
    expect(Math.min(...series.points.map((p) => p.value))).toBe(Math.min(...values));
    const stepsInOrder = series.points.map((p) => p.step);
    expect(stepsInOrder).toEqual([...stepsInOrder].sort((a, b) => a - b));
    expect(new Set(stepsInOrder).size).toBe(stepsInOrder.length);
  });

  it('filters by step range, with totals counting the range only', () => {
    const ranges: [number | undefined, number | undefined][] = [
      [1234, 98_765],
      [0, 15],
      [17, 33],
      [5000, undefined],
      [undefined, 70_001],
      [65_536, 65_536 * 2 - 1],
      [100_000, 200_000],
      [40_000, 47_000], // at 999 points, buckets of 15 steps: made from the points, below the summary's finest level
    ];
    for (let i = 0; i < 6; i++) {
      const a = Math.floor(rand() * 120_000);
      const b = Math.floor(rand() * 120_000);
      ranges.push([Math.min(a, b), Math.max(a, b)]);
    }
    for (const [fromStep, toStep] of ranges) {
      const lo = fromStep ?? 0;
      const hi = Math.min(toStep ?? 119_999, 119_999);
      const expectedRaw = inRange(sorted, lo, hi);
      for (const maxPoints of [4, 64, 999, 4000]) {
        const series = store.metrics.series({ runId, name: 'loss', split: 'train', fromStep, toStep, maxPoints });
        expect(series.total, `total of [${lo}, ${hi}] at ${maxPoints}`).toBe(expectedRaw.length);
        expect(series.points.length).toBeLessThanOrEqual(maxPoints);
        if (expectedRaw.length <= maxPoints) {
          expect(series.downsampled).toBe(false);
          expect(series.points).toEqual(expectedRaw);
        } else {
          expect(series.downsampled).toBe(true);
          expect(series.points, `[${lo}, ${hi}] at ${maxPoints}`).toEqual(
            expectedDownsample(sorted, lo, hi, maxPoints),
          );
        }
      }
      if (expectedRaw.length < 20_000) {
        const whole = store.metrics.series({ runId, name: 'loss', split: 'train', fromStep, toStep });
        expect(whole.points).toEqual(expectedRaw);
      }
    }
  });

  it('returns nothing for a range outside the series or reversed', () => {
    expect(store.metrics.series({ runId, name: 'loss', split: 'train', fromStep: 200_000, maxPoints: 10 }).total).toBe(
      0,
    );
    const reversed = store.metrics.series({ runId, name: 'loss', split: 'train', fromStep: 500, toStep: 400 });
    expect(reversed).toMatchObject({ total: 0, points: [], downsampled: false });
  });

  it('answers the API scenario: a 50-point view from step 100 of a 500-point decaying loss', () => {
    const { run } = seedRun(store);
    const points = Array.from({ length: 500 }, (_, step) => ({
      step,
      epoch: step / 100,
      split: 'train' as const,
      name: 'loss',
      value: 1 / (step + 1),
    }));
    store.metrics.insert(run.id, points);
    const series = store.metrics.series({ runId: run.id, name: 'loss', split: 'train', fromStep: 100, maxPoints: 50 });
    expect(series.total).toBe(400);
    expect(series.downsampled).toBe(true);
    expect(series.points.length).toBeLessThanOrEqual(50);
    expect(series.points[0]).toEqual({ step: 100, epoch: 1, value: 1 / 101 });
    expect(series.points.at(-1)).toEqual({ step: 499, epoch: 4.99, value: 1 / 500 });
  });
});

describe('truncating a run’s metrics (resume from a checkpoint)', () => {
  const point = (step: number, value: number) => ({ step, epoch: step / 1000, value });
  const asMetric = (name: string) => (p: SeriesPoint) => ({ ...p, split: 'train' as const, name });

  it('removes the steps from the checkpoint on, in every series, and appends again as before', () => {
    const { run } = seedRun(store);
    const other = seedRun(store).run;
    const loss = Array.from({ length: 3000 }, (_, step) => point(step, Math.sin(step / 7) + (step === 2500 ? 9 : 0)));
    const accuracy = Array.from({ length: 30 }, (_, i) => point(i * 100, i / 30));
    store.metrics.insert(run.id, [...loss.map(asMetric('loss')), ...accuracy.map(asMetric('accuracy'))]);
    store.metrics.insert(other.id, loss.map(asMetric('loss')));

    expect(store.metrics.truncate(run.id, 1234)).toBe(3000 - 1234 + 30 - 13);
    expect(store.metrics.names(run.id)).toEqual([
      { name: 'accuracy', split: 'train', count: 13 },
      { name: 'loss', split: 'train', count: 1234 },
    ]);
    const kept = loss.slice(0, 1234);
    expect(store.metrics.series({ runId: run.id, name: 'loss', split: 'train' }).points).toEqual(kept);
    for (const maxPoints of [2, 50, 400]) {
      const series = store.metrics.series({ runId: run.id, name: 'loss', split: 'train', maxPoints });
      expect(series.total).toBe(1234);
      expect(series.points).toEqual(expectedDownsample(kept, 0, 1233, maxPoints));
    }

    // The resumed run records the same steps again, with other values.
    const replay = Array.from({ length: 1766 }, (_, i) => point(1234 + i, -Math.cos(i / 5)));
    store.metrics.insert(run.id, replay.map(asMetric('loss')));
    const all = [...kept, ...replay];
    for (const maxPoints of [3, 64, 999]) {
      const series = store.metrics.series({ runId: run.id, name: 'loss', split: 'train', maxPoints });
      expect(series.total).toBe(3000);
      expect(series.points).toEqual(expectedDownsample(all, 0, 2999, maxPoints));
    }
    expect(store.metrics.series({ runId: other.id, name: 'loss', split: 'train' }).points).toEqual(loss);
  });

  it('removes a series left with no points, and everything from step 0', () => {
    const { run } = seedRun(store);
    store.metrics.insert(run.id, [
      ...[5, 6, 7].map((step) => asMetric('loss')(point(step, step))),
      ...[600, 700].map((step) => asMetric('late')(point(step, 1))),
    ]);
    expect(store.metrics.truncate(run.id, 500)).toBe(2);
    expect(store.metrics.names(run.id)).toEqual([{ name: 'loss', split: 'train', count: 3 }]);
    expect(store.metrics.truncate(run.id, 500)).toBe(0);
    expect(store.metrics.truncate(run.id, 0)).toBe(3);
    expect(store.metrics.names(run.id)).toEqual([]);
    store.metrics.insert(run.id, [asMetric('loss')(point(1, 1))]);
    expect(store.metrics.series({ runId: run.id, name: 'loss', split: 'train', maxPoints: 10 }).points).toEqual([
      point(1, 1),
    ]);
    expect(() => store.metrics.truncate(run.id, -1)).toThrow(/non-negative/);
  });
});

describe('a damaged summary', () => {
  it('is reported as a corrupt StoreError naming the file, while the raw points stay readable', () => {
    const file = path.join(dir, 'damaged.sqlite');
    let damaged = openTestStore(file);
    const { run } = seedRun(damaged, 'completed');
    damaged.metrics.insert(
      run.id,
      Array.from({ length: 5000 }, (_, step) => ({
        step,
        epoch: 0,
        split: 'train' as const,
        name: 'loss',
        value: step % 7,
      })),
    );
    damaged.close();
    const db = new Database(file);
    db.prepare('UPDATE metric_tiles SET extremes = ? WHERE start_step = 1024').run(Buffer.from('not a tile'));
    db.close();

    damaged = openTestStore(file);
    try {
      const query = { runId: run.id, name: 'loss', split: 'train' as const };
      expect(() => damaged.metrics.series({ ...query, maxPoints: 100 })).toThrow(
        expect.objectContaining({
          kind: 'corrupt',
          path: file,
          message: expect.stringMatching(/damaged metric summary.*step 1024/),
        }),
      );
      expect(damaged.metrics.series(query).total).toBe(5000);
    } finally {
      damaged.close();
    }
  });
});

describe('down-sampling plan', () => {
  it('never plans more buckets than the budget allows', () => {
    const rand = prng(7);
    for (let i = 0; i < 2000; i++) {
      const lo = Math.floor(rand() * 1e7);
      const hi = lo + Math.floor(rand() ** 3 * 1e8);
      const budget = 1 + Math.floor(rand() * 6000);
      const plan = planDownsample(lo, hi, budget);
      const width =
        plan.kind === 'single'
          ? Infinity
          : plan.kind === 'points'
            ? plan.width
            : 2 ** plan.shift * plan.blocksPerBucket;
      const buckets = plan.kind === 'single' ? 1 : Math.floor(hi / width) - Math.floor(lo / width) + 1;
      expect(buckets, `[${lo}, ${hi}] into ${budget}`).toBeLessThanOrEqual(budget);
      if (plan.kind === 'summary' && plan.blocksPerBucket === 1 && budget > 2) {
        // One block per bucket at the finest fitting level uses at least a quarter of the budget.
        expect(buckets).toBeGreaterThanOrEqual(Math.floor((budget - 1) / 4));
      }
    }
  });
});
