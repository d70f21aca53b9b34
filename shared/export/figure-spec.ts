import { z } from 'zod';
import { ErrorMeasure, ExportSelection } from '../api/contract-export';
import { Id } from '../schemas/ids';
import { MetricSplit } from '../schemas/records';

/**
 * One figure specification for every figure the app exports: what is plotted (kind, metrics, split), how the spread
 * over seeds is shown (error measure, faint seeds), how it is styled for a journal (column preset, text size) and
 * what file is written. The GUI, the API and the CLI all build one of these; the renderer in src-main/export/figures
 * is the only reader.
 */

/** learning-curves: mean over seeds with a band; final-best: last and best value per rule as points with error
 * bars; layer-diagnostics: per-layer diagnostic curves as small multiples (one row per metric, one column per layer);
 * factor-distributions: each of the three factors' distribution over batch and units (median, 25–75% and 5–95%
 * bands) as small multiples (one row per factor, one column per layer). */
export const FigureKind = z.enum(['learning-curves', 'final-best', 'layer-diagnostics', 'factor-distributions']);
export type FigureKind = z.infer<typeof FigureKind>;

/** Kinds drawn from per-layer diagnostic series: their split is always 'diagnostic'. */
export function isPerLayerKind(kind: FigureKind): boolean {
  return kind === 'layer-diagnostics' || kind === 'factor-distributions';
}

/** What the band or error bar spans around the mean: ± sample std, ± standard error, ± 95% CI (Student's t). */
export const FigureError = ErrorMeasure;
export type FigureError = z.infer<typeof FigureError>;

export const FigureFormat = z.enum(['svg', 'pdf', 'png']);
export type FigureFormat = z.infer<typeof FigureFormat>;

/** Journal column widths: single 3.5 in (89 mm), double 7.2 in (183 mm). */
export const JournalPreset = z.enum(['single', 'double']);
export type JournalPreset = z.infer<typeof JournalPreset>;
export const PRESET_WIDTH_IN: Readonly<Record<JournalPreset, number>> = { single: 3.5, double: 7.2 };

/** The per-layer diagnostics a small-multiples figure offers (names as in shared/diagnostics.ts). */
export const LAYER_DIAGNOSTICS = ['decorrelation_norm', 'bp_cosine', 'activation_power'] as const;

const MetricBase = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .regex(/^[\w.-]+$/, 'a metric name has letters, digits, _, . and - only (e.g. accuracy or decorrelation_norm)');

export const FigureSpec = z.strictObject({
  kind: FigureKind,
  /**
   * Metric names; for layer-diagnostics the per-layer name without its layer (decorrelation_norm); for
   * factor-distributions the factors (pre, post, mod).
   */
  metrics: z.array(MetricBase).min(1).max(12),
  /** For the per-layer kinds the split is always 'diagnostic'. */
  split: MetricSplit.default('test'),
  x: z.enum(['step', 'epoch']).default('step'),
  error: FigureError.default('std'),
  preset: JournalPreset.default('single'),
  /** Text size in points; journals ask for 7–9 pt at print size. */
  fontSize: z.number().min(7).max(9).default(8),
  /** Trailing mean over this many points before averaging seeds (1 = raw); the caption states it. */
  smoothing: z.number().int().min(1).max(1000).default(1),
  /** Draw each seed faintly under its group's mean. */
  seeds: z.boolean().default(false),
  format: FigureFormat.default('svg'),
  /** PNG only. */
  dpi: z.union([z.literal(300), z.literal(600)]).default(300),
  /** final-best: which way is better; default max, min for metrics whose name contains "loss". */
  better: z.enum(['max', 'min']).optional(),
});
export type FigureSpec = z.infer<typeof FigureSpec>;
export type FigureSpecInput = z.input<typeof FigureSpec>;

/** What a figure is drawn from: the same selections as every other export (runs, experiment, session, groups). */
export const FigureRequest = z.strictObject({ selection: ExportSelection, figure: FigureSpec });
export type FigureRequest = z.infer<typeof FigureRequest>;
export type FigureRequestInput = z.input<typeof FigureRequest>;

/** A rendered figure, with its Vega-Lite spec and data so that a user can restyle it later. */
export const FigureFile = z.object({
  fileName: z.string(),
  mimeType: z.string(),
  /** svg: the text; pdf and png: base64. */
  encoding: z.enum(['utf8', 'base64']),
  content: z.string(),
  /** The Vega-Lite spec, its data referenced by dataFileName. */
  vegaLite: z.string(),
  dataFileName: z.string(),
  /** The plotted rows (means, bands, seeds) as JSON. */
  data: z.string(),
  caption: z.string(),
  runIds: z.array(Id),
});
export type FigureFile = z.infer<typeof FigureFile>;

export const FigurePreview = z.object({ svg: z.string(), caption: z.string(), runIds: z.array(Id) });
export type FigurePreview = z.infer<typeof FigurePreview>;
