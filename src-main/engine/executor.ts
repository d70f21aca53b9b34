import * as tf from '@tensorflow/tfjs-core';
import type { BackendName } from '../../shared/engine/backends';
import { probeBackend } from './backend-probe';
import { EagerRunner } from './eager/runner';
import { readsSynchronously, startTfBackend } from './eager/tf-backend';
import type { Model } from './model';
import { GraphBuildError, OnnxRunner } from './onnx/runner';
import { defaultThreads, isOnnxBackend, loadOrt, maxThreads } from './onnx/runtime';
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
      skipped.push({ name, reason: probe.detail });
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
 * One line that says which backend a run got and why each other candidate was not used: ruled out before trying,
 * failed to start, or not tried because an earlier one in the order started. The engine prints nothing; the host
 * shows this line (the CLI once per command).
 */
export function backendChoiceLine(
  choice: BackendChoice,
  chosen: BackendName,
  passedOver: readonly Skipped[],
  untried: readonly BackendName[],
): string {
  const how = choice === 'auto' ? 'auto' : chosen === choice ? 'as asked' : `standing in for ${choice}`;
  const reasons = [
    ...passedOver.map((s) => `${s.name}: ${conciseReason(s.reason)}`),
    ...untried.map((name) => `${name}: not tried, ${chosen} comes first`),
  ];
  return `${chosen} (${how})${reasons.length > 0 ? `; not ${reasons.join('; ')}` : ''}`;
}

/**
 * A start failure's message on one line, without the native source location ONNX Runtime puts first
 * ("…/webgpu_context.cc:136 Fn() cond was false. Failed to get a WebGPU adapter") that means nothing to a user.
 */
export function conciseReason(message: string): string {
  const flat = message.replace(/\s+/g, ' ').trim();
  if (!/^\S+\.(cc|cpp|c|h):\d+ /.test(flat)) return flat;
  const afterCheck = flat.split(' was false. ')[1];
  return afterCheck ?? flat.replace(/^\S+:\d+ /, '');
}

/**
 * ONNX Runtime's process-wide log level, read when its first session is created. Below errors its messages are
 * noise on the terminal (a provider that cannot start also throws, and that reason is recorded); while `auto`
 * tries providers a failing one's errors are expected, so only fatal ones are printed.
 */
async function quietOnnxRuntime(choice: BackendChoice): Promise<void> {
  const ort = await loadOrt();
  ort.env.logLevel = choice === 'auto' ? 'fatal' : 'error';
}

/**
 * Starts the run's executor on the first candidate backend that starts, recording why the others were passed over
 * (`skipped`) and saying so in one line (`choiceLine`). A graph that fails to build is an error whatever the
 * backend (it would fail on every provider).
 */
export async function startExecutor(
  model: Model,
  options: ExecutorOptions,
): Promise<{ runner: StepRunner; skipped: Skipped[]; choiceLine: string }> {
  if (options.threads !== undefined) checkThreads(options.threads);
  const threads = options.threads ?? defaultThreads();
  const { candidates, skipped } = backendCandidates(options.backend, { hostInverse: model.entropyLayers.length > 0 });
  if (candidates.some(isOnnxBackend)) await quietOnnxRuntime(options.backend);
  for (const [i, name] of candidates.entries()) {
    const started = (runner: StepRunner) => ({
      runner,
      skipped,
      choiceLine: backendChoiceLine(options.backend, name, skipped, candidates.slice(i + 1)),
    });
    try {
      if (isOnnxBackend(name)) {
        return started(
          await OnnxRunner.create(model, {
            backend: name,
            threads,
            batchSize: options.batchSize,
            evalBatch: options.evalBatch,
          }),
        );
      }
      const device = await startTfBackend(name);
      const report = { backend: name, device, threads: null, versions: { 'tfjs-core': tf.version_core } };
      return started(new EagerRunner(model, options.batchSize, report, options.evalBatch));
    } catch (error) {
      if (error instanceof GraphBuildError) throw error;
      skipped.push({ name, reason: error instanceof Error ? error.message : String(error) });
    }
  }
  throw new Error(`no compute backend could start: ${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')}`);
}
