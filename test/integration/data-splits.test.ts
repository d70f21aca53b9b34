import { describe, expect, it } from 'vitest';
import { Rng } from '../../src-main/common/random';
import { hashPart, hashRawSource } from '../../src-main/data/hash';
import { batchCount, batches, epochOrder, gatherBatch } from '../../src-main/data/order';
import { prepareSplits } from '../../src-main/data/prepare';
import { stratifiedOrder } from '../../src-main/data/split';
import type { Dataset, RawSource } from '../../src-main/data/types';

/**
 * A classification source whose sample i has features [i, i mod 7] (floats, unscaled), so every split
 * can be traced back to the original rows. Class sizes are unequal: 50, 30, 20.
 */
function tracedSource(withTest = false): RawSource {
  const n = 100;
  const x = new Float32Array(n * 2);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    x[2 * i] = i;
    x[2 * i + 1] = i % 7;
    y[i] = i < 50 ? 0 : i < 80 ? 1 : 2;
  }
  return {
    name: 'traced',
    task: 'classification',
    inputShape: [2],
    outputSize: 3,
    classNames: ['a', 'b', 'c'],
    featureNames: ['id', 'mod7'],
    location: 'memory',
    scaleByDefault: false,
    train: { size: n, x, y },
    validation: null,
    test: withTest ? { size: 2, x: new Float32Array([1000, 1, 1001, 2]), y: new Int32Array([0, 2]) } : null,
  };
}

function ids(d: Dataset): number[] {
  const out: number[] = [];
  for (let r = 0; r < d.size; r++) out.push(d.x[r * d.featureSize]!);
  return out;
}

function classCounts(d: Dataset): number[] {
  const counts = [0, 0, 0];
  if (d.task === 'classification') for (const label of d.y) counts[label]!++;
  return counts;
}

describe('splits', () => {
  it('carves test and validation stratified by class, disjoint, covering every sample once', () => {
    const loaded = prepareSplits(tracedSource(), { testFraction: 0.2, validationFraction: 0.1 });
    expect(loaded.split.sizes).toEqual({ train: 72, validation: 8, test: 20 });
    expect(classCounts(loaded.test)).toEqual([10, 6, 4]);
    expect(loaded.split.testFraction).toBe(0.2);
    const all = [...ids(loaded.train), ...ids(loaded.validation), ...ids(loaded.test)].sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 100 }, (_, i) => i));
    // Labels travel with their rows.
    for (const d of [loaded.train, loaded.validation, loaded.test]) {
      if (d.task !== 'classification') throw new Error('expected classification');
      ids(d).forEach((id, r) => expect(d.y[r]).toBe(id < 50 ? 0 : id < 80 ? 1 : 2));
    }
  });

  it('gives the same split for the same seed and a different one for another seed', () => {
    const a = prepareSplits(tracedSource(), { seed: 1 });
    const b = prepareSplits(tracedSource(), { seed: 1 });
    const c = prepareSplits(tracedSource(), { seed: 2 });
    expect(ids(a.validation)).toEqual(ids(b.validation));
    expect(a.validation.contentHash).toBe(b.validation.contentHash);
    expect(ids(a.validation)).not.toEqual(ids(c.validation));
    expect(a.validation.contentHash).not.toBe(c.validation.contentHash);
    // The source hash names the data, not how it was split.
    expect(a.contentHash).toBe(c.contentHash);
  });

  it('keeps the source’s own test split and takes validation from train only', () => {
    const loaded = prepareSplits(tracedSource(true), { validationFraction: 0.5 });
    expect(ids(loaded.test)).toEqual([1000, 1001]);
    expect(loaded.split.testFraction).toBeNull();
    expect(loaded.split.sizes).toEqual({ train: 50, validation: 50, test: 2 });
    expect(classCounts(loaded.validation)).toEqual([25, 15, 10]);
  });

  it('picks stratified, nested training subsets after the validation carve', () => {
    const small = prepareSplits(tracedSource(true), { trainSubset: 10, seed: 5 });
    const large = prepareSplits(tracedSource(true), { trainSubset: 40, seed: 5 });
    expect(classCounts(small.train)).toEqual([5, 3, 2]);
    expect(classCounts(large.train)).toEqual([20, 12, 8]);
    expect(ids(large.train)).toEqual(expect.arrayContaining(ids(small.train)));
    // Same validation set whatever the subset size.
    expect(ids(small.validation)).toEqual(ids(large.validation));
    expect(() => prepareSplits(tracedSource(true), { trainSubset: 95 })).toThrow(
      /trainSubset 95 is more than the 90 training samples/,
    );
  });

  it('stratified orders keep every prefix in proportion, with equal classes tied fairly', () => {
    const labels = Int32Array.from({ length: 60 }, (_, i) => i % 3);
    const order = stratifiedOrder(labels, 3, new Rng(9));
    const prefix = Array.from(order.subarray(0, 6), (i) => labels[i]!);
    expect(prefix.filter((c) => c === 0)).toHaveLength(2);
    expect(new Set(order).size).toBe(60);
    // Over many seeds, the first index is not always class 0.
    const firsts = new Set(Array.from({ length: 12 }, (_, s) => labels[stratifiedOrder(labels, 3, new Rng(s))[0]!]));
    expect(firsts.size).toBeGreaterThan(1);
  });

  it('allows an empty validation split', () => {
    const loaded = prepareSplits(tracedSource(true), { validationFraction: 0 });
    expect(loaded.validation.size).toBe(0);
    expect(loaded.validation.x).toHaveLength(0);
    expect(loaded.train.size).toBe(100);
  });

  it('rejects fractions and seeds out of range', () => {
    expect(() => prepareSplits(tracedSource(), { validationFraction: 0.7 })).toThrow(
      /validationFraction must be between 0 and 0.5, got 0.7/,
    );
    expect(() => prepareSplits(tracedSource(), { seed: -1 })).toThrow(/seed must be an integer ≥ 0/);
  });
});

describe('scaling and standardisation', () => {
  it('standardises with statistics of the training split only, leaving constant features finite', () => {
    const source = tracedSource();
    const x = source.train.x as Float32Array;
    for (let i = 0; i < 100; i++) x[2 * i + 1] = 3; // make feature 1 constant
    const loaded = prepareSplits(source, { standardise: true, scale: false });
    const meanOf = (d: Dataset, f: number) => {
      let s = 0;
      for (let r = 0; r < d.size; r++) s += d.x[r * 2 + f]!;
      return s / d.size;
    };
    const stdOf = (d: Dataset, f: number) => {
      const m = meanOf(d, f);
      let s = 0;
      for (let r = 0; r < d.size; r++) s += (d.x[r * 2 + f]! - m) ** 2;
      return Math.sqrt(s / d.size);
    };
    expect(meanOf(loaded.train, 0)).toBeCloseTo(0, 5);
    expect(stdOf(loaded.train, 0)).toBeCloseTo(1, 5);
    expect(Math.abs(meanOf(loaded.test, 0))).toBeGreaterThan(1e-3); // not re-fitted on test
    expect(loaded.test.x.every(Number.isFinite)).toBe(true);
    expect(meanOf(loaded.test, 1)).toBe(0);
    expect(loaded.standardisation?.offset[0]).toBeCloseTo(
      meanOf(prepareSplits(tracedSource(), { scale: false }).train, 0),
      3,
    );
  });

  it('scales bytes by 1/255', () => {
    const source: RawSource = {
      ...tracedSource(true),
      inputShape: [2],
      train: { size: 2, x: new Uint8Array([0, 255, 51, 102]), y: new Int32Array([0, 1]) },
      test: { size: 1, x: new Uint8Array([255, 0]), y: new Int32Array([1]) },
      scaleByDefault: true,
    };
    const loaded = prepareSplits(source, { validationFraction: 0 });
    expect(loaded.split.scale).toBe('bytes');
    expect(Array.from(loaded.train.x)).toEqual([0, 1, Math.fround(0.2), Math.fround(0.4)]);
  });
});

describe('content hashes', () => {
  const source = (): RawSource => ({
    ...tracedSource(true),
    inputShape: [2, 2, 1],
    train: { size: 3, x: Uint8Array.from({ length: 12 }, (_, i) => i), y: new Int32Array([0, 1, 2]) },
    test: { size: 1, x: new Uint8Array([9, 9, 9, 9]), y: new Int32Array([1]) },
  });

  it('is pinned: the hashing scheme must not change silently (runs record these)', () => {
    // Computed independently: sha256(JSON header + "\n" + pixel bytes + little-endian int32 labels).
    expect(hashPart(source().train, [2, 2, 1])).toBe(
      'ac5d80d5b53d586b699b7e492fb4a09212d6c6dbd38c796b11ef62b98eb2b317',
    );
    expect(hashRawSource(source())).toBe('41a76af7c458d90fdea013033a179e02f9586f7fa9f82d1d36730236a985ab19');
  });

  it('changes with any byte of the pixels, any label and the shape', () => {
    const base = hashRawSource(source());
    const pixel = source();
    (pixel.train.x as Uint8Array)[7] = 8;
    const label = source();
    (label.test!.y as Int32Array)[0] = 2;
    expect(hashRawSource(pixel)).not.toBe(base);
    expect(hashRawSource(label)).not.toBe(base);
    expect(hashRawSource({ ...source(), inputShape: [4, 1, 1] })).not.toBe(base);
    expect(hashRawSource(source())).toBe(base);
    // A Buffer holding the same bytes is the same data.
    const buffered = source();
    expect(hashRawSource({ ...buffered, train: { ...buffered.train, x: Buffer.from(buffered.train.x) } })).toBe(base);
  });
});

describe('presentation order', () => {
  it('draws one permutation per epoch from the data-order stream, reproducibly', () => {
    const order = (seed: number, epoch: number) => Array.from(epochOrder(50, new Rng(seed).fork('data-order'), epoch));
    const e0 = order(4, 0);
    expect([...e0].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(order(4, 0)).toEqual(e0);
    expect(order(4, 1)).not.toEqual(e0);
    expect(order(5, 0)).not.toEqual(e0);
  });

  it('cuts an order into batches and gathers their rows', () => {
    const loaded = prepareSplits(tracedSource(true), { validationFraction: 0 });
    const order = Int32Array.from({ length: 10 }, (_, i) => 9 - i);
    const sizes = [...batches(order, 4)].map((b) => b.length);
    expect(sizes).toEqual([4, 4, 2]);
    expect([...batches(order, 4, true)].map((b) => b.length)).toEqual([4, 4]);
    expect(batchCount(10, 4)).toBe(3);
    const first = batches(order, 4).next().value!;
    const batch = gatherBatch(loaded.train, first);
    expect(Array.from(batch.x.filter((_, i) => i % 2 === 0))).toEqual([9, 8, 7, 6]);
    expect(Array.from(batch.y)).toEqual([0, 0, 0, 0]);
    // Reusing buffers writes into them.
    const again = gatherBatch(loaded.train, Int32Array.of(99, 0, 50, 80), batch);
    expect(again.x).toBe(batch.x);
    expect(Array.from(again.y)).toEqual([2, 0, 1, 2]);
  });
});
