import type { Activation } from '../../../shared/schemas/experiment';
import type { Ops } from '../ops';
import type { Layer, LayerParams } from './layer';

/**
 * A fully connected layer, U = H·Wᵀ + b. The weight is stored as Wᵀ (fan-in × fan-out), so the forward product is
 * a plain one: on wasm a transposed operand costs a copy, and ONNX Runtime takes either layout for free.
 */
export function denseLayer(index: number, fanIn: number, fanOut: number, activation: Activation): Layer {
  return {
    index,
    activation,
    units: fanOut,
    weight: { name: `w${index}`, shape: [fanIn, fanOut] },
    bias: { name: `b${index}`, shape: [fanOut] },
    forward: <T>(ops: Ops<T>, p: LayerParams<T>, x: T) => ops.add(ops.matmul(x, p.weight), p.bias),
    gradients: <T>(ops: Ops<T>, input: T, phi: T) => ({
      weight: ops.matmul(input, phi, true, false),
      bias: ops.sum(phi, [0]),
    }),
    accumulateWeight: <T>(ops: Ops<T>, c: T, beta: number, input: T, phi: T) =>
      ops.gemm(input, phi, c, { transposeA: true, beta }),
    backward: <T>(ops: Ops<T>, weight: T, phi: T) => ops.matmul(phi, weight, false, true),
  };
}
