import { createRequire } from 'node:module';
import { BACKEND_NAMES, type BackendName } from '../../shared/engine/backends';
import { isOnnxBackend, providerAvailability } from './onnx/runtime';

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
  return BACKEND_NAMES.map((name) => ({ name, ...probeBackend(name) }));
}

export function probeBackend(name: BackendName): { available: boolean; detail: string } {
  if (isOnnxBackend(name)) {
    if (!installed('onnxruntime-node')) return { available: false, detail: 'onnxruntime-node is not installed' };
    return providerAvailability(name);
  }
  switch (name) {
    case 'webgpu':
      return {
        available: installed('webgpu') && installed('@tensorflow/tfjs-backend-webgpu'),
        detail: installed('webgpu')
          ? 'Dawn for Node installed; needs a Vulkan, Metal or D3D12 GPU'
          : 'optional package "webgpu" not installed',
      };
    case 'tensorflow': {
      const tfNode = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'].find(installed);
      return {
        available: tfNode !== undefined,
        detail: tfNode ? `${tfNode} installed` : 'optional @tensorflow/tfjs-node(-gpu) not installed',
      };
    }
    case 'wasm':
      return { available: installed('@tensorflow/tfjs-backend-wasm'), detail: 'WebAssembly with SIMD, one thread' };
    default:
      return { available: true, detail: 'plain JavaScript, the reference' };
  }
}
