import type { MetricPoint } from '../../shared/schemas/records';
import type { ClassificationDataset } from '../../src-main/data/types';
import { Model, type ModelConfig } from '../../src-main/engine/model';
import { OnnxRunner } from '../../src-main/engine/onnx/runner';
import { train, type TrainOptions } from '../../src-main/engine/trainer';
import { blobDataset } from './engine-fixtures';

/**
 * The small task the rules' learning tests share: four classes in 12 dimensions (one draw of the blobs' centres for
 * every split), trained 10 epochs in batches of 16 on ONNX Runtime. Through a hidden layer of 3 units a random
 * projection loses most of what separates the classes, so the hidden layer must learn to beat the frozen control.
 */
export const SMALL_TASK_OPTIONS: TrainOptions = {
  epochs: 10,
  batchSize: 16,
  readEvery: 10,
  diagnosticsEvery: 0,
  checkpointEvery: 0,
  powerLimit: 1e4,
  seed: 7,
  evaluationsPerEpoch: 1,
};

/** Rows [from, to) of a dataset as a split of its own. */
function rows(all: ClassificationDataset, from: number, to: number, split: ClassificationDataset['split']) {
  const width = all.featureSize;
  const x = all.x.slice(from * width, to * width);
  return { ...all, split, size: to - from, x, y: all.y.slice(from, to), contentHash: `${all.contentHash}-${from}` };
}

export function smallTaskData() {
  const all = blobDataset(1000, 12, 4, 1);
  return {
    train: rows(all, 0, 480, 'train'),
    validation: rows(all, 480, 600, 'validation'),
    test: rows(all, 600, 1000, 'test'),
  };
}

/** The test accuracy after training the config (weights from seed 11) on the small task to the end. */
export async function smallTaskAccuracy(config: ModelConfig): Promise<number> {
  const model = new Model(config, 11);
  const runner = await OnnxRunner.create(model, {
    backend: 'onnx-cpu',
    threads: 1,
    batchSize: SMALL_TASK_OPTIONS.batchSize,
  });
  const points: MetricPoint[] = [];
  try {
    const hooks = {
      metrics: (p: MetricPoint[]) => points.push(...p),
      progress: () => undefined,
      checkpoint: () => undefined,
    };
    const control = { stopRequested: false, waitWhilePaused: () => Promise.resolve() };
    const outcome = await train(runner, model, smallTaskData(), SMALL_TASK_OPTIONS, hooks, control);
    if (outcome.status !== 'completed') throw new Error(`the small task's run ended ${outcome.status}`);
  } finally {
    await runner.dispose();
  }
  return points.filter((p) => p.split === 'test' && p.name === 'accuracy').at(-1)!.value;
}
