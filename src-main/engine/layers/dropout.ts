import type { Ops } from '../ops';
import type { Layer, LayerParams } from './layer';
import { memoByTensor } from './memo';

/**
 * A layer whose input is multiplied by this step's dropout mask (0, or 1/(1 − p) for a kept unit; drawn in JS from
 * the run's seed, see Model.stepScalars). Built afresh for each step's mask, inside any input pooling. Φ carried
 * back is masked the same way; Φ may hold r rows per sample (the diagnostics' per-output Jacobians).
 */
export function withInputMask<T>(inner: Layer, mask: T): Layer {
  const masked = memoByTensor(<U>(ops: Ops<U>, x: U) => ops.mul(x, mask as unknown as U));
  return {
    ...inner,
    plain: false,
    forward: <U>(ops: Ops<U>, p: LayerParams<U>, x: U) => inner.forward(ops, p, masked(ops, x)),
    gradients: <U>(ops: Ops<U>, input: U, phi: U) => inner.gradients(ops, masked(ops, input), phi),
    accumulateWeight: <U>(ops: Ops<U>, c: U, beta: number, input: U, phi: U) =>
      inner.accumulateWeight(ops, c, beta, masked(ops, input), phi),
    backward: <U>(ops: Ops<U>, weight: U, phi: U, input: U) => {
      const back = inner.backward(ops, weight, phi, masked(ops, input));
      const rows = ops.shape(back)[0]!;
      const batch = ops.shape(input)[0]!;
      if (rows === batch) return ops.mul(back, mask as unknown as U);
      const units = ops.shape(back)[1]!;
      const perSample = ops.reshape(back, [batch, rows / batch, units]);
      return ops.reshape(ops.mul(perSample, ops.reshape(mask as unknown as U, [batch, 1, units])), [rows, units]);
    },
  };
}

/** A keep-mask of `rows` × `units` for dropout probability p: 0 with probability p, else 1/(1 − p). */
export function dropoutMask(next: () => number, rows: number, units: number, p: number): Float32Array {
  const out = new Float32Array(rows * units);
  const kept = 1 / (1 - p);
  for (let i = 0; i < out.length; i++) out[i] = next() < p ? 0 : kept;
  return out;
}
