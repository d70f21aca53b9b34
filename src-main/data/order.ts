import type { Rng } from '../common/random';
import type { Dataset } from './types';

/**
 * Presentation order for training: a fresh seeded permutation per epoch, cut into batches. Each epoch's
 * order comes from its own named sub-stream, so epoch 7 is the same whether or not epochs 0–6 were run
 * in this process (a run resumed from a checkpoint sees the order it would have seen).
 */
export function epochOrder(size: number, dataOrder: Rng, epoch: number): Int32Array {
  return dataOrder.fork(`epoch ${epoch}`).permutation(size);
}

export function batchCount(size: number, batchSize: number, dropLast = false): number {
  return dropLast ? Math.floor(size / batchSize) : Math.ceil(size / batchSize);
}

/** Consecutive slices of the order (views, not copies); the last is short unless dropLast. */
export function* batches(order: Int32Array, batchSize: number, dropLast = false): Generator<Int32Array> {
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new RangeError(`batch size must be a positive integer, got ${batchSize}`);
  const count = batchCount(order.length, batchSize, dropLast);
  for (let b = 0; b < count; b++) yield order.subarray(b * batchSize, Math.min(order.length, (b + 1) * batchSize));
}

/** Copies rows `indices` of a row-major matrix of the given width into `out` (allocated when absent). */
export function gatherRows<T extends Float32Array | Int32Array>(
  source: T,
  width: number,
  indices: ArrayLike<number>,
  out?: T,
): T {
  const target = out ?? new (source.constructor as new (n: number) => T)(indices.length * width);
  if (target.length < indices.length * width)
    throw new RangeError(`output holds ${target.length} values, need ${indices.length * width}`);
  for (let r = 0; r < indices.length; r++) {
    const i = indices[r]!;
    if (width === 1) target[r] = source[i]!;
    else target.set(source.subarray(i * width, (i + 1) * width), r * width);
  }
  return target;
}

export interface Batch {
  readonly x: Float32Array;
  readonly y: Int32Array | Float32Array;
}

/** The rows of a batch, ready for tf.tensor2d(x, [n, featureSize]); pass `out` to reuse buffers. */
export function gatherBatch(dataset: Dataset, indices: ArrayLike<number>, out?: Batch): Batch {
  const x = gatherRows(dataset.x, dataset.featureSize, indices, out?.x);
  if (dataset.task === 'classification') {
    const y = gatherRows(dataset.y, 1, indices, out?.y instanceof Int32Array ? out.y : undefined);
    return { x, y };
  }
  const y = gatherRows(dataset.y, dataset.outputSize, indices, out?.y instanceof Float32Array ? out.y : undefined);
  return { x, y };
}
