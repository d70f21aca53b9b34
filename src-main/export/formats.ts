import type { ExportFormat } from '../../shared/api/contract-export';
import { ApiError } from '../../shared/api/errors';
import { bibtexFor } from '../../shared/export/bibtex';
import { methodsLatex, methodsMarkdown } from '../../shared/export/methods-text';
import { csvTable, latexTable, markdownTable } from '../../shared/export/result-table';
import type { RuleName } from '../../shared/rules/catalogue';
import { writeAggregateCsv } from './aggregate-csv';
import type { ExportContext } from './context';
import { environmentManifest } from './environment';
import { methodsInput } from './methods';
import { selectedSeries } from './series-pages';
import { runSpecs } from './specs';
import { buildResultTable } from './table-data';
import type { TextSink } from './text-sink';
import { writeTidyCsv } from './tidy-csv';
import { writeWideCsv } from './wide-csv';

/** File name suffix and media type of each format. */
export const FORMAT_FILES: Record<ExportFormat, { suffix: string; mediaType: string }> = {
  'tidy-csv': { suffix: 'tidy.csv', mediaType: 'text/csv' },
  'wide-csv': { suffix: 'wide.csv', mediaType: 'text/csv' },
  'aggregate-csv': { suffix: 'aggregate.csv', mediaType: 'text/csv' },
  'specs-json': { suffix: 'specs.json', mediaType: 'application/json' },
  'environment-json': { suffix: 'environment.json', mediaType: 'application/json' },
  'table-latex': { suffix: 'table.tex', mediaType: 'application/x-tex' },
  'table-markdown': { suffix: 'table.md', mediaType: 'text/markdown' },
  'table-csv': { suffix: 'table.csv', mediaType: 'text/csv' },
  'methods-markdown': { suffix: 'methods.md', mediaType: 'text/markdown' },
  'methods-latex': { suffix: 'methods.tex', mediaType: 'application/x-tex' },
  bibtex: { suffix: 'references.bib', mediaType: 'application/x-bibtex' },
  bundle: { suffix: 'bundle.zip', mediaType: 'application/zip' },
};

export function suggestedFileName(ctx: ExportContext, format: ExportFormat): string {
  return `${ctx.selection.name}-${FORMAT_FILES[format].suffix}`;
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

function rulesOf(ctx: ExportContext): RuleName[] {
  return ctx.selection.groups.map((g) => g.config.rules.rule);
}

/** The one (metric, split) a stand-alone wide CSV holds; refused, naming the choices, when the options leave several. */
function wideSeries(ctx: ExportContext) {
  const all = [...selectedSeries(ctx.store, ctx.selection.runs, ctx.options).values()].flat();
  const distinct = [...new Map(all.map((n) => [`${n.split}/${n.name}`, n])).values()];
  if (distinct.length !== 1) {
    throw new ApiError(
      'invalid_request',
      `A wide CSV holds one metric of one split; give --metric and --split (stored: ${
        distinct
          .map((n) => `${n.split}/${n.name}`)
          .sort()
          .join(', ') || 'none'
      }), or export a bundle, which has one wide CSV per metric.`,
    );
  }
  return distinct[0]!;
}

/** Writes one text format (every format but the bundle) to the sink. */
export async function produceText(
  ctx: ExportContext,
  format: Exclude<ExportFormat, 'bundle'>,
  sink: TextSink,
): Promise<void> {
  switch (format) {
    case 'tidy-csv':
      await writeTidyCsv(ctx, sink);
      return;
    case 'wide-csv': {
      const { name, split } = wideSeries(ctx);
      await writeWideCsv(ctx, name, split, sink);
      return;
    }
    case 'aggregate-csv':
      await writeAggregateCsv(ctx, sink);
      return;
    case 'specs-json':
      await sink.write(json(runSpecs(ctx)));
      return;
    case 'environment-json':
      await sink.write(json(environmentManifest(ctx)));
      return;
    case 'table-latex':
      await sink.write(latexTable(await buildResultTable(ctx), { siunitx: ctx.options.table.siunitx }));
      return;
    case 'table-markdown':
      await sink.write(markdownTable(await buildResultTable(ctx)));
      return;
    case 'table-csv':
      await sink.write(csvTable(await buildResultTable(ctx)));
      return;
    case 'methods-markdown':
      await sink.write(methodsMarkdown(methodsInput(ctx)));
      return;
    case 'methods-latex':
      await sink.write(methodsLatex(methodsInput(ctx)));
      return;
    case 'bibtex':
      await sink.write(bibtexFor(rulesOf(ctx)));
      return;
  }
}
