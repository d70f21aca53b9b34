import { describe, expect, it } from 'vitest';
import type { MetricName } from '../../shared/schemas/records';
import { bundleFigureMetric } from '../../src-main/export/bundle-figures';

const named = (...ids: string[]): MetricName[] =>
  ids.map((id) => {
    const [split, name] = id.split('/') as [MetricName['split'], string];
    return { split, name, count: 3 };
  });
const pick = (...ids: string[]) => {
  const found = bundleFigureMetric(named(...ids));
  return found && `${found.split}/${found.name}`;
};

describe("the bundle's figure metric", () => {
  it('is test accuracy where there is one, else the loss, preferring test, then validation, then train', () => {
    expect(pick('train/loss', 'validation/accuracy', 'test/loss', 'test/accuracy')).toBe('test/accuracy');
    expect(pick('train/loss', 'validation/accuracy', 'test/loss')).toBe('validation/accuracy');
    expect(pick('train/loss', 'test/loss', 'diagnostic/layer1.bp_cosine')).toBe('test/loss');
    expect(pick('train/loss', 'diagnostic/layer1.bp_cosine')).toBe('train/loss');
  });

  it('is none when the runs recorded neither accuracy nor loss (the bundle then has no figures)', () => {
    expect(pick('diagnostic/layer1.bp_cosine', 'train/lr')).toBeUndefined();
    expect(pick()).toBeUndefined();
  });
});
