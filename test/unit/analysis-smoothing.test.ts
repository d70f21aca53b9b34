import { describe, expect, it } from 'vitest';
import { describeSmoothing, trailingMean } from '../../shared/analysis/smoothing';

describe('trailing-mean smoothing', () => {
  it('averages the last N points, fewer at the start, keeping the steps', () => {
    const points = [1, 3, 5, 7, 100].map((y, i) => ({ x: 10 * i, y }));
    expect(trailingMean(points, 3)).toEqual([
      { x: 0, y: 1 },
      { x: 10, y: 2 },
      { x: 20, y: 3 },
      { x: 30, y: 5 },
      { x: 40, y: 112 / 3 },
    ]);
  });

  it('never moves a point already drawn when a new one arrives', () => {
    const points = Array.from({ length: 50 }, (_, i) => ({ x: i, y: Math.sin(i) }));
    const before = trailingMean(points.slice(0, 40), 7);
    expect(trailingMean(points, 7).slice(0, 40)).toEqual(before);
  });

  it('is off at a window of 1 and says so', () => {
    const points = [{ x: 0, y: 2 }];
    expect(trailingMean(points, 1)).toEqual(points);
    expect(describeSmoothing(1)).toBe('raw values');
    expect(describeSmoothing(10)).toBe('smoothed: trailing mean of 10 points');
  });
});
