import * as tf from '@tensorflow/tfjs-core';
// tfjs-core ships its gradient kernels as a separate ES module tree. It resolves inside a bundle (the app's build,
// vitest) but not under plain Node ESM, so only code that needs autodiff imports this file.
import '@tensorflow/tfjs-core/dist/register_all_gradients';

/**
 * The score of any differentiable loss by autodiff: s_b = B · ∂(mean loss)/∂z_b. Lets a researcher try a
 * loss without writing its score by hand; the closed forms above are checked against it in the tests.
 */
export function autodiffScore(
  loss: (z: tf.Tensor2D, target: tf.Tensor2D) => tf.Scalar,
  z: tf.Tensor2D,
  target: tf.Tensor2D,
): tf.Tensor2D {
  const grad = tf.grad((zz: tf.Tensor) => loss(zz as tf.Tensor2D, target))(z) as tf.Tensor2D;
  return tf.mul<tf.Tensor2D>(grad, z.shape[0]);
}
