import * as tf from '@tensorflow/tfjs-core';

/**
 * Score vector expansion for SBD: more decorrelation directions than the C (for cross-entropy, C−1) that the score
 * alone offers. Each form keeps zero conditional mean at the optimum, which is what the decorrelation principle needs:
 *  - 'outer_probs':  s̃ = [s ; s ⊗ p], p = the network's own detached prediction. E[s|x] = 0 and p is a function of
 *    x, so E[s ⊗ p | x] = 0. Dimension C + C².
 *  - 'second_order': s̃ = [s ; vec(s sᵀ − (diag p − p pᵀ))], for cross-entropy only: at the optimum p is the true
 *    class probability, and E[s sᵀ | x] = Cov(y | x) = diag p − p pᵀ. Dimension C + C².
 * Raw powers of score components, or anything multiplied by a function of the target, would break the zero mean
 * and are not offered.
 */
export type ScoreExpansion = 'none' | 'outer_probs' | 'second_order';

export function expandedSize(expansion: ScoreExpansion, classes: number): number {
  return expansion === 'none' ? classes : classes + classes * classes;
}

export function expandScore(expansion: ScoreExpansion, score: tf.Tensor2D, prediction: tf.Tensor2D): tf.Tensor2D {
  if (expansion === 'none') return score;
  const [batch, classes] = score.shape;
  const s3 = tf.reshape(score, [batch, classes, 1]);
  if (expansion === 'outer_probs') {
    const outer = tf.reshape<tf.Rank.R2>(tf.mul(s3, tf.reshape(prediction, [batch, 1, classes])), [
      batch,
      classes * classes,
    ]);
    return tf.concat2d([score, outer], 1);
  }
  const ssT = tf.mul(s3, tf.reshape(score, [batch, 1, classes]));
  const p3 = tf.reshape(prediction, [batch, classes, 1]);
  const ppT = tf.mul(p3, tf.reshape(prediction, [batch, 1, classes]));
  const diagP = tf.mul(tf.reshape(prediction, [batch, classes, 1]), tf.reshape(tf.eye(classes), [1, classes, classes]));
  const centred = tf.sub(ssT, tf.sub(diagP, ppT));
  return tf.concat2d([score, tf.reshape<tf.Rank.R2>(centred, [batch, classes * classes])], 1);
}
