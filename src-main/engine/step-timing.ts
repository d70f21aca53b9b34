import { median } from '../../shared/analysis/stats';
import { Rng } from '../common/random';
import type { Model, StepInputValues } from './model';
import type { StepRunner } from './runner';

export interface StepTiming {
  /** Median wall time of one training step (forward, rule, optimiser) at the given batch size. */
  msPerStep: number;
  /** Median wall time of the evaluation forward pass, per sample. */
  msPerEvalSample: number;
  /** How many timed calls the median is over. */
  steps: number;
}

export interface TimingOptions {
  batchSize: number;
  /** Timed calls after one untimed single step (the first call allocates and plans). */
  calls?: number;
  /** Stops early once this many milliseconds are spent timing (after at least three timed calls). */
  budgetMs?: number;
}

/**
 * Times the real training step of a model on its executor, on random data of the right shape: what the
 * time-per-epoch estimate is made from. Random inputs cost the same as real ones (dense products, no
 * data-dependent branches), and random data needs no dataset to be loaded. The runner's state moves on; use a
 * runner made for timing.
 */
export async function timeTrainingStep(runner: StepRunner, model: Model, options: TimingOptions): Promise<StepTiming> {
  const { batchSize, calls = 5, budgetMs = 2500 } = options;
  const rng = new Rng(1);
  const features = model.config.network.inputSize;
  const classes = model.classes;
  const inputs = (steps: number): StepInputValues => {
    const out: StepInputValues = {
      x: rng.fillNormal(new Float32Array(steps * batchSize * features), 1),
      target: oneHot(rng, steps * batchSize, classes),
    };
    return { ...out, ...model.stackedScalars(0, steps, 0, batchSize) };
  };
  // One untimed step, then calls of as many steps as fit a fifth of the budget: a compiled step runs several per
  // call as in training, while an eager step on plain JS (seconds each) is timed one at a time.
  const started = performance.now();
  await runner.train({ steps: 1, inputs: inputs(1) });
  const first = performance.now() - started;
  const stepsPerCall = Math.max(1, Math.min(20, Math.floor(budgetMs / 5 / Math.max(first, 1e-3))));
  const chunk = inputs(stepsPerCall);
  const perStep: number[] = [];
  for (let i = 0; i < calls; i++) {
    const t0 = performance.now();
    await runner.train({ steps: stepsPerCall, inputs: chunk });
    perStep.push((performance.now() - t0) / stepsPerCall);
    if (perStep.length >= 3 && performance.now() - started > budgetMs) break;
  }
  const evalRows = runner.evalBatch;
  const evalX = rng.fillNormal(new Float32Array(evalRows * features), 1);
  const evalTarget = oneHot(rng, evalRows, classes);
  const evalTimes: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    await runner.evaluate(evalX, evalTarget, evalRows);
    if (i > 0) evalTimes.push(performance.now() - t0);
  }
  return { msPerStep: median(perStep), msPerEvalSample: median(evalTimes) / evalRows, steps: perStep.length };
}

function oneHot(rng: Rng, rows: number, classes: number): Float32Array {
  const out = new Float32Array(rows * classes);
  for (let r = 0; r < rows; r++) out[r * classes + rng.int(classes)] = 1;
  return out;
}
