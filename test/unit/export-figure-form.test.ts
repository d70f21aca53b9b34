import { describe, expect, test } from 'vitest';
import { FigureSpec } from '../../shared/export/figure-spec';
import type { MetricName, Run } from '../../shared/schemas/records';
import {
  DEFAULT_FIGURE_FORM,
  figureSpec,
  keepMetrics,
  metricChoices,
  selectionOf,
  splitChoices,
} from '../../src-renderer/lib/export/figure-form';
import { fileNameOf } from '../../src-renderer/lib/export/content-disposition';

const names: MetricName[] = [
  { name: 'accuracy', split: 'test', count: 3 },
  { name: 'loss', split: 'test', count: 3 },
  { name: 'loss', split: 'train', count: 40 },
  { name: 'layer1.decorrelation_norm', split: 'diagnostic', count: 4 },
  { name: 'layer2.decorrelation_norm', split: 'diagnostic', count: 4 },
  { name: 'layer1.bp_cosine', split: 'diagnostic', count: 4 },
  { name: 'layer1.pre.q50', split: 'diagnostic', count: 4 },
];

describe('the Export view’s figure form', () => {
  test('offers the split’s plain metrics for curves, the per-layer diagnostics and factors it has for small multiples', () => {
    expect(metricChoices('learning-curves', 'test', names)).toEqual(['accuracy', 'loss']);
    expect(metricChoices('final-best', 'train', names)).toEqual(['loss']);
    expect(metricChoices('layer-diagnostics', 'test', names)).toEqual(['decorrelation_norm', 'bp_cosine']);
    expect(metricChoices('factor-distributions', 'test', names)).toEqual(['pre']);
    expect(splitChoices(names)).toEqual(['test', 'train']);
  });

  test('keeps the metrics still offered, else the first offered', () => {
    expect(keepMetrics(['loss', 'gone'], ['accuracy', 'loss'])).toEqual(['loss']);
    expect(keepMetrics(['gone'], ['accuracy', 'loss'])).toEqual(['accuracy']);
    expect(keepMetrics(['gone'], [])).toEqual([]);
  });

  test('exports the whole experiment when every run is ticked, else the ticked runs, else nothing', () => {
    const runs = [{ id: 4 }, { id: 5 }, { id: 6 }] as Run[];
    expect(selectionOf(2, runs, new Set([4, 5, 6]))).toEqual({ kind: 'experiment', experimentId: 2 });
    expect(selectionOf(2, runs, new Set([6, 4]))).toEqual({ kind: 'runs', runIds: [4, 6] });
    expect(selectionOf(2, runs, new Set())).toBeNull();
  });

  test('builds a figure specification the API accepts; small multiples always read the diagnostic split', () => {
    expect(FigureSpec.parse(figureSpec(DEFAULT_FIGURE_FORM))).toMatchObject({ kind: 'learning-curves', split: 'test' });
    const diag = figureSpec({ ...DEFAULT_FIGURE_FORM, kind: 'layer-diagnostics', metrics: ['bp_cosine'] });
    expect(FigureSpec.parse(diag).split).toBe('diagnostic');
  });

  test('reads the download’s file name from Content-Disposition, the exact UTF-8 form first', () => {
    const header = `attachment; filename="experiment-1-_.csv"; filename*=UTF-8''experiment-1-%CE%BB.csv`;
    expect(fileNameOf(header, 'x')).toBe('experiment-1-λ.csv');
    expect(fileNameOf('attachment; filename="table.md"', 'x')).toBe('table.md');
    expect(fileNameOf(null, 'fallback.txt')).toBe('fallback.txt');
  });
});
