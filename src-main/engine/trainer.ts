import type { MetricPoint } from '../../shared/schemas/records';
import { Rng } from '../common/random';
import { Augmenter, augmentsTraining, TestViews, type AugmentationPlan } from '../data/augment';
import { epochOrder, gatherRows } from '../data/order';
import type { Dataset } from '../data/types';
import { saveCheckpoint, type TrainingPosition } from './checkpoint';
import { stateDivergence, stepDivergence, stepFinding, type Divergence } from './divergence';
import type { Model, StepInputValues } from './model';
import type { StepRunner } from './runner';

export interface TrainOptions {
  epochs: number;
  batchSize: number;
  /** Steps over which the training loss and accuracy are averaged into one point. */
  readEvery: number;
  /** Steps between diagnostics (three factors, alignment, decorrelation); 0 = never. */
  diagnosticsEvery: number;
  /** Steps between checkpoints; a checkpoint is also taken at the end and when stopped. 0 = only those. */
  checkpointEvery: number;
  /** Activation power (mean h²) above which a layer counts as exploded. */
  powerLimit: number;
  /** Seed of the data order; runs compared under one seed share it. */
  seed: number;
  /**
   * Evaluations of the validation and test splits per epoch, evenly spaced, the epoch's end included. Absent: enough
   * for MIN_EVALUATIONS points over the run, at most one every MIN_STEPS_BETWEEN_EVALUATIONS steps.
   */
  evaluationsPerEpoch?: number | undefined;
  /**
   * Steps per executor call. Absent or 0: chosen from the measured time per step so that a call holds about
   * `chunkMs` of work. Results are the same whatever it is; only how often the host hears from the run changes.
   */
  chunkSteps?: number;
  chunkMs?: number;
  /** Augmentation of the training rows, drawn per (seed, epoch, sample) (data/augment.ts); absent: none. */
  augmentation?: AugmentationPlan | undefined;
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

/** Asked between calls: whether to stop now, and (awaited) whether to wait while paused. */
export interface TrainControl {
  readonly stopRequested: boolean;
  /**
   * `step`: the steps trained so far, every one of them already reported (metrics and progress). A control that
   * holds calls `beforeHolding` first: the trainer reports its partly filled loss window there.
   */
  waitWhilePaused(step: number, beforeHolding?: () => void): Promise<void>;
}

export type TrainOutcome =
  { status: 'completed'; step: number } | { status: 'stopped'; step: number } | ({ status: 'diverged' } & Divergence);

export interface TrainData {
  train: Dataset;
  validation: Dataset | null;
  test: Dataset | null;
}

/** Input floats one call may stage at most (K × batch × features): 64 MiB. */
export const MAX_CHUNK_VALUES = 16 * 1024 * 1024;
/** Steps one call may hold at most, whatever the time per step. */
export const MAX_CHUNK_STEPS = 500;
/** Evaluation points a run gets by default: enough for a curve, however few its epochs. */
export const MIN_EVALUATIONS = 20;
/**
 * By default evaluations are at least this many steps apart, so that a run of few steps spends most of its time
 * training (each evaluation reads the whole validation and test sets); a run of 40 steps or more gets its 20.
 */
export const MIN_STEPS_BETWEEN_EVALUATIONS = 2;

/**
 * The batches within an epoch after which the splits are evaluated, ascending, the last being the epoch's end:
 * `perEpoch` evenly spaced (or, absent, ceil(MIN_EVALUATIONS / epochs) capped so that they are at least
 * MIN_STEPS_BETWEEN_EVALUATIONS steps apart), never more than one per step.
 */
export function evaluationBatches(stepsPerEpoch: number, epochs: number, perEpoch?: number): number[] {
  const wanted =
    perEpoch ??
    Math.min(Math.ceil(MIN_EVALUATIONS / epochs), Math.floor(stepsPerEpoch / MIN_STEPS_BETWEEN_EVALUATIONS));
  const count = Math.max(1, Math.min(wanted, stepsPerEpoch));
  return Array.from({ length: count }, (_, j) => Math.round(((j + 1) * stepsPerEpoch) / count));
}

/**
 * Trains one model on one dataset through a StepRunner: seeded data order per epoch (the last short batch is
 * dropped so every step has the same shapes), K steps per call, training metrics averaged over readEvery steps,
 * diagnostics every N steps, evaluations at evenly spaced steps of each epoch (its end included), divergence
 * detection per step, checkpoints, and cooperative pause/stop between calls. Calls end at every step that takes
 * diagnostics, an evaluation or a checkpoint and at every epoch's end, so what is recorded does not depend on K.
 * Evaluations only read the model: training is the same whatever their number.
 *
 * Divergence: each step's loss and per-layer activation power are checked as the call returns them; the whole
 * state (weights, rule state, optimiser moments, entropy inverses) is checked at the start, before every
 * checkpoint and at the end, so that no checkpoint and no finished run holds NaN. Every point recorded before the
 * divergent step is reported before the outcome.
 */
export async function train(
  runner: StepRunner,
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
  const stepsPerEpoch = Math.floor(train.size / batchSize);
  if (stepsPerEpoch === 0) throw new Error(`batch size ${batchSize} is larger than the ${train.size} training samples`);
  const totalSteps = stepsPerEpoch * options.epochs;
  const dataOrder = new Rng(options.seed).fork('data-order');
  const chunkMs = options.chunkMs ?? 150;
  const evaluationsAt = evaluationBatches(stepsPerEpoch, options.epochs, options.evaluationsPerEpoch);
  const plan = options.augmentation;
  const augmenter = plan && augmentsTraining(plan) ? new Augmenter(plan, options.seed) : null;
  const views = testViews(model, plan);

  let step = resumeFrom?.step ?? 0;
  // Updates made so far: the optimiser's clock (Adam's bias correction, the entropy floor's rows).
  let updates = resumeFrom?.optimizerSteps ?? step;
  let lastCheckpointStep = step;
  let chunk = options.chunkSteps && options.chunkSteps > 0 ? options.chunkSteps : 1;
  const clock = { start: performance.now(), startStep: step };

  const position = (epoch: number, batchInEpoch: number): TrainingPosition => ({
    epoch,
    batchInEpoch,
    step,
    optimizerSteps: updates,
  });
  // A checkpoint of a diverged state would resume into the same NaN: the state is checked first.
  const checkpoint = async (epoch: number, batchInEpoch: number): Promise<Divergence | null> => {
    const diverged = stateDivergence(model, await runner.readState(), step);
    if (diverged) return diverged;
    lastCheckpointStep = step;
    const at = position(epoch, batchInEpoch);
    await hooks.checkpoint(at, await saveCheckpoint(runner, at));
    return null;
  };
  // The store takes finite values only and refuses a whole batch for one that is not; a diagnostic of a state
  // on its way to diverging can be NaN while the rest of its batch is worth keeping.
  const emit = (points: MetricPoint[]) => {
    const finite = points.filter((p) => Number.isFinite(p.value));
    if (finite.length > 0) hooks.metrics(finite);
  };
  // Training loss and accuracy are averaged over readEvery steps, stamped with the window's last step.
  const window = { steps: 0, loss: 0, correct: 0, lastStep: 0, lastEpoch: 0 };
  const flushWindow = () => {
    if (window.steps === 0) return;
    const { lastStep, lastEpoch } = window;
    emit([
      { step: lastStep, epoch: lastEpoch, split: 'train', name: 'loss', value: window.loss / window.steps },
      {
        step: lastStep,
        epoch: lastEpoch,
        split: 'train',
        name: 'accuracy',
        value: window.correct / (window.steps * batchSize),
      },
    ]);
    Object.assign(window, { steps: 0, loss: 0, correct: 0 });
  };

  const atStart = stateDivergence(model, await runner.readState(), step);
  if (atStart) return { status: 'diverged', ...atStart };

  for (let epoch = resumeFrom?.epoch ?? 0; epoch < options.epochs; epoch++) {
    const order = epochOrder(train.size, dataOrder, epoch);
    const inputsFor = (first: number, count: number) =>
      chunkInputs(model, train, order, { first, count, batchSize, epoch, updates }, augmenter);
    let b = epoch === resumeFrom?.epoch ? resumeFrom.batchInEpoch : 0;
    while (b < stepsPerEpoch) {
      // A pause reports the steps of the open loss window first, so the store holds every step up to the pause.
      await control.waitWhilePaused(step, flushWindow);
      if (control.stopRequested) {
        flushWindow();
        const diverged = await checkpoint(epoch, b);
        return diverged ? { status: 'diverged', ...diverged } : { status: 'stopped', step };
      }
      if (options.diagnosticsEvery > 0 && step % options.diagnosticsEvery === 0) {
        const values = await runner.diagnose(inputsFor(b, 1));
        const at = { step, epoch: epoch + b / stepsPerEpoch, split: 'diagnostic' as const };
        emit(Object.entries(values).map(([name, value]) => ({ ...at, name, value })));
      }
      const nextEvaluation = evaluationsAt.find((e) => e > b) ?? stepsPerEpoch;
      const count = Math.min(
        chunk,
        nextEvaluation - b,
        stepsToMultiple(step, options.diagnosticsEvery),
        options.checkpointEvery > 0 ? options.checkpointEvery - (step - lastCheckpointStep) : Infinity,
        Math.max(1, Math.floor(MAX_CHUNK_VALUES / (batchSize * width))),
      );
      const started = performance.now();
      const result = await runner.train({ steps: count, inputs: inputsFor(b, count) });
      const elapsed = performance.now() - started;
      const hidden = result.power.length / count;
      for (let i = 0; i < count; i++) {
        const loss = result.loss[i]!;
        const finding = stepFinding(loss, result.power.subarray(i * hidden, (i + 1) * hidden), options.powerLimit);
        if (finding) {
          flushWindow();
          return { status: 'diverged', ...stepDivergence(model, finding, await runner.readState(), step) };
        }
        Object.assign(window, {
          steps: window.steps + 1,
          loss: window.loss + loss,
          correct: window.correct + result.correct[i]!,
          lastStep: step,
          lastEpoch: epoch + (b + i) / stepsPerEpoch,
        });
        if (window.steps >= options.readEvery) flushWindow();
        step += 1;
        updates += 1;
      }
      b += count;
      // Inside the epoch the loss window stays open (its points must not depend on the evaluations); the epoch's
      // end is evaluated below, after the window is flushed.
      if (b < stepsPerEpoch && b === nextEvaluation) {
        emit(await evaluateSplits(runner, model, data, step, epoch + b / stepsPerEpoch, views));
      }
      if (!options.chunkSteps) chunk = nextChunkSize(count, elapsed, chunkMs);
      const wall = (performance.now() - clock.start) / 1000;
      const rate = ((step - clock.startStep) * batchSize) / Math.max(wall, 1e-9);
      hooks.progress({
        epoch,
        step,
        totalSteps,
        samplesPerSecond: rate,
        eta: ((totalSteps - step) * batchSize) / rate,
      });
      if (options.checkpointEvery > 0 && step - lastCheckpointStep >= options.checkpointEvery) {
        const diverged = await checkpoint(epoch, b);
        if (diverged) return { status: 'diverged', ...diverged };
      }
      // Let the host's messages (pause, stop) in between calls.
      await new Promise((resolve) => setImmediate(resolve));
    }
    flushWindow();
    emit(await evaluateSplits(runner, model, data, step, epoch + 1, views));
  }
  const diverged = await checkpoint(options.epochs, 0);
  return diverged ? { status: 'diverged', ...diverged } : { status: 'completed', step };
}

/** Steps from `step` to the next multiple of `every` (every step when 0 or 1 counts as none due). */
function stepsToMultiple(step: number, every: number): number {
  if (every <= 0) return Infinity;
  const rest = every - (step % every);
  return rest === 0 ? every : rest;
}

/** The next call's steps: about `targetMs` of work at the rate just measured, growing at most fourfold at a time. */
function nextChunkSize(count: number, elapsedMs: number, targetMs: number): number {
  const perStep = elapsedMs / count;
  const wanted = perStep > 0 ? Math.floor(targetMs / perStep) : MAX_CHUNK_STEPS;
  return Math.max(1, Math.min(MAX_CHUNK_STEPS, wanted, count * 4));
}

/** One-hot labels (classification) or target rows (regression) of the given samples into `out`. */
export function fillTargets(data: Dataset, indices: ArrayLike<number>, classes: number, out: Float32Array): void {
  if (data.task === 'regression') {
    gatherRows(data.y, classes, indices, out);
    return;
  }
  out.fill(0);
  for (let r = 0; r < indices.length; r++) out[r * classes + data.y[indices[r]!]!] = 1;
}

/** The stacked inputs of `count` steps from batch `first` of an epoch's order. */
function chunkInputs(
  model: Model,
  data: Dataset,
  order: Int32Array,
  at: { first: number; count: number; batchSize: number; epoch: number; updates: number },
  augmenter: Augmenter | null,
): StepInputValues {
  const { first, count, batchSize, epoch, updates } = at;
  const indices = order.subarray(first * batchSize, (first + count) * batchSize);
  const classes = model.classes;
  const rows = new Float32Array(indices.length * data.featureSize);
  // Training rows only: evaluate() gathers the validation and test rows as they are.
  const x = augmenter
    ? augmenter.gather(data.x, indices, epoch, rows)
    : gatherRows(data.x, data.featureSize, indices, rows);
  const target = new Float32Array(indices.length * classes);
  fillTargets(data, indices, classes, target);
  return { x, target, ...model.stackedScalars(updates, count, epoch, batchSize) };
}

/** Loss and accuracy on the validation and test splits. */
export async function evaluateSplits(
  runner: StepRunner,
  model: Model,
  data: TrainData,
  step: number,
  epoch: number,
  views: TestViews | null = null,
): Promise<MetricPoint[]> {
  const points: MetricPoint[] = [];
  for (const [split, dataset] of [
    ['validation', data.validation],
    ['test', data.test],
  ] as const) {
    if (!dataset || dataset.size === 0) continue;
    const { loss, accuracy } = await evaluate(runner, model, dataset, views);
    points.push({ step, epoch, split, name: 'loss', value: loss });
    if (dataset.task === 'classification') points.push({ step, epoch, split, name: 'accuracy', value: accuracy });
  }
  return points;
}

/**
 * The test-time views of a run whose model averages them (trainer and model must agree: the evaluation graph is
 * built for its number of views), or null.
 */
export function testViews(model: Model, plan: AugmentationPlan | undefined): TestViews | null {
  const views = plan && plan.testViews.length > 0 ? new TestViews(plan) : null;
  if ((views?.count ?? 1) !== model.evaluationViews)
    throw new Error(
      `the model averages ${model.evaluationViews} test-time view(s), the data gives ${views?.count ?? 1}`,
    );
  return views;
}

/**
 * Mean loss and accuracy of the model on a whole dataset, in the runner's evaluation batches (the last padded); with
 * test-time views, each batch in every view.
 */
export async function evaluate(
  runner: StepRunner,
  model: Model,
  dataset: Dataset,
  views: TestViews | null = null,
): Promise<{ loss: number; accuracy: number }> {
  const classes = model.classes;
  const width = dataset.featureSize;
  const rows = runner.evalBatch;
  const x = new Float32Array((views?.count ?? 1) * rows * width);
  const targets = new Float32Array(rows * classes);
  let lossSum = 0;
  let correct = 0;
  for (let start = 0; start < dataset.size; start += rows) {
    const count = Math.min(rows, dataset.size - start);
    const indices = Int32Array.from({ length: count }, (_, i) => start + i);
    x.fill(0);
    if (views) views.gather(dataset.x, indices, x, rows);
    else gatherRows(dataset.x, width, indices, x);
    fillTargets(dataset, indices, classes, targets);
    if (count < rows) targets.fill(0, count * classes);
    const summed = await runner.evaluate(x, targets, count);
    lossSum += summed.lossSum;
    correct += summed.correct;
  }
  return { loss: lossSum / dataset.size, accuracy: correct / dataset.size };
}
