import { addOptional, type Ops } from '../ops';
import type { RegularizerConfig } from './config';

/** Φ of power normalisation and activation sparsity for hidden layer k, already scaled; null when both are off. */
export function activityPhi<T>(ops: Ops<T>, config: RegularizerConfig, h: T, fprime: T): T | null {
  const batch = ops.shape(h)[0]!;
  let phi: T | null = null;
  if (config.power.coefficient > 0) {
    // ∂J/∂U = (4/B)(p − P) ⊙ H ⊙ f'(U), p = per-neuron mean power over the batch.
    const power = ops.mean(ops.square(h), [0], true);
    const scale = (4 * config.power.coefficient) / batch;
    phi = ops.mul(ops.mul(ops.sub(power, config.power.target), scale), ops.mul(h, fprime));
  }
  if (config.activationL1 > 0) {
    phi = addOptional(ops, phi, ops.mul(config.activationL1 / batch, ops.mul(ops.sign(h), fprime)));
  }
  return phi;
}

/** The same regularisers' own loss, for the autodiff tests and for logging. */
export function activityLoss<T>(ops: Ops<T>, config: RegularizerConfig, h: T): T {
  const batch = ops.shape(h)[0]!;
  let total = ops.constant([0], []);
  if (config.power.coefficient > 0) {
    const power = ops.mean(ops.square(h), [0]);
    total = ops.add(total, ops.mul(config.power.coefficient, ops.sum(ops.square(ops.sub(power, config.power.target)))));
  }
  if (config.activationL1 > 0) total = ops.add(total, ops.mul(config.activationL1 / batch, ops.sum(ops.abs(h))));
  return total;
}
