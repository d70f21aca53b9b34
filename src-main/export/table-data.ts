import { ApiError } from '../../shared/api/errors';
import { aggregate, errorOf } from '../../shared/export/aggregate';
import type { ResultTable, TableCell, TableColumn } from '../../shared/export/result-table';
import type { MetricSplit } from '../../shared/schemas/records';
import type { ExportContext } from './context';
import { armLabel, type ExportGroup } from './selection';
import { lastPoint, selectedSeries } from './series-pages';

/** Higher accuracy and cosine are better, lower loss; other metrics are never bolded. */
function betterOf(metric: string): TableColumn['better'] {
  if (/accuracy|cosine/.test(metric)) return 'max';
  if (/loss|error/.test(metric)) return 'min';
  return null;
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** The final value of each run of the group, aggregated over seeds; null when no run has the series. */
async function cell(
  ctx: ExportContext,
  group: ExportGroup,
  metric: string,
  split: MetricSplit,
): Promise<TableCell | null> {
  const values: number[] = [];
  for (const run of group.runs) {
    const last = await lastPoint(ctx.store, run.id, metric, split);
    if (last) values.push(last[2]);
  }
  if (values.length === 0) return null;
  const a = aggregate(values);
  return { mean: a.mean, error: errorOf(a, ctx.options.error), n: a.n };
}

/**
 * Row labels: the label Compare gave a group, else the arm's own name, or the group's full label where two groups
 * share an arm name.
 */
function rowLabels(groups: readonly ExportGroup[]): string[] {
  const arms = groups.map((g) => (g.runs[0] ? armLabel(g.runs[0]) : g.label));
  return arms.map(
    (arm, i) => groups[i]!.givenLabel ?? (arms.filter((a) => a === arm).length > 1 ? groups[i]!.label : arm),
  );
}

/**
 * The results table of the selection: rules × metrics (final value of each metric at one split) or rules × datasets
 * (one metric), mean over seeds with the requested error measure.
 */
export async function buildResultTable(ctx: ExportContext): Promise<ResultTable> {
  const { options } = ctx;
  const series = [...selectedSeries(ctx.store, ctx.selection.runs, options).values()].flat();
  const split: MetricSplit =
    options.split ??
    (series.some((s) => s.split === 'test')
      ? 'test'
      : series.some((s) => s.split === 'validation')
        ? 'validation'
        : 'train');
  const present = [...new Set(series.filter((s) => s.split === split).map((s) => s.name))].sort();
  const metrics = options.metrics ?? present.filter((m) => !m.startsWith('layer'));
  if (metrics.length === 0)
    throw new ApiError('invalid_request', `Nothing to tabulate: no selected run has a ${split} metric yet.`);
  const base = { error: options.error, digits: options.table.digits, boldBest: options.table.boldBest };
  if (options.table.layout === 'rules-metrics') {
    const groups = ctx.selection.groups;
    const labels = rowLabels(groups);
    const rows = await Promise.all(
      groups.map(async (g, i) => ({
        label: labels[i]!,
        cells: await Promise.all(metrics.map((m) => cell(ctx, g, m, split))),
      })),
    );
    metrics.forEach((m, c) => {
      if (rows.every((r) => r.cells[c] === null))
        throw new ApiError(
          'invalid_request',
          `No selected run has ${split} ${m} (${split} has: ${present.join(', ') || 'nothing'}).`,
        );
    });
    return {
      ...base,
      title: `Final ${split} ${metrics.join(' and ')}`,
      rowHeading: 'Rule',
      columns: metrics.map((m) => ({ label: `${capitalise(split)} ${m}`, better: betterOf(m) })),
      rows,
    };
  }
  if (metrics.length !== 1)
    throw new ApiError(
      'invalid_request',
      `A rules × datasets table shows one metric; choose one of ${metrics.join(', ')} (--metric).`,
    );
  const metric = metrics[0]!;
  const datasets = [...new Set(ctx.selection.groups.map((g) => g.config.dataset.name))];
  const arms = [...new Set(ctx.selection.groups.map((g) => (g.runs[0] ? armLabel(g.runs[0]) : g.label)))];
  const rows = [];
  for (const arm of arms) {
    const cells: (TableCell | null)[] = [];
    for (const dataset of datasets) {
      const matching = ctx.selection.groups.filter(
        (g) => g.config.dataset.name === dataset && g.runs[0] && armLabel(g.runs[0]) === arm,
      );
      if (matching.length > 1)
        throw new ApiError(
          'invalid_request',
          `Two groups are "${arm}" on ${dataset} (${matching.map((g) => g.label).join('; ')}): a rules × datasets ` +
            'table needs one per cell; export them as groups with their own labels, or as a rules × metrics table.',
        );
      cells.push(matching[0] ? await cell(ctx, matching[0], metric, split) : null);
    }
    rows.push({ label: arm, cells });
  }
  return {
    ...base,
    title: `Final ${split} ${metric}`,
    rowHeading: 'Rule',
    columns: datasets.map((d) => ({ label: d, better: betterOf(metric) })),
    rows,
  };
}
