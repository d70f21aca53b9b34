import { beforeAll, describe, expect, it } from 'vitest';
import type { MetricPoint } from '../../../shared/schemas/records';
import { augmentationPlan, TestViews } from '../../../src-main/data/augment';
import type { ClassificationDataset } from '../../../src-main/data/types';
import { EagerRunner } from '../../../src-main/engine/eager/runner';
import { Model, type ModelConfig } from '../../../src-main/engine/model';
import { OnnxRunner } from '../../../src-main/engine/onnx/runner';
import type { StepRunner } from '../../../src-main/engine/runner';
import { evaluate, testViews, train } from '../../../src-main/engine/trainer';
import { imageConfig, SMALL_NETS } from '../../support/conv-fixtures';
import { useCpuBackend } from '../../support/engine-fixtures';
import { Rng } from '../../../src-main/common/random';

/*
 * Test-time augmentation (dataset.augmentation.testTime): an evaluation averages the network's outputs over the six
 * views of each image before the loss and the argmax, on both executors, and the trainer evaluates so when asked.
 */

beforeAll(useCpuBackend);

const NET = SMALL_NETS.CNN;
const [H, W, C] = [NET.input.height, NET.input.width, NET.input.channels];
const SIZE = H * W * C;
const EVAL_BATCH = 8;

function images(count: number, seed: number): ClassificationDataset {
  const rng = new Rng(seed);
  const y = Int32Array.from({ length: count }, (_, i) => i % NET.classes);
  return {
    task: 'classification',
    name: 'tiny-images',
    split: 'test',
    size: count,
    inputShape: [H, W, C],
    featureSize: SIZE,
    outputSize: NET.classes,
    numClasses: NET.classes,
    classNames: ['a', 'b', 'c'],
    x: rng.fillNormal(new Float32Array(count * SIZE), 1),
    y,
    contentHash: `tiny-${seed}`,
  };
}

function config(views: number): ModelConfig {
  const base = imageConfig(NET, { rule: 'bp', loss: 'cross_entropy' });
  return { ...base, network: { ...base.network, evaluationViews: views } };
}

const RUNNERS = [
  {
    name: 'eager',
    make: (m: Model): Promise<StepRunner> =>
      Promise.resolve(new EagerRunner(m, 4, { backend: 'cpu', device: 'js', threads: null, versions: {} }, EVAL_BATCH)),
  },
  {
    name: 'onnx',
    make: (m: Model): Promise<StepRunner> =>
      OnnxRunner.create(m, { backend: 'onnx-cpu', threads: 1, batchSize: 4, evalBatch: EVAL_BATCH }),
  },
];

describe('an evaluation in test-time views', () => {
  it.each(RUNNERS)('averages the outputs over the six views ($name)', async ({ make }) => {
    const plan = augmentationPlan({ testTime: true }, [H, W, C], 'tiny-images');
    const views = new TestViews(plan);
    const data = images(11, 4); // two batches, the last padded
    const averaged = new Model(config(6), 5);
    const plain = new Model(config(1), 5);
    const [withViews, single] = [await make(averaged), await make(plain)];
    try {
      const result = await evaluate(withViews, averaged, data, views);
      // The same by hand: the plain model's outputs on each view, averaged, through softmax cross-entropy.
      let lossSum = 0;
      let correct = 0;
      const logits = await outputsPerView(single, plain, data, views);
      for (let i = 0; i < data.size; i++) {
        const z = Array.from({ length: NET.classes }, (_, c) => logits.reduce((s, v) => s + v[i]![c]!, 0) / 6);
        const max = Math.max(...z);
        const logSum = max + Math.log(z.reduce((s, v) => s + Math.exp(v - max), 0));
        lossSum += logSum - z[data.y[i]!]!;
        if (z.indexOf(max) === data.y[i]) correct++;
      }
      expect(result.loss).toBeCloseTo(lossSum / data.size, 5);
      expect(result.accuracy).toBeCloseTo(correct / data.size, 10);
      // And it is not the plain evaluation's.
      const asIs = await evaluate(single, plain, data);
      expect(Math.abs(asIs.loss - result.loss)).toBeGreaterThan(1e-4);
    } finally {
      await withViews.dispose();
      await single.dispose();
    }
  });

  it('must match the model: a model averaging 6 views refuses data without them, and the reverse', () => {
    const plan = augmentationPlan({ testTime: true }, [H, W, C], 'tiny-images');
    expect(() => testViews(new Model(config(6), 5), undefined)).toThrow(
      /averages 6 test-time view\(s\), the data gives 1/,
    );
    expect(() => testViews(new Model(config(1), 5), plan)).toThrow(/averages 1 test-time view\(s\), the data gives 6/);
  });

  it('is what the trainer reports for validation and test when the plan has views', async () => {
    const plan = augmentationPlan({ testTime: true }, [H, W, C], 'tiny-images');
    const model = new Model(config(6), 5);
    const runner = await RUNNERS[1]!.make(model);
    const points: MetricPoint[] = [];
    const data = { train: { ...images(16, 1), split: 'train' as const }, validation: null, test: images(11, 4) };
    try {
      const outcome = await train(
        runner,
        model,
        data,
        {
          epochs: 1,
          batchSize: 4,
          readEvery: 4,
          diagnosticsEvery: 0,
          checkpointEvery: 0,
          powerLimit: 1e6,
          seed: 3,
          evaluationsPerEpoch: 1,
          augmentation: plan,
        },
        { metrics: (p) => points.push(...p), progress: () => undefined, checkpoint: () => undefined },
        { stopRequested: false, waitWhilePaused: () => Promise.resolve() },
      );
      expect(outcome.status).toBe('completed');
      const reported = points.find((p) => p.split === 'test' && p.name === 'loss')!.value;
      const again = await evaluate(runner, model, data.test, new TestViews(plan));
      expect(reported).toBeCloseTo(again.loss, 6);
    } finally {
      await runner.dispose();
    }
  });
});

/** The runner's outputs (logits) on each view of every sample, by evaluating one-hot targets of each class. */
async function outputsPerView(runner: StepRunner, model: Model, data: ClassificationDataset, views: TestViews) {
  // Loss of cross-entropy against class c is logSumExp(z) − z_c: differences between classes give z up to a constant
  // per sample, which softmax ignores; the constant is fixed by the mean-free convention below.
  const out: number[][][] = [];
  for (let v = 0; v < views.count; v++) {
    const rows: number[][] = [];
    for (let i = 0; i < data.size; i++) {
      const x = new Float32Array(EVAL_BATCH * SIZE);
      const one = new Float32Array(6 * SIZE);
      views.gather(data.x, [i], one, 1);
      x.set(one.subarray(v * SIZE, (v + 1) * SIZE), 0);
      const losses: number[] = [];
      for (let c = 0; c < NET.classes; c++) {
        const target = new Float32Array(EVAL_BATCH * NET.classes);
        target[c] = 1;
        losses.push((await runner.evaluate(x, target, 1)).lossSum);
      }
      const z = losses.map((l) => -l);
      const mean = z.reduce((a, b) => a + b, 0) / z.length;
      rows.push(z.map((value) => value - mean));
    }
    out.push(rows);
  }
  return out;
}
