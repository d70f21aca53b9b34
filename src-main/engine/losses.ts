import type { Ops } from './ops';

/**
 * Losses and their scores s = ∂loss/∂z per sample (z = the output layer's pre-activation). The score is the
 * output layer's true local gradient under every rule, and the broadcast signal of EBD (ε = s for MSE) and SBD.
 */
export type LossName = 'mse' | 'cross_entropy' | 'bernoulli' | 'poisson';

export interface LossOutput<T> {
  /** Loss of each sample (B). */
  perSample: T;
  /** Mean loss over the batch (scalar). */
  loss: T;
  /** s = ∂loss_b/∂z_b for each sample b (B × C); the batch mean is taken later, in the weight gradient. */
  score: T;
  /** The link's output (softmax / sigmoid / exp / identity), detached: predictions and score expansion use it. */
  prediction: T;
}

export function computeLoss<T>(ops: Ops<T>, name: LossName, z: T, target: T): LossOutput<T> {
  const withMean = (perSample: T, score: T, prediction: T): LossOutput<T> => ({
    perSample,
    loss: ops.mean(perSample),
    score,
    prediction,
  });
  switch (name) {
    case 'mse': {
      const score = ops.sub(z, target);
      return withMean(ops.mul(0.5, ops.sum(ops.square(score), [1])), score, z);
    }
    case 'cross_entropy': {
      const logp = ops.logSoftmax(z);
      const p = ops.exp(logp);
      return withMean(ops.neg(ops.sum(ops.mul(target, logp), [1])), ops.sub(p, target), p);
    }
    case 'bernoulli': {
      const p = ops.sigmoid(z);
      // log(1 + e^z) − y z, written with softplus for stability at large |z|.
      const nll = ops.sub(ops.softplus(z), ops.mul(target, z));
      return withMean(ops.sum(nll, [1]), ops.sub(p, target), p);
    }
    case 'poisson': {
      const rate = ops.exp(z);
      const nll = ops.sub(rate, ops.mul(target, z));
      return withMean(ops.sum(nll, [1]), ops.sub(rate, target), rate);
    }
  }
}

/**
 * v·(∂s/∂z) for each sample: the Jacobian of the score through the link. Used by the forward broadcast, where the
 * output layer descends the hidden layers' decorrelation losses through s.
 */
export function scoreJacobianProduct<T>(ops: Ops<T>, name: LossName, v: T, prediction: T): T {
  switch (name) {
    case 'mse':
      return v;
    case 'cross_entropy': {
      // (diag p − p pᵀ) v per sample = p ⊙ v − p (pᵀ v)
      const pv = ops.mul(prediction, v);
      return ops.sub(pv, ops.mul(prediction, ops.sum(pv, [1], true)));
    }
    case 'bernoulli':
      return ops.mul(v, ops.mul(prediction, ops.sub(1, prediction)));
    case 'poisson':
      return ops.mul(v, prediction);
  }
}
