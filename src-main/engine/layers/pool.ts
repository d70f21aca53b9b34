import type { InputPool } from '../../../shared/network/geometry';
import { imageUnits } from '../../../shared/network/geometry';
import type { Ops } from '../ops';
import type { Layer, LayerParams } from './layer';
import { memoByTensor } from './memo';

/**
 * Non-overlapping pooling of flat channel-last rows, viewed as (rows·H', s, W', s, C) blocks: the mean or the
 * maximum over each s×s window. A remainder row or column is cropped first (as PyTorch's pooling drops it).
 */
export function poolForward<T>(ops: Ops<T>, pool: InputPool, x: T): T {
  const rows = ops.shape(x)[0]!;
  const blocks = windows(ops, pool, x, rows);
  const reduced = pool.kind === 'avg' ? ops.mean(blocks, [1, 3]) : ops.max(blocks, [1, 3]);
  return ops.reshape(reduced, [rows, imageUnits(pool.to)]);
}

/**
 * The adjoint of poolForward at the batch `input`: each output's Φ spread over its window, evenly for the mean and
 * onto the window's maximum for max pooling (every tied maximum gets it; ties of ReLU zeros are gated out by
 * f' = 0 below). Φ may hold r rows per sample of `input` (r·B rows, sample-major).
 */
export function poolBackward<T>(ops: Ops<T>, pool: InputPool, phi: T, input: T): T {
  const { size, to, from } = pool;
  const rows = ops.shape(phi)[0]!;
  const batch = ops.shape(input)[0]!;
  const spread = new Float32Array(size * size).fill(pool.kind === 'avg' ? 1 / (size * size) : 1);
  const up = ops.mul(
    ops.reshape(phi, [rows * to.height, 1, to.width, 1, to.channels]),
    ops.constant(spread, [1, size, 1, size, 1]),
  );
  let routed = up;
  if (pool.kind === 'max') {
    const blocks = windows(ops, pool, input, batch);
    const atMax = ops.sub(1, ops.greater(ops.max(blocks, [1, 3], true), blocks));
    const block = to.height * size * to.width * size * to.channels;
    routed = ops.mul(ops.reshape(up, [batch, rows / batch, block]), ops.reshape(atMax, [batch, 1, block]));
  }
  const covered = ops.reshape(routed, [rows, to.height * size, to.width * size, to.channels]);
  return ops.reshape(uncrop(ops, covered, pool, rows), [rows, imageUnits(from)]);
}

function windows<T>(ops: Ops<T>, pool: InputPool, x: T, rows: number): T {
  const { size, from, to } = pool;
  let image = ops.reshape(x, [rows, from.height, from.width, from.channels]);
  if (to.height * size !== from.height || to.width * size !== from.width)
    image = ops.slice(image, [0, 0, 0, 0], [rows, to.height * size, to.width * size, from.channels]);
  return ops.reshape(image, [rows * to.height, size, to.width, size, from.channels]);
}

/** Zeros put back where the forward pass cropped a remainder row or column. */
function uncrop<T>(ops: Ops<T>, x: T, pool: InputPool, rows: number): T {
  const { size, from, to } = pool;
  let out = x;
  const extraRows = from.height - to.height * size;
  const extraCols = from.width - to.width * size;
  if (extraCols > 0) out = ops.concat([out, ops.zeros([rows, to.height * size, extraCols, from.channels])], 2);
  if (extraRows > 0) out = ops.concat([out, ops.zeros([rows, extraRows, from.width, from.channels])], 1);
  return out;
}

/** A layer whose input is pooled first: the previous layer's `pool`, kept with the layer that consumes it. */
export function withInputPool(inner: Layer, pool: InputPool): Layer {
  const pooled = memoByTensor(<T>(ops: Ops<T>, x: T) => poolForward(ops, pool, x));
  return {
    ...inner,
    inputUnits: imageUnits(pool.from),
    plain: false,
    forward: <T>(ops: Ops<T>, p: LayerParams<T>, x: T) => inner.forward(ops, p, pooled(ops, x)),
    gradients: <T>(ops: Ops<T>, input: T, phi: T) => inner.gradients(ops, pooled(ops, input), phi),
    accumulateWeight: <T>(ops: Ops<T>, c: T, beta: number, input: T, phi: T) =>
      inner.accumulateWeight(ops, c, beta, pooled(ops, input), phi),
    backward: <T>(ops: Ops<T>, weight: T, phi: T, input: T) =>
      poolBackward(ops, pool, inner.backward(ops, weight, phi, pooled(ops, input)), input),
  };
}
