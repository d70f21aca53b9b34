import { describe, expect, test } from 'vitest';
import { formatSummary, formatValue } from '../../src-renderer/lib/compare/format';
import { compareChartData } from '../../src-renderer/lib/compare/lines';
import { groupOutcome, runOutcome } from '../../src-renderer/lib/compare/summary-metrics';

const points = (values: number[]) => values.map((value, i) => ({ step: i * 10, epoch: i, value }));

describe('runOutcome', () => {
  test('final is the last stored point; best is the max for accuracy, the min for loss', () => {
    expect(runOutcome(points([0.5, 0.9, 0.8]), 'max')).toEqual({ final: 0.8, best: 0.9 });
    expect(runOutcome(points([2, 0.4, 0.6]), 'min')).toEqual({ final: 0.6, best: 0.4 });
    expect(runOutcome(points([0.7]), 'max')).toEqual({ final: 0.7, best: 0.7 });
  });

  test('a run without the metric has no outcome; a NaN anywhere makes best NaN', () => {
    expect(runOutcome([], 'max')).toBeNull();
    expect(runOutcome(points([0.5, NaN, 0.6]), 'max')?.best).toBeNaN();
    expect(runOutcome(points([NaN, 0.5]), 'min')?.best).toBeNaN();
  });
});

describe('groupOutcome', () => {
  test('averages the runs that have the metric and counts only them', () => {
    const result = groupOutcome([{ final: 0.8, best: 0.9 }, null, { final: 0.6, best: 0.7 }]);
    expect(result.n).toBe(2);
    expect(result.final?.mean).toBeCloseTo(0.7, 12);
    expect(result.best?.mean).toBeCloseTo(0.8, 12);
    expect(result.final?.std).toBeCloseTo(Math.SQRT2 / 10, 12);
    expect(groupOutcome([null, null])).toEqual({ final: null, best: null, n: 0 });
  });
});

describe('formatting', () => {
  test('accuracies as percentages, losses with four decimals or in exponent form', () => {
    const summary = { n: 2, mean: 0.81234, std: 0.00456, ci95: 0, min: 0, max: 0 };
    expect(formatSummary(summary, 'accuracy')).toBe('81.23 ± 0.46 %');
    expect(formatSummary({ ...summary, n: 1, std: 0 }, 'accuracy')).toBe('81.23 %');
    expect(formatSummary(summary, 'loss')).toBe('0.8123 ± 4.56e-3');
    expect(formatValue(12345, 'loss')).toBe('1.23e+4');
    expect(formatValue(NaN, 'accuracy')).toBe('NaN');
  });
});

describe('compareChartData', () => {
  const group = {
    key: 'k',
    label: 'EBD',
    color: '#4e79a7',
    dash: [6, 2],
    downsampled: false,
    seeds: [
      {
        seed: 1,
        points: [
          { x: 0, y: 1 },
          { x: 10, y: 2 },
        ],
      },
      {
        seed: 2,
        points: [
          { x: 0, y: 3 },
          { x: 10, y: 4 },
        ],
      },
    ],
  };

  test('seeds, then the band’s lower and upper edge (filled to the lower), then the bold mean in the legend', () => {
    const { lines, bands } = compareChartData([group], 'std');
    expect(lines.map((l) => l.label)).toEqual(['EBD · seed 1', 'EBD · seed 2', 'EBD · lower', 'EBD · upper', 'EBD']);
    expect(lines.map((l) => l.legend !== false)).toEqual([false, false, false, false, true]);
    expect(lines[3]?.fill).toMatch(/^rgba\(78, 121, 167/);
    expect(lines[4]?.points).toEqual([
      { x: 0, y: 2 },
      { x: 10, y: 3 },
    ]);
    expect(bands[0]).toMatchObject({ key: 'k', label: 'EBD', color: '#4e79a7', kind: 'std', n: 2, x: 10, mean: 3 });
    expect(bands[0]?.halfWidth).toBeCloseTo(Math.SQRT2, 12);
  });

  test('the 95% CI band of two seeds is t(0.975, 1)/√2 times the std band', () => {
    const std = compareChartData([group], 'std').bands[0]?.halfWidth ?? 0;
    const ci = compareChartData([group], 'ci95').bands[0]?.halfWidth ?? 0;
    expect(ci / std).toBeCloseTo(12.706204736 / Math.SQRT2, 8);
  });

  test('a group whose curves have not loaded has no band yet', () => {
    const { bands } = compareChartData([{ ...group, seeds: [{ seed: 1, points: [] }] }], 'std');
    expect(bands[0]).toMatchObject({ n: 0, x: null, halfWidth: null });
  });

  test('one loaded seed has a mean but no spread: no width, rather than a width of 0', () => {
    const { bands } = compareChartData([{ ...group, seeds: [group.seeds[0]!, { seed: 2, points: [] }] }], 'std');
    expect(bands[0]).toMatchObject({ n: 1, x: 10, mean: 2, halfWidth: null });
  });
});
