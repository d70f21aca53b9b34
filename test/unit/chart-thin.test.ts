import { describe, expect, test } from 'vitest';
import { minMax, packXY, unpackXY } from '../../src-renderer/lib/charts/thin';

const series = (n: number, y: (i: number) => number) => Array.from({ length: n }, (_, i) => ({ x: i, y: y(i) }));

describe('min-max thinning of a chart line', () => {
  test('keeps a short line as it is', () => {
    const points = series(10, (i) => i * i);
    expect(minMax(points, 10)).toBe(points);
  });

  test('keeps the first and last points and each bucket’s extremes, in step order', () => {
    // A sawtooth: every bucket of 10 steps holds one spike up and one down.
    const points = series(1001, (i) => (i % 10 === 3 ? 5 : i % 10 === 7 ? -5 : 0));
    const thinned = minMax(points, 100);
    expect(thinned[0]).toBe(points[0]);
    expect(thinned.at(-1)).toBe(points[1000]);
    expect(thinned.length).toBeLessThanOrEqual(2 * 100 + 2);
    const xs = thinned.map((p) => p.x);
    expect(xs).toEqual([...xs].sort((a, b) => a - b));
    expect(Math.max(...thinned.map((p) => p.y))).toBe(5);
    expect(Math.min(...thinned.map((p) => p.y))).toBe(-5);
    // Every spike's bucket keeps both its spikes: the envelope is exact.
    expect(thinned.filter((p) => p.y === 5).length).toBeGreaterThanOrEqual(99);
    expect(thinned.filter((p) => p.y === -5).length).toBeGreaterThanOrEqual(99);
  });

  test('skips the empty buckets of a gap in the steps', () => {
    const points = [...series(300, () => 1), ...series(300, (i) => i).map((p) => ({ x: p.x + 10_000, y: p.y }))];
    const thinned = minMax(points, 50);
    expect(thinned.every((p) => points.includes(p))).toBe(true);
    expect(thinned.length).toBeLessThanOrEqual(2 * 50 + 2);
    expect(thinned.at(-1)).toBe(points.at(-1));
  });
});

describe('packed points', () => {
  test('round-trip exactly through one Float64Array', () => {
    const points = series(5, (i) => Math.PI * i - 1e-300);
    const packed = packXY(points);
    expect(packed).toBeInstanceOf(Float64Array);
    expect(packed.length).toBe(10);
    expect(unpackXY(packed)).toEqual(points);
  });
});
