import { usesAugmentation } from '../../shared/schemas/augmentation';
import type { ExperimentSpec } from '../../shared/schemas/experiment';
import { augmentationPlan, augmentationProblem, type AugmentationPlan, type SpecProblem } from './augment';
import type { LoadOptions, LoadedDataset } from './types';

/**
 * Where an experiment's `dataset` field meets the data layer: the load options it asks for, whether it fits the
 * dataset's shape (asked when a design is validated, and again when a run opens the dataset, where an unfit one
 * fails naming the dataset and the field before any weight is drawn), and its augmentation plan.
 */

type DatasetSpec = ExperimentSpec['dataset'];

export function datasetLoadOptions(spec: DatasetSpec): LoadOptions {
  return {
    trainSubset: spec.trainSubset,
    validationFraction: spec.validationFraction,
    standardise: spec.standardise ? (spec.standardiseOver === 'channel' ? 'per_channel' : true) : false,
  };
}

/** The first part of the dataset spec that cannot apply to samples of this shape, or null. */
export function datasetSpecProblem(spec: DatasetSpec, inputShape: readonly number[]): SpecProblem | null {
  if (spec.standardise && spec.standardiseOver === 'channel' && inputShape.length !== 3) {
    return {
      path: 'dataset.standardiseOver',
      message:
        `per-channel standardisation needs images, but '${spec.name}' has samples of shape [${inputShape.join(', ')}]; ` +
        "standardise over 'feature' instead",
    };
  }
  return usesAugmentation(spec.augmentation) ? augmentationProblem(spec.augmentation, inputShape, spec.name) : null;
}

/**
 * The augmentation for this dataset, of the training split and its test-time views (throws when it does not fit);
 * undefined when none.
 */
export function datasetAugmentation(spec: DatasetSpec, data: LoadedDataset): AugmentationPlan | undefined {
  if (!usesAugmentation(spec.augmentation)) return undefined;
  return augmentationPlan(spec.augmentation, data.inputShape, data.name);
}
