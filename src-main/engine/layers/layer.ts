import type { Activation } from '../../../shared/schemas/experiment';
import type { Ops } from '../ops';

/** A layer's trainable parameters as the step sees them. */
export interface LayerParams<T> {
  weight: T;
  bias: T;
}

/** A parameter's name in the run's state and its shape. */
export interface ParamSpec {
  name: string;
  shape: readonly number[];
}

/**
 * What every rule needs of a layer, whatever its kind: the forward pre-activation, the weight and bias gradient
 * from the layer's Φ (∂loss/∂U, batch-first), and the backward product that BP and FA send to the layer below.
 * Rules only ever produce Φ; the layer turns it into parameter gradients, so a new kind of layer (conv, locally
 * connected) fits without touching the rules.
 */
export interface Layer {
  /** 1-based position in the network, as in the formulas. */
  readonly index: number;
  readonly activation: Activation;
  readonly weight: ParamSpec;
  readonly bias: ParamSpec;
  /** Units (features) this layer outputs per sample. */
  readonly units: number;
  /** U = the layer's pre-activation for input x. */
  forward<T>(ops: Ops<T>, params: LayerParams<T>, x: T): T;
  /** ∂/∂W and ∂/∂b of Σ_batch ⟨Φ, U⟩ (no batch mean: callers scale Φ). */
  gradients<T>(ops: Ops<T>, input: T, phi: T): LayerParams<T>;
  /** beta·c + ∂/∂W of Σ_batch ⟨Φ, U⟩, in one product where the layer can (SGD and momentum fold their update in). */
  accumulateWeight<T>(ops: Ops<T>, c: T, beta: number, input: T, phi: T): T;
  /** Φ carried back through the weights: ∂/∂input of ⟨Φ, U⟩, with `weight` the forward or a feedback matrix. */
  backward<T>(ops: Ops<T>, weight: T, phi: T): T;
}
