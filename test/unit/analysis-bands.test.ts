import { describe, expect, test } from 'vitest';
import { meanBand } from '../../shared/analysis/bands';

const seedA = [
  { x: 0, y: 0.1 },
  { x: 10, y: 0.5 },
  { x: 20, y: 0.7 },
  { x: 30, y: 0.8 },
];
const seedB = [
  { x: 0, y: 0.3 },
  { x: 10, y: 0.7 },
  { x: 20, y: 0.9 },
];

describe('meanBand', () => {
  test('std band at the steps every series has; a shorter run ends the band', () => {
    const band = meanBand([seedA, seedB], 'std');
    expect(band.map((p) => p.x)).toEqual([0, 10, 20]);
    const sd = Math.sqrt(0.02); // two values 0.2 apart: sample std = 0.2 / √2
    expect(band[1]?.mean).toBeCloseTo(0.6, 12);
    expect(band[1]?.lower).toBeCloseTo(0.6 - sd, 12);
    expect(band[1]?.upper).toBeCloseTo(0.6 + sd, 12);
    expect(band.every((p) => p.n === 2)).toBe(true);
  });

  test('95% CI band uses t(0.975, n − 1)·std/√n, wider than std for two seeds', () => {
    const band = meanBand([seedA, seedB], 'ci95');
    const half = (12.706204736 * Math.sqrt(0.02)) / Math.SQRT2;
    expect(band[2]?.mean).toBeCloseTo(0.8, 12);
    expect(band[2]?.upper).toBeCloseTo(0.8 + half, 8);
    expect(band[2]?.lower).toBeCloseTo(0.8 - half, 8);
  });

  test('steps present in only some series are left out, wherever they fall', () => {
    const gappy = [
      { x: 10, y: 1 },
      { x: 30, y: 3 },
    ];
    expect(meanBand([seedA, gappy], 'std').map((p) => p.x)).toEqual([10, 30]);
  });

  test('one series: the band collapses onto it for both kinds', () => {
    for (const kind of ['std', 'ci95'] as const) {
      const band = meanBand([seedB], kind);
      expect(band.map((p) => [p.mean, p.lower, p.upper, p.n])).toEqual([
        [0.3, 0.3, 0.3, 1],
        [0.7, 0.7, 0.7, 1],
        [0.9, 0.9, 0.9, 1],
      ]);
    }
  });

  test('unsorted input gives sorted output; no series gives no band', () => {
    const reversed = [...seedA].reverse();
    expect(meanBand([reversed, seedA], 'std').map((p) => p.x)).toEqual([0, 10, 20, 30]);
    expect(meanBand([], 'std')).toEqual([]);
    expect(meanBand([seedA, []], 'std')).toEqual([]);
  });

  test('a NaN at a step shows as NaN there, not as the mean of the others', () => {
    const band = meanBand([seedB, [{ x: 10, y: NaN }]], 'std');
    expect(band).toHaveLength(1);
    expect(band[0]?.mean).toBeNaN();
  });
});
