import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';

export type BackendName = 'webgpu' | 'tensorflow' | 'wasm' | 'cpu';
export const BACKEND_ORDER: readonly BackendName[] = ['webgpu', 'tensorflow', 'wasm', 'cpu'];

export interface BackendReport {
  name: BackendName;
  /** The adapter or library doing the work, in words. */
  device: string;
  versions: Record<string, string>;
  /** Backends tried before this one, with why each was not used. */
  skipped: { name: BackendName; reason: string }[];
}

const resolveFrom = createRequire(import.meta.url);

/**
 * Backends that can read a result back synchronously (dataSync). TF.js's WebGPU backend cannot under Node: its
 * readSync draws through an OffscreenCanvas, which Node lacks.
 */
const SYNC_READ: ReadonlySet<string> = new Set<BackendName>(['tensorflow', 'wasm', 'cpu']);

/** Whether the active (or the named) backend can read results synchronously. */
export function readsSynchronously(name: string = tf.getBackend()): boolean {
  return SYNC_READ.has(name);
}

export interface BackendNeeds {
  /** The work reads results back synchronously inside a step (the layer-entropy regulariser does). */
  syncRead?: boolean;
}

/**
 * The backends to try, in order, and those ruled out before trying: the preferred one then cpu, or every backend
 * best first; without those that cannot do what the work needs (then the best remaining ones stand in).
 */
export function backendCandidates(
  preference: BackendName | 'auto',
  needs: BackendNeeds = {},
): { candidates: BackendName[]; skipped: BackendReport['skipped'] } {
  const wanted: readonly BackendName[] =
    preference === 'auto'
      ? BACKEND_ORDER
      : [preference, ...BACKEND_ORDER.filter((b) => b !== preference && b === 'cpu')];
  if (!needs.syncRead) return { candidates: [...wanted], skipped: [] };
  const skipped = wanted
    .filter((name) => !readsSynchronously(name))
    .map((name) => ({
      name,
      reason:
        'the layer-entropy regulariser reads a small matrix back each step, which this backend cannot do synchronously',
    }));
  // An explicit choice that cannot serve falls back to the best backend that can, not straight to cpu.
  const from = readsSynchronously(wanted[0]!) ? wanted : BACKEND_ORDER;
  return { candidates: from.filter((name) => readsSynchronously(name)), skipped };
}

/**
 * Picks the compute backend: the preferred one, or the best that initialises (webgpu, tensorflow, wasm, cpu).
 * A backend that fails, or cannot do what the work needs, is skipped with its reason recorded, never a crash; the
 * report is stored with each run.
 */
export async function initBackend(
  preference: BackendName | 'auto' = 'auto',
  needs: BackendNeeds = {},
): Promise<BackendReport> {
  tf.enableProdMode();
  const { candidates, skipped } = backendCandidates(preference, needs);
  for (const name of candidates) {
    try {
      const device = await activate(name);
      return { name, device, versions: { 'tfjs-core': tf.version_core }, skipped };
    } catch (error) {
      skipped.push({ name, reason: error instanceof Error ? error.message : String(error) });
    }
  }
  throw new Error(`no compute backend could start: ${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')}`);
}

async function activate(name: BackendName): Promise<string> {
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
