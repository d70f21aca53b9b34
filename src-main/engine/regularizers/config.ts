/**
 * Layer regularisers that keep decorrelation rules from collapsing (activations → 0) or exploding. Each is a loss
 * on a hidden layer's activations whose gradient, like the rule's, has the form H_{k-1}ᵀ Φ; the step adds the Φ's
 * before the one product per layer, so a regulariser costs element-wise work and no extra product.
 */
export interface RegularizerConfig {
  /** Power normalisation J = Σᵢ (mean_b hᵢ² − target)²; coefficient 0 = off. */
  power: { coefficient: number; target: number };
  /** Activation sparsity (1/B) Σ_b ‖h_b‖₁; coefficient 0 = off. */
  activationL1: number;
  /** ℓ2 weight decay on every weight matrix (not the biases). */
  weightDecay: number;
  /**
   * Layer entropy ½ log det(R_h + εI) of dense layers (entropy.ts), and weight entropy ½ log det(WᵀW + εI) of conv and
   * locally connected ones (weight-entropy.ts), maximised; coefficient 0 = off.
   */
  entropy: EntropyConfig;
  /** Per-layer multipliers of the coefficients (see coefficientAt) and of forward broadcast; absent = 1 everywhere. */
  layerScales?: Partial<Record<LayerScaled | 'forwardBroadcast', readonly number[]>>;
}

/** The terms whose coefficient can differ between layers. */
export type LayerScaled = 'power' | 'activationL1' | 'entropy' | 'weightDecay';

/**
 * A term's coefficient in weight layer k (1-based, the readout last): the experiment's coefficient times the layer's
 * multiplier, 1 where the list has no entry (as layerRates are to the learning rate), so a scalar setting keeps
 * meaning "the same in every layer".
 */
export function coefficientAt(config: RegularizerConfig, term: LayerScaled, k: number): number {
  const base =
    term === 'power'
      ? config.power.coefficient
      : term === 'entropy'
        ? config.entropy.coefficient
        : term === 'activationL1'
          ? config.activationL1
          : config.weightDecay;
  return base * layerScale(config, term, k);
}

/** A term's multiplier in weight layer k (1-based): its entry in layerScales, 1 where there is none. */
export function layerScale(config: RegularizerConfig, term: LayerScaled | 'forwardBroadcast', k: number): number {
  return config.layerScales?.[term]?.[k - 1] ?? 1;
}

export interface EntropyConfig {
  /** Weight of the layer-entropy term ½ log det(R_h + εI), which is maximised; 0 = off. */
  coefficient: number;
  /** Forgetting factor λ_E of the activation correlation R_h. */
  lambda: number;
  /** Floor ε added to R_h so that dead units keep it invertible. */
  epsilon: number;
  /** ε of the conv and locally connected layers' weight entropy ½ log det(WᵀW + εI); absent: the paper's 1e-5. */
  weightEpsilon?: number;
}

export const NO_REGULARIZERS: RegularizerConfig = {
  power: { coefficient: 0, target: 1 },
  activationL1: 0,
  weightDecay: 0,
  entropy: { coefficient: 0, lambda: 0.99999, epsilon: 0.01 },
};
