import { DEFAULT_TEST_FRACTION, DEFAULT_VALIDATION_FRACTION } from '../data/prepare';
import type { StepTiming } from './step-timing';

export interface SplitSizes {
  train: number;
  validation: number;
  test: number;
}

/** A dataset's split sizes as listed, before the splits a run carves from its training part. */
export interface SourceSizes {
  train: number;
  validation: number | null;
  test: number | null;
}

/**
 * The split sizes a run will train and evaluate on, following prepareSplits: a test split carved from train when the
 * source has none, then a validation split, then the training subset. Carving is stratified per class, so a split
 * can differ from these by a few rows; that is far below what an estimate can resolve.
 */
export function plannedSplitSizes(
  source: SourceSizes,
  options: { validationFraction?: number; trainSubset?: number },
): SplitSizes {
  let train = source.train;
  let test = source.test;
  if (test === null) {
    test = Math.round(train * DEFAULT_TEST_FRACTION);
    train -= test;
  }
  let validation = source.validation;
  if (validation === null) {
    validation = Math.round(train * (options.validationFraction ?? DEFAULT_VALIDATION_FRACTION));
    train -= validation;
  }
  if (options.trainSubset !== undefined) train = Math.min(train, options.trainSubset);
  return { train, validation, test };
}

/** One epoch: every full batch of the training split, then the evaluation of validation and test (as train() runs). */
export function secondsPerEpoch(timing: StepTiming, sizes: SplitSizes, batchSize: number): number {
  const steps = Math.floor(sizes.train / batchSize);
  const evaluated = sizes.validation + sizes.test;
  return (steps * timing.msPerStep + evaluated * timing.msPerEvalSample) / 1000;
}
