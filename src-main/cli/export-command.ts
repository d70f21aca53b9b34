import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  ErrorMeasure,
  ExportFormat,
  type ExportRequestInput,
  type ExportSelection,
} from '../../shared/api/contract-export';
import { MetricSplit } from '../../shared/schemas/records';
import type { apiClient } from './caller';
import { FIGURE_USAGE, figureCommand, figureRequest, type FigureExport } from './figure-command';
import { progressBar, type Output } from './output';

export const EXPORT_USAGE = `broadcast-lab export (run ID | runs ID,ID,… | experiment ID | session ID) --out FILE
    --out FILE        where to write (atomically: a failed export leaves no file)
    --format F        tidy-csv, wide-csv, aggregate-csv, specs-json, environment-json, bibtex, bundle,
                      table-latex, table-markdown, table-csv, methods-markdown, methods-latex (default from --out:
                      .zip bundle, .csv tidy-csv, .tex table-latex, .md table-markdown, .json specs-json, .bib bibtex)
    --metric NAME     only this metric (repeatable), e.g. accuracy; for --figure, what is plotted
    --split S         only this split: ${MetricSplit.options.join(', ')}
    --error E         std (default), sem or ci95 (Student's t), for tables, aggregates, figures and methods text
    --table LAYOUT    rules-metrics (default) or rules-datasets
    --bold-best       bold the best value of each table column
    --siunitx         align table numbers with siunitx S columns
${FIGURE_USAGE}
broadcast-lab verify BUNDLE.zip   check a bundle's files against its SHA-256 manifest
broadcast-lab replay BUNDLE.zip [--run ID]   train the bundle's runs again (recorded backend and threads);
                                  prints per metric the largest difference from the stored values`;

export interface ExportArgs {
  target?: string;
  ids?: string;
  out?: string;
  format?: string;
  metric?: string[];
  split?: string;
  error?: string;
  table?: string;
  boldBest: boolean;
  siunitx: boolean;
  figure?: string;
  column?: string;
  dpi?: string;
}

/** What `export` was asked for: data, tables, text or a bundle (export.write), or a figure (export.figure). */
export type ExportPlan =
  { kind: 'data'; request: ExportRequestInput; out: string } | ({ kind: 'figure' } & FigureExport);

const BY_EXTENSION: Record<string, ExportFormat> = {
  '.zip': 'bundle',
  '.csv': 'tidy-csv',
  '.tex': 'table-latex',
  '.md': 'table-markdown',
  '.json': 'specs-json',
  '.bib': 'bibtex',
};

const PositiveId = z.coerce.number().int().positive();

function selectionOf(target: string | undefined, ids: string | undefined): ExportSelection | string {
  const one = (what: string) => {
    const id = PositiveId.safeParse(ids);
    return id.success ? id.data : `export ${what} needs a numeric id, got "${ids ?? ''}"`;
  };
  switch (target) {
    case 'run': {
      const id = one('run');
      return typeof id === 'string' ? id : { kind: 'run', runId: id };
    }
    case 'experiment': {
      const id = one('experiment');
      return typeof id === 'string' ? id : { kind: 'experiment', experimentId: id };
    }
    case 'session': {
      const id = one('session');
      return typeof id === 'string' ? id : { kind: 'session', sessionId: id };
    }
    case 'runs': {
      const parsed = (ids ?? '').split(',').map((s) => PositiveId.safeParse(s.trim()));
      if (!ids || parsed.some((p) => !p.success))
        return `export runs needs ids separated by commas, got "${ids ?? ''}"`;
      return { kind: 'runs', runIds: parsed.map((p) => p.data!) };
    }
    default:
      return `export needs what to export: run ID, runs ID,ID, experiment ID or session ID (got "${target ?? ''}")`;
  }
}

/** The request the arguments describe, or a usage problem naming the bad argument. */
export function exportRequest(args: ExportArgs): ExportPlan | string {
  const selection = selectionOf(args.target, args.ids);
  if (typeof selection === 'string') return selection;
  if (!args.out) return 'export needs --out FILE';
  if (args.split !== undefined && !MetricSplit.safeParse(args.split).success)
    return `--split must be one of ${MetricSplit.options.join(', ')}, got "${args.split}"`;
  if (args.error !== undefined && !ErrorMeasure.safeParse(args.error).success)
    return `--error must be one of ${ErrorMeasure.options.join(', ')}, got "${args.error}"`;
  if (args.figure !== undefined) {
    const figure = figureRequest({ ...args, figure: args.figure, out: args.out }, selection);
    return typeof figure === 'string' ? figure : { kind: 'figure', ...figure };
  }
  const figureOption = args.column !== undefined ? '--column' : args.dpi !== undefined && '--dpi';
  if (figureOption) return `${figureOption} is for figures: add --figure KIND`;
  const format = args.format ?? BY_EXTENSION[path.extname(args.out).toLowerCase()];
  if (!format) return `--format is needed: "${path.extname(args.out)}" does not say which format to write`;
  if (!ExportFormat.safeParse(format).success)
    return `--format must be one of ${ExportFormat.options.join(', ')}, got "${format}"`;
  if (args.table !== undefined && args.table !== 'rules-metrics' && args.table !== 'rules-datasets')
    return `--table must be rules-metrics or rules-datasets, got "${args.table}"`;
  return {
    kind: 'data',
    out: path.resolve(args.out),
    request: {
      selection,
      format: format as ExportFormat,
      options: {
        metrics: args.metric,
        split: args.split as MetricSplit | undefined,
        error: args.error as z.infer<typeof ErrorMeasure> | undefined,
        table: { layout: args.table as 'rules-metrics' | undefined, boldBest: args.boldBest, siunitx: args.siunitx },
      },
    },
  };
}

/** `broadcast-lab export …`: writes one export to --out, with a progress bar on stderr. */
export async function exportCommand(
  client: ReturnType<typeof apiClient>,
  io: Output,
  parsed: ExportPlan,
  json: boolean,
): Promise<number> {
  if (parsed.kind === 'figure') return figureCommand(client, io, parsed, json);
  const progressId = randomUUID();
  const status = io.status;
  const stop = status
    ? client.subscribe({ types: ['export.progress'] }, (event) => {
        if (event.type !== 'export.progress' || event.progressId !== progressId) return;
        const fraction = event.total > 0 ? event.done / event.total : 0;
        status(`${event.phase} ${progressBar(fraction)} ${Math.round(100 * fraction)}%`);
      })
    : () => undefined;
  try {
    const written = await client.call('export.write', { ...parsed.request, path: parsed.out, progressId });
    status?.('');
    if (json) io.out(JSON.stringify(written, null, 2));
    else {
      io.out(written.path);
      io.err(`wrote ${written.bytes} bytes, SHA-256 ${written.sha256}`);
      if (written.partialRuns.length > 0)
        io.err(`runs ${written.partialRuns.join(', ')} are still training: exported as far as they go (partial)`);
    }
    return 0;
  } finally {
    stop();
  }
}
