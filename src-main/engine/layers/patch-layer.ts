import type { LayerGeometry } from '../../../shared/network/geometry';
import type { Activation } from '../../../shared/schemas/experiment';
import type { Ops } from '../ops';
import type { Layer, LayerParams } from './layer';
import { memoByTensor } from './memo';
import { PatchMap } from './patches';

/**
 * Convolutional and locally connected layers, both over the same patches (im2col): a conv layer multiplies every
 * position's patch by one kernel matrix W (k·k·C × O); a locally connected layer has its own matrix per position
 * (P × k·k·C × O). Output rows are channel-last (position-major, channel fastest), as the next layer's patches
 * and the dense readout expect. Φ's weight gradient is patchesᵀ·Φ (per position for local), and the backward
 * product is Φ·Wᵀ scattered back onto the input pixels.
 */
export function patchLayer(geometry: LayerGeometry, activation: Activation): Layer {
  const { index, input, output, kernel, stride, padding } = geometry;
  if (input === null || output === null) throw new Error(`layer ${index}: a patch layer needs image shapes`);
  const map = new PatchMap({ input, output, kernel, stride, padding });
  const { positions, patch } = map;
  const channels = output.channels;
  const shared = geometry.kind === 'conv';
  const hasBias = geometry.biasShape !== null;

  /** Φ (rows × P·O) as the product's right-hand side: (rows·P) × O for conv, P × rows × O for local. */
  const phiRows = <T>(ops: Ops<T>, phi: T): T => {
    const rows = ops.shape(phi)[0]!;
    if (shared) return ops.reshape(phi, [rows * positions, channels]);
    return ops.permute(ops.reshape(phi, [rows, positions, channels]), [1, 0, 2]);
  };
  /** Patches of x in the same arrangement: (rows·P) × K, or P × rows × K; formed once per input tensor. */
  const patchRows = memoByTensor(<T>(ops: Ops<T>, x: T): T => {
    const rows = ops.shape(x)[0]!;
    const patches = map.extract(ops, x);
    if (shared) return patches;
    return ops.permute(ops.reshape(patches, [rows, positions, patch]), [1, 0, 2]);
  });
  const weightGradient = <T>(ops: Ops<T>, input: T, phi: T): T =>
    shared
      ? ops.matmul(patchRows(ops, input), phiRows(ops, phi), true, false)
      : ops.batchMatmul(patchRows(ops, input), phiRows(ops, phi), true, false);

  const biasGradient = <T>(ops: Ops<T>, phi: T): T | null => {
    if (!hasBias) return null;
    const rows = ops.shape(phi)[0]!;
    return shared ? ops.sum(ops.reshape(phi, [rows * positions, channels]), [0]) : ops.sum(phi, [0]);
  };

  return {
    index,
    kind: geometry.kind,
    activation,
    units: geometry.units,
    inputUnits: geometry.inputUnits,
    fanIn: geometry.fanIn,
    fanOut: geometry.fanOut,
    plain: false,
    weight: { name: `w${index}`, shape: geometry.weightShape },
    bias: geometry.biasShape ? { name: `b${index}`, shape: geometry.biasShape } : null,
    forward: <T>(ops: Ops<T>, p: LayerParams<T>, x: T) => {
      const rows = ops.shape(x)[0]!;
      const product = shared
        ? ops.matmul(patchRows(ops, x), p.weight)
        : ops.permute(ops.batchMatmul(patchRows(ops, x), p.weight), [1, 0, 2]);
      const u = ops.reshape(product, [rows, positions * channels]);
      if (p.bias === null) return u;
      // A conv bias is per channel, repeated at every position; a local one is per unit.
      return shared
        ? ops.reshape(ops.add(ops.reshape(u, [rows, positions, channels]), p.bias), [rows, positions * channels])
        : ops.add(u, p.bias);
    },
    gradients: <T>(ops: Ops<T>, input: T, phi: T) => ({
      weight: weightGradient(ops, input, phi),
      bias: biasGradient(ops, phi),
    }),
    biasGradient,
    accumulateWeight: <T>(ops: Ops<T>, c: T, beta: number, input: T, phi: T) =>
      shared
        ? ops.gemm(patchRows(ops, input), phiRows(ops, phi), c, { transposeA: true, beta })
        : ops.add(beta === 1 ? c : ops.mul(c, beta), weightGradient(ops, input, phi)),
    backward: <T>(ops: Ops<T>, weight: T, phi: T) => {
      const rows = ops.shape(phi)[0]!;
      const patches = shared
        ? ops.matmul(phiRows(ops, phi), weight, false, true)
        : ops.permute(ops.batchMatmul(phiRows(ops, phi), weight, false, true), [1, 0, 2]);
      return map.scatter(ops, patches, rows);
    },
  };
}
