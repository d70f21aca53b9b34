/**
 * How diagnostic series are named (docs/diagnostics.md): `layerK.<metric>`, K = 1 the first hidden layer. The
 * engine writes these names and the Monitor reads them; both take them from here.
 */
export function layerMetric(layer: number, metric: string): string {
  return `layer${layer}.${metric}`;
}

/** The quantiles recorded for each of the three factors, as metric suffixes: q05 is the 5th percentile. */
export const FACTOR_QUANTILES = [
  { suffix: 'q05', p: 0.05 },
  { suffix: 'q25', p: 0.25 },
  { suffix: 'q50', p: 0.5 },
  { suffix: 'q75', p: 0.75 },
  { suffix: 'q95', p: 0.95 },
] as const;
export type FactorQuantile = (typeof FACTOR_QUANTILES)[number]['suffix'];

/** The three factors of every rule's update, as metric prefixes. */
export const FACTORS = [
  { key: 'pre', title: 'Presynaptic', detail: 'hₖ₋₁, the layer’s input' },
  { key: 'post', title: 'Postsynaptic', detail: 'f′(uₖ), × g′(hₖ) for EBD/SBD' },
  { key: 'mod', title: 'Modulatory', detail: 'the broadcast signal δₖ' },
] as const;
export type FactorKey = (typeof FACTORS)[number]['key'];

/** One line per canonical per-layer metric; the full definitions are in docs/diagnostics.md. */
const METRIC_DEFINITIONS: Record<string, string> = {
  activation_power: 'Mean over batch and units of hₖ²; a run stops as diverged above monitoring.powerLimit.',
  mean_abs_correlation:
    'Mean |Pearson r| over the batch between each unit of hₖ and each component of the loss score: what decorrelation drives to 0.',
  decorrelation_norm: '‖Rₖ‖_F, the Frobenius norm of the running correlation (EBD and SBD only).',
  grad_norm: '‖ΔWₖ‖_F of the rule’s update direction, regularisers and weight decay included.',
  bp_cosine:
    'Cosine between the rule’s weight update and backpropagation’s gradient on the same batch: 1 = BP’s direction, 0 = orthogonal.',
  broadcast_angle:
    'Angle (degrees) between the broadcast matrix Bₖ and the linear path W_{k+1}ᵀ⋯W_Lᵀ it stands in for, as BioTorch reports.',
  broadcast_norm_ratio: '‖Bₖ‖ / ‖W_{k+1}ᵀ⋯W_Lᵀ‖ for the same pair.',
  feedback_angle: 'FA: angle (degrees) between the fixed feedback matrix and the forward weights it replaces.',
  feedback_norm_ratio: 'FA: ‖F‖ / ‖W‖ for the same pair.',
  feedback_cosine:
    'Cosine between the broadcast matrix Bₖ and the layer’s true feedback, the batch mean of ∂z/∂hₖ: > 0 means the broadcast points downhill on average.',
  learned_share:
    'EBD/SBD and DKP: ‖Bₖ − w·B₀‖ / ‖Bₖ‖, the part of the broadcast that was learned rather than drawn (w = λᵗ for EBD/SBD). Below 0.5 the run is DFA-like.',
  learned_feedback_cosine:
    'The feedback cosine of the learned part Bₖ − w·B₀ alone: its sign says whether what was learned points downhill.',
  dfa_cosine: 'Cosine between the rule’s update and the DFA update its start B₀ alone would give: ≈ 1 means DFA-like.',
  dynamics_residual:
    'CorInfoMax: relative change of the layer’s state in the last iteration of the neural dynamics; near 0 = converged (the readout is layer L).',
  backward_predictor_angle:
    'CorInfoMax: angle (degrees) between the backward predictor F_{k+1} and W_{k+1}ᵀ, the forward weights it mirrors.',
};

/** Below this learned share a learned-broadcast run is moved by its random start: it studies DFA. */
export const DFA_LIKE_SHARE = 0.5;

export function describeMetric(metric: string): string {
  return METRIC_DEFINITIONS[metric] ?? 'See docs/diagnostics.md for its definition.';
}
