import type * as tf from '@tensorflow/tfjs-core';
import { wasmApi, type HostMemory, type WasmMemory } from './host-memory';
import type { Slot, UpdateScalars } from './optimizer';

/**
 * The optimiser's update as one pass over host memory: the gradient and the state are read once and the new
 * values written once, instead of a dozen full-size kernels each allocating and traversing its own tensor.
 * On wasm the pass is a small WebAssembly SIMD module of our own working on the tfjs heap (a JS loop is slower
 * there than tfjs's SIMD kernels); on cpu, and for the last n mod 4 values on wasm, it is a JS loop.
 *
 * Every intermediate is rounded to float32 as the tensor ops round it (the scalars too, as tf makes float32
 * scalar tensors of them, and WebAssembly converts f32 arguments), so the results match the tensor path bit for
 * bit. They go to fresh tensors that the variables take over; nothing is changed in place (see HostMemory).
 */
export function fusedUpdate(memory: HostMemory, s: UpdateScalars, slot: Slot, grad: tf.Tensor): void {
  const { variable, first, second } = slot;
  if (grad.size !== variable.size) throw new Error(`optimiser: ${grad.size} gradients for ${variable.size} weights`);
  const next: Buffers<tf.Tensor> = {
    w: memory.allocate(variable.shape),
    m: first && memory.allocate(first.shape),
    v: second && memory.allocate(second.shape),
  };
  const current: Buffers<tf.Tensor> = { w: variable, m: first, v: second };
  const simd = memory.heap ? simdKernels(memory.heap) : null;
  // Addresses and views only after the last allocation: an allocation can move the wasm heap.
  const vectors = simd ? variable.size >> 2 : 0;
  if (simd && vectors > 0) {
    const at = (t: tf.Tensor | null) => (t ? memory.address(t) : 0);
    const [g, w, m, v, wOut, mOut, vOut] = [grad, current.w, current.m, current.v, next.w, next.m, next.v].map(at);
    switch (s.kind) {
      case 'sgd':
        simd.sgd(g!, w!, wOut!, vectors, s.rate);
        break;
      case 'momentum':
        simd.momentum(g!, w!, m!, wOut!, mOut!, vectors, s.momentum, s.rate);
        break;
      case 'adam':
        simd.adam(
          g!,
          w!,
          m!,
          v!,
          wOut!,
          mOut!,
          vOut!,
          vectors,
          s.beta1,
          s.gain1,
          s.beta2,
          s.gain2,
          s.epsilon,
          s.stepSize,
        );
        break;
    }
  }
  const from = vectors * 4;
  if (from < variable.size) {
    const view = (t: tf.Tensor | null) => (t ? memory.view(t) : EMPTY);
    jsPass(s, memory.view(grad), mapBuffers(current, view), mapBuffers(next, view), from);
  }
  variable.assign(next.w);
  if (next.m) first!.assign(next.m);
  if (next.v) second!.assign(next.v);
}

/** A parameter's weight, first and second moments (null where the optimiser keeps none). */
interface Buffers<T> {
  w: T;
  m: T | null;
  v: T | null;
}

const EMPTY = new Float32Array(0);

function mapBuffers<T, U>(b: Buffers<T>, f: (t: T | null) => U): Buffers<U> {
  return { w: f(b.w), m: f(b.m), v: f(b.v) };
}

const f32 = Math.fround;

/** The update of values from..end in JS, with the same float32 rounding as the kernels. */
function jsPass(s: UpdateScalars, g: Float32Array, x: Buffers<Float32Array>, y: Buffers<Float32Array>, from: number) {
  const { w } = x;
  const wOut = y.w;
  switch (s.kind) {
    case 'sgd': {
      const rate = f32(s.rate);
      for (let j = from; j < w.length; j++) wOut[j] = w[j]! - f32(rate * g[j]!);
      return;
    }
    case 'momentum': {
      const [m, mOut] = [x.m!, y.m!];
      const rate = f32(s.rate);
      const momentum = f32(s.momentum);
      for (let j = from; j < w.length; j++) {
        const velocity = f32(f32(momentum * m[j]!) + g[j]!);
        mOut[j] = velocity;
        wOut[j] = w[j]! - f32(rate * velocity);
      }
      return;
    }
    case 'adam': {
      const [m, mOut, v, vOut] = [x.m!, y.m!, x.v!, y.v!];
      const [beta1, gain1, beta2, gain2] = [f32(s.beta1), f32(s.gain1), f32(s.beta2), f32(s.gain2)];
      const epsilon = f32(s.epsilon);
      const stepSize = f32(s.stepSize);
      for (let j = from; j < w.length; j++) {
        const gj = g[j]!;
        const mj = f32(f32(beta1 * m[j]!) + f32(gain1 * gj));
        const vj = f32(f32(beta2 * v[j]!) + f32(gain2 * f32(gj * gj)));
        mOut[j] = mj;
        vOut[j] = vj;
        wOut[j] = w[j]! - f32(stepSize * f32(mj / f32(f32(Math.sqrt(vj)) + epsilon)));
      }
      return;
    }
  }
}

/** Kernels over the wasm heap. Addresses are byte offsets, counts are in vectors of four float32 values. */
interface SimdKernels {
  sgd(g: number, w: number, wOut: number, vectors: number, rate: number): void;
  momentum(
    g: number,
    w: number,
    m: number,
    wOut: number,
    mOut: number,
    vectors: number,
    mu: number,
    rate: number,
  ): void;
  adam(
    g: number,
    w: number,
    m: number,
    v: number,
    wOut: number,
    mOut: number,
    vOut: number,
    vectors: number,
    beta1: number,
    gain1: number,
    beta2: number,
    gain2: number,
    epsilon: number,
    stepSize: number,
  ): void;
}

const linked = new WeakMap<WasmMemory, SimdKernels>();

function simdKernels(heap: WasmMemory): SimdKernels {
  let kernels = linked.get(heap);
  if (!kernels) {
    const module = new wasmApi.Module(assembleKernels());
    kernels = new wasmApi.Instance(module, { env: { memory: heap } }).exports as unknown as SimdKernels;
    linked.set(heap, kernels);
  }
  return kernels;
}

// A hand-assembled module (no WebAssembly toolchain is a dependency): three exported functions, each a loop over
// vectors of four lanes, with the same operations in the same order as the tensor path. Lane-wise f32x4 add, sub,
// mul, div and sqrt are exactly rounded IEEE operations, like XNNPACK's kernels behind tfjs's wasm ops.
const I32 = 0x7f;
const F32 = 0x7d;
const V128 = 0x7b;
type Bytes = number[];

function uleb(n: number): Bytes {
  const out: Bytes = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}
const vec = (items: Bytes[]): Bytes => [...uleb(items.length), ...items.flat()];
const name = (text: string): Bytes => vec([...new TextEncoder().encode(text)].map((b) => [b]));
const section = (id: number, body: Bytes): Bytes => [id, ...uleb(body.length), ...body];

const get = (local: number): Bytes => [0x20, ...uleb(local)];
const set = (local: number, value: Bytes): Bytes => [...value, 0x21, ...uleb(local)];
const simdOp = (op: number, ...operands: Bytes[]): Bytes => [...operands.flat(), 0xfd, ...uleb(op)];
const splat = (local: number) => simdOp(0x13, get(local));
const add = (a: Bytes, b: Bytes) => simdOp(0xe4, a, b);
const sub = (a: Bytes, b: Bytes) => simdOp(0xe5, a, b);
const mul = (a: Bytes, b: Bytes) => simdOp(0xe6, a, b);
const div = (a: Bytes, b: Bytes) => simdOp(0xe7, a, b);
const sqrt = (a: Bytes) => simdOp(0xe3, a);

interface KernelSpec {
  name: string;
  /** Parameters: the addresses, then the vector count, then the f32 scalars. */
  addresses: number;
  scalars: number;
  /** Extra v128 locals beyond one splat per scalar. */
  temporaries: number;
  /** One iteration; `load(a)`/`store(a, x)` address the a-th array at the current offset, `scalar(k)` a splat. */
  body(ops: {
    load(a: number): Bytes;
    store(a: number, x: Bytes): Bytes;
    scalar(k: number): Bytes;
    temp: number;
  }): Bytes;
}

function assembleKernel(spec: KernelSpec): { type: Bytes; code: Bytes } {
  const count = spec.addresses;
  const firstScalar = count + 1;
  const params = spec.addresses + 1 + spec.scalars;
  const offset = params;
  const end = params + 1;
  const firstSplat = params + 2;
  const temp = firstSplat + spec.scalars;
  const at = (array: number): Bytes => [...get(array), ...get(offset), 0x6a]; // i32.add
  const memarg = [0x00, 0x00]; // alignment hint 1 byte (always valid), offset 0
  const ops = {
    load: (a: number) => [...at(a), 0xfd, ...uleb(0x00), ...memarg],
    store: (a: number, x: Bytes) => [...at(a), ...x, 0xfd, ...uleb(0x0b), ...memarg],
    scalar: (k: number) => get(firstSplat + k),
    temp,
  };
  const prologue: Bytes = [
    ...set(end, [...get(count), 0x41, ...uleb(4), 0x74]), // end = count << 4 (bytes)
    ...Array.from({ length: spec.scalars }, (_, k) => set(firstSplat + k, splat(firstScalar + k))).flat(),
  ];
  const loop: Bytes = [
    0x02,
    0x40,
    0x03,
    0x40, // block, loop
    ...get(offset),
    ...get(end),
    0x4f,
    0x0d,
    0x01, // br_if 1 when offset >= end (unsigned)
    ...spec.body(ops),
    ...set(offset, [...get(offset), 0x41, ...uleb(16), 0x6a]),
    0x0c,
    0x00,
    0x0b,
    0x0b, // br 0, end loop, end block
  ];
  const locals = vec([
    [...uleb(2), I32],
    [...uleb(spec.scalars + spec.temporaries), V128],
  ]);
  const code = [...locals, ...prologue, ...loop, 0x0b];
  const type = [
    0x60,
    ...vec([...Array<Bytes>(spec.addresses + 1).fill([I32]), ...Array<Bytes>(spec.scalars).fill([F32])]),
    0x00,
  ];
  return { type, code: [...uleb(code.length), ...code] };
}

const KERNELS: KernelSpec[] = [
  {
    // w' = w − rate·g
    name: 'sgd',
    addresses: 3,
    scalars: 1,
    temporaries: 0,
    body: ({ load, store, scalar }) => store(2, sub(load(1), mul(scalar(0), load(0)))),
  },
  {
    // m' = μ·m + g;  w' = w − rate·m'
    name: 'momentum',
    addresses: 5,
    scalars: 2,
    temporaries: 1,
    body: ({ load, store, scalar, temp }) => [
      ...set(temp, add(mul(scalar(0), load(2)), load(0))),
      ...store(4, get(temp)),
      ...store(3, sub(load(1), mul(scalar(1), get(temp)))),
    ],
  },
  {
    // m' = β₁m + (1−β₁)g;  v' = β₂v + (1−β₂)g²;  w' = w − k·m'/(√v' + ε')
    name: 'adam',
    addresses: 7,
    scalars: 6,
    temporaries: 3,
    body: ({ load, store, scalar, temp }) => {
      const [g, m, v] = [temp, temp + 1, temp + 2];
      return [
        ...set(g, load(0)),
        ...set(m, add(mul(scalar(0), load(2)), mul(scalar(1), get(g)))),
        ...store(5, get(m)),
        ...set(v, add(mul(scalar(2), load(3)), mul(scalar(3), mul(get(g), get(g))))),
        ...store(6, get(v)),
        ...store(4, sub(load(1), mul(scalar(5), div(get(m), add(sqrt(get(v)), scalar(4)))))),
      ];
    },
  },
];

function assembleKernels(): Uint8Array {
  const kernels = KERNELS.map(assembleKernel);
  const memoryImport = [...name('env'), ...name('memory'), 0x02, 0x00, ...uleb(0)]; // memory, no maximum
  const bytes = [
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec(kernels.map((k) => k.type))),
    ...section(2, vec([memoryImport])),
    ...section(3, vec(kernels.map((_, i) => uleb(i)))),
    ...section(7, vec(KERNELS.map((k, i) => [...name(k.name), 0x00, ...uleb(i)]))),
    ...section(10, vec(kernels.map((k) => k.code))),
  ];
  return Uint8Array.from(bytes);
}
