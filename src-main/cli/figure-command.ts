import path from 'node:path';
import type { ExportSelection } from '../../shared/api/contract-export';
import { FACTORS } from '../../shared/diagnostics';
import {
  FigureFormat,
  FigureKind,
  FigureSpec,
  JournalPreset,
  LAYER_DIAGNOSTICS,
  type FigureRequestInput,
  type FigureSpecInput,
} from '../../shared/export/figure-spec';
import { writeFigureFiles } from '../export/figures/write-figure';
import type { apiClient } from './caller';
import type { Output } from './output';

export const FIGURE_USAGE = `    --figure KIND     a figure instead of data: learning-curves, final-best, layer-diagnostics or
                      factor-distributions (default metrics: accuracy, or every diagnostic / factor); format
                      from --out (.svg, .pdf, .png) or --format svg|pdf|png;
                      its Vega-Lite spec (FILE.vl.json) and data (FILE.data.json) are written beside it
    --column C        single (3.5 in, default) or double (7.2 in) journal column
    --dpi N           300 (default) or 600, for .png`;

/** The options a figure export reads; the others (--table, --bold-best, --siunitx) are for tables. */
export interface FigureArgs {
  figure: string;
  out: string;
  format?: string;
  metric?: string[];
  split?: string;
  error?: string;
  column?: string;
  dpi?: string;
  table?: string;
  boldBest: boolean;
  siunitx: boolean;
}

export interface FigureExport {
  request: FigureRequestInput;
  out: string;
}

/** What a kind plots when no --metric is given: accuracy, or every per-layer diagnostic or factor. */
function defaultMetrics(kind: FigureKind): string[] {
  if (kind === 'layer-diagnostics') return [...LAYER_DIAGNOSTICS];
  if (kind === 'factor-distributions') return FACTORS.map((f) => f.key);
  return ['accuracy'];
}

/** The figure request the arguments describe, or a usage problem naming the bad argument. */
export function figureRequest(args: FigureArgs, selection: ExportSelection): FigureExport | string {
  const kind = FigureKind.safeParse(args.figure);
  if (!kind.success) return `--figure must be one of ${FigureKind.options.join(', ')}, got "${args.figure}"`;
  const tableOption =
    args.table !== undefined ? '--table' : args.boldBest ? '--bold-best' : args.siunitx && '--siunitx';
  if (tableOption) return `${tableOption} is for tables; a --figure does not take it`;
  const extension = path.extname(args.out).toLowerCase().slice(1);
  const format = args.format ?? extension;
  if (!FigureFormat.safeParse(format).success) {
    return args.format === undefined
      ? `--figure writes .svg, .pdf or .png: "${path.basename(args.out)}" does not say which (or give --format)`
      : `--format for a figure must be one of ${FigureFormat.options.join(', ')}, got "${args.format}"`;
  }
  if (FigureFormat.safeParse(extension).success && extension !== format)
    return `--format ${format} does not match --out's .${extension}: give one or the other`;
  if (args.column !== undefined && !JournalPreset.safeParse(args.column).success)
    return `--column must be single or double, got "${args.column}"`;
  if (args.dpi !== undefined && args.dpi !== '300' && args.dpi !== '600')
    return `--dpi must be 300 or 600, got "${args.dpi}"`;
  if (args.dpi !== undefined && format !== 'png') return `--dpi is for .png figures; this one is ${format}`;
  const figure: FigureSpecInput = {
    kind: kind.data,
    metrics: args.metric ?? defaultMetrics(kind.data),
    ...(args.split !== undefined ? { split: args.split as FigureSpecInput['split'] } : {}),
    ...(args.error !== undefined ? { error: args.error as FigureSpecInput['error'] } : {}),
    ...(args.column !== undefined ? { preset: args.column as FigureSpecInput['preset'] } : {}),
    format: format as FigureFormat,
    dpi: args.dpi === '600' ? 600 : 300,
  };
  // The same schema the API applies, here so that a bad metric name is a usage error before the database opens.
  const checked = FigureSpec.safeParse(figure);
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    return `--${issue.path[0] === 'metrics' ? 'metric' : String(issue.path[0])}: ${issue.message}`;
  }
  return { request: { selection, figure }, out: path.resolve(args.out) };
}

/** `broadcast-lab export … --figure KIND`: renders through the API and writes the figure, its spec and its data. */
export async function figureCommand(
  client: ReturnType<typeof apiClient>,
  io: Output,
  parsed: FigureExport,
  json: boolean,
): Promise<number> {
  const file = await client.call('export.figure', parsed.request);
  const written = await writeFigureFiles(file, parsed.out);
  if (json) io.out(JSON.stringify({ files: written, caption: file.caption, runIds: file.runIds }, null, 2));
  else {
    io.out(written.map((w) => w.path).join('\n'));
    io.err(`runs ${file.runIds.join(', ')}: ${file.caption}`);
  }
  return 0;
}
