import * as tf from '@tensorflow/tfjs-core';
import type { Activation } from '../../shared/schemas/experiment';
import { activate, derivative } from './activations';
import type { Rng } from '../common/random';

export type InitScheme = 'xavier_uniform' | 'xavier_normal' | 'kaiming_uniform' | 'kaiming_normal';

export interface NetworkConfig {
  inputSize: number;
  hidden: { units: number; activation: Activation }[];
  outputSize: number;
  init: { scheme: InitScheme; gain: number; readoutGain?: number };
  /** Fraction of each weight matrix fixed at zero by a random mask (0 = dense). */
  weightSparsity: number;
}

/** Everything one forward pass produces that the update rules read. Index k = layer (0 = input). */
export interface ForwardPass {
  /** h[0] = X, h[k] = f_k(U_k) for hidden k, h[L] = z (the linear output pre-activation). */
  h: tf.Tensor2D[];
  /** u[k] = H_{k-1} W_kᵀ + b_k for k = 1..L; u[0] is X, unused. */
  u: tf.Tensor2D[];
  /** f'_k(U_k) for hidden k = 1..L-1; fprime[0] and fprime[L] are unused placeholders (ones would waste work). */
  fprime: (tf.Tensor2D | null)[];
}

/**
 * A feed-forward network whose layer k stores Wₖᵀ (fan-in × fan-out): the forward product H·Wᵀ is then a
 * plain matmul, which matters on wasm where a transposed product runs about ten times slower.
 */
export class Network {
  readonly wt: tf.Variable<tf.Rank.R2>[] = [];
  readonly b: tf.Variable<tf.Rank.R1>[] = [];
  readonly masks: (tf.Tensor2D | null)[] = [];
  readonly sizes: number[];
  readonly activations: Activation[];

  constructor(
    readonly config: NetworkConfig,
    rng: Rng,
  ) {
    this.sizes = [config.inputSize, ...config.hidden.map((l) => l.units), config.outputSize];
    this.activations = [...config.hidden.map((l) => l.activation), 'linear'];
    const initRng = rng.fork('init');
    const maskRng = rng.fork('weight-mask');
    for (let k = 1; k < this.sizes.length; k++) {
      const fanIn = this.sizes[k - 1]!;
      const fanOut = this.sizes[k]!;
      const readout = k === this.sizes.length - 1;
      const gain = readout ? (config.init.readoutGain ?? config.init.gain) : config.init.gain;
      // Drawn even at gain 0, so that the random stream, and every other layer's weights, stay the same.
      const values = initialWeights(config.init.scheme, gain, fanIn, fanOut, initRng);
      const mask = config.weightSparsity > 0 ? sparsityMask(fanIn * fanOut, config.weightSparsity, maskRng) : null;
      if (mask) for (let i = 0; i < values.length; i++) values[i]! *= mask[i]!;
      this.wt.push(tf.variable(tf.tensor2d(values, [fanIn, fanOut]), true));
      this.b.push(tf.variable(tf.zeros([fanOut]), true));
      this.masks.push(mask ? tf.keep(tf.tensor2d(mask, [fanIn, fanOut])) : null);
    }
  }

  /** Number of weight layers L. */
  get depth(): number {
    return this.wt.length;
  }

  /** Layer k's Wₖᵀ (1-based, as in the formulas). */
  weightT(k: number): tf.Variable<tf.Rank.R2> {
    return this.wt[k - 1]!;
  }

  bias(k: number): tf.Variable<tf.Rank.R1> {
    return this.b[k - 1]!;
  }

  activation(k: number): Activation {
    return this.activations[k - 1]!;
  }

  forward(x: tf.Tensor2D): ForwardPass {
    const h: tf.Tensor2D[] = [x];
    const u: tf.Tensor2D[] = [x];
    const fprime: (tf.Tensor2D | null)[] = [null];
    const L = this.depth;
    for (let k = 1; k <= L; k++) {
      const uk = tf.add<tf.Tensor2D>(tf.matMul<tf.Tensor2D>(h[k - 1]!, this.weightT(k)), this.bias(k));
      u.push(uk);
      if (k < L) {
        const hk = activate(this.activation(k), uk);
        h.push(hk);
        fprime.push(derivative(this.activation(k), uk, hk));
      } else {
        h.push(uk);
        fprime.push(null);
      }
    }
    return { h, u, fprime };
  }

  /** The output pre-activation z alone, for evaluation. */
  predict(x: tf.Tensor2D): tf.Tensor2D {
    let h = x;
    for (let k = 1; k <= this.depth; k++) {
      const uk = tf.add<tf.Tensor2D>(tf.matMul<tf.Tensor2D>(h, this.weightT(k)), this.bias(k));
      h = k < this.depth ? activate(this.activation(k), uk) : uk;
    }
    return h;
  }

  /** Re-applies the fixed sparsity masks after an update, so pruned connections stay pruned. */
  applyMasks(): void {
    this.masks.forEach((mask, i) => {
      if (mask) this.wt[i]!.assign(tf.mul<tf.Tensor2D>(this.wt[i]!, mask));
    });
  }

  variables(): tf.Variable[] {
    return [...this.wt, ...this.b];
  }

  dispose(): void {
    for (const v of this.variables()) v.dispose();
    for (const m of this.masks) m?.dispose();
  }
}

function initialWeights(scheme: InitScheme, gain: number, fanIn: number, fanOut: number, rng: Rng): Float32Array {
  const out = new Float32Array(fanIn * fanOut);
  switch (scheme) {
    case 'xavier_uniform': {
      const limit = gain * Math.sqrt(6 / (fanIn + fanOut));
      return rng.fillUniform(out, -limit, limit);
    }
    case 'xavier_normal':
      return rng.fillNormal(out, gain * Math.sqrt(2 / (fanIn + fanOut)));
    case 'kaiming_uniform': {
      const limit = gain * Math.sqrt(3 / fanIn);
      return rng.fillUniform(out, -limit, limit);
    }
    case 'kaiming_normal':
      return rng.fillNormal(out, gain / Math.sqrt(fanIn));
  }
}

function sparsityMask(size: number, sparsity: number, rng: Rng): Float32Array {
  const mask = new Float32Array(size);
  for (let i = 0; i < size; i++) mask[i] = rng.next() < sparsity ? 0 : 1;
  return mask;
}
