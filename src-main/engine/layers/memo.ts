import type { Ops } from '../ops';

/** A value derived from one tensor by ops, as a function the layers call like any other. */
export type Derivation = <T>(ops: Ops<T>, x: T) => T;

/**
 * Remembers a value derived from a tensor for as long as that tensor lives: a step asks a layer for its input's
 * patches (or pooled input) in the forward pass and again for the weight gradient, and both must be one node of
 * the graph (one im2col per step, not two). Keyed by the executor and the tensor object, so values of other steps
 * or graphs never meet; a TF.js tensor and its entry go together when the step's scope ends.
 */
export function memoByTensor(derive: Derivation): Derivation {
  const byOps = new WeakMap<object, WeakMap<object, unknown>>();
  return <T>(ops: Ops<T>, x: T): T => {
    if (typeof x !== 'object' || x === null) return derive(ops, x);
    let cache = byOps.get(ops);
    if (cache === undefined) {
      cache = new WeakMap();
      byOps.set(ops, cache);
    }
    let value = cache.get(x) as T | undefined;
    if (value === undefined) {
      value = derive(ops, x);
      cache.set(x, value);
    }
    return value;
  };
}
