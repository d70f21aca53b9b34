import type { StepInputValues } from './model';

/** Steps to run in one call: K batches and each step's scalars, stacked step-major (`steps × size` per name). */
export interface StepChunk {
  steps: number;
  inputs: StepInputValues;
}

/** Per-step results of a chunk, step-major. */
export interface ChunkResult {
  loss: Float32Array;
  correct: Float32Array;
  /** Mean hₖ² of every hidden layer after… before each step's update: steps × (L − 1). */
  power: Float32Array;
}

export interface StateTensor {
  shape: readonly number[];
  values: Float32Array;
}

/** What a run's report says of the executor: stored with the run and shown to the user. */
export interface ExecutorReport {
  /** The backend's name as the user chooses it (onnx-cpu, wasm, …). */
  backend: string;
  /** The adapter or library doing the work, in words. */
  device: string;
  /** Intra-op threads, where the executor has a choice. */
  threads: number | null;
  versions: Record<string, string>;
}

/**
 * One run's training step ready to execute: the step compiled for ONNX Runtime, or the same step eager on TF.js.
 * It owns the run's state between calls; the trainer feeds batches and reads back only what it reports.
 */
export interface StepRunner {
  readonly report: ExecutorReport;
  /** Runs chunk.steps training steps, in order, and returns their losses, hits and activation powers. */
  train(chunk: StepChunk): Promise<ChunkResult>;
  /** One step's diagnostics (docs/diagnostics.md) on the current state; the state is not changed. */
  diagnose(inputs: StepInputValues): Promise<Record<string, number>>;
  /** Summed loss and hits over the first `count` rows of a batch of `evalBatch` rows. */
  evaluate(x: Float32Array, target: Float32Array, count: number): Promise<{ lossSum: number; correct: number }>;
  /** Rows per evaluate call. */
  readonly evalBatch: number;
  /** Every saved state entry, by name (for checkpoints and tests). */
  readState(): Promise<Map<string, StateTensor>>;
  /** Replaces state entries by name (a checkpoint being loaded). */
  writeState(values: ReadonlyMap<string, StateTensor>): void;
  dispose(): Promise<void>;
}
