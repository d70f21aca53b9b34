import type { Ops } from '../ops';

/**
 * The weight entropy of a convolutional or locally connected layer, ½ log det(WᵀW + εI), maximised: the EBD paper's
 * entropy term for those layers, whose activation correlation (every position × channel) is too large to track. It
 * keeps the layer's filters apart instead of its units: W is the kernel matrix (patch × channels) of a conv layer,
 * and each position's own matrix of a locally connected one (the term is summed over positions). Its gradient is
 * W(WᵀW + εI)⁻¹, one channels × channels inverse per step (per position for LC): O(C³), not O((H·W·C)³).
 */
export function weightEntropyGradient<T>(ops: Ops<T>, weight: T, epsilon: number): T {
  const shape = ops.shape(weight);
  const channels = shape[shape.length - 1]!;
  const perPosition = shape.length === 3;
  const gram = perPosition ? ops.batchMatmul(weight, weight, true, false) : ops.matmul(weight, weight, true, false);
  const floor = new Float32Array(channels * channels);
  for (let i = 0; i < channels; i++) floor[i * channels + i] = epsilon;
  const inverse = ops.inverseSpd(ops.add(gram, ops.constant(floor, [channels, channels])));
  return perPosition ? ops.batchMatmul(weight, inverse) : ops.matmul(weight, inverse);
}

/** The paper's ε for the conv layers' weight entropy (its dense layers' entropy takes 1e-8; PAPERS.md). */
export const WEIGHT_ENTROPY_EPSILON = 1e-5;
