import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';

export type TfBackendName = 'webgpu' | 'tensorflow' | 'wasm' | 'cpu';
export const TF_BACKENDS: readonly TfBackendName[] = ['webgpu', 'tensorflow', 'wasm', 'cpu'];

export function isTfBackend(name: string): name is TfBackendName {
  return (TF_BACKENDS as readonly string[]).includes(name);
}

const resolveFrom = createRequire(import.meta.url);

/**
 * Backends that can read a result back synchronously (dataSync). TF.js's WebGPU backend cannot under Node: its
 * readSync draws through an OffscreenCanvas, which Node lacks, and the eager entropy step inverts on the host.
 */
export function readsSynchronously(name: TfBackendName): boolean {
  return name !== 'webgpu';
}

/** Starts a TF.js backend and makes it the active one; returns the device in words. Throws with the reason. */
export async function startTfBackend(name: TfBackendName): Promise<string> {
  tf.enableProdMode();
  return activate(name);
}

async function activate(name: TfBackendName): Promise<string> {
  switch (name) {
    case 'cpu':
      await import('@tensorflow/tfjs-backend-cpu');
      await setBackend('cpu');
      return 'JavaScript (single thread)';
    case 'wasm': {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      // Bundled code cannot find the .wasm files beside the package by itself: point at them.
      const dist =
        path.join(path.dirname(resolveFrom.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep;
      wasm.setWasmPaths(dist);
      await setBackend('wasm');
      return 'WebAssembly (SIMD, one thread)';
    }
    case 'webgpu':
      return activateWebGpu();
    case 'tensorflow':
      return activateTensorflow();
  }
}

async function setBackend(name: string): Promise<void> {
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`tf.setBackend('${name}') refused`);
  await tf.ready();
}

interface AdapterInfo {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
}
/** The part of the `webgpu` package used here (its own types are not installed when it is absent). */
interface DawnModule {
  create(flags: string[]): { requestAdapter(): Promise<{ info?: AdapterInfo } | null> };
  globals: Record<string, unknown>;
}

/** Dawn for Node (npm `webgpu`, optional): WebGPU on Vulkan, Metal or D3D12. */
async function activateWebGpu(): Promise<string> {
  let dawn: DawnModule;
  try {
    dawn = (await import(/* @vite-ignore */ 'webgpu' as string)) as typeof dawn;
  } catch {
    throw new Error('the optional package "webgpu" (Dawn for Node) is not installed');
  }
  Object.assign(globalThis, dawn.globals);
  const gpu = dawn.create([]);
  const adapter = await gpu.requestAdapter();
  if (!adapter) throw new Error('Dawn found no usable GPU adapter');
  Object.defineProperty(globalThis, 'navigator', { value: { gpu, userAgent: 'node' }, configurable: true });
  await import('@tensorflow/tfjs-backend-webgpu');
  await setBackend('webgpu');
  const info = adapter.info ?? {};
  return [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ') || 'WebGPU adapter';
}

/** libtensorflow through @tensorflow/tfjs-node(-gpu), when a user's install could fetch it. */
async function activateTensorflow(): Promise<string> {
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      await import(/* @vite-ignore */ pkg as string);
      await setBackend('tensorflow');
      return pkg.endsWith('gpu') ? 'TensorFlow C library (CUDA)' : 'TensorFlow C library (CPU)';
    } catch {
      // try the next
    }
  }
  throw new Error('neither @tensorflow/tfjs-node-gpu nor @tensorflow/tfjs-node is installed');
}
