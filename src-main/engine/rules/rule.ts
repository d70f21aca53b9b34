import type { RuleParamValues } from '../../../shared/rules/catalogue';
import type { Rng } from '../../common/random';
import type { Layer } from '../layers/layer';
import type { LossName } from '../losses';
import type { Ops } from '../ops';

/** The shapes a rule is built for. */
export interface RuleSetting {
  layers: readonly Layer[];
  /** Outputs C of the network. */
  classes: number;
  loss: LossName;
  /** Multiplier of hidden layer k's forward-broadcast term (regularizers.layerScales.forwardBroadcast); 1 if unset. */
  forwardScale?: (k: number) => number;
}

/** One tensor of a rule's state: its name (a checkpoint stores it as `rule.<name>`), shape and starting values. */
export interface RuleStateEntry {
  name: string;
  shape: readonly number[];
  values: Float32Array;
  /** Whether the rule changes it during training (EBD's correlation, DKP's matrices) or keeps it fixed (DFA's). */
  learned: boolean;
}

/** What one training step has computed when the rule is asked for its hidden-layer signals. */
export interface StepContext<T> {
  readonly layers: readonly Layer[];
  /** h[0] = X, h[k] = f_k(U_k) for hidden k, h[L] = z. */
  readonly h: readonly T[];
  /** f'_k(U_k) for hidden k (index 0 and L unused). */
  readonly fprime: readonly (T | null)[];
  /** The weights Wₖ (stored layout), index k. */
  readonly weights: readonly T[];
  /** s = ∂loss/∂z per sample (B × C). */
  readonly score: T;
  /** The link's output (softmax probabilities, …), detached. */
  readonly prediction: T;
  /** One-hot labels (classification) or targets (regression), B × C. */
  readonly target: T;
  readonly loss: LossName;
  readonly batchSize: number;
  /** The rule's broadcast signal this step (its `broadcastSignal`, else the score s). */
  readonly broadcast: T;
  /** The rule's state by name, after this step's `prepare`. */
  readonly state: Readonly<Record<string, T>>;
  /** The step's own inputs by name (the batch, the optimiser's scalars, the rule's `stepScalars`). */
  readonly inputs: Readonly<Record<string, T>>;
}

/** The step input that carries the weight of a learned broadcast's start in its current value (`stepScalars`). */
export const START_WEIGHT_INPUT = 'rule.startWeight';

/** A learned broadcast matrix's random start and the weight that start still carries in the current matrix. */
export interface BroadcastStart<T> {
  /** B as the rule holds it now (every broadcast row, the expanded ones included). */
  current: T;
  /** B₀ in the same layout, so that broadcast · B₀ is the signal the start alone would give. */
  start: T;
  /** w in B = w·B₀ + (what was learned): λᵗ for a correlation EMA, 1 for DKP's additive updates. */
  weight: T;
}

/**
 * A hidden layer's learning signal, split into the factors of a three-factor rule:
 * ΔWₖ ∝ presynaptic H_{k-1} × postsynaptic [f'(Uₖ) ⊙ postsynaptic] × modulatory δₖ.
 * The step forms Φₖ = modulatory ⊙ f'(Uₖ) ⊙ postsynaptic and hands scale·Φₖ to the layer for its gradients.
 */
export interface HiddenSignal<T> {
  modulatory: T;
  /** A postsynaptic factor beyond f'(U) (EBD's g'(H)); null means 1. */
  postsynaptic: T | null;
  scale: number;
  /**
   * A non-local term of ∂/∂Hₖ beyond the three factors (the full-gradient reference of EBD/SBD: the path through the
   * error, carried back by the true weights), gated by f'(Uₖ) only; absent for every local rule.
   */
  nonLocal?: T;
}

/**
 * One layer's update as a rule supplies it whole (`Rule.layerTerms`): the gradient product's presynaptic factor and
 * Φ = modulatory ⊙ postsynaptic · scale. Unlike a HiddenSignal, the step multiplies in no f'(U): the rule says
 * every factor.
 */
export interface LayerTerm<T> {
  /** The layer's input in its gradient product (B × the layer's inputUnits, as it arrives: the layer pools it). */
  presynaptic: T;
  modulatory: T;
  /** A postsynaptic factor; null means 1. */
  postsynaptic: T | null;
  scale: number;
}

/** The network's forward pass with this step's weights on another input: h[0] = x, hₖ = f(Uₖ), h[L] = z. */
export type Rerun<T> = (x: T) => readonly T[];

/**
 * A learning rule: how each hidden layer's Φ comes from the broadcast signal, and how the rule's own state moves.
 * Written against Ops, so the same code runs eagerly on TF.js and is recorded into the ONNX graph. State updates
 * are returned, never made in place.
 */
export interface Rule {
  readonly name: string;
  /** The rule's state at the start of a run, drawn from the run's seed. */
  initialState(rng: Rng): RuleStateEntry[];
  /** The signal broadcast to the hidden layers (DRTP: the target; SBD: the expanded score); default the score. */
  broadcastSignal?<T>(ops: Ops<T>, ctx: Omit<StepContext<T>, 'broadcast'>): T;
  /** State updates that this step's signals depend on (EBD's correlation EMA includes the current batch). */
  prepare?<T>(ops: Ops<T>, ctx: StepContext<T>): Record<string, T>;
  /**
   * Layer k's signal (1 ≤ k < L), asked top layer first; phiAbove is Φ_{k+1} (Φ_L = s). Every rule has it except
   * one that supplies its layers' updates whole (`layerTerms`).
   */
  hiddenSignal?<T>(ops: Ops<T>, k: number, ctx: StepContext<T>, phiAbove: T): HiddenSignal<T>;
  /**
   * Every layer's update supplied whole (index k = 1…L, 0 unused), in place of `hiddenSignal` and of the readout's
   * Φ_L = s: for a rule whose presynaptic factor is not this pass's activity, or whose readout learns from another
   * error (PEPITA's second forward pass on a modulated input). `rerun` runs the network forward again with this
   * step's weights. The regularisers keep their own terms on the step's forward pass; an `outputPhi` would be added
   * to the readout term's Φ, with the term's presynaptic factor.
   */
  layerTerms?<T>(ops: Ops<T>, ctx: StepContext<T>, rerun: Rerun<T>): readonly LayerTerm<T>[];
  /**
   * β of an exponential average of the rule's own hidden gradients (the step keeps it in the rule's state as
   * momentumK and momentumBiasK, which the rule's initialState provides); absent or 0 = the plain gradient.
   */
  hiddenMomentum?: number;
  /** An extra Φ for the output layer, already scaled (EBD/SBD's forward broadcast), added to its true one. */
  outputPhi?<T>(ops: Ops<T>, ctx: StepContext<T>): T | null;
  /** State updates that come after this step's signals (DKP learns its feedback from this step's data). */
  finish?<T>(ops: Ops<T>, ctx: StepContext<T>): Record<string, T>;
  /**
   * The matrix that plays the part of the downstream weights for layer k, as Bₖ (C × Nₖ layout, the product
   * s·B gives the signal), or null when the rule uses the true weights (BP) or a layer-to-layer matrix (FA).
   */
  broadcastMatrix?<T>(ops: Ops<T>, k: number, ctx: StepContext<T>): T | null;
  /** FA's fixed matrix standing in for W_{k+1} (stored layout of W_{k+1}), for the alignment diagnostic. */
  feedbackMatrix?<T>(k: number, ctx: StepContext<T>): T | null;
  /**
   * For a learned broadcast (EBD/SBD's correlation, DKP's matrices): its start, in the layout of the full state
   * (all broadcast rows), so the diagnostics can tell what was learned from what was drawn (ALGORITHMS.md §7).
   */
  broadcastStart?<T>(ops: Ops<T>, k: number, ctx: StepContext<T>): BroadcastStart<T> | null;
  /**
   * Scalars the rule takes afresh each step, by input name, for the update numbered `step` (updates made before
   * it). Computed in float64 here rather than accumulated in float32 in the graph (λᵗ over 10⁶ steps).
   */
  stepScalars?(step: number): Record<string, number>;
}

/** Builds a rule from its catalogue parameters (defaults filled in) for a network. */
export type RuleFactory = (params: RuleParamValues, setting: RuleSetting) => Rule;

export function numberParam(params: RuleParamValues, key: string): number {
  const value = params[key];
  if (typeof value !== 'number') throw new Error(`rule parameter ${key} is ${String(value)}, not a number`);
  return value;
}
