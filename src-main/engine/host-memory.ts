import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** The few members of the WebAssembly API used here: this project's TypeScript lib declares none of it. */
interface WasmApi {
  Memory: abstract new () => { readonly buffer: ArrayBuffer | SharedArrayBuffer };
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: object };
}
export const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
export type WasmMemory = InstanceType<WasmApi['Memory']>;

/**
 * Direct access to tensor storage on the backends that keep it in this process (wasm: the module's heap; cpu:
 * plain Float32Arrays), so that an element-wise update can be one pass instead of a chain of kernels that each
 * allocate and traverse a full-size tensor. GPU backends have no such access: hostMemory() is null there.
 *
 * Only freshly allocated tensors are ever written. Mutating an existing tensor in place is unsafe on wasm: its
 * matMul caches XNNPACK operators, with the weights packed, by the id of the right operand, so a weight changed
 * in place would keep being multiplied with its stale packed copy.
 */
export interface HostMemory {
  /** A new float32 tensor with unset values, tracked by the enclosing tf.tidy; fill it before reading it. */
  allocate(shape: number[]): tf.Tensor;
  /**
   * The tensor's own storage, no copy. Valid only until the next tensor allocation, which can grow (move) the
   * wasm heap: allocate first, then take every view. Write only to tensors from allocate().
   */
  view(tensor: tf.Tensor): Float32Array;
  /** The wasm heap, for kernels of our own that work on it directly; null on cpu. */
  readonly heap: WasmMemory | null;
  /** Byte offset of the tensor's values in the heap (wasm only). */
  address(tensor: tf.Tensor): number;
}

const wasmBackend = () => tf.backend() as unknown as BackendWasm;

const wasmMemory = (heap: WasmMemory): HostMemory => ({
  allocate: (shape) => tf.engine().makeTensorFromTensorInfo(wasmBackend().makeOutput(shape, 'float32')),
  view: (tensor) => checkedView(wasmBackend().typedArrayFromHeap(tensor), tensor),
  heap,
  address(tensor) {
    assertFloat32(tensor);
    return wasmBackend().getMemoryOffset(tensor.dataId);
  },
});

const cpuMemory: HostMemory = {
  // The cpu backend keeps the array handed to tf.tensor as the tensor's values, and dataSync returns it.
  allocate: (shape) => tf.tensor(new Float32Array(shape.reduce((a, b) => a * b, 1)), shape),
  view: (tensor) => checkedView(tensor.dataSync(), tensor),
  heap: null,
  address() {
    throw new Error('host memory: the cpu backend has no heap addresses');
  },
};

function assertFloat32(tensor: tf.Tensor): void {
  if (tensor.dtype !== 'float32') throw new Error(`host memory: a ${tensor.dtype} tensor where float32 is needed`);
}

function checkedView(values: unknown, tensor: tf.Tensor): Float32Array {
  assertFloat32(tensor);
  if (!(values instanceof Float32Array) || values.length !== tensor.size)
    throw new Error(`host memory: no view of the ${tensor.size} values of a tensor`);
  return values;
}

/**
 * The Emscripten module keeps the instance's exports, memory included, as `asm`; tfjs does not type it. Without it
 * (another build) or with a shared memory (the threaded build) our kernels cannot be linked to the heap.
 */
function wasmHeap(): WasmMemory | null {
  const module = wasmBackend().wasm as unknown as { asm?: { memory?: unknown } };
  const memory = module.asm?.memory;
  return memory instanceof wasmApi.Memory && memory.buffer instanceof ArrayBuffer ? memory : null;
}

let wasmCache: { backend: unknown; memory: HostMemory | null } | null = null;

/** Host memory of the active backend, or null where tensors live on a device (webgpu, tensorflow) or the wasm heap cannot be linked. */
export function hostMemory(): HostMemory | null {
  switch (tf.getBackend()) {
    case 'wasm': {
      const backend = tf.backend();
      if (wasmCache?.backend !== backend) {
        const heap = wasmHeap();
        // Without our SIMD kernels a JS loop over the heap is slower than tfjs's own kernels: report none.
        wasmCache = { backend, memory: heap ? wasmMemory(heap) : null };
      }
      return wasmCache.memory;
    }
    case 'cpu':
      return cpuMemory;
    default:
      return null;
  }
}
