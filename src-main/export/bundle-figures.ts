import { ERROR_DESCRIPTION } from '../../shared/export/aggregate';
import { FigureSpec, type FigureFile, type FigureKind } from '../../shared/export/figure-spec';
import type { MetricName } from '../../shared/schemas/records';
import type { BundlePart } from './bundle';
import type { ExportContext } from './context';
import { resolvedFigureContext } from './figures/figure-context';
import { renderFigureFormats } from './figures/render-figure';

/** Where the bundle's figures go; a part under it that cannot be drawn is left out and named in the README. */
export const FIGURES_DIR = 'figures/';

const SPLIT_PREFERENCE = ['test', 'validation', 'train'];

/**
 * The metric the bundle plots: accuracy where the runs recorded it, else the loss; on the test split where there
 * is one, else validation, else train. None (no figures) when the selection has neither.
 */
export function bundleFigureMetric(series: readonly MetricName[]): MetricName | undefined {
  for (const name of ['accuracy', 'loss']) {
    for (const split of SPLIT_PREFERENCE) {
      const found = series.find((n) => n.name === name && n.split === split);
      if (found) return found;
    }
  }
  return undefined;
}

const KIND_DESCRIPTION: Record<Extract<FigureKind, 'learning-curves' | 'final-best'>, string> = {
  'learning-curves': 'Learning curves',
  'final-best': 'Final and best value per rule as points with error bars',
};

/**
 * A learning-curve figure and a final/best figure of one metric, each as SVG and PDF (single column) with its
 * Vega-Lite spec and data. Each figure is drawn once for its four files, on the first file that needs it.
 */
export function figureParts(ctx: ExportContext, series: readonly MetricName[]): BundlePart[] {
  const metric = bundleFigureMetric(series);
  if (!metric) return [];
  const error = ERROR_DESCRIPTION[ctx.options.error];
  return (['learning-curves', 'final-best'] as const).flatMap((kind) => {
    const parsed = FigureSpec.safeParse({
      kind,
      metrics: [metric.name],
      split: metric.split,
      error: ctx.options.error,
    });
    // A stored name a figure cannot take (characters outside [\w.-]) leaves the figures out, not the bundle.
    if (!parsed.success) return [];
    const spec = parsed.data;
    let rendering: Promise<FigureFile[]> | undefined;
    const files = () =>
      (rendering ??= (async () =>
        renderFigureFormats(
          spec,
          resolvedFigureContext(
            ctx.store,
            ctx.selection,
            ctx.selection.groups.some((g) => g.givenLabel !== undefined),
            ctx.app.version,
          ),
          ['svg', 'pdf'],
        ))());
    const base = `${FIGURES_DIR}${kind}-${metric.name}`;
    const what = `${KIND_DESCRIPTION[kind]} of ${metric.split} ${metric.name}, mean ± ${error}`;
    return [
      {
        name: `${base}.svg`,
        description: `${what}; SVG, single column (3.5 in), text kept as text.`,
        produce: async (sink) => void (await sink.write((await files())[0]!.content)),
      },
      {
        name: `${base}.pdf`,
        description: 'The same figure as PDF, fonts embedded.',
        produce: async (sink) => void (await sink.write(Buffer.from((await files())[1]!.content, 'base64'))),
      },
      {
        name: `${base}.vl.json`,
        description: `Its Vega-Lite spec, reading ${kind}-${metric.name}.data.json beside it: restyle it in the Vega editor.`,
        produce: async (sink) => void (await sink.write((await files())[0]!.vegaLite)),
      },
      {
        name: `${base}.data.json`,
        description: 'The plotted rows (means, spreads, N per group) as JSON.',
        produce: async (sink) => void (await sink.write((await files())[0]!.data)),
      },
    ];
  });
}
