import type { Activation } from '../../shared/schemas/experiment';
import type { Ops } from './ops';

const LEAK = 0.01;
const CLIP = 1;

/** f(U) for a layer. */
export function activate<T>(ops: Ops<T>, kind: Activation, u: T): T {
  switch (kind) {
    case 'relu':
      return ops.relu(u);
    case 'leaky_relu':
      return ops.leakyRelu(u, LEAK);
    case 'tanh':
      return ops.tanh(u);
    case 'sigmoid':
      return ops.sigmoid(u);
    case 'clipped_relu':
      return ops.clip(u, 0, CLIP);
    case 'linear':
      return u;
  }
}

/**
 * f'(U), computed from U and H = f(U) whichever is cheaper. The derivative at a kink is taken as 0
 * (ReLU at 0), the convention autodiff uses too, so hand-written and autodiff gradients agree.
 */
export function derivative<T>(ops: Ops<T>, kind: Activation, u: T, h: T): T {
  switch (kind) {
    case 'relu':
      return ops.greater(u, 0);
    case 'leaky_relu':
      return ops.add(ops.mul(ops.greater(u, 0), 1 - LEAK), LEAK);
    case 'tanh':
      return ops.sub(1, ops.square(h));
    case 'sigmoid':
      return ops.mul(h, ops.sub(1, h));
    case 'clipped_relu':
      return ops.mul(ops.greater(u, 0), ops.less(u, CLIP));
    case 'linear':
      return ops.add(ops.mul(u, 0), 1);
  }
}
