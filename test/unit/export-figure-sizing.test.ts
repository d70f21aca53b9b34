import { describe, expect, it } from 'vitest';
import { FigureSpec, type FigureSpec as FigureSpecType } from '../../shared/export/figure-spec';
import type { RuleName } from '../../shared/schemas/experiment';
import { buildFigureData, type FigureGroup, type SeriesSource } from '../../src-main/export/figures/figure-data';
import { figureFontPath } from '../../src-main/export/figures/figure-font';
import { SkeletonRuler, sizeLayout, sizeOf, toSvg } from '../../src-main/export/figures/figure-sizing';
import { useFigureFontMetrics } from '../../src-main/export/figures/text-metrics';
import { vegaLiteSpec, type SpecLayout } from '../../src-main/export/figures/vega-lite-spec';

/**
 * The sizing passes redraw one compiled figure at new panel sizes through Vega's signals instead of compiling it
 * again: its size must be exactly the one a fresh compile at that size gives, and its drawing the same (a view that
 * shrinks may place a title 1e-15 pt differently: coordinates are compared to 6 decimals), or the layout found would
 * not be the figure's.
 */

/** The SVG with every number rounded to 6 decimals. */
const rounded = (svg: string) => svg.replace(/-?\d+\.\d{7,}/g, (n) => String(Number(Number(n).toFixed(6))));

const METRICS = ['decorrelation_norm', 'bp_cosine'];
const groups: FigureGroup[] = (['ebd', 'dfa', 'bp'] as RuleName[]).map((rule, g) => ({
  label: rule.toUpperCase(),
  rule,
  nthOfRule: 0,
  runs: [1, 2].map((seed) => ({ id: g * 2 + seed, seed })),
}));
const source: SeriesSource = {
  series: (runId, name) =>
    Array.from({ length: 20 }, (_, i) => ({
      step: i * 5,
      epoch: i / 20,
      value: (name.length % 7) * 0.1 + Math.exp(-i / 30) * (1 + 0.05 * Math.sin(i + runId)),
    })),
  names: (_runId, split) =>
    split === 'diagnostic' ? [1, 2].flatMap((layer) => METRICS.map((m) => `layer${layer}.${m}`)) : ['accuracy'],
};

const figures: [string, FigureSpecType][] = [
  ['a grid of per-layer panels', FigureSpec.parse({ kind: 'layer-diagnostics', metrics: METRICS, preset: 'double' })],
  ['one learning-curve panel', FigureSpec.parse({ kind: 'learning-curves', metrics: ['accuracy'] })],
  ['final and best points', FigureSpec.parse({ kind: 'final-best', metrics: ['accuracy'] })],
];

const layout = (panelWidth: number, panelHeight: number): SpecLayout => ({
  panelWidth,
  panelHeight,
  fontSize: 8,
  legendColumns: 3,
  legendLabelLimit: 200,
});

describe('figure sizing', () => {
  useFigureFontMetrics(figureFontPath());

  it.each(figures)('%s: redrawn at new sizes, the SVG equals a fresh compile at each', async (_, spec) => {
    const data = buildFigureData(spec, groups, source);
    const ruler = new SkeletonRuler(data, data.rows);
    try {
      const first = await ruler.svg(layout(120.5, 84));
      const inPlace = ruler.resizesInPlace;
      for (const [w, h] of [
        [151.25, 97],
        [97.75, 61],
      ] as const) {
        const resized = await ruler.svg(layout(w, h));
        const fresh = await toSvg(vegaLiteSpec(data, layout(w, h), { inline: data.rows }));
        expect(sizeOf(resized)).toEqual(sizeOf(fresh));
        expect(rounded(resized)).toBe(rounded(fresh));
        expect(sizeOf(resized).width).not.toBe(sizeOf(first).width);
      }
      if (spec.kind === 'layer-diagnostics') expect(inPlace).toBe(true);
    } finally {
      ruler.close();
    }
  });

  it('remembers a layout only for the same figure', async () => {
    const spec = figures[0]![1];
    const data = buildFigureData(spec, groups, source);
    const guess = layout(150, 0);
    const sized = await sizeLayout(data, data.rows, guess, 518.4, 0.55);
    const width = sizeOf(await toSvg(vegaLiteSpec(data, sized, { inline: data.rows }))).width;
    expect(width).toBeLessThanOrEqual(518.4);
    expect(518.4 - width).toBeLessThan(2);
    expect(await sizeLayout(data, data.rows, guess, 518.4, 0.55)).toBe(sized);
    // Another column width is another figure: sized anew, to its own width.
    const single = await sizeLayout(data, data.rows, guess, 252, 0.55);
    expect(single).not.toBe(sized);
    expect(single.panelWidth).toBeLessThan(sized.panelWidth);
  });
});
