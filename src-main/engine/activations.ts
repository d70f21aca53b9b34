import * as tf from '@tensorflow/tfjs-core';
import type { Activation } from '../../shared/schemas/experiment';

const LEAK = 0.01;
const CLIP = 1;

/** f(U) for a layer. */
export function activate(kind: Activation, u: tf.Tensor2D): tf.Tensor2D {
  switch (kind) {
    case 'relu':
      return tf.relu<tf.Tensor2D>(u);
    case 'leaky_relu':
      return tf.leakyRelu<tf.Tensor2D>(u, LEAK);
    case 'tanh':
      return tf.tanh<tf.Tensor2D>(u);
    case 'sigmoid':
      return tf.sigmoid<tf.Tensor2D>(u);
    case 'clipped_relu':
      return tf.clipByValue<tf.Tensor2D>(u, 0, CLIP);
    case 'linear':
      return u;
  }
}

/**
 * f'(U), computed from U and H = f(U) whichever is cheaper. The derivative at a kink is taken as 0
 * (ReLU at 0), the convention autodiff uses too, so hand-written and autodiff gradients agree.
 */
export function derivative(kind: Activation, u: tf.Tensor2D, h: tf.Tensor2D): tf.Tensor2D {
  switch (kind) {
    case 'relu':
      return tf.step<tf.Tensor2D>(u, 0);
    case 'leaky_relu':
      return tf.where<tf.Tensor2D>(
        tf.greater(u, 0),
        tf.onesLike<tf.Tensor2D>(u),
        tf.fill(u.shape, LEAK) as tf.Tensor2D,
      );
    case 'tanh':
      return tf.sub<tf.Tensor2D>(1, tf.square<tf.Tensor2D>(h));
    case 'sigmoid':
      return tf.mul<tf.Tensor2D>(h, tf.sub<tf.Tensor2D>(1, h));
    case 'clipped_relu':
      return tf.cast(tf.logicalAnd(tf.greater(u, 0), tf.less(u, CLIP)), 'float32') as tf.Tensor2D;
    case 'linear':
      return tf.onesLike<tf.Tensor2D>(u);
  }
}
