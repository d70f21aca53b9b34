import * as tf from '@tensorflow/tfjs-core';

/**
 * Products with a transposed operand. On the wasm backend a matMul with transposeA/transposeB runs about ten
 * times slower than a plain one, while an explicit transpose is a cheap copy next to the product, so every
 * transposed product in the engine goes through here and is done as transpose-then-multiply.
 */
export function matMulAT(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return tf.matMul(tf.transpose(a), b);
}

/**
 * A·Bᵀ, or (B·Aᵀ)ᵀ when B is the large one (BP's Φ·W with a weight matrix): the transposed operand is also the
 * one the wasm product has to pack afresh, so transposing A and the small result beats transposing B — for BP's
 * 128×512 by 1024×512, about half the time.
 */
export function matMulBT(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  const [rows, inner] = a.shape;
  const outSize = rows * b.shape[0];
  if (2 * rows * inner + outSize < 2 * b.size) return tf.transpose(tf.matMul<tf.Tensor2D>(b, tf.transpose(a)));
  return tf.matMul(a, tf.transpose(b));
}

/** Frobenius norm as a scalar tensor (stays on the device until diagnostics read it). */
export function frobenius(x: tf.Tensor): tf.Scalar {
  return tf.sqrt(tf.sum<tf.Scalar>(tf.square(x)));
}
