import * as tf from '@tensorflow/tfjs-core';
import type { BackendName } from '../../shared/engine/backends';
import { probeBackend } from './backend-probe';
import { EagerRunner } from './eager/runner';
import { readsSynchronously, startTfBackend } from './eager/tf-backend';
import type { Model } from './model';
import { GraphBuildError, OnnxRunner } from './onnx/runner';
import { defaultThreads, isOnnxBackend, maxThreads } from './onnx/runtime';
import type { StepRunner } from './runner';

export type BackendChoice = BackendName | 'auto';

export interface ExecutorOptions {
  backend: BackendChoice;
  /** ONNX Runtime's intra-op threads; the physical cores when absent. */
  threads?: number;
  batchSize: number;
  evalBatch?: number;
}

export interface Skipped {
  name: BackendName;
  reason: string;
}

/**
 * The backends to try, in order, and those ruled out before trying. `auto`: CUDA when its provider is installed,
 * then the compiled CPU step, then TF.js wasm and cpu. A named backend comes first, then the compiled CPU step and
 * TF.js cpu stand in if it fails to start. A named backend that is not installed here is an error, not a quiet
 * substitution: the user asked for it.
 */
export function backendCandidates(
  choice: BackendChoice,
  needs: { hostInverse: boolean } = { hostInverse: false },
): { candidates: BackendName[]; skipped: Skipped[] } {
  const skipped: Skipped[] = [];
  if (choice !== 'auto') {
    const probe = probeBackend(choice);
    if (!probe.available) throw new Error(`backend ${choice} is not available here: ${probe.detail}`);
  }
  const wanted: BackendName[] =
    choice === 'auto' ? ['onnx-cuda', 'onnx-cpu', 'wasm', 'cpu'] : [choice, 'onnx-cpu', 'cpu'];
  const candidates: BackendName[] = [];
  for (const name of wanted) {
    if (candidates.includes(name) || skipped.some((s) => s.name === name)) continue;
    const probe = probeBackend(name);
    if (!probe.available) {
      if (choice !== 'auto' || name !== 'onnx-cuda') skipped.push({ name, reason: probe.detail });
      continue;
    }
    if (needs.hostInverse && !isOnnxBackend(name) && !readsSynchronously(name)) {
      skipped.push({
        name,
        reason:
          'the eager layer-entropy step inverts a small matrix on the host each step, which TF.js WebGPU cannot read back synchronously',
      });
      continue;
    }
    candidates.push(name);
  }
  return { candidates, skipped };
}

/** Checks a thread count a user gave, naming what is wrong. */
export function checkThreads(threads: number): void {
  const most = maxThreads();
  if (!Number.isInteger(threads) || threads < 1 || threads > most) {
    throw new Error(`threads must be a whole number from 1 to ${most} (this machine's logical cores), got ${threads}`);
  }
}

/**
 * Starts the run's executor on the first candidate backend that starts, recording why the others were passed over.
 * A graph that fails to build is an error whatever the backend (it would fail on every provider).
 */
export async function startExecutor(
  model: Model,
  options: ExecutorOptions,
): Promise<{ runner: StepRunner; skipped: Skipped[] }> {
  if (options.threads !== undefined) checkThreads(options.threads);
  const threads = options.threads ?? defaultThreads();
  const { candidates, skipped } = backendCandidates(options.backend, { hostInverse: model.entropyLayers.length > 0 });
  for (const name of candidates) {
    try {
      if (isOnnxBackend(name)) {
        const runner = await OnnxRunner.create(model, {
          backend: name,
          threads,
          batchSize: options.batchSize,
          evalBatch: options.evalBatch,
        });
        return { runner, skipped };
      }
      const device = await startTfBackend(name);
      const report = { backend: name, device, threads: null, versions: { 'tfjs-core': tf.version_core } };
      return { runner: new EagerRunner(model, options.batchSize, report, options.evalBatch), skipped };
    } catch (error) {
      if (error instanceof GraphBuildError) throw error;
      skipped.push({ name, reason: error instanceof Error ? error.message : String(error) });
    }
  }
  throw new Error(`no compute backend could start: ${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')}`);
}
