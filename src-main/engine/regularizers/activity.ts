import { addOptional, type Ops } from '../ops';
import { coefficientAt, type RegularizerConfig } from './config';

/** Φ of power normalisation and activation sparsity for hidden layer k, already scaled; null when both are off. */
export function activityPhi<T>(ops: Ops<T>, config: RegularizerConfig, k: number, h: T, fprime: T): T | null {
  const batch = ops.shape(h)[0]!;
  const powerCoefficient = coefficientAt(config, 'power', k);
  const l1 = coefficientAt(config, 'activationL1', k);
  let phi: T | null = null;
  if (powerCoefficient > 0) {
    // ∂J/∂U = (4/B)(p − P) ⊙ H ⊙ f'(U), p = per-neuron mean power over the batch.
    const power = ops.mean(ops.square(h), [0], true);
    const scale = (4 * powerCoefficient) / batch;
    phi = ops.mul(ops.mul(ops.sub(power, config.power.target), scale), ops.mul(h, fprime));
  }
  if (l1 > 0) phi = addOptional(ops, phi, ops.mul(l1 / batch, ops.mul(ops.sign(h), fprime)));
  return phi;
}

/** The same regularisers' own loss in hidden layer k, for the autodiff tests and for logging. */
export function activityLoss<T>(ops: Ops<T>, config: RegularizerConfig, k: number, h: T): T {
  const batch = ops.shape(h)[0]!;
  const powerCoefficient = coefficientAt(config, 'power', k);
  const l1 = coefficientAt(config, 'activationL1', k);
  let total = ops.constant([0], []);
  if (powerCoefficient > 0) {
    const power = ops.mean(ops.square(h), [0]);
    total = ops.add(total, ops.mul(powerCoefficient, ops.sum(ops.square(ops.sub(power, config.power.target)))));
  }
  if (l1 > 0) total = ops.add(total, ops.mul(l1 / batch, ops.sum(ops.abs(h))));
  return total;
}
