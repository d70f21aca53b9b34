import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '../../src-main/engine/eager/autodiff';
import type { Activation } from '../../shared/schemas/experiment';
import { withDefaults, type RuleName, type RuleParamValues } from '../../shared/rules/catalogue';
import type { ClassificationDataset } from '../../src-main/data/types';
import type { LossName } from '../../src-main/engine/losses';
import { Model, type ModelConfig } from '../../src-main/engine/model';
import { DEFAULT_OPTIMIZER, type OptimizerConfig } from '../../src-main/engine/optim/optimizer';
import { Rng } from '../../src-main/common/random';
import { NO_REGULARIZERS, type RegularizerConfig } from '../../src-main/engine/regularizers/config';
import type { TestBatch } from './executors';

/** The reference backend: plain JS float32, deterministic, the same on every machine. */
export async function useCpuBackend(): Promise<void> {
  tf.enableProdMode();
  await tf.setBackend('cpu');
  await tf.ready();
}

/** EBD/SBD parameters for the small tests: a short memory so that R moves visibly within a few steps. */
export const decorrelationDefaults: RuleParamValues = {
  lambda: 0.9,
  initScale: 1,
  g: 'identity',
  forwardBroadcast: 0,
  freeze: false,
};

export interface TinyOptions {
  sizes?: number[];
  activation?: Activation;
  loss?: LossName;
  rule?: RuleName;
  params?: RuleParamValues;
  optimizer?: Partial<OptimizerConfig>;
  regularizers?: Partial<RegularizerConfig>;
  weightSparsity?: number;
  seed?: number;
}

export function tinyConfig(options: TinyOptions = {}): ModelConfig {
  const sizes = options.sizes ?? [5, 7, 6, 3];
  const rule = options.rule ?? 'bp';
  return {
    network: {
      inputSize: sizes[0]!,
      hidden: sizes.slice(1, -1).map((units) => ({ units, activation: options.activation ?? 'tanh' })),
      outputSize: sizes[sizes.length - 1]!,
      init: { scheme: 'xavier_uniform', gain: 1 },
      weightSparsity: options.weightSparsity ?? 0,
    },
    rule: { name: rule, params: withDefaults(rule, options.params ?? {}) },
    loss: options.loss ?? 'mse',
    optimizer: { ...DEFAULT_OPTIMIZER, ...options.optimizer },
    regularizers: { ...NO_REGULARIZERS, ...options.regularizers },
  };
}

export function tinyModel(options: TinyOptions = {}): Model {
  return new Model(tinyConfig(options), options.seed ?? 3);
}

/** A random batch: inputs N(0,1), one-hot labels (or Poisson-like counts for 'poisson'). */
export function randomBatch(
  rows: number,
  inputs: number,
  classes: number,
  seed = 11,
  loss: LossName = 'mse',
): TestBatch {
  const rng = new Rng(seed);
  const x = rng.fillNormal(new Float32Array(rows * inputs), 1);
  const y = new Float32Array(rows * classes);
  for (let b = 0; b < rows; b++) {
    if (loss === 'poisson') for (let c = 0; c < classes; c++) y[b * classes + c] = rng.int(4);
    else y[b * classes + rng.int(classes)] = 1;
  }
  return { rows, x, y };
}

/** max |a − b| / max |b|, elementwise. */
export function maxRelativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let scale = 1e-8;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return a.length === b.length ? diff / scale : Infinity;
}

/** A small Gaussian-blob classification set, as the data layer would hand it to the trainer. */
export function blobDataset(size: number, features: number, classes: number, seed = 1): ClassificationDataset {
  const rng = new Rng(seed);
  const centres = Array.from({ length: classes }, () => rng.fillNormal(new Float32Array(features), 1.5));
  const x = new Float32Array(size * features);
  const y = new Int32Array(size);
  for (let i = 0; i < size; i++) {
    const c = i % classes;
    y[i] = c;
    for (let d = 0; d < features; d++) x[i * features + d] = centres[c]![d]! + rng.normal();
  }
  return {
    task: 'classification',
    name: 'blobs',
    split: 'train',
    size,
    inputShape: [features],
    featureSize: features,
    outputSize: classes,
    numClasses: classes,
    classNames: Array.from({ length: classes }, (_, i) => `c${i}`),
    x,
    y,
    contentHash: `blobs-${size}-${features}-${classes}-${seed}`,
  };
}
