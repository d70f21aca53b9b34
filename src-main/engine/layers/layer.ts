import type { LayerKind } from '../../../shared/network/geometry';
import type { Activation } from '../../../shared/schemas/experiment';
import type { Ops } from '../ops';

/** A layer's trainable parameters as the step sees them; no bias where the network has none. */
export interface LayerParams<T> {
  weight: T;
  bias: T | null;
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
 * connected) fits without touching the rules. Every layer takes and gives flat rows (B × units): an image is
 * flattened channel-last, and a layer that works on images reshapes inside.
 */
export interface Layer {
  /** 1-based position in the network, as in the formulas. */
  readonly index: number;
  readonly kind: LayerKind;
  readonly activation: Activation;
  readonly weight: ParamSpec;
  readonly bias: ParamSpec | null;
  /** Units (features) this layer outputs per sample. */
  readonly units: number;
  /** Units of the layer's input per sample, as it arrives (before any pooling of it). */
  readonly inputUnits: number;
  /** Inputs and outputs each weight connects, for the initialisation schemes. */
  readonly fanIn: number;
  readonly fanOut: number;
  /** A plain product U = H·W + b of its input (dense and unpooled): the diagnostics' linear path needs it. */
  readonly plain: boolean;
  /** U = the layer's pre-activation for input x. */
  forward<T>(ops: Ops<T>, params: LayerParams<T>, x: T): T;
  /** ∂/∂W and ∂/∂b of Σ_batch ⟨Φ, U⟩ (no batch mean: callers scale Φ). */
  gradients<T>(ops: Ops<T>, input: T, phi: T): LayerParams<T>;
  /** ∂/∂b of Σ_batch ⟨Φ, U⟩ alone (null without a bias), so that the step need not form the weight product twice. */
  biasGradient<T>(ops: Ops<T>, phi: T): T | null;
  /** beta·c + ∂/∂W of Σ_batch ⟨Φ, U⟩, in one product where the layer can (SGD and momentum fold their update in). */
  accumulateWeight<T>(ops: Ops<T>, c: T, beta: number, input: T, phi: T): T;
  /**
   * Φ carried back through the weights: ∂/∂input of ⟨Φ, U⟩, with `weight` the forward or a feedback matrix.
   * `input` is the layer's input of the batch (max pooling routes through it); Φ may hold several rows per sample
   * (r·B rows, sample-major), as the diagnostics' per-output Jacobians do.
   */
  backward<T>(ops: Ops<T>, weight: T, phi: T, input: T): T;
}
