import { z } from 'zod';
import { Id } from '../schemas/ids';
import { MetricSplit } from '../schemas/records';

/**
 * The export API (data, tables, methods text, bundles): spread into `contract` by shared/api/contract.ts. Figures
 * have their own file (contract-figures.ts).
 */
function method<Req extends z.ZodType, Res extends z.ZodType>(request: Req, response: Res) {
  return { request, response };
}

/** A path on the machine running the app, as contract.ts checks it (serve mode is loopback-only). */
const HostPath = z
  .string()
  .min(1)
  .max(4096)
  .refine((p) => p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p) || p.startsWith('\\\\'), {
    message: 'must be an absolute path (the full path of the file, e.g. /home/me/results.zip)',
  });

/** What is exported: a run, a set of runs, an experiment, a session, or Compare's groups (each a set of seeds). */
export const ExportSelection = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('run'), runId: Id }),
  z.strictObject({ kind: z.literal('runs'), runIds: z.array(Id).min(1).max(10_000) }),
  z.strictObject({ kind: z.literal('experiment'), experimentId: Id }),
  z.strictObject({ kind: z.literal('session'), sessionId: Id }),
  z.strictObject({
    kind: z.literal('groups'),
    groups: z
      .array(
        z.strictObject({
          label: z.string().trim().min(1).max(200).optional(),
          runIds: z.array(Id).min(1).max(1000),
        }),
      )
      .min(1)
      .max(500),
  }),
]);
export type ExportSelection = z.infer<typeof ExportSelection>;

export const EXPORT_FORMATS = [
  'tidy-csv',
  'wide-csv',
  'aggregate-csv',
  'specs-json',
  'environment-json',
  'table-latex',
  'table-markdown',
  'table-csv',
  'methods-markdown',
  'methods-latex',
  'bibtex',
  'bundle',
] as const;
export const ExportFormat = z.enum(EXPORT_FORMATS);
export type ExportFormat = z.infer<typeof ExportFormat>;

export const ErrorMeasure = z.enum(['std', 'sem', 'ci95']);

export const TableOptions = z.strictObject({
  /** Rows are rules (groups); columns the metrics, or the datasets (one metric) when the selection spans several. */
  layout: z.enum(['rules-metrics', 'rules-datasets']).default('rules-metrics'),
  /** Bold the best mean of each column (accuracy: highest; loss: lowest). Off unless asked for. */
  boldBest: z.boolean().default(false),
  /** Decimal-aligned siunitx S columns (the document needs \usepackage{siunitx}). */
  siunitx: z.boolean().default(false),
  digits: z.number().int().min(0).max(10).default(4),
});

export const ExportOptions = z.strictObject({
  /** Metric names to include (e.g. accuracy, loss); all when left out. */
  metrics: z.array(z.string().min(1).max(200)).max(200).optional(),
  /** One split only; all when left out (tables: test, else validation). */
  split: MetricSplit.optional(),
  error: ErrorMeasure.default('std'),
  table: TableOptions.default(TableOptions.parse({})),
});
export type ExportOptions = z.infer<typeof ExportOptions>;
export type ExportOptionsInput = z.input<typeof ExportOptions>;

export const ExportRequest = z.strictObject({
  selection: ExportSelection,
  format: ExportFormat,
  options: ExportOptions.default(ExportOptions.parse({})),
});
export type ExportRequest = z.infer<typeof ExportRequest>;
export type ExportRequestInput = z.input<typeof ExportRequest>;

export const ExportPreview = z.object({
  /** A suggested file name, e.g. experiment-3-tidy.csv. */
  fileName: z.string(),
  mediaType: z.string(),
  /** The start of exactly what would be written (a bundle: its README, which lists every file). */
  text: z.string(),
  truncated: z.boolean(),
  /** Runs still training: their data is exported as far as it goes and marked partial in the manifest. */
  partialRuns: z.array(Id),
});
export type ExportPreview = z.infer<typeof ExportPreview>;

export const ExportWritten = z.object({
  path: z.string(),
  bytes: z.number().int().nonnegative(),
  sha256: z.string(),
  partialRuns: z.array(Id),
});
export type ExportWritten = z.infer<typeof ExportWritten>;

export const BundleCheck = z.object({
  ok: z.boolean(),
  /** Every file the manifest names, with what was found. */
  files: z.array(
    z.object({
      name: z.string(),
      status: z.enum(['ok', 'changed', 'missing', 'unreadable']),
      detail: z.string(),
    }),
  ),
  /** Files in the zip that the manifest does not name. */
  unlisted: z.array(z.string()),
  /** What made the bundle unreadable as a whole (not a zip, no manifest); empty otherwise. */
  problems: z.array(z.string()),
});
export type BundleCheck = z.infer<typeof BundleCheck>;

export const exportContract = {
  /** The start of what export.write would write, for the Export view's live preview. Writes nothing. */
  'export.preview': method(
    ExportRequest.extend({ maxChars: z.number().int().min(100).max(1_000_000).default(20_000) }),
    ExportPreview,
  ),
  /**
   * Writes the export to a file on the host, atomically (a temporary name, then a rename): a failed export leaves
   * no file. With a progressId, 'export.progress' events report how far it is.
   */
  'export.write': method(
    ExportRequest.extend({ path: HostPath, progressId: z.string().min(1).max(100).optional() }),
    ExportWritten,
  ),
  /** Checks a bundle's files against its SHA-256 manifest, naming any changed, missing or unlisted file. */
  'export.verify': method(z.strictObject({ path: HostPath }), BundleCheck),
} as const;
