import * as tf from '@tensorflow/tfjs-core';
import { matMulBT } from '../linalg';
import type { Rule } from './rule';

/** Backpropagation: δₖ = Φ_{k+1} W_{k+1}. The reference every other rule is measured against. */
export function createBp(): Rule {
  return {
    name: 'bp',
    hiddenSignal: (k, ctx, phiAbove) => ({
      modulatory: matMulBT(phiAbove, ctx.net.weightT(k + 1)),
      postsynaptic: null,
      scale: 1 / ctx.batchSize,
    }),
    state: () => new Map(),
    dispose: () => undefined,
  };
}

/** The BP signal for every hidden layer, for alignment diagnostics of other rules (layer k at index k). */
export function bpPhis(ctx: Parameters<Rule['hiddenSignal']>[1]): tf.Tensor2D[] {
  const L = ctx.net.depth;
  const phis: tf.Tensor2D[] = new Array<tf.Tensor2D>(L + 1);
  phis[L] = ctx.score;
  for (let k = L - 1; k >= 1; k--) {
    phis[k] = tf.mul<tf.Tensor2D>(matMulBT(phis[k + 1]!, ctx.net.weightT(k + 1)), ctx.pass.fprime[k]!);
  }
  return phis;
}
