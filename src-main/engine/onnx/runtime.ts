import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type * as Ort from 'onnxruntime-node';

/** The ONNX Runtime execution providers a run can ask for, by the backend name the user sees. */
export const ONNX_PROVIDERS = {
  'onnx-cpu': 'cpu',
  'onnx-cuda': 'cuda',
  'onnx-dml': 'dml',
  'onnx-coreml': 'coreml',
  'onnx-webgpu': 'webgpu',
} as const;
export type OnnxBackend = keyof typeof ONNX_PROVIDERS;

export function isOnnxBackend(name: string): name is OnnxBackend {
  return name in ONNX_PROVIDERS;
}

const resolveFrom = createRequire(import.meta.url);

let loaded: Promise<typeof Ort> | null = null;

/** onnxruntime-node, loaded on first use (its native library is large, and TF.js-only runs never need it). */
export function loadOrt(): Promise<typeof Ort> {
  loaded ??= import('onnxruntime-node').then(
    (m) => ((m as { default?: typeof Ort }).default ?? m) as typeof Ort,
    (error: unknown) => {
      loaded = null;
      throw new Error(
        `ONNX Runtime (onnxruntime-node) could not be loaded: ${error instanceof Error ? error.message : String(error)}`,
      );
    },
  );
  return loaded;
}

export function ortVersion(): string {
  try {
    return (resolveFrom('onnxruntime-node/package.json') as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

/** The folder of this platform's ONNX Runtime binaries, where a user-installed CUDA provider also goes. */
function binaryFolder(): string | null {
  try {
    const root = path.dirname(resolveFrom.resolve('onnxruntime-node/package.json'));
    return path.join(root, 'bin', 'napi-v6', process.platform, process.arch);
  } catch {
    return null;
  }
}

/** The one-line command that adds the CUDA 12 provider to an installed app or checkout (Linux x64). */
export const CUDA_INSTALL_COMMAND =
  'node node_modules/onnxruntime-node/script/install --onnxruntime-node-install=cuda12';

/**
 * Whether a provider could start here, without starting it (that loads drivers): the platform ships it, and for
 * CUDA its libraries were installed. A listed provider can still fail to start; the run then falls back and says why.
 */
export function providerAvailability(backend: OnnxBackend): { available: boolean; detail: string } {
  const folder = binaryFolder();
  if (!folder || !fs.existsSync(folder)) {
    return { available: false, detail: `onnxruntime-node has no binaries for ${process.platform}-${process.arch}` };
  }
  switch (backend) {
    case 'onnx-cpu':
      return {
        available: true,
        detail: `ONNX Runtime ${ortVersion()} on the CPU, ${defaultThreads()} threads by default`,
      };
    case 'onnx-webgpu':
      return { available: true, detail: 'ONNX Runtime WebGPU (Dawn); needs a Vulkan, Metal or D3D12 GPU' };
    case 'onnx-cuda': {
      if (process.platform !== 'linux' || process.arch !== 'x64') {
        return { available: false, detail: 'the CUDA provider is built for Linux x64 only' };
      }
      const installed = fs.existsSync(path.join(folder, 'libonnxruntime_providers_cuda.so'));
      return installed
        ? { available: true, detail: 'CUDA 12 provider installed; needs an NVIDIA GPU with CUDA 12 and cuDNN 9' }
        : { available: false, detail: `CUDA provider not installed (add it with: ${CUDA_INSTALL_COMMAND})` };
    }
    case 'onnx-dml':
      return process.platform === 'win32'
        ? { available: true, detail: 'DirectML on Windows (any DirectX 12 GPU)' }
        : { available: false, detail: 'DirectML is Windows only' };
    case 'onnx-coreml':
      return process.platform === 'darwin'
        ? { available: true, detail: 'Core ML on macOS' }
        : { available: false, detail: 'Core ML is macOS only' };
  }
}

/**
 * Intra-op threads when the user sets none: the physical cores (hyperthreads share a core's FMA units, and GEMM
 * gains nothing from them). Linux counts distinct cores in /proc/cpuinfo; elsewhere, the logical count.
 */
export function defaultThreads(): number {
  const logical = os.availableParallelism();
  try {
    const cores = new Set<string>();
    let physical = '0';
    for (const line of fs.readFileSync('/proc/cpuinfo', 'utf8').split('\n')) {
      const [key, value] = line.split(':').map((s) => s.trim());
      if (key === 'physical id') physical = value ?? '0';
      if (key === 'core id') cores.add(`${physical}/${value}`);
    }
    return cores.size > 0 ? Math.min(cores.size, logical) : logical;
  } catch {
    return logical;
  }
}

/** The largest thread count a run may ask for: more than the machine's logical cores only oversubscribes it. */
export function maxThreads(): number {
  return os.availableParallelism();
}
