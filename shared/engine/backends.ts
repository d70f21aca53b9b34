/**
 * The compute backends a run can ask for, as the user names them. The ONNX ones run the compiled step (the whole
 * step built once as a graph and run by ONNX Runtime, K steps per call); the TF.js ones run the same step eagerly,
 * op by op (the reference executor). `auto` takes CUDA when its provider is installed, else the CPU.
 */
export const BACKEND_NAMES = [
  'onnx-cpu',
  'onnx-cuda',
  'onnx-webgpu',
  'onnx-dml',
  'onnx-coreml',
  'webgpu',
  'tensorflow',
  'wasm',
  'cpu',
] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

export const BACKEND_LABELS: Record<BackendName, string> = {
  'onnx-cpu': 'ONNX Runtime, CPU (compiled, every core)',
  'onnx-cuda': 'ONNX Runtime, CUDA (NVIDIA GPU)',
  'onnx-webgpu': 'ONNX Runtime, WebGPU',
  'onnx-dml': 'ONNX Runtime, DirectML (Windows GPU)',
  'onnx-coreml': 'ONNX Runtime, Core ML (macOS)',
  webgpu: 'TF.js WebGPU (eager)',
  tensorflow: 'TF.js on libtensorflow (eager)',
  wasm: 'TF.js WebAssembly (eager, one thread)',
  cpu: 'TF.js plain JavaScript (eager reference)',
};

/** Intra-op threads a run may ask for: 1 to this (the app also refuses more than the machine's logical cores). */
export const MAX_THREADS = 1024;
