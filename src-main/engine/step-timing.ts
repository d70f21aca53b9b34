import * as tf from '@tensorflow/tfjs-core';
import { median } from '../../shared/analysis/stats';
import { Model, type ModelConfig } from './model';
import { Rng } from '../common/random';
import { trainStep } from './train-step';

export interface StepTiming {
  /** Median wall time of one training step (forward, rule, optimiser) at the given batch size. */
  msPerStep: number;
  /** Median wall time of the evaluation forward pass, per sample (the trainer evaluates in batches of ≥ 256). */
  msPerEvalSample: number;
  /** How many timed steps the median is over. */
  steps: number;
}

export interface TimingOptions {
  batchSize: number;
  /** Untimed steps first: the first steps compile kernels and grow the backend's memory pool. */
  warmup?: number;
  steps?: number;
  /** Stops early once this many milliseconds are spent timing (after at least three timed steps). */
  budgetMs?: number;
}

const EVAL_BATCH = 256;

/**
 * Times the real training step of a model on random data of the right shape: what the time-per-epoch estimate is
 * made from. Random inputs cost the same as real ones (dense products, no data-dependent branches), and random
 * data needs no dataset to be loaded. The model's weights are thrown away afterwards.
 */
export async function timeTrainingStep(config: ModelConfig, options: TimingOptions): Promise<StepTiming> {
  const { batchSize, warmup = 2, steps = 10, budgetMs = 2500 } = options;
  const model = new Model(config, 0);
  const rng = new Rng(1);
  const inputSize = model.net.sizes[0]!;
  const classes = model.net.sizes[model.net.depth]!;
  const x = tf.tensor2d(rng.fillNormal(new Float32Array(batchSize * inputSize), 1), [batchSize, inputSize]);
  const target = tf.tidy(() =>
    tf.cast(tf.oneHot(tf.tensor1d(randomLabels(rng, batchSize, classes), 'int32'), classes), 'float32'),
  ) as tf.Tensor2D;
  const evalX = tf.tensor2d(rng.fillNormal(new Float32Array(EVAL_BATCH * inputSize), 1), [EVAL_BATCH, inputSize]);
  try {
    const stepTimes: number[] = [];
    const started = performance.now();
    for (let i = 0; i < warmup + steps; i++) {
      const t0 = performance.now();
      const { loss, correct, diagnostics } = trainStep(model, x, target, 0, false);
      await loss.data();
      tf.dispose([loss, correct, ...Object.values(diagnostics)]);
      if (i >= warmup) stepTimes.push(performance.now() - t0);
      if (stepTimes.length >= 3 && performance.now() - started > budgetMs) break;
    }
    const evalTimes: number[] = [];
    for (let i = 0; i < 4; i++) {
      const t0 = performance.now();
      const z = model.net.predict(evalX);
      await z.data();
      z.dispose();
      if (i > 0) evalTimes.push(performance.now() - t0);
    }
    return { msPerStep: median(stepTimes), msPerEvalSample: median(evalTimes) / EVAL_BATCH, steps: stepTimes.length };
  } finally {
    tf.dispose([x, target, evalX]);
    model.dispose();
  }
}

function randomLabels(rng: Rng, count: number, classes: number): Int32Array {
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) labels[i] = rng.int(classes);
  return labels;
}
