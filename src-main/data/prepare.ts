import { Rng } from '../common/random';
import { DatasetError } from './errors';
import { hashPart, hashSource } from './hash';
import {
  applyAffine,
  assertFinite,
  bytesToUnit,
  channelStatistics,
  minMaxStatistics,
  standardStatistics,
} from './normalise';
import { divide, orderFor, takeRows } from './split';
import type {
  Dataset,
  FeatureStatistics,
  LoadOptions,
  LoadedDataset,
  RawPart,
  RawSource,
  SplitDescription,
  SplitName,
  Standardise,
} from './types';

/**
 * Turns a source into train / validation / test, in this order:
 *  1. test: the source's own, else carved from train (stratified, `testFraction`);
 *  2. validation: the source's own, else carved from what is left of train (stratified, `validationFraction`);
 *  3. subset: the first `trainSubset` of a stratified order of the remaining training rows;
 *  4. scale to [0, 1], then optionally standardise, with statistics from the training rows only.
 * Validation is carved before the subset is picked, so runs on different subset sizes share one
 * validation set, and subsets of growing size are nested.
 */

export const DEFAULT_VALIDATION_FRACTION = 0.1;
export const DEFAULT_TEST_FRACTION = 0.2;

function fraction(value: number, name: string, max: number): number {
  if (!Number.isFinite(value) || value < 0 || value > max) {
    throw new DatasetError('options', null, `${name} must be between 0 and ${max}, got ${value}`);
  }
  return value;
}

function carve(
  part: RawPart,
  share: number,
  numClasses: number | null,
  rng: Rng,
  what: string,
  from: string,
): { taken: RawPart; rest: RawPart } {
  const count = Math.round(share * part.size);
  if (count === 0) return { taken: takeRows(part, new Int32Array(0)), rest: part };
  if (count >= part.size) {
    throw new DatasetError('options', null, `${what} of ${share} would leave no ${from} samples (of ${part.size})`);
  }
  const { taken, rest } = divide(orderFor(part, numClasses, rng), count);
  return { taken: takeRows(part, taken), rest: takeRows(part, rest) };
}

function toUnit(
  part: RawPart,
  mode: SplitDescription['scale'],
  scaling: FeatureStatistics | null,
  width: number,
): Float32Array {
  if (part.x instanceof Uint8Array) return mode === 'bytes' ? bytesToUnit(part.x) : Float32Array.from(part.x);
  const x = part.x.slice();
  if (scaling !== null) applyAffine(x, width, scaling);
  return x;
}

/** The training split's standardisation statistics, per feature or per image channel; null when not asked. */
function standardiseWith(
  source: RawSource,
  mode: Standardise,
  train: Float32Array,
  width: number,
): FeatureStatistics | null {
  if (mode === false) return null;
  if (mode === true) return standardStatistics(train, width);
  if (source.inputShape.length !== 3) {
    throw new DatasetError(
      'options',
      null,
      `per-channel standardisation needs images, but '${source.name}' has samples of shape [${source.inputShape.join(', ')}], ` +
        'not [height, width, channels]; standardise per feature instead',
    );
  }
  return channelStatistics(train, width, source.inputShape[2]!);
}

export function prepareSplits(source: RawSource, options: LoadOptions = {}): LoadedDataset {
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed) || seed < 0)
    throw new DatasetError('options', null, `seed must be an integer ≥ 0, got ${seed}`);
  const validationFraction = fraction(
    options.validationFraction ?? DEFAULT_VALIDATION_FRACTION,
    'validationFraction',
    0.5,
  );
  const testFraction = fraction(options.testFraction ?? DEFAULT_TEST_FRACTION, 'testFraction', 0.5);
  const width = source.inputShape.reduce((a, b) => a * b, 1);
  const numClasses = source.task === 'classification' ? source.outputSize : null;
  const rng = new Rng(seed);
  // Parts that come through unchanged (a source's own test split) are hashed once, not twice.
  const hashes = new Map<RawPart, string>();
  const hashOf = (part: RawPart): string => {
    let h = hashes.get(part);
    if (h === undefined) hashes.set(part, (h = hashPart(part, source.inputShape)));
    return h;
  };
  const sourceHash = hashSource(source, {
    train: hashOf(source.train),
    validation: source.validation === null ? null : hashOf(source.validation),
    test: source.test === null ? null : hashOf(source.test),
  });

  let train = source.train;
  let test = source.test;
  if (test === null) {
    ({ taken: test, rest: train } = carve(
      train,
      testFraction,
      numClasses,
      rng.fork('test-split'),
      'testFraction',
      'training',
    ));
  }
  let validation = source.validation;
  if (validation === null) {
    ({ taken: validation, rest: train } = carve(
      train,
      validationFraction,
      numClasses,
      rng.fork('validation-split'),
      'validationFraction',
      'training',
    ));
  }
  const subset = options.trainSubset ?? null;
  if (subset !== null) {
    if (!Number.isInteger(subset) || subset < 1)
      throw new DatasetError('options', null, `trainSubset must be a positive integer, got ${subset}`);
    if (subset > train.size) {
      throw new DatasetError(
        'options',
        null,
        `trainSubset ${subset} is more than the ${train.size} training samples of ${source.name} left after the validation split`,
      );
    }
    train = takeRows(train, divide(orderFor(train, numClasses, rng.fork('subset')), subset).taken);
  }

  const bytes = train.x instanceof Uint8Array;
  const scaleWanted = options.scale ?? source.scaleByDefault;
  const mode: SplitDescription['scale'] = !scaleWanted ? 'none' : bytes ? 'bytes' : 'minmax';
  for (const [name, part] of [
    ['train', train],
    ['validation', validation],
    ['test', test],
  ] as const) {
    if (part.x instanceof Float32Array) assertFinite(part.x, width, `${source.location} (${name})`);
  }
  const scaling = mode === 'minmax' ? minMaxStatistics(train.x as Float32Array, width) : null;
  const unit = {
    train: toUnit(train, mode, scaling, width),
    validation: toUnit(validation, mode, scaling, width),
    test: toUnit(test, mode, scaling, width),
  };
  const standardisation = standardiseWith(source, options.standardise ?? false, unit.train, width);
  if (standardisation !== null) for (const x of Object.values(unit)) applyAffine(x, width, standardisation);

  const make = (split: SplitName, part: RawPart, x: Float32Array): Dataset => {
    const base = {
      name: source.name,
      split,
      size: part.size,
      inputShape: source.inputShape,
      featureSize: width,
      outputSize: source.outputSize,
      x,
      contentHash: hashOf(part),
    };
    if (source.task === 'classification') {
      if (!(part.y instanceof Int32Array)) throw new Error(`${source.name}: classification labels must be Int32Array`);
      return {
        ...base,
        task: 'classification',
        y: part.y,
        numClasses: source.outputSize,
        classNames: source.classNames,
      };
    }
    if (!(part.y instanceof Float32Array)) throw new Error(`${source.name}: regression targets must be Float32Array`);
    return { ...base, task: 'regression', y: part.y, targetNames: source.classNames };
  };

  return {
    name: source.name,
    location: source.location,
    task: source.task,
    inputShape: source.inputShape,
    outputSize: source.outputSize,
    classNames: source.classNames,
    contentHash: sourceHash,
    split: {
      seed,
      validationFraction,
      validationFrom: source.validation === null ? 'train' : 'source',
      testFraction: source.test === null ? testFraction : null,
      trainSubset: subset,
      scale: mode,
      standardise: standardisation === null ? false : (options.standardise ?? false),
      sizes: { train: train.size, validation: validation.size, test: test.size },
    },
    scaling,
    standardisation,
    train: make('train', train, unit.train),
    validation: make('validation', validation, unit.validation),
    test: make('test', test, unit.test),
  };
}
