/**
 * The dataset layer of the engine: parsers (one file per format), seeded splitting and ordering,
 * scaling, content hashes, and the manager that lists, loads, imports and downloads datasets.
 * Everything yields plain typed arrays; the trainer makes the tensors.
 */
export type {
  ClassificationDataset,
  Dataset,
  FeatureStatistics,
  LoadOptions,
  LoadedDataset,
  RawPart,
  RawSource,
  RegressionDataset,
  SplitDescription,
  SplitName,
  Standardise,
  Task,
} from './types';
export { DatasetError, type DatasetErrorKind } from './errors';
export {
  DatasetManager,
  type DatasetDownloadProgress,
  type DatasetEntry,
  type DatasetManagerOptions,
  type DownloadOptions,
  type ImportOptions,
  type ManagerLoadOptions,
} from './manager';
export {
  BUILTINS,
  SYNTHETICS,
  FASHION_MNIST_CLASSES,
  type BuiltinName,
  type DatasetKind,
  type SyntheticName,
} from './catalogue';
export { prepareSplits, DEFAULT_TEST_FRACTION, DEFAULT_VALIDATION_FRACTION } from './prepare';
export { epochOrder, batches, batchCount, gatherBatch, gatherRows, type Batch } from './order';
export { stratifiedOrder } from './split';
export { hashPart, hashRawSource } from './hash';
export { parseIdx, parseIdxHeader, readIdxPair, type IdxArray } from './idx';
export {
  parseCifarBatch,
  readCifarBatches,
  CIFAR10_CLASSES,
  type CifarVariant,
  type CifarLabelKind,
} from './cifar-binary';
export {
  readImageFolder,
  scanImageFolder,
  decodeImageFolder,
  fingerprintImageFolder,
  type ImageFolderOptions,
  type ImageFolderScan,
} from './image-folder';
export { decodeImage } from './image-decode';
export { locateTinyImageNet, scanTinyImageNet, TINY_IMAGENET_SIDE, type TinyImageNetFiles } from './tiny-imagenet';
export {
  Augmenter,
  augmentationPlan,
  augmentationProblem,
  type AugmentationPlan,
  type FlipMode,
  type SampleTransform,
  type SpecProblem,
} from './augment';
export { datasetAugmentation, datasetLoadOptions, datasetSpecProblem } from './spec-options';
export { readMnistPackage } from './mnist-package';
export { readCsvSource, parseCsvTable, parseCsvRecords, type CsvOptions } from './csv';
export { locateIdxFiles, readIdxFolder, summariseIdxFiles, type IdxFiles } from './idx-folder';
export { readSourceCache, writeSourceCache } from './source-cache';
export {
  teacherStudent,
  gaussianMixture,
  spirals,
  type TeacherStudentParams,
  type GaussianMixtureParams,
  type SpiralsParams,
} from './synthetic';
export { downloadFile, fileChecksum, type Checksum, type DownloadFileOptions, type DownloadProgress } from './download';
export { DOWNLOAD_SOURCES, type DownloadSource, type DownloadableName, type RemoteFile } from './sources';
export { extractTarGz } from './tar';
