/** Diagnostic series are named layerK.<metric> (docs/diagnostics.md); the three factors are layerK.{pre,post,mod}.*. */
const NAME = /^layer(\d+)\.(.+)$/;
const FACTOR = /^(pre|post|mod)\./;

/** The canonical per-layer diagnostics, in the order a researcher reads them. */
const PREFERRED = [
  'bp_cosine',
  'learned_share',
  'feedback_cosine',
  'learned_feedback_cosine',
  'dfa_cosine',
  'decorrelation_norm',
  'mean_abs_correlation',
  'activation_power',
  'grad_norm',
  'broadcast_angle',
  'feedback_angle',
];

export interface DiagnosticIndex {
  /** Hidden layers that have diagnostics, ascending (1 = first hidden layer). */
  layers: number[];
  /** Per-layer metrics other than the three factors, canonical ones first. */
  metrics: string[];
  /** Whether the three factors' quantiles were recorded. */
  hasFactorQuantiles: boolean;
}

export function indexDiagnostics(names: readonly string[]): DiagnosticIndex {
  const layers = new Set<number>();
  const metrics = new Set<string>();
  let hasFactorQuantiles = false;
  for (const name of names) {
    const match = NAME.exec(name);
    if (!match) continue;
    layers.add(Number(match[1]));
    const metric = match[2]!;
    if (FACTOR.test(metric)) hasFactorQuantiles ||= metric.endsWith('.q50');
    else metrics.add(metric);
  }
  const rank = (m: string) => (PREFERRED.includes(m) ? PREFERRED.indexOf(m) : PREFERRED.length);
  return {
    layers: [...layers].sort((a, b) => a - b),
    metrics: [...metrics].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b)),
    hasFactorQuantiles,
  };
}
