/**
 * The dataset layer's data model. Everything here is plain typed arrays: the trainer makes tensors from
 * them, so the data layer never touches a tensor backend and loads the same way on every backend.
 */

export type Task = 'classification' | 'regression';
export type SplitName = 'train' | 'validation' | 'test';

/**
 * Samples as a parser read them, before any scaling. Pixels stay bytes (a quarter of the memory of
 * floats, and the bytes are what the content hash is taken over); tables and generators give floats.
 * `x` is row-major, `size × featureSize`. `y` is one class index per row (classification) or
 * `size × outputSize` targets (regression).
 */
export interface RawPart {
  readonly size: number;
  readonly x: Uint8Array | Float32Array;
  readonly y: Int32Array | Float32Array;
}

/** A dataset as read from its files (or generated), before splitting and scaling. */
export interface RawSource {
  readonly name: string;
  readonly task: Task;
  /** Shape of one sample: `[rows, cols, channels]` for images (NHWC, as tfjs conv layers expect), `[d]` for tables. */
  readonly inputShape: readonly number[];
  /** Number of classes, or of regression targets per sample. */
  readonly outputSize: number;
  /** One per class for classification; column names of the targets for regression. */
  readonly classNames: readonly string[];
  /** Feature names for tables (CSV header); empty for images. */
  readonly featureNames: readonly string[];
  /** Where the data lives (folder, file, or a description for generated data). */
  readonly location: string;
  /**
   * Whether loading scales it to [0, 1] unless told otherwise. True for files; generators already emit
   * values on a sensible scale and say false.
   */
  readonly scaleByDefault: boolean;
  readonly train: RawPart;
  /** A validation split the source itself fixes (an image folder's `val/`); otherwise carved from train. */
  readonly validation: RawPart | null;
  /** The source's own test split; when null, one is carved from train with a fixed seed. */
  readonly test: RawPart | null;
}

interface DatasetBase {
  readonly name: string;
  readonly split: SplitName;
  readonly size: number;
  readonly inputShape: readonly number[];
  /** Product of inputShape: the row width of `x`. */
  readonly featureSize: number;
  /** Network output units: number of classes, or targets per sample. */
  readonly outputSize: number;
  /** `size × featureSize`, row-major, already scaled (and standardised when asked). */
  readonly x: Float32Array;
  /** sha256 of this split's raw rows and labels (before scaling): identifies exactly which samples it holds. */
  readonly contentHash: string;
}

export interface ClassificationDataset extends DatasetBase {
  readonly task: 'classification';
  readonly y: Int32Array;
  readonly numClasses: number;
  readonly classNames: readonly string[];
}

export interface RegressionDataset extends DatasetBase {
  readonly task: 'regression';
  /** `size × outputSize`, row-major. */
  readonly y: Float32Array;
  readonly targetNames: readonly string[];
}

export type Dataset = ClassificationDataset | RegressionDataset;

/** How a dataset was turned into train / validation / test: recorded with each run to reproduce it. */
export interface SplitDescription {
  /** Seed of the validation carve, the test carve (sources without a test split) and the subset pick. */
  readonly seed: number;
  readonly validationFraction: number;
  /** 'source' when the files fix the validation split (validationFraction is then unused). */
  readonly validationFrom: 'train' | 'source';
  /** Fraction carved from train as test when the source has no test split; null when it has one. */
  readonly testFraction: number | null;
  readonly trainSubset: number | null;
  /** 'bytes': pixels ÷ 255; 'minmax': per feature to [0, 1] with training-split min and max; 'none'. */
  readonly scale: 'bytes' | 'minmax' | 'none';
  /** false, true (per feature), or 'per_channel' (one mean and std per image channel). */
  readonly standardise: Standardise;
  readonly sizes: { readonly train: number; readonly validation: number; readonly test: number };
}

/** Per-feature statistics of the training split, kept so the same transform can be applied elsewhere. */
export interface FeatureStatistics {
  readonly offset: Float32Array;
  readonly scale: Float32Array;
}

export interface LoadedDataset {
  readonly name: string;
  readonly location: string;
  readonly task: Task;
  readonly inputShape: readonly number[];
  readonly outputSize: number;
  readonly classNames: readonly string[];
  /** sha256 over the source's raw arrays, shapes and class names: the identity of the data itself. */
  readonly contentHash: string;
  readonly split: SplitDescription;
  /** The min–max map of float sources onto [0, 1] (x ↦ (x − offset) · scale), from the training split; else null. */
  readonly scaling: FeatureStatistics | null;
  /**
   * The affine map applied to every split after scaling (x ↦ (x − offset) · scale), fitted on the
   * training split only; null when not standardised.
   */
  readonly standardisation: FeatureStatistics | null;
  readonly train: Dataset;
  readonly validation: Dataset;
  readonly test: Dataset;
}

export interface LoadOptions {
  /** Share of the training split held out for validation (stratified by class). Default 0.1. */
  validationFraction?: number;
  /** Keep only this many training samples, picked stratified by class with the seed. */
  trainSubset?: number;
  /** Share held out as test for sources without a test split. Default 0.2. */
  testFraction?: number;
  /** Seed of the carving and subset pick. Default 0, so runs with different training seeds share splits. */
  seed?: number;
  /** Scale to [0, 1] (bytes ÷ 255, tables by min–max of the training split). Default: the source's choice. */
  scale?: boolean;
  /**
   * Then shift and scale to zero mean, unit variance over the training split: true, each feature on its own;
   * 'per_channel', images only, one mean and std per channel over all pixels (the last axis of inputShape).
   * Default false.
   */
  standardise?: Standardise;
}

export type Standardise = boolean | 'per_channel';
