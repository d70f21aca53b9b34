import * as tf from '@tensorflow/tfjs-core';
import type { MetricPoint } from '../../shared/schemas/records';
import { saveCheckpoint, type TrainingPosition } from './checkpoint';
import { epochOrder, gatherRows } from '../data/order';
import type { Dataset } from '../data/types';
import { computeLoss } from './losses';
import type { Model } from './model';
import { Rng } from '../common/random';
import { trainStep, type StepTensors } from './train-step';

export interface TrainOptions {
  epochs: number;
  batchSize: number;
  /** Steps between reads of the training loss and accuracy (each read is a device sync). */
  readEvery: number;
  /** Steps between diagnostics (three factors, alignment, decorrelation). */
  diagnosticsEvery: number;
  /** Steps between checkpoints; a checkpoint is also taken at the end and when stopped. 0 = only those. */
  checkpointEvery: number;
  /** Activation power (mean h²) above which a layer counts as exploded. */
  powerLimit: number;
  /** Seed of the data order; runs compared under one seed share it. */
  seed: number;
}

export interface Progress {
  epoch: number;
  step: number;
  totalSteps: number;
  samplesPerSecond: number;
  /** Seconds left at the current rate. */
  eta: number;
}

export interface TrainHooks {
  metrics(points: MetricPoint[]): void;
  progress(progress: Progress): void;
  checkpoint(position: TrainingPosition, bytes: Uint8Array): void | Promise<void>;
}

/** Asked between steps: whether to stop now, and (awaited) whether to wait while paused. */
export interface TrainControl {
  readonly stopRequested: boolean;
  /** `step`: the steps trained so far, every one of them already reported (metrics and progress). */
  waitWhilePaused(step: number): Promise<void>;
}

export type TrainOutcome =
  | { status: 'completed'; step: number }
  | { status: 'stopped'; step: number }
  | { status: 'diverged'; step: number; layer: number | null; reason: string };

export interface TrainData {
  train: Dataset;
  validation: Dataset | null;
  test: Dataset | null;
}

/**
 * Trains one model on one dataset: seeded data order per epoch (the last short batch is dropped so every step
 * has the same shapes), metrics read back in batches, diagnostics every N steps, evaluation each epoch, divergence
 * detection, checkpoints, and cooperative pause/stop between steps.
 */
export async function train(
  model: Model,
  data: TrainData,
  options: TrainOptions,
  hooks: TrainHooks,
  control: TrainControl,
  resumeFrom?: TrainingPosition,
): Promise<TrainOutcome> {
  const { batchSize } = options;
  const train = data.train;
  const width = train.featureSize;
  const classes = model.net.sizes[model.net.depth]!;
  const stepsPerEpoch = Math.floor(train.size / batchSize);
  if (stepsPerEpoch === 0) throw new Error(`batch size ${batchSize} is larger than the ${train.size} training samples`);
  const totalSteps = stepsPerEpoch * options.epochs;
  const dataOrder = new Rng(options.seed).fork('data-order');
  const xBuffer = new Float32Array(batchSize * width);
  const targetBuffer = new Float32Array(batchSize * classes);

  let step = resumeFrom?.step ?? 0;
  let pending: { step: number; epoch: number; tensors: StepTensors }[] = [];
  let lastCheckpointStep = step;
  const clock = { start: performance.now(), startStep: step };

  const position = (epoch: number, batchInEpoch: number): TrainingPosition => ({
    epoch,
    batchInEpoch,
    step,
    optimizerSteps: model.optimizer.stepCount,
  });
  const checkpoint = async (epoch: number, batchInEpoch: number) => {
    lastCheckpointStep = step;
    await hooks.checkpoint(position(epoch, batchInEpoch), await saveCheckpoint(model, position(epoch, batchInEpoch)));
  };

  for (let epoch = resumeFrom?.epoch ?? 0; epoch < options.epochs; epoch++) {
    const order = epochOrder(train.size, dataOrder, epoch);
    const firstBatch = epoch === resumeFrom?.epoch ? resumeFrom.batchInEpoch : 0;
    for (let b = firstBatch; b < stepsPerEpoch; b++) {
      await control.waitWhilePaused(step);
      if (control.stopRequested) {
        const outcome = await flush(pending, hooks, options);
        if (outcome) return outcome;
        await checkpoint(epoch, b);
        return { status: 'stopped', step };
      }
      const indices = order.subarray(b * batchSize, (b + 1) * batchSize);
      gatherRows(train.x, width, indices, xBuffer);
      fillTargets(train, indices, classes, targetBuffer);
      const x = tf.tensor2d(xBuffer, [batchSize, width]);
      const target = tf.tensor2d(targetBuffer, [batchSize, classes]);
      const collect = options.diagnosticsEvery > 0 && step % options.diagnosticsEvery === 0;
      pending.push({ step, epoch: epoch + b / stepsPerEpoch, tensors: trainStep(model, x, target, epoch, collect) });
      x.dispose();
      target.dispose();
      step += 1;

      if (pending.length >= options.readEvery) {
        const outcome = await flush(pending, hooks, options);
        pending = [];
        if (outcome) return outcome;
        const elapsed = (performance.now() - clock.start) / 1000;
        const rate = ((step - clock.startStep) * batchSize) / Math.max(elapsed, 1e-9);
        hooks.progress({
          epoch,
          step,
          totalSteps,
          samplesPerSecond: rate,
          eta: ((totalSteps - step) * batchSize) / rate,
        });
        // Let the host's messages (pause, stop) in between steps.
        await new Promise((resolve) => setImmediate(resolve));
      }
      if (options.checkpointEvery > 0 && step - lastCheckpointStep >= options.checkpointEvery)
        await checkpoint(epoch, b + 1);
    }
    const outcome = await flush(pending, hooks, options);
    pending = [];
    if (outcome) return outcome;
    hooks.metrics(await evaluateSplits(model, data, step, epoch + 1, options.batchSize));
  }
  await checkpoint(options.epochs, 0);
  return { status: 'completed', step };
}

function fillTargets(data: Dataset, indices: Int32Array, classes: number, out: Float32Array): void {
  if (data.task === 'regression') {
    gatherRows(data.y, classes, indices, out);
    return;
  }
  out.fill(0);
  for (let r = 0; r < indices.length; r++) out[r * classes + data.y[indices[r]!]!] = 1;
}

/** Reads a batch of steps' scalars in one sync, turns them into metric points, and checks for divergence. */
async function flush(
  pending: { step: number; epoch: number; tensors: StepTensors }[],
  hooks: TrainHooks,
  { batchSize, powerLimit }: Pick<TrainOptions, 'batchSize' | 'powerLimit'>,
): Promise<TrainOutcome | null> {
  if (pending.length === 0) return null;
  const scalars: tf.Scalar[] = [];
  for (const p of pending) scalars.push(p.tensors.loss, p.tensors.correct, ...Object.values(p.tensors.diagnostics));
  const stacked = tf.stack(scalars);
  const values = await stacked.data();
  tf.dispose([stacked, ...scalars]);
  const points: MetricPoint[] = [];
  let i = 0;
  let lossSum = 0;
  let correct = 0;
  let divergence: TrainOutcome | null = null;
  for (const p of pending) {
    const loss = values[i++]!;
    correct += values[i++]!;
    lossSum += loss;
    if (!Number.isFinite(loss) && !divergence) {
      divergence = {
        status: 'diverged',
        step: p.step,
        layer: null,
        reason: `the training loss became ${loss} at step ${p.step}`,
      };
    }
    for (const name of Object.keys(p.tensors.diagnostics)) {
      const value = values[i++]!;
      points.push({ step: p.step, epoch: p.epoch, split: 'diagnostic', name, value });
      const layer = /^layer(\d+)\.activation_power$/.exec(name);
      if (layer && !divergence && (!Number.isFinite(value) || value > powerLimit)) {
        divergence = {
          status: 'diverged',
          step: p.step,
          layer: Number(layer[1]),
          reason: `layer ${layer[1]}'s activation power reached ${value.toPrecision(4)} at step ${p.step} (limit ${powerLimit})`,
        };
      }
    }
  }
  // Training loss and accuracy are averaged over the steps of this read, stamped with its last step.
  const last = pending[pending.length - 1]!;
  const steps = pending.length;
  points.push({ step: last.step, epoch: last.epoch, split: 'train', name: 'loss', value: lossSum / steps });
  points.push({
    step: last.step,
    epoch: last.epoch,
    split: 'train',
    name: 'accuracy',
    value: correct / (steps * batchSize),
  });
  hooks.metrics(points);
  return divergence;
}

/** Loss and accuracy on the validation and test splits, in batches. */
export async function evaluateSplits(
  model: Model,
  data: TrainData,
  step: number,
  epoch: number,
  batchSize: number,
): Promise<MetricPoint[]> {
  const points: MetricPoint[] = [];
  for (const [split, dataset] of [
    ['validation', data.validation],
    ['test', data.test],
  ] as const) {
    if (!dataset || dataset.size === 0) continue;
    const { loss, accuracy } = await evaluate(model, dataset, Math.max(batchSize, 256));
    points.push({ step, epoch, split, name: 'loss', value: loss });
    if (dataset.task === 'classification') points.push({ step, epoch, split, name: 'accuracy', value: accuracy });
  }
  return points;
}

export async function evaluate(
  model: Model,
  dataset: Dataset,
  batchSize: number,
): Promise<{ loss: number; accuracy: number }> {
  const classes = model.net.sizes[model.net.depth]!;
  const width = dataset.featureSize;
  let lossSum = 0;
  let correct = 0;
  for (let start = 0; start < dataset.size; start += batchSize) {
    const count = Math.min(batchSize, dataset.size - start);
    const indices = Int32Array.from({ length: count }, (_, i) => start + i);
    const xs = gatherRows(dataset.x, width, indices);
    const targets = new Float32Array(count * classes);
    fillTargets(dataset, indices, classes, targets);
    const summed = tf.tidy(() => {
      const x = tf.tensor2d(xs, [count, width]);
      const target = tf.tensor2d(targets, [count, classes]);
      const z = model.net.predict(x);
      const { loss } = computeLoss(model.config.loss, z, target);
      const hits = tf.sum(tf.cast(tf.equal(tf.argMax(z, 1), tf.argMax(target, 1)), 'float32'));
      return tf.stack([tf.mul(loss, count), hits]);
    });
    const [lossValue, correctValue] = await summed.data();
    summed.dispose();
    lossSum += lossValue!;
    correct += correctValue!;
  }
  return { loss: lossSum / dataset.size, accuracy: correct / dataset.size };
}
