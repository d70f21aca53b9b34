import type { Rng } from '../common/random';
import type { RawPart } from './types';

/**
 * Seeded, stratified ways to divide a split. Everything works on index lists so that the bytes are copied
 * once, after every decision is made.
 */

/**
 * An order of 0..n-1 in which every prefix is stratified: the first k indices hold each class in
 * proportion to its share of the whole (±1). Members of each class are shuffled, each gets the key
 * (rank + ½) / classSize, and indices are sorted by key; equal keys (classes of equal size) are broken
 * by a random order of the classes, so small prefixes do not always favour class 0. Because a shorter
 * prefix is part of a longer one, subsets of growing size are nested.
 */
export function stratifiedOrder(labels: Int32Array, numClasses: number, rng: Rng): Int32Array {
  const n = labels.length;
  const counts = new Int32Array(numClasses);
  for (let i = 0; i < n; i++) counts[labels[i]!]!++;
  const members: Int32Array[] = [];
  const filled = new Int32Array(numClasses);
  for (let c = 0; c < numClasses; c++) members.push(new Int32Array(counts[c]!));
  for (let i = 0; i < n; i++) {
    const c = labels[i]!;
    members[c]![filled[c]!++] = i;
  }
  const classRank = rng.fork('class-order').permutation(numClasses);
  const key = new Float64Array(n);
  const tie = new Int32Array(n);
  for (let c = 0; c < numClasses; c++) {
    const list = members[c]!;
    const perm = rng.fork(`class ${c}`).permutation(list.length);
    for (let r = 0; r < list.length; r++) {
      const i = list[perm[r]!]!;
      key[i] = (r + 0.5) / list.length;
      tie[i] = classRank[c]!;
    }
  }
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  return order.sort((a, b) => key[a]! - key[b]! || tie[a]! - tie[b]!);
}

/** A seeded shuffle of 0..n-1, for regression targets where there are no classes to stratify by. */
export function shuffledOrder(n: number, rng: Rng): Int32Array {
  return rng.permutation(n);
}

export function orderFor(part: RawPart, numClasses: number | null, rng: Rng): Int32Array {
  return numClasses !== null && part.y instanceof Int32Array
    ? stratifiedOrder(part.y, numClasses, rng)
    : shuffledOrder(part.size, rng);
}

/** The first `count` indices of the order and the rest, each back in ascending (file) order. */
export function divide(order: Int32Array, count: number): { taken: Int32Array; rest: Int32Array } {
  const taken = order.slice(0, count).sort();
  const rest = order.slice(count).sort();
  return { taken, rest };
}

/** Copies the chosen rows of a part (features and labels or targets). */
export function takeRows(part: RawPart, indices: Int32Array): RawPart {
  const d = part.size === 0 ? 0 : part.x.length / part.size;
  const k = part.size === 0 ? 0 : part.y.length / part.size;
  const x = part.x instanceof Uint8Array ? new Uint8Array(indices.length * d) : new Float32Array(indices.length * d);
  const y = part.y instanceof Int32Array ? new Int32Array(indices.length * k) : new Float32Array(indices.length * k);
  for (let r = 0; r < indices.length; r++) {
    const i = indices[r]!;
    x.set(part.x.subarray(i * d, (i + 1) * d), r * d);
    y.set(part.y.subarray(i * k, (i + 1) * k), r * k);
  }
  return { size: indices.length, x, y };
}
