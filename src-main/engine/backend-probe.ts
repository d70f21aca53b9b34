import { createRequire } from 'node:module';
import type { BackendName } from './backend';

const resolveFrom = createRequire(import.meta.url);

export interface BackendAvailability {
  name: BackendName;
  available: boolean;
  detail: string;
}

function installed(pkg: string): boolean {
  try {
    resolveFrom.resolve(`${pkg}/package.json`);
    return true;
  } catch {
    return false;
  }
}

/**
 * Which backends could be tried, without starting any (starting one loads a GPU driver or a native library, which
 * the process that lists them should not do). A listed backend can still fail to start; a run then falls back and
 * records why.
 */
export function probeBackends(): BackendAvailability[] {
  const tfNode = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'].find(installed);
  return [
    {
      name: 'webgpu',
      available: installed('webgpu') && installed('@tensorflow/tfjs-backend-webgpu'),
      detail: installed('webgpu')
        ? 'Dawn for Node installed; needs a Vulkan, Metal or D3D12 GPU'
        : 'optional package "webgpu" not installed',
    },
    {
      name: 'tensorflow',
      available: tfNode !== undefined,
      detail: tfNode ? `${tfNode} installed` : 'optional @tensorflow/tfjs-node(-gpu) not installed',
    },
    {
      name: 'wasm',
      available: installed('@tensorflow/tfjs-backend-wasm'),
      detail: 'WebAssembly with SIMD, one thread',
    },
    { name: 'cpu', available: true, detail: 'plain JavaScript, the reference' },
  ];
}
