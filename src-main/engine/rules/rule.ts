import type * as tf from '@tensorflow/tfjs-core';
import type { LossName } from '../losses';
import type { ForwardPass, Network } from '../network';

/** What one training step has computed when the rule is asked for its hidden-layer signals. */
export interface StepContext {
  readonly net: Network;
  readonly pass: ForwardPass;
  /** s = ∂loss/∂z per sample (B × C). */
  readonly score: tf.Tensor2D;
  /** The link's output (softmax probabilities, …), detached. */
  readonly prediction: tf.Tensor2D;
  /** One-hot labels (classification) or targets (regression), B × C. */
  readonly target: tf.Tensor2D;
  readonly loss: LossName;
  readonly batchSize: number;
  /** The rule's broadcast matrix for layer k and its named state, for diagnostics (see Rule). */
  readonly ruleBroadcast?: (k: number) => tf.Tensor2D | null;
  readonly ruleFeedback?: (k: number) => tf.Tensor2D | null;
  readonly ruleState?: () => Map<string, tf.Variable>;
}

/**
 * A hidden layer's learning signal, split into the factors of a three-factor rule:
 * ΔWₖ ∝ presynaptic H_{k-1} × postsynaptic [f'(Uₖ) ⊙ postsynaptic] × modulatory δₖ.
 * The shared step forms Φₖ = modulatory ⊙ f'(Uₖ) ⊙ postsynaptic and grad Wₖᵀ = scale · H_{k-1}ᵀ Φₖ.
 */
export interface HiddenSignal {
  modulatory: tf.Tensor2D;
  /** A postsynaptic factor beyond f'(U) (EBD's g'(H)); null means 1. */
  postsynaptic: tf.Tensor2D | null;
  scale: number;
}

/** Extra gradient for the output layer's Wᵀ and b (EBD/SBD's forward broadcast). */
export interface OutputExtra {
  wt: tf.Tensor2D;
  b: tf.Tensor1D;
}

export interface Rule {
  readonly name: string;
  /** State updates that the signals of this step depend on (EBD's correlation EMA includes the current batch). */
  prepare?(ctx: StepContext): void;
  /** Layer k's signal (1 ≤ k < L), asked top layer first; phiAbove is Φ_{k+1} (Φ_L = s). */
  hiddenSignal(k: number, ctx: StepContext, phiAbove: tf.Tensor2D): HiddenSignal;
  outputExtra?(ctx: StepContext): OutputExtra | null;
  /** State updates that come after this step's signals (DKP learns its feedback from this step's data). */
  finish?(ctx: StepContext): void;
  /**
   * The matrix that plays the part of the downstream weights for layer k, as Bₖ (C × Nₖ layout, the product
   * s·B gives the signal), or null when the rule uses the true weights (BP) or a layer-to-layer matrix (FA).
   */
  broadcastMatrix?(k: number): tf.Tensor2D | null;
  /** FA's fixed matrix standing in for W_{k+1} (N_{k+1} × Nₖ), for the weight–feedback alignment diagnostic. */
  feedbackMatrix?(k: number): tf.Tensor2D | null;
  /** Rule state that a checkpoint must carry, by name. */
  state(): Map<string, tf.Variable>;
  dispose(): void;
}
