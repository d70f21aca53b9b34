import * as tf from '@tensorflow/tfjs-core';
import type { Network } from '../network';
import type { Rng } from '../../common/random';
import type { Rule } from './rule';

export interface FaParams {
  feedbackScale: number;
}

/**
 * Feedback alignment (Lillicrap et al. 2016): BP's backward pass with each W_{k+1} replaced by a fixed random
 * matrix of the same shape. Stored as F_{k+1} (N_{k+1} × N_k) so that δₖ = Φ_{k+1} F_{k+1} is a plain product.
 */
export function createFa(net: Network, rng: Rng, params: FaParams): Rule {
  const feedback = new Map<number, tf.Variable<tf.Rank.R2>>();
  for (let k = 2; k <= net.depth; k++) {
    const rows = net.sizes[k]!;
    const cols = net.sizes[k - 1]!;
    const stream = rng.fork(`feedback-${k}`);
    const limit = params.feedbackScale * Math.sqrt(6 / (rows + cols));
    const values = stream.fillUniform(new Float32Array(rows * cols), -limit, limit);
    feedback.set(k, tf.variable(tf.tensor2d(values, [rows, cols]), false));
  }
  return {
    name: 'fa',
    hiddenSignal: (k, ctx, phiAbove) => ({
      modulatory: tf.matMul(phiAbove, feedback.get(k + 1)!),
      postsynaptic: null,
      scale: 1 / ctx.batchSize,
    }),
    feedbackMatrix: (k) => feedback.get(k + 1) ?? null,
    state: () => new Map([...feedback].map(([k, v]) => [`feedback${k}`, v])),
    dispose: () => feedback.forEach((v) => v.dispose()),
  };
}
