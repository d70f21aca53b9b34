import * as tf from '@tensorflow/tfjs-core';
import type { EntropyConfig } from './entropy';

/**
 * Layer regularisers that keep decorrelation rules from collapsing (activations → 0) or exploding. Each is a
 * loss on a hidden layer's activations whose gradient, like the rule's, has the form H_{k-1}ᵀ Φ; the step adds
 * the Φ's before the one product per layer, so a regulariser costs element-wise work and no extra matmul.
 */
export interface RegularizerConfig {
  /** Power normalisation J = Σᵢ (mean_b hᵢ² − target)²; coefficient 0 = off. */
  power: { coefficient: number; target: number };
  /** Activation sparsity (1/B) Σ_b ‖h_b‖₁; coefficient 0 = off. */
  activationL1: number;
  /** ℓ2 weight decay on every weight matrix (not the biases). */
  weightDecay: number;
  /** Layer entropy ½ log det(R_h + εI), maximised (see entropy.ts); absent or coefficient 0 = off. */
  entropy?: EntropyConfig;
}

export const NO_ENTROPY: EntropyConfig = { coefficient: 0, lambda: 0.99, epsilon: 0.01 };

export const NO_REGULARIZERS: RegularizerConfig = {
  power: { coefficient: 0, target: 1 },
  activationL1: 0,
  weightDecay: 0,
  entropy: NO_ENTROPY,
};

/** Φ of the enabled regularisers for hidden layer k, already scaled, or null when none is on. */
export function regularizerPhi(config: RegularizerConfig, h: tf.Tensor2D, fprime: tf.Tensor2D): tf.Tensor2D | null {
  const batch = h.shape[0];
  let phi: tf.Tensor2D | null = null;
  const add = (term: tf.Tensor2D) => (phi = phi ? tf.add<tf.Tensor2D>(phi, term) : term);
  if (config.power.coefficient > 0) {
    // ∂J/∂U = (4/B)(p − P) ⊙ H ⊙ f'(U), p = per-neuron mean power over the batch.
    const power = tf.mean(tf.square(h), 0, true);
    const scale = (4 * config.power.coefficient) / batch;
    add(tf.mul<tf.Tensor2D>(tf.mul(tf.sub(power, config.power.target), scale), tf.mul(h, fprime)));
  }
  if (config.activationL1 > 0) {
    add(tf.mul<tf.Tensor2D>(config.activationL1 / batch, tf.mul(tf.sign(h), fprime)));
  }
  return phi;
}

/** The regularisers' own losses, for the autodiff tests and for logging. */
export function regularizerLoss(config: RegularizerConfig, h: tf.Tensor2D): tf.Scalar {
  const batch = h.shape[0];
  let total: tf.Scalar = tf.scalar(0);
  if (config.power.coefficient > 0) {
    const power = tf.mean(tf.square(h), 0);
    total = tf.add(total, tf.mul(config.power.coefficient, tf.sum(tf.square(tf.sub(power, config.power.target)))));
  }
  if (config.activationL1 > 0) total = tf.add(total, tf.mul(config.activationL1 / batch, tf.sum(tf.abs(h))));
  return total;
}
