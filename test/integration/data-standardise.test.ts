import { describe, expect, it } from 'vitest';
import { Rng } from '../../src-main/common/random';
import { DatasetError } from '../../src-main/data/errors';
import { standardStatistics } from '../../src-main/data/normalise';
import { prepareSplits } from '../../src-main/data/prepare';
import type { Dataset, RawSource } from '../../src-main/data/types';

/** 4×4 RGB byte images whose channels have different means and spreads (red bright, green mid, blue dark). */
function colourSource(): RawSource {
  const rng = new Rng(4);
  const make = (n: number) => {
    const x = new Uint8Array(n * 48);
    for (let i = 0; i < x.length; i += 3) {
      x[i] = 150 + rng.int(100);
      x[i + 1] = 60 + rng.int(120);
      x[i + 2] = rng.int(40);
    }
    return { size: n, x, y: Int32Array.from({ length: n }, (_, k) => k % 2) };
  };
  return {
    name: 'colours',
    task: 'classification',
    inputShape: [4, 4, 3],
    outputSize: 2,
    classNames: ['a', 'b'],
    featureNames: [],
    location: 'memory',
    scaleByDefault: true,
    train: make(60),
    validation: null,
    test: make(20),
  };
}

/** Mean and population std of each channel of a split, in float64. */
function channelMoments(data: Dataset, channels = 3): { mean: number[]; std: number[] } {
  const sum = new Array<number>(channels).fill(0);
  const sq = new Array<number>(channels).fill(0);
  const count = data.x.length / channels;
  data.x.forEach((v, i) => (sum[i % channels]! += v));
  const mean = sum.map((s) => s / count);
  data.x.forEach((v, i) => (sq[i % channels]! += (v - mean[i % channels]!) ** 2));
  return { mean, std: sq.map((s) => Math.sqrt(s / count)) };
}

describe('per-channel standardisation', () => {
  it('gives each channel mean 0 and std 1 over the training split, and maps the other splits with its statistics', () => {
    const source = colourSource();
    const data = prepareSplits(source, { standardise: 'per_channel', validationFraction: 0.2 });
    expect(data.split.standardise).toBe('per_channel');
    const { mean, std } = channelMoments(data.train);
    for (let c = 0; c < 3; c++) {
      expect(Math.abs(mean[c]!)).toBeLessThan(1e-5);
      expect(Math.abs(std[c]! - 1)).toBeLessThan(1e-5);
    }
    // The training rows' raw statistics, computed here from the bytes the training split kept.
    const plain = prepareSplits(source, { validationFraction: 0.2 });
    const raw = channelMoments(plain.train);
    for (const split of ['validation', 'test'] as const) {
      const got = data[split].x;
      const unit = plain[split].x;
      for (let i = 0; i < got.length; i++) {
        const c = i % 3;
        expect(Math.abs(got[i]! - (unit[i]! - raw.mean[c]!) / raw.std[c]!)).toBeLessThan(1e-5);
      }
      // Not the split's own statistics: its mean is off zero by the sampling difference, which is not tiny here.
      expect(channelMoments(data[split]).mean.some((m) => Math.abs(m) > 1e-3)).toBe(true);
    }
    // One offset and scale per channel, repeated over the pixels.
    const stats = data.standardisation!;
    expect(stats.offset.length).toBe(48);
    expect(stats.offset[0]).toBe(stats.offset[45]);
    expect(stats.scale[2]).toBe(stats.scale[47]);
  });

  it('leaves boolean standardisation per feature, as before, and false as the scaled pixels', () => {
    const source = colourSource();
    const perFeature = prepareSplits(source, { standardise: true });
    expect(perFeature.split.standardise).toBe(true);
    const unit = prepareSplits(source, { standardise: false });
    expect(unit.split.standardise).toBe(false);
    expect(unit.standardisation).toBeNull();
    expect(unit.train.x[0]).toBeCloseTo(source.train.x[0]! / 255, 6);
    // Per feature: the statistics are those of each of the 48 values on its own.
    const expected = standardStatistics(unit.train.x, 48);
    expect(perFeature.standardisation!.offset).toEqual(expected.offset);
    expect(perFeature.standardisation!.scale).toEqual(expected.scale);
    expect(new Set(perFeature.standardisation!.offset.filter((_, f) => f % 3 === 0)).size).toBeGreaterThan(1);
  });

  it('refuses per-channel standardisation of samples that are not images, naming the dataset', () => {
    const table: RawSource = {
      ...colourSource(),
      name: 'table',
      inputShape: [48],
    };
    expect(() => prepareSplits(table, { standardise: 'per_channel' })).toThrow(DatasetError);
    expect(() => prepareSplits(table, { standardise: 'per_channel' })).toThrow(
      /per-channel standardisation needs images, but 'table' has samples of shape \[48\]/,
    );
  });
});
