import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yazl from 'yazl';
import { ERROR_DESCRIPTION } from '../../shared/export/aggregate';
import type { ExportFormat } from '../../shared/api/contract-export';
import { writeAtomically } from './atomic-file';
import { FIGURES_DIR, figureParts } from './bundle-figures';
import type { ExportContext } from './context';
import { produceText } from './formats';
import { partialRuns } from './selection';
import { selectedSeries } from './series-pages';
import type { TextSink } from './text-sink';
import { writeWideCsv } from './wide-csv';

export const MANIFEST_NAME = 'MANIFEST.sha256';
export const README_NAME = 'README.md';

interface BundleFile {
  name: string;
  /** Where the part was written in the temporary folder. */
  source: string;
  description: string;
  sha256: string;
  bytes: number;
}

/** A name safe in a zip on every system: letters, digits, '.', '-' and '_' only. */
function safe(part: string): string {
  return part.replace(/[^A-Za-z0-9._-]+/g, '_');
}

export interface BundlePart {
  name: string;
  description: string;
  produce: (sink: TextSink) => Promise<void>;
}

/** The files of the bundle, with what each holds and how it is written. */
export function bundleParts(ctx: ExportContext): BundlePart[] {
  const text = (format: Exclude<ExportFormat, 'bundle'>) => (sink: TextSink) => produceText(ctx, format, sink);
  const all = [...selectedSeries(ctx.store, ctx.selection.runs, ctx.options).values()].flat();
  const series = [...new Map(all.map((n) => [`${n.split}/${n.name}`, n])).values()].sort(
    (a, b) => a.split.localeCompare(b.split) || a.name.localeCompare(b.name),
  );
  const error = ERROR_DESCRIPTION[ctx.options.error];
  const list: BundlePart[] = [
    {
      name: 'data/tidy.csv',
      description:
        'Every stored point, one row each: run, experiment, session, rule, arm label, seed, epoch, step, split, ' +
        'metric, value (as stored, full precision), wall_time (when the point reached the host, ISO 8601 UTC; empty ' +
        'for points stored before version 6 of the database or imported from another one).',
      produce: text('tidy-csv'),
    },
    ...series.map((n) => ({
      name: `data/wide/${safe(n.split)}-${safe(n.name)}.csv`,
      description: `${n.split} ${n.name}: a row per step, a column per run.`,
      produce: (sink: TextSink) => writeWideCsv(ctx, n.name, n.split, sink).then(() => undefined),
    })),
    {
      name: 'data/aggregate.csv',
      description:
        "Per group (runs that differ only in seed), metric and epoch: N, mean, std, SEM, 95% CI (Student's t), " +
        'min, max. A run counts at epoch e with its last point in (e − 1, e].',
      produce: text('aggregate-csv'),
    },
    {
      name: 'specs.json',
      description: "Each experiment's stored spec and each run's resolved spec (its arm and seed).",
      produce: text('specs-json'),
    },
    {
      name: 'environment.json',
      description:
        'App version and commit, the exporting machine, and per run its backend, device, threads, runtime versions, ' +
        'dataset content hash, seed and status (runs still training are marked partial).',
      produce: text('environment-json'),
    },
    ...figureParts(ctx, series),
    {
      name: 'tables/results.tex',
      description: `Results table, LaTeX with booktabs (mean ± ${error}).`,
      produce: text('table-latex'),
    },
    { name: 'tables/results.md', description: 'The same table in Markdown.', produce: text('table-markdown') },
    { name: 'tables/results.csv', description: 'The same table as CSV, full precision.', produce: text('table-csv') },
    {
      name: 'methods/methods.md',
      description: 'Methods paragraph generated from the specs, Markdown.',
      produce: text('methods-markdown'),
    },
    {
      name: 'methods/methods.tex',
      description: 'The same paragraph in LaTeX, citing references.bib.',
      produce: text('methods-latex'),
    },
    {
      name: 'methods/references.bib',
      description: 'BibTeX entries of every learning rule used.',
      produce: text('bibtex'),
    },
  ];
  if (new Set(ctx.selection.groups.map((g) => g.config.dataset.name)).size > 1) {
    const byDataset = {
      ...ctx,
      options: { ...ctx.options, table: { ...ctx.options.table, layout: 'rules-datasets' as const } },
    };
    const metric = series.some((n) => n.name === 'accuracy') ? 'accuracy' : series[0]?.name;
    if (metric) {
      const one = { ...byDataset, options: { ...byDataset.options, metrics: [metric] } };
      list.push(
        {
          name: 'tables/results-by-dataset.tex',
          description: `Rules × datasets, final ${metric}, LaTeX.`,
          produce: (s) => produceText(one, 'table-latex', s),
        },
        {
          name: 'tables/results-by-dataset.md',
          description: 'The same, Markdown.',
          produce: (s) => produceText(one, 'table-markdown', s),
        },
        {
          name: 'tables/results-by-dataset.csv',
          description: 'The same, CSV.',
          produce: (s) => produceText(one, 'table-csv', s),
        },
      );
    }
  }
  return list;
}

export function bundleReadme(
  ctx: ExportContext,
  files: readonly Pick<BundleFile, 'name' | 'description'>[],
  skipped: readonly string[],
): string {
  const partial = partialRuns(ctx.selection);
  const lines = [
    `# ${ctx.app.name} export: ${ctx.selection.name}`,
    '',
    `Written by ${ctx.app.name} ${ctx.app.version} from ${ctx.selection.runs.length} runs in ${ctx.selection.groups.length} groups.`,
    partial.length > 0
      ? `Runs ${partial.join(', ')} were still training: their data stops where the export read it (environment.json marks them partial).`
      : 'Every run had finished training.',
    '',
    `Check the files with \`broadcast-lab verify BUNDLE.zip\` (or \`sha256sum -c ${MANIFEST_NAME}\` in the unpacked folder).`,
    '',
    '| file | what it holds |',
    '|---|---|',
    ...files.map((f) => `| ${f.name} | ${f.description} |`),
    `| ${README_NAME} | This file. |`,
    `| ${MANIFEST_NAME} | SHA-256 of every other file, in sha256sum's format. |`,
  ];
  if (skipped.length > 0) lines.push('', 'Not included:', ...skipped.map((s) => `- ${s}`));
  return `${lines.join('\n')}\n`;
}

/**
 * The bundle: every part written to a temporary folder (each hashed as it is written), then a README and the
 * SHA-256 manifest, zipped into the sink. A part that cannot be made (a table with no test metric yet, a figure of
 * runs with no points yet) is left out and named in the README; any other failure fails the bundle.
 */
export async function writeBundle(ctx: ExportContext, sink: TextSink): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'broadcast-lab-bundle-'));
  try {
    const list = bundleParts(ctx);
    const files: BundleFile[] = [];
    const skipped: string[] = [];
    for (const [i, part] of list.entries()) {
      ctx.progress?.(i, list.length, part.name);
      const file = path.join(dir, String(i));
      try {
        const written = await writeAtomically(file, (s) => part.produce(s));
        files.push({
          name: part.name,
          source: file,
          description: part.description,
          sha256: written.sha256,
          bytes: written.bytes,
        });
      } catch (error) {
        if (!part.name.startsWith('tables/') && !part.name.startsWith(FIGURES_DIR)) throw error;
        skipped.push(`${part.name}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    const readme = await writeAtomically(path.join(dir, 'readme'), async (s) => {
      await s.write(bundleReadme(ctx, files, skipped));
    });
    files.push({ name: README_NAME, source: readme.path, description: '', sha256: readme.sha256, bytes: readme.bytes });
    const manifest = files.map((f) => `${f.sha256}  ${f.name}\n`).join('');
    const zip = new yazl.ZipFile();
    const mtime = ctx.now?.() ?? new Date();
    for (const f of files) zip.addFile(f.source, f.name, { mtime, compress: true });
    zip.addBuffer(Buffer.from(manifest, 'utf8'), MANIFEST_NAME, { mtime });
    zip.end();
    for await (const chunk of zip.outputStream as AsyncIterable<Buffer>) await sink.write(chunk);
    ctx.progress?.(list.length, list.length, 'bundle.zip');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
