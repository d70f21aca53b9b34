import { describe, expect, test } from 'vitest';
import { median, normalQuantile, studentTCdf, studentTQuantile, summarize } from '../../shared/analysis/stats';

describe('studentTQuantile', () => {
  // Two-sided 95% critical values from standard tables (4 significant decimals).
  test.each([
    [1, 12.706],
    [2, 4.303],
    [3, 3.182],
    [4, 2.776],
    [9, 2.262],
    [29, 2.045],
    [120, 1.98],
    [Infinity, 1.96],
  ])('t(0.975, %s) = %s', (df, expected) => {
    expect(studentTQuantile(0.975, df)).toBeCloseTo(expected, 3);
  });

  test('matches more digits where they are known, in both tails', () => {
    expect(studentTQuantile(0.975, 9)).toBeCloseTo(2.2621571628, 9);
    expect(studentTQuantile(0.995, 9)).toBeCloseTo(3.2498355416, 9);
    expect(studentTQuantile(0.05, 4)).toBeCloseTo(-2.1318467863, 9);
    expect(studentTQuantile(0.5, 7)).toBe(0);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963985, 8);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232306, 8);
  });

  test('inverts the CDF', () => {
    for (const df of [1.5, 3, 17, 250]) {
      for (const p of [0.6, 0.9, 0.999]) expect(studentTCdf(studentTQuantile(p, df), df)).toBeCloseTo(p, 12);
    }
  });

  test('rejects what has no quantile', () => {
    expect(() => studentTQuantile(1, 3)).toThrow(/0 < p < 1/);
    expect(() => studentTQuantile(0.9, 0)).toThrow(/df > 0/);
  });
});

describe('summarize', () => {
  test('sample statistics with the n − 1 denominator and the t-based CI', () => {
    const s = summarize([0.81, 0.79, 0.86, 0.8]);
    expect(s.n).toBe(4);
    expect(s.mean).toBeCloseTo(0.815, 12);
    // Σ(v − mean)² = 0.000025 + 0.000625 + 0.002025 + 0.000225 = 0.0029; / 3; sqrt.
    expect(s.std).toBeCloseTo(Math.sqrt(0.0029 / 3), 12);
    expect(s.ci95).toBeCloseTo((3.182446305 * Math.sqrt(0.0029 / 3)) / 2, 9);
    expect([s.min, s.max]).toEqual([0.79, 0.86]);
  });

  test('keeps precision for large values close together', () => {
    const s = summarize([1e9 + 1, 1e9 + 2, 1e9 + 3]);
    expect(s.mean).toBe(1e9 + 2);
    expect(s.std).toBeCloseTo(1, 9);
  });

  test('one value: std 0, no confidence interval', () => {
    expect(summarize([0.5])).toEqual({ n: 1, mean: 0.5, std: 0, ci95: NaN, min: 0.5, max: 0.5 });
  });

  test('NaN in, NaN out — a diverged seed is not dropped', () => {
    const s = summarize([0.9, NaN, 0.8]);
    expect(s.n).toBe(3);
    for (const v of [s.mean, s.std, s.ci95, s.min, s.max]) expect(v).toBeNaN();
    expect(summarize([NaN]).std).toBeNaN();
  });

  test('empty input is an error, not a zero', () => {
    expect(() => summarize([])).toThrow(/at least one value/);
  });
});

describe('median', () => {
  test('takes the middle value, or the mean of the two middle ones, whatever the order', () => {
    expect(median([9, 1, 5])).toBe(5);
    expect(median([4, 1, 3, 10])).toBe(3.5);
    expect(median([])).toBeNaN();
  });
});
