import { describe, expect, test } from 'vitest';
import { alignCurves } from '../../src-renderer/lib/compare/align';

describe('alignCurves', () => {
  const a = [
    { x: 0, y: 0 },
    { x: 10, y: 10 },
    { x: 15, y: 15 },
    { x: 20, y: 20 },
    { x: 30, y: 30 },
  ];
  const b = [
    { x: 5, y: 1 },
    { x: 25, y: 3 },
  ];

  test('curves read whole pass through unchanged', () => {
    expect(alignCurves([a, b], false)).toEqual([a, b]);
  });

  test('down-sampled curves are interpolated at the sparsest one’s steps, inside the common range', () => {
    const [ia, ib] = alignCurves([a, b], true);
    expect(ia).toEqual([
      { x: 5, y: 5 },
      { x: 25, y: 25 },
    ]);
    expect(ib).toEqual(b);
  });

  test('curves that do not overlap give nothing to average', () => {
    expect(alignCurves([a, [{ x: 40, y: 1 }]], true)).toEqual([[], []]);
  });
});
