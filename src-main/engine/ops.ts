/**
 * The small tensor-ops interface the training step is written against, once. Two executors implement it: the
 * eager one runs each op on TF.js as it is called (the reference, and the path for tests and debugging); the ONNX
 * one records each op as a graph node, so that the same code builds the graph ONNX Runtime runs. Anything the step
 * needs that is not here would have to exist twice, so the list is the union of what layers, rules, regularisers,
 * optimisers and diagnostics use, kept to operations both TF.js and ONNX have natively.
 *
 * Tensors are float32 unless made by `indices`. Element-wise binary ops broadcast as numpy does and take plain
 * numbers for scalars. Shapes are static: every executor knows the shape of every value when the step is built.
 */
export type Operand<T> = T | number;

export interface Ops<T> {
  shape(x: T): readonly number[];
  /** A float32 constant. */
  constant(values: ArrayLike<number>, shape: readonly number[]): T;
  /** A 1-D integer constant, for gather. */
  indices(values: ArrayLike<number>): T;
  /** A float32 tensor of zeros, made where it is used rather than stored (a conv layer's are large). */
  zeros(shape: readonly number[]): T;

  add(a: Operand<T>, b: Operand<T>): T;
  sub(a: Operand<T>, b: Operand<T>): T;
  mul(a: Operand<T>, b: Operand<T>): T;
  div(a: Operand<T>, b: Operand<T>): T;
  /** 1 where a > b, else 0 (float). */
  greater(a: Operand<T>, b: Operand<T>): T;
  /** 1 where a < b, else 0 (float). */
  less(a: Operand<T>, b: Operand<T>): T;

  neg(x: T): T;
  exp(x: T): T;
  log(x: T): T;
  sqrt(x: T): T;
  square(x: T): T;
  abs(x: T): T;
  sign(x: T): T;
  tanh(x: T): T;
  sigmoid(x: T): T;
  softplus(x: T): T;
  relu(x: T): T;
  leakyRelu(x: T, alpha: number): T;
  acos(x: T): T;
  clip(x: T, low: number, high: number): T;

  /** Product of 2-D matrices, either operand optionally transposed (no transpose is materialised where avoidable). */
  matmul(a: T, b: T, transposeA?: boolean, transposeB?: boolean): T;
  /** a·b + beta·c in one product where the executor can (ONNX's Gemm adds c as it writes the result). */
  gemm(a: T, b: T, c: T, options: { transposeA?: boolean; transposeB?: boolean; beta?: number }): T;
  /** Products of matching matrices of two rank-3 stacks (P × m × k by P × k × n), either side's matrices transposed. */
  batchMatmul(a: T, b: T, transposeA?: boolean, transposeB?: boolean): T;
  /** Sum over the axes (all when omitted; a scalar then). */
  sum(x: T, axes?: readonly number[], keepDims?: boolean): T;
  mean(x: T, axes?: readonly number[], keepDims?: boolean): T;
  max(x: T, axes: readonly number[], keepDims?: boolean): T;
  /** log softmax over the last axis. */
  logSoftmax(x: T): T;
  /** Per row of two B × C matrices: 1 where their argmaxes agree, else 0 (B). */
  argmaxAgree(a: T, b: T): T;

  reshape(x: T, shape: readonly number[]): T;
  /** Transpose of a 2-D matrix. */
  transpose(x: T): T;
  /** Axes reordered: output axis i is input axis perm[i]. */
  permute(x: T, perm: readonly number[]): T;
  concat(xs: readonly T[], axis: number): T;
  slice(x: T, begin: readonly number[], size: readonly number[]): T;
  /** x with zeros added before and after each axis ([before, after] per axis). */
  pad(x: T, widths: readonly (readonly [number, number])[]): T;
  /** Entries of x at the integer indices along the axis. */
  gather(x: T, indices: T, axis: number): T;
  /**
   * The adjoint of gather along axis 0: an (rows, …) tensor whose row r is the sum of the update rows whose index
   * is r (conv layers carry Φ back from their patches with it).
   */
  scatterAddRows(updates: T, indices: T, rows: number): T;
  /** The values of a 1-D tensor in ascending order. */
  sortAscending(x: T): T;
  /** Inverse of a symmetric positive-definite matrix, or of each in a stack [P, n, n]. */
  inverseSpd(x: T): T;
}

/** Frobenius norm, a scalar. */
export function frobenius<T>(ops: Ops<T>, x: T): T {
  return ops.sqrt(ops.sum(ops.square(x)));
}

/** Cosine of the angle between two tensors of one shape, as flat vectors. */
export function cosine<T>(ops: Ops<T>, a: T, b: T): T {
  return ops.div(ops.sum(ops.mul(a, b)), ops.add(ops.mul(frobenius(ops, a), frobenius(ops, b)), 1e-12));
}

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** A + B, either of which may be absent. */
export function addOptional<T>(ops: Ops<T>, a: T | null, b: T | null): T | null {
  if (a === null) return b;
  if (b === null) return a;
  return ops.add(a, b);
}
