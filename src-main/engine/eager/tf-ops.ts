import * as tf from '@tensorflow/tfjs-core';
import type { Operand, Ops } from '../ops';
import { invertSpd } from './small-linalg';

/**
 * The ops on TF.js, run as they are called. Call them inside tf.tidy. On wasm a matMul with transposeA/B runs about
 * ten times slower than a plain one while an explicit transpose is a cheap copy beside the product, so transposed
 * products are done as transpose-then-multiply, choosing the cheaper side to transpose.
 */
export const tfOps: Ops<tf.Tensor> = {
  shape: (x) => x.shape,
  constant: (values, shape) => tf.tensor(Float32Array.from(values), [...shape], 'float32'),
  indices: (values) => tf.tensor1d(Int32Array.from(values), 'int32'),
  zeros: (shape) => tf.zeros([...shape]),

  add: (a, b) => tf.add(operand(a), operand(b)),
  sub: (a, b) => tf.sub(operand(a), operand(b)),
  mul: (a, b) => tf.mul(operand(a), operand(b)),
  div: (a, b) => tf.div(operand(a), operand(b)),
  greater: (a, b) => tf.cast(tf.greater(operand(a), operand(b)), 'float32'),
  less: (a, b) => tf.cast(tf.less(operand(a), operand(b)), 'float32'),

  neg: (x) => tf.neg(x),
  exp: (x) => tf.exp(x),
  log: (x) => tf.log(x),
  sqrt: (x) => tf.sqrt(x),
  square: (x) => tf.square(x),
  abs: (x) => tf.abs(x),
  sign: (x) => tf.sign(x),
  tanh: (x) => tf.tanh(x),
  sigmoid: (x) => tf.sigmoid(x),
  softplus: (x) => tf.softplus(x),
  relu: (x) => tf.relu(x),
  leakyRelu: (x, alpha) => tf.leakyRelu(x, alpha),
  acos: (x) => tf.acos(x),
  clip: (x, low, high) => tf.clipByValue(x, low, high),

  matmul: (a, b, transposeA = false, transposeB = false) => {
    const a2 = a as tf.Tensor2D;
    const b2 = b as tf.Tensor2D;
    if (transposeA && transposeB) return tf.transpose(tf.matMul(b2, a2));
    if (transposeA) return tf.matMul(tf.transpose(a2), b2);
    if (transposeB) return matMulBT(a2, b2);
    return tf.matMul(a2, b2);
  },
  gemm: (a, b, c, { transposeA = false, transposeB = false, beta = 1 }) =>
    tf.add(tfOps.matmul(a, b, transposeA, transposeB), beta === 1 ? c : tf.mul(c, beta)),
  batchMatmul: (a, b, transposeA = false, transposeB = false) =>
    tf.matMul(
      transposeA ? tf.transpose(a, [0, 2, 1]) : (a as tf.Tensor3D),
      transposeB ? tf.transpose(b, [0, 2, 1]) : (b as tf.Tensor3D),
    ),
  sum: (x, axes, keepDims = false) => tf.sum(x, axes ? [...axes] : undefined, keepDims),
  mean: (x, axes, keepDims = false) => tf.mean(x, axes ? [...axes] : undefined, keepDims),
  max: (x, axes, keepDims = false) => tf.max(x, [...axes], keepDims),
  logSoftmax: (x) => tf.logSoftmax(x),
  argmaxAgree: (a, b) => tf.cast(tf.equal(tf.argMax(a, 1), tf.argMax(b, 1)), 'float32'),

  reshape: (x, shape) => tf.reshape(x, [...shape]),
  transpose: (x) => tf.transpose(x),
  permute: (x, perm) => tf.transpose(x, [...perm]),
  concat: (xs, axis) => tf.concat([...xs], axis),
  slice: (x, begin, size) => tf.slice(x, [...begin], [...size]),
  pad: (x, widths) =>
    tf.pad(
      x,
      widths.map(([a, b]) => [a, b] as [number, number]),
    ),
  gather: (x, indices, axis) => tf.gather(x, indices, axis),
  scatterAddRows: (updates, indices, rows) =>
    tf.scatterND(tf.reshape(indices, [indices.shape[0]!, 1]), updates, [rows, ...updates.shape.slice(1)]),
  // topk sorts descending; reversed, ascending.
  sortAscending: (x) => tf.reverse(tf.topk(x, x.shape[0]!, true).values),
  inverseSpd: (x) => {
    // No TF.js kernel: read back and invert in float64 on the host (the backends that cannot read synchronously
    // are kept from runs that need it, see backend.ts). A stack of matrices [P, n, n] is inverted one by one.
    const n = x.shape[x.rank - 1]!;
    const values = x.dataSync();
    const out = new Float32Array(values.length);
    for (let at = 0; at < values.length; at += n * n) out.set(invertSpd(values.subarray(at, at + n * n), n), at);
    return tf.tensor(out, x.shape);
  },
};

function operand(x: Operand<tf.Tensor>): tf.Tensor {
  return typeof x === 'number' ? tf.scalar(x) : x;
}

/**
 * A·Bᵀ, or (B·Aᵀ)ᵀ when B is the large one (BP's Φ·W with a weight matrix): the transposed operand is also the
 * one the wasm product has to pack afresh, so transposing A and the small result beats transposing B — for BP's
 * 128×512 by 1024×512, about half the time.
 */
function matMulBT(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor {
  const [rows, inner] = a.shape;
  const outSize = rows * b.shape[0];
  if (2 * rows * inner + outSize < 2 * b.size) return tf.transpose(tf.matMul(b, tf.transpose(a)));
  return tf.matMul(a, tf.transpose(b));
}
