import { describe, expect, it } from 'vitest';
import { DatasetManager } from '../../src-main/data/manager';
import { gaussianMixture, spirals, teacherStudent } from '../../src-main/data/synthetic';
import { hashRawSource } from '../../src-main/data/hash';

describe('synthetic generators', () => {
  it('are deterministic for a seed and differ across seeds', () => {
    for (const make of [teacherStudent, gaussianMixture, spirals]) {
      const a = make({ seed: 3, trainSize: 200, testSize: 50 });
      const b = make({ seed: 3, trainSize: 200, testSize: 50 });
      const c = make({ seed: 4, trainSize: 200, testSize: 50 });
      expect(hashRawSource(a)).toBe(hashRawSource(b));
      expect(hashRawSource(a)).not.toBe(hashRawSource(c));
    }
  });

  it('keep the test set when only the training size changes (separate named streams)', () => {
    const small = gaussianMixture({ seed: 1, trainSize: 100, testSize: 40 });
    const large = gaussianMixture({ seed: 1, trainSize: 1000, testSize: 40 });
    expect(Array.from(large.test!.x)).toEqual(Array.from(small.test!.x));
    expect(Array.from(large.train.x.subarray(0, 200))).toEqual(Array.from(small.train.x));
  });

  it('teacher–student: a noiseless linear teacher is exactly linear in x, noise adds the asked variance', () => {
    const clean = teacherStudent({ seed: 2, trainSize: 400, testSize: 10, inputDim: 3, noiseStd: 0 });
    expect(clean.task).toBe('regression');
    expect(clean.inputShape).toEqual([3]);
    // y = w·x for one fixed w: recover w from three rows and check it on others.
    const x = clean.train.x;
    const y = clean.train.y;
    const row = (i: number) => [x[3 * i]!, x[3 * i + 1]!, x[3 * i + 2]!];
    const solve3 = (m: number[][], v: number[]): number[] => {
      const det = (a: number[][]) =>
        a[0]![0]! * (a[1]![1]! * a[2]![2]! - a[1]![2]! * a[2]![1]!) -
        a[0]![1]! * (a[1]![0]! * a[2]![2]! - a[1]![2]! * a[2]![0]!) +
        a[0]![2]! * (a[1]![0]! * a[2]![1]! - a[1]![1]! * a[2]![0]!);
      const d = det(m);
      return [0, 1, 2].map((c) => det(m.map((r, i) => r.map((val, j) => (j === c ? v[i]! : val)))) / d);
    };
    const w = solve3([row(0), row(1), row(2)], [y[0]!, y[1]!, y[2]!]);
    for (const i of [3, 50, 399]) {
      const predicted = row(i).reduce((s, xi, j) => s + xi * w[j]!, 0);
      expect(predicted).toBeCloseTo(y[i]!, 4);
    }
    const noisy = teacherStudent({ seed: 2, trainSize: 4000, testSize: 10, inputDim: 3, noiseStd: 0.5 });
    // Same seed: same teacher and (x is drawn before the noise) the same first 400 inputs, so the first
    // 400 targets differ only by the noise, of variance 0.25.
    expect(Array.from(noisy.train.x.subarray(0, 1200))).toEqual(Array.from(clean.train.x));
    let sq = 0;
    for (let i = 0; i < 400; i++) sq += (noisy.train.y[i]! - clean.train.y[i]!) ** 2;
    expect(sq / 400).toBeGreaterThan(0.15);
    expect(sq / 400).toBeLessThan(0.35);
  });

  it('teacher–student with a hidden layer gives bounded-variance multi-output targets', () => {
    const source = teacherStudent({
      seed: 1,
      trainSize: 2000,
      testSize: 10,
      inputDim: 10,
      outputDim: 3,
      hiddenUnits: 16,
      noiseStd: 0,
    });
    expect(source.outputSize).toBe(3);
    expect(source.train.y).toHaveLength(6000);
    let sq = 0;
    for (const v of source.train.y) sq += v * v;
    expect(sq / 6000).toBeGreaterThan(0.05);
    expect(sq / 6000).toBeLessThan(2);
  });

  it('Gaussian mixtures are balanced and spirals stay within the unit disc (plus noise)', () => {
    const mix = gaussianMixture({ seed: 0, classes: 4, dim: 5, trainSize: 400, testSize: 40 });
    const counts = [0, 0, 0, 0];
    for (const label of mix.train.y) counts[label]!++;
    expect(counts).toEqual([100, 100, 100, 100]);
    expect(mix.inputShape).toEqual([5]);
    const sp = spirals({ seed: 0, arms: 3, noise: 0, trainSize: 300, testSize: 30 });
    expect(sp.outputSize).toBe(3);
    for (let i = 0; i < 300; i++)
      expect(Math.hypot(sp.train.x[2 * i]!, sp.train.x[2 * i + 1]!)).toBeLessThanOrEqual(1 + 1e-6);
  });

  it('reject bad parameters, and the manager rejects parameters a generator does not have', async () => {
    expect(() => spirals({ arms: 1 })).toThrow(/arms must be at least 2, got 1/);
    expect(() => teacherStudent({ trainSize: 0 })).toThrow(/trainSize must be a positive integer, got 0/);
    expect(() => gaussianMixture({ std: -1 })).toThrow(/std must be a number ≥ 0, got -1/);
    const manager = new DatasetManager({ dataDir: '/nonexistent-data-dir' });
    await expect(manager.load('spirals', { synthetic: { arms: 3, radius: 2 } })).rejects.toThrow(
      /spirals has no parameter radius; it takes/,
    );
    const loaded = await manager.load('spirals', { synthetic: { arms: 3, trainSize: 90, testSize: 30 } });
    expect(loaded.split.scale).toBe('none');
    expect(loaded.split.sizes).toEqual({ train: 81, validation: 9, test: 30 });
  });
});
