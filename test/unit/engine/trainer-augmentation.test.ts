import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../../src-main/common/random';
import { Augmenter, augmentationPlan } from '../../../src-main/data/augment';
import { epochOrder, gatherRows } from '../../../src-main/data/order';
import type { ClassificationDataset } from '../../../src-main/data/types';
import { readCheckpoint, type TrainingPosition } from '../../../src-main/engine/checkpoint';
import { EagerRunner } from '../../../src-main/engine/eager/runner';
import { Model } from '../../../src-main/engine/model';
import type { StepRunner } from '../../../src-main/engine/runner';
import { train, type TrainControl, type TrainOptions } from '../../../src-main/engine/trainer';
import { tinyConfig, useCpuBackend } from '../../support/engine-fixtures';

/**
 * The trainer with augmentation on a real (eager) executor: the rows each training call receives are recorded by
 * a pass-through around the runner, and compared with the augmentation computed here from the seed's data order.
 */

beforeAll(useCpuBackend);

const SHAPE = [4, 4, 1] as const;
const WIDTH = 16;

/** Images whose pixels are all distinct and non-zero, so any move or zero padding shows. */
function images(size: number, seed: number, split: 'train' | 'validation' | 'test'): ClassificationDataset {
  const rng = new Rng(seed);
  return {
    task: 'classification',
    name: 'squares',
    split,
    size,
    inputShape: [...SHAPE],
    featureSize: WIDTH,
    outputSize: 3,
    numClasses: 3,
    classNames: ['a', 'b', 'c'],
    x: Float32Array.from({ length: size * WIDTH }, (_, i) => 1 + (i % WIDTH) / 8 + rng.next() / 16),
    y: Int32Array.from({ length: size }, (_, i) => i % 3),
    contentHash: `squares-${split}`,
  };
}

const data = { train: images(48, 1, 'train'), validation: images(20, 2, 'validation'), test: images(20, 3, 'test') };
const plan = augmentationPlan(
  { crop: { padding: 1 }, translate: { pixels: 1, padding: 'reflect' }, flip: 'random' },
  SHAPE,
  'squares',
);
const options: TrainOptions = {
  epochs: 3,
  batchSize: 8,
  readEvery: 2,
  diagnosticsEvery: 0,
  checkpointEvery: 4,
  powerLimit: 1e4,
  seed: 7,
  evaluationsPerEpoch: 1,
  augmentation: plan,
};
const noControl: TrainControl = { stopRequested: false, waitWhilePaused: () => Promise.resolve() };

interface Recorded {
  /** Per training step, in order: its input rows and its targets. */
  steps: { x: Float32Array; target: Float32Array }[];
  evaluated: Float32Array[];
  checkpoints: { position: TrainingPosition; bytes: Uint8Array }[];
  weights: Float32Array[];
}

async function run(opts: Partial<TrainOptions>, resume?: Uint8Array): Promise<Recorded> {
  const model = new Model(tinyConfig({ sizes: [WIDTH, 6, 3], rule: 'bp' }), resume ? 99 : 3);
  const inner = new EagerRunner(model, 8, { backend: 'cpu', device: 'js', threads: null, versions: {} }, 50);
  const restored = resume ? readCheckpoint(model, resume) : null;
  if (restored) inner.writeState(restored.state);
  const seen: Recorded = { steps: [], evaluated: [], checkpoints: [], weights: [] };
  const runner: StepRunner = {
    report: inner.report,
    evalBatch: inner.evalBatch,
    train: (chunk) => {
      const per = 8 * WIDTH;
      const x = chunk.inputs.x as Float32Array;
      const target = chunk.inputs.target as Float32Array;
      for (let s = 0; s < chunk.steps; s++) {
        seen.steps.push({ x: x.slice(s * per, (s + 1) * per), target: target.slice(s * 24, (s + 1) * 24) });
      }
      return inner.train(chunk);
    },
    diagnose: (inputs) => inner.diagnose(inputs),
    evaluate: (x, target, count) => {
      seen.evaluated.push(x.slice(0, count * WIDTH));
      return inner.evaluate(x, target, count);
    },
    readState: () => inner.readState(),
    writeState: (values) => inner.writeState(values),
    dispose: () => inner.dispose(),
  };
  try {
    await train(
      runner,
      model,
      data,
      { ...options, ...opts },
      {
        metrics: () => undefined,
        progress: () => undefined,
        checkpoint: (position, bytes) => void seen.checkpoints.push({ position, bytes }),
      },
      noControl,
      restored?.position,
    );
    seen.weights = [...(await inner.readState()).values()].map((t) => t.values);
    return seen;
  } finally {
    await runner.dispose();
  }
}

describe('trainer with augmentation', () => {
  it('feeds each step the augmented rows of its batch, with their own labels, and never augments evaluation', async () => {
    const straight = await run({ chunkSteps: 5 });
    expect(straight.steps.length).toBe(18); // 6 steps an epoch
    const augmenter = new Augmenter(plan, options.seed);
    const dataOrder = new Rng(options.seed).fork('data-order');
    let moved = 0;
    for (let step = 0; step < 18; step++) {
      const epoch = Math.floor(step / 6);
      const b = step % 6;
      const indices = epochOrder(48, dataOrder, epoch).subarray(b * 8, (b + 1) * 8);
      const expected = augmenter.gather(data.train.x, indices, epoch);
      const plain = gatherRows(data.train.x, WIDTH, indices);
      expect(straight.steps[step]!.x).toEqual(expected);
      if (expected.some((v, i) => v !== plain[i])) moved++;
      // Labels untouched: the one-hot targets of the same samples.
      const labels = Array.from(indices, (i) => data.train.y[i]!);
      const hot = Array.from({ length: 8 }, (_, r) =>
        straight.steps[step]!.target.subarray(r * 3, r * 3 + 3).indexOf(1),
      );
      expect(hot).toEqual(labels);
    }
    expect(moved).toBe(18);
    // Evaluation reads the validation and test rows exactly as they are, every time.
    expect(straight.evaluated.length).toBe(6);
    for (const [k, x] of straight.evaluated.entries()) expect(x).toEqual((k % 2 === 0 ? data.validation : data.test).x);
  });

  it('gives a run resumed mid-epoch from a checkpoint the same batches, and the same weights, whatever K', async () => {
    const straight = await run({ chunkSteps: 1 });
    const cut = straight.checkpoints.find((c) => c.position.step === 8)!;
    expect(cut.position).toMatchObject({ epoch: 1, batchInEpoch: 2 });
    const resumed = await run({ chunkSteps: 3 }, cut.bytes);
    expect(resumed.steps.length).toBe(10);
    resumed.steps.forEach((s, i) => expect(s.x).toEqual(straight.steps[8 + i]!.x));
    expect(resumed.weights).toEqual(straight.weights);
    const other = await run({ chunkSteps: 7 });
    other.steps.forEach((s, i) => expect(s.x).toEqual(straight.steps[i]!.x));
  });
});
