import * as tf from '@tensorflow/tfjs-core';

/**
 * Losses and their scores s = ∂loss/∂z per sample (z = the output layer's pre-activation). The score is the
 * output layer's true local gradient under every rule, and the broadcast signal of EBD (ε = s for MSE) and SBD.
 */
export type LossName = 'mse' | 'cross_entropy' | 'bernoulli' | 'poisson';

export interface LossOutput {
  /** Mean loss over the batch (scalar). */
  loss: tf.Scalar;
  /** s = ∂loss_b/∂z_b for each sample b (B × C); the batch mean is taken later, in the weight gradient. */
  score: tf.Tensor2D;
  /** The link's output (softmax / sigmoid / exp / identity), detached: predictions and score expansion use it. */
  prediction: tf.Tensor2D;
}

export function computeLoss(name: LossName, z: tf.Tensor2D, target: tf.Tensor2D): LossOutput {
  const batch = z.shape[0];
  switch (name) {
    case 'mse': {
      const score = tf.sub<tf.Tensor2D>(z, target);
      return { loss: tf.div(tf.mul(0.5, tf.sum(tf.square(score))), batch), score, prediction: z };
    }
    case 'cross_entropy': {
      const logp = tf.logSoftmax<tf.Tensor2D>(z);
      const p = tf.exp<tf.Tensor2D>(logp);
      return {
        loss: tf.div(tf.neg(tf.sum(tf.mul(target, logp))), batch),
        score: tf.sub<tf.Tensor2D>(p, target),
        prediction: p,
      };
    }
    case 'bernoulli': {
      const p = tf.sigmoid<tf.Tensor2D>(z);
      // log(1 + e^z) − y z, written with softplus for stability at large |z|.
      const nll = tf.sub(tf.softplus(z), tf.mul(target, z));
      return { loss: tf.div(tf.sum(nll), batch), score: tf.sub<tf.Tensor2D>(p, target), prediction: p };
    }
    case 'poisson': {
      const rate = tf.exp<tf.Tensor2D>(z);
      const nll = tf.sub(rate, tf.mul(target, z));
      return { loss: tf.div(tf.sum(nll), batch), score: tf.sub<tf.Tensor2D>(rate, target), prediction: rate };
    }
  }
}

/** The per-sample loss as a differentiable function, for autodiff checks and custom losses. */
export function lossFunction(name: LossName): (z: tf.Tensor2D, target: tf.Tensor2D) => tf.Scalar {
  return (z, target) => computeLoss(name, z, target).loss;
}

/**
 * v·(∂s/∂z) for each sample: the Jacobian of the score through the link. Used by the forward broadcast, where the
 * output layer descends the hidden layers' decorrelation losses through s.
 */
export function scoreJacobianProduct(name: LossName, v: tf.Tensor2D, prediction: tf.Tensor2D): tf.Tensor2D {
  switch (name) {
    case 'mse':
      return v;
    case 'cross_entropy': {
      // (diag p − p pᵀ) v per sample = p ⊙ v − p (pᵀ v)
      const pv = tf.mul<tf.Tensor2D>(prediction, v);
      return tf.sub<tf.Tensor2D>(pv, tf.mul(prediction, tf.sum(pv, 1, true)));
    }
    case 'bernoulli':
      return tf.mul<tf.Tensor2D>(v, tf.mul(prediction, tf.sub(1, prediction)));
    case 'poisson':
      return tf.mul<tf.Tensor2D>(v, prediction);
  }
}
