import type { Dirent } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { DatasetError, ioError } from './errors';
import { peekMaybeGzip } from './gzip';
import { parseIdxHeader, readIdxPair } from './idx';
import type { RawSource } from './types';

/**
 * A folder of IDX files in the MNIST naming: train-images-idx3-ubyte, train-labels-idx1-ubyte,
 * t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, each optionally .gz, with '-' or '.' before "idx"
 * (Kaggle's copies) and an optional prefix (EMNIST's emnist-balanced-train-images-idx3-ubyte.gz).
 */

export interface IdxFiles {
  readonly dir: string;
  readonly trainImages: string;
  readonly trainLabels: string;
  readonly testImages: string;
  readonly testLabels: string;
  /** EMNIST files store images transposed. */
  readonly transposed: boolean;
}

const PATTERNS = {
  trainImages: /^(.*?)(train)-images[-.]idx\d-ubyte(\.gz)?$/,
  trainLabels: /^(.*?)(train)-labels[-.]idx\d-ubyte(\.gz)?$/,
  testImages: /^(.*?)(t10k|test)-images[-.]idx\d-ubyte(\.gz)?$/,
  testLabels: /^(.*?)(t10k|test)-labels[-.]idx\d-ubyte(\.gz)?$/,
} as const;

type Role = keyof typeof PATTERNS;

/** The four files of `dir`, null when it holds none of them; an error naming what is missing or ambiguous. */
export async function locateIdxFiles(dir: string): Promise<IdxFiles | null> {
  let list: Dirent[];
  try {
    list = await fs.readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw ioError(dir, error);
  }
  const names = list
    .filter((e) => e.isFile())
    .map((e) => e.name)
    .sort();
  const found: Partial<Record<Role, string>> = {};
  const roles = Object.keys(PATTERNS) as Role[];
  for (const role of roles) {
    const matches = names.filter((n) => PATTERNS[role].test(n));
    // Both foo and foo.gz: the uncompressed one was unpacked from the other; prefer it (no inflate needed).
    const distinct = matches.filter((n) => !(n.endsWith('.gz') && matches.includes(n.slice(0, -3))));
    if (distinct.length > 1) {
      throw new DatasetError(
        'layout',
        dir,
        `holds several IDX files for ${role}: ${distinct.join(', ')}; keep one set per folder`,
      );
    }
    if (distinct.length === 1) found[role] = distinct[0]!;
  }
  const present = roles.filter((r) => found[r] !== undefined);
  if (present.length === 0) return null;
  if (present.length < roles.length) {
    const missing = roles
      .filter((r) => found[r] === undefined)
      .map(
        (r) =>
          `${r.startsWith('train') ? 'train' : 't10k'}-${r.endsWith('Images') ? 'images-idx3' : 'labels-idx1'}-ubyte[.gz]`,
      );
    throw new DatasetError('not_found', dir, `holds part of an IDX dataset but lacks ${missing.join(', ')}`);
  }
  return {
    dir,
    trainImages: path.join(dir, found.trainImages!),
    trainLabels: path.join(dir, found.trainLabels!),
    testImages: path.join(dir, found.testImages!),
    testLabels: path.join(dir, found.testLabels!),
    transposed: found.trainImages!.startsWith('emnist'),
  };
}

export interface IdxSummary {
  readonly train: number;
  readonly test: number;
  readonly inputShape: readonly number[];
}

/** Sample counts and shape from the headers alone (a few KB of each file inflated). */
export async function summariseIdxFiles(files: IdxFiles): Promise<IdxSummary> {
  const header = async (file: string) => parseIdxHeader(await peekMaybeGzip(file, 64), file);
  const train = await header(files.trainImages);
  const test = await header(files.testImages);
  const rest = train.dims.slice(1);
  const inputShape = rest.length === 2 ? (files.transposed ? [rest[1]!, rest[0]!, 1] : [rest[0]!, rest[1]!, 1]) : rest;
  return { train: train.dims[0]!, test: test.dims[0]!, inputShape };
}

/**
 * `classes`: the class names of a known dataset, a declared class count, or null to infer the count from
 * the training labels. Test labels are held to the training classes: a test sample of a class never
 * trained on is a damaged label, not a new class.
 */
export async function readIdxFolder(
  files: IdxFiles,
  name: string,
  classes: readonly string[] | number | null,
): Promise<RawSource> {
  const classNames = typeof classes === 'number' ? null : classes;
  const declared = typeof classes === 'number' ? classes : classes?.length;
  const train = await readIdxPair(files.trainImages, files.trainLabels, {
    numClasses: declared,
    transpose: files.transposed,
  });
  const test = await readIdxPair(files.testImages, files.testLabels, {
    numClasses: train.numClasses,
    transpose: files.transposed,
  });
  if (train.inputShape.join('×') !== test.inputShape.join('×')) {
    throw new DatasetError(
      'mismatch',
      files.testImages,
      `images are ${test.inputShape.join('×')} but the training images are ${train.inputShape.join('×')}`,
    );
  }
  const count = train.numClasses;
  return {
    name,
    task: 'classification',
    inputShape: train.inputShape,
    outputSize: count,
    classNames: classNames ?? Array.from({ length: count }, (_, i) => String(i)),
    featureNames: [],
    location: files.dir,
    scaleByDefault: true,
    train: train.part,
    validation: null,
    test: test.part,
  };
}
