import { Rng } from '../common/random';
import { DatasetError } from './errors';
import type { RawPart, RawSource } from './types';

/**
 * Seeded synthetic datasets. Each generator derives named sub-streams from its seed ('teacher', 'train',
 * 'test'), so the test set does not change when the training set grows, and the same seed gives the same
 * numbers on every machine (the generator is ours, not the tensor backend's).
 */

interface Sizes {
  /** Default 10,000. */
  trainSize?: number;
  /** Default 2,000. */
  testSize?: number;
  /** Default 0. */
  seed?: number;
}

function positiveInt(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1)
    throw new DatasetError('options', null, `${name} must be a positive integer, got ${value}`);
  return value;
}

function nonNegative(value: number, name: string): number {
  if (!Number.isFinite(value) || value < 0)
    throw new DatasetError('options', null, `${name} must be a number ≥ 0, got ${value}`);
  return value;
}

function sizesOf(params: Sizes): { train: number; test: number; seed: number } {
  const seed = params.seed ?? 0;
  if (!Number.isInteger(seed) || seed < 0)
    throw new DatasetError('options', null, `seed must be an integer ≥ 0, got ${seed}`);
  return {
    train: positiveInt(params.trainSize ?? 10000, 'trainSize'),
    test: positiveInt(params.testSize ?? 2000, 'testSize'),
    seed,
  };
}

function source(
  name: string,
  location: string,
  inputDim: number,
  classNames: string[],
  regression: boolean,
  train: RawPart,
  test: RawPart,
): RawSource {
  return {
    name,
    task: regression ? 'regression' : 'classification',
    inputShape: [inputDim],
    outputSize: classNames.length,
    classNames,
    featureNames: Array.from({ length: inputDim }, (_, i) => `x${i + 1}`),
    location,
    scaleByDefault: false,
    train,
    validation: null,
    test,
  };
}

export interface TeacherStudentParams extends Sizes {
  /** Default 20. */
  inputDim?: number;
  /** Default 1. */
  outputDim?: number;
  /** Hidden units of the teacher; 0 (default) makes a linear teacher. */
  hiddenUnits?: number;
  /** Standard deviation of the Gaussian noise added to the teacher's output. Default 0.1. */
  noiseStd?: number;
}

/**
 * Regression on a random teacher: x ~ N(0, I), y = W₂ tanh(W₁ x) + noise (or y = W x + noise when linear).
 * Weights are N(0, 1/fan-in), so the targets have roughly unit variance whatever the sizes.
 */
export function teacherStudent(params: TeacherStudentParams = {}): RawSource {
  const sizes = sizesOf(params);
  const d = positiveInt(params.inputDim ?? 20, 'inputDim');
  const k = positiveInt(params.outputDim ?? 1, 'outputDim');
  const h = params.hiddenUnits ?? 0;
  if (h !== 0) positiveInt(h, 'hiddenUnits');
  const noise = nonNegative(params.noiseStd ?? 0.1, 'noiseStd');
  const rng = new Rng(sizes.seed);
  const teacher = rng.fork('teacher');
  const w1 = teacher.fillNormal(new Float32Array((h || k) * d), 1 / Math.sqrt(d));
  const w2 = h > 0 ? teacher.fillNormal(new Float32Array(k * h), 1 / Math.sqrt(h)) : null;
  const make = (n: number, stream: Rng): RawPart => {
    const x = stream.fillNormal(new Float32Array(n * d), 1);
    const y = new Float32Array(n * k);
    const hidden = new Float64Array(h);
    for (let s = 0; s < n; s++) {
      const row = s * d;
      if (w2 === null) {
        for (let o = 0; o < k; o++) {
          let sum = 0;
          for (let i = 0; i < d; i++) sum += w1[o * d + i]! * x[row + i]!;
          y[s * k + o] = sum;
        }
      } else {
        for (let j = 0; j < h; j++) {
          let sum = 0;
          for (let i = 0; i < d; i++) sum += w1[j * d + i]! * x[row + i]!;
          hidden[j] = Math.tanh(sum);
        }
        for (let o = 0; o < k; o++) {
          let sum = 0;
          for (let j = 0; j < h; j++) sum += w2[o * h + j]! * hidden[j]!;
          y[s * k + o] = sum;
        }
      }
      for (let o = 0; o < k; o++) y[s * k + o]! += noise * stream.normal();
    }
    return { size: n, x, y };
  };
  const teacherKind = h > 0 ? `tanh teacher with ${h} hidden units` : 'linear teacher';
  return source(
    'teacher-student',
    `synthetic: ${teacherKind}, ${d} → ${k}, noise ${noise}, seed ${sizes.seed}`,
    d,
    Array.from({ length: k }, (_, i) => `y${i + 1}`),
    true,
    make(sizes.train, rng.fork('train')),
    make(sizes.test, rng.fork('test')),
  );
}

export interface GaussianMixtureParams extends Sizes {
  /** Default 3. */
  classes?: number;
  /** Default 2. */
  dim?: number;
  /** Class means are N(0, separation² I). Default 3. */
  separation?: number;
  /** Standard deviation of each class around its mean. Default 1. */
  std?: number;
}

/** One isotropic Gaussian per class; classes are balanced (sample i belongs to class i mod classes). */
export function gaussianMixture(params: GaussianMixtureParams = {}): RawSource {
  const sizes = sizesOf(params);
  const classes = positiveInt(params.classes ?? 3, 'classes');
  if (classes < 2) throw new DatasetError('options', null, `classes must be at least 2, got ${classes}`);
  const d = positiveInt(params.dim ?? 2, 'dim');
  const separation = nonNegative(params.separation ?? 3, 'separation');
  const std = nonNegative(params.std ?? 1, 'std');
  const rng = new Rng(sizes.seed);
  const means = rng.fork('teacher').fillNormal(new Float32Array(classes * d), separation);
  const make = (n: number, stream: Rng): RawPart => {
    const x = new Float32Array(n * d);
    const y = new Int32Array(n);
    for (let s = 0; s < n; s++) {
      const c = s % classes;
      y[s] = c;
      for (let i = 0; i < d; i++) x[s * d + i] = means[c * d + i]! + std * stream.normal();
    }
    return { size: n, x, y };
  };
  return source(
    'gaussian-mixture',
    `synthetic: ${classes} Gaussians in ${d}-D, separation ${separation}, std ${std}, seed ${sizes.seed}`,
    d,
    Array.from({ length: classes }, (_, i) => `class ${i}`),
    false,
    make(sizes.train, rng.fork('train')),
    make(sizes.test, rng.fork('test')),
  );
}

export interface SpiralsParams extends Sizes {
  /** Number of arms, one class each. Default 2. */
  arms?: number;
  /** How many times each arm winds around the centre. Default 1. */
  turns?: number;
  /** Standard deviation of the Gaussian jitter added to each point. Default 0.05. */
  noise?: number;
}

/** Interleaved spiral arms in 2-D: radius t ∈ [0, 1], angle 2π(turns·t + arm/arms). */
export function spirals(params: SpiralsParams = {}): RawSource {
  const sizes = sizesOf(params);
  const arms = positiveInt(params.arms ?? 2, 'arms');
  if (arms < 2) throw new DatasetError('options', null, `arms must be at least 2, got ${arms}`);
  const turns = nonNegative(params.turns ?? 1, 'turns');
  const noise = nonNegative(params.noise ?? 0.05, 'noise');
  const rng = new Rng(sizes.seed);
  const make = (n: number, stream: Rng): RawPart => {
    const x = new Float32Array(n * 2);
    const y = new Int32Array(n);
    for (let s = 0; s < n; s++) {
      const arm = s % arms;
      const t = stream.next();
      const angle = 2 * Math.PI * (turns * t + arm / arms);
      x[2 * s] = t * Math.cos(angle) + noise * stream.normal();
      x[2 * s + 1] = t * Math.sin(angle) + noise * stream.normal();
      y[s] = arm;
    }
    return { size: n, x, y };
  };
  return source(
    'spirals',
    `synthetic: ${arms} spiral arms, ${turns} turns, noise ${noise}, seed ${sizes.seed}`,
    2,
    Array.from({ length: arms }, (_, i) => `arm ${i}`),
    false,
    make(sizes.train, rng.fork('train')),
    make(sizes.test, rng.fork('test')),
  );
}
