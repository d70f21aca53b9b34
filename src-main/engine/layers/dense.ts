import type { LayerGeometry } from '../../../shared/network/geometry';
import type { Activation } from '../../../shared/schemas/experiment';
import type { Ops } from '../ops';
import type { Layer, LayerParams } from './layer';

/**
 * A fully connected layer, U = H·Wᵀ + b. The weight is stored as Wᵀ (fan-in × fan-out), so the forward product is
 * a plain one: on wasm a transposed operand costs a copy, and ONNX Runtime takes either layout for free.
 */
export function denseLayer(geometry: LayerGeometry, activation: Activation): Layer {
  const { index } = geometry;
  const [fanIn, fanOut] = geometry.weightShape as [number, number];
  return {
    index,
    kind: 'dense',
    activation,
    units: fanOut,
    inputUnits: fanIn,
    fanIn,
    fanOut,
    plain: true,
    weight: { name: `w${index}`, shape: [fanIn, fanOut] },
    bias: geometry.biasShape ? { name: `b${index}`, shape: geometry.biasShape } : null,
    forward: <T>(ops: Ops<T>, p: LayerParams<T>, x: T) => {
      const u = ops.matmul(x, p.weight);
      return p.bias === null ? u : ops.add(u, p.bias);
    },
    gradients: <T>(ops: Ops<T>, input: T, phi: T) => ({
      weight: ops.matmul(input, phi, true, false),
      bias: geometry.biasShape ? ops.sum(phi, [0]) : null,
    }),
    biasGradient: <T>(ops: Ops<T>, phi: T) => (geometry.biasShape ? ops.sum(phi, [0]) : null),
    accumulateWeight: <T>(ops: Ops<T>, c: T, beta: number, input: T, phi: T) =>
      ops.gemm(input, phi, c, { transposeA: true, beta }),
    backward: <T>(ops: Ops<T>, weight: T, phi: T) => ops.matmul(phi, weight, false, true),
  };
}
