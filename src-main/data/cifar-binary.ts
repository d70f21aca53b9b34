import fs from 'node:fs/promises';
import path from 'node:path';
import { DatasetError } from './errors';
import { readFileBytes } from './gzip';
import type { RawPart } from './types';

/**
 * The CIFAR "binary version" (https://www.cs.toronto.edu/~kriz/cifar.html): fixed-size records with no
 * header. CIFAR-10: <label byte><3072 pixel bytes>. CIFAR-100: <coarse label><fine label><3072 pixel bytes>.
 * Pixels are stored plane by plane (1024 red, 1024 green, 1024 blue, each row-major 32×32); we reorder them
 * to height × width × channel, the layout image folders decode to and tfjs conv layers expect.
 */

export type CifarVariant = 'cifar-10' | 'cifar-100';
export type CifarLabelKind = 'fine' | 'coarse';

export const CIFAR_SIDE = 32;
export const CIFAR_PIXELS = CIFAR_SIDE * CIFAR_SIDE * 3;
export const CIFAR_INPUT_SHAPE: readonly number[] = [CIFAR_SIDE, CIFAR_SIDE, 3];

/** The names the CIFAR-10 batches.meta.txt lists, for archives that lack it. */
export const CIFAR10_CLASSES: readonly string[] = [
  'airplane',
  'automobile',
  'bird',
  'cat',
  'deer',
  'dog',
  'frog',
  'horse',
  'ship',
  'truck',
];

export function cifarLabelBytes(variant: CifarVariant): number {
  return variant === 'cifar-10' ? 1 : 2;
}

export function cifarRecordBytes(variant: CifarVariant): number {
  return cifarLabelBytes(variant) + CIFAR_PIXELS;
}

export function cifarNumClasses(variant: CifarVariant, kind: CifarLabelKind): number {
  if (variant === 'cifar-10') return 10;
  return kind === 'fine' ? 100 : 20;
}

/** Number of records in a file of this many bytes, or an error naming the file when it is not a whole number. */
export function cifarRecordCount(byteLength: number, variant: CifarVariant, file: string): number {
  const record = cifarRecordBytes(variant);
  if (byteLength === 0) throw new DatasetError('truncated', file, 'is empty, expected CIFAR records');
  if (byteLength % record !== 0) {
    const whole = Math.floor(byteLength / record);
    throw new DatasetError(
      'truncated',
      file,
      `is ${byteLength} bytes, not a whole number of ${record}-byte ${variant} records: ` +
        `expected ${(whole + 1) * record} bytes for ${whole + 1} records, got ${byteLength}` +
        (variant === 'cifar-10' ? '' : ' (or is this a CIFAR-10 file?)'),
    );
  }
  return byteLength / record;
}

export function parseCifarBatch(
  bytes: Uint8Array,
  file: string,
  variant: CifarVariant,
  kind: CifarLabelKind = 'fine',
): RawPart {
  const size = cifarRecordCount(bytes.length, variant, file);
  const record = cifarRecordBytes(variant);
  const labelOffset = variant === 'cifar-10' || kind === 'coarse' ? 0 : 1;
  const numClasses = cifarNumClasses(variant, kind);
  const plane = CIFAR_SIDE * CIFAR_SIDE;
  const x = new Uint8Array(size * CIFAR_PIXELS);
  const y = new Int32Array(size);
  for (let n = 0; n < size; n++) {
    const start = n * record;
    const label = bytes[start + labelOffset]!;
    if (label >= numClasses) {
      const which = variant === 'cifar-10' ? '' : ` ${kind}`;
      throw new DatasetError(
        'label',
        file,
        `record ${n} (byte ${start + labelOffset}) has${which} label ${label}, expected 0…${numClasses - 1}`,
      );
    }
    if (variant === 'cifar-100' && kind === 'fine' && bytes[start]! >= 20) {
      throw new DatasetError(
        'label',
        file,
        `record ${n} has coarse label ${bytes[start]}, expected 0…19; is this a CIFAR-100 file?`,
      );
    }
    y[n] = label;
    const pixels = start + cifarLabelBytes(variant);
    const out = n * CIFAR_PIXELS;
    for (let p = 0; p < plane; p++) {
      x[out + 3 * p] = bytes[pixels + p]!;
      x[out + 3 * p + 1] = bytes[pixels + plane + p]!;
      x[out + 3 * p + 2] = bytes[pixels + 2 * plane + p]!;
    }
  }
  return { size, x, y };
}

/** Reads batch files in the order given and concatenates them (CIFAR-10's five training batches). */
export async function readCifarBatches(
  files: readonly string[],
  variant: CifarVariant,
  kind: CifarLabelKind = 'fine',
): Promise<RawPart> {
  const parts: RawPart[] = [];
  for (const file of files) parts.push(parseCifarBatch(await readFileBytes(file), file, variant, kind));
  const size = parts.reduce((s, p) => s + p.size, 0);
  const x = new Uint8Array(size * CIFAR_PIXELS);
  const y = new Int32Array(size);
  let offset = 0;
  for (const part of parts) {
    x.set(part.x, offset * CIFAR_PIXELS);
    y.set(part.y, offset);
    offset += part.size;
  }
  return { size, x, y };
}

export interface CifarFiles {
  readonly dir: string;
  readonly train: readonly string[];
  readonly test: string;
  /** The class-names text file of the archive, when present. */
  readonly meta: { readonly fine: string | null; readonly coarse: string | null };
}

const TRAIN_BATCHES = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`);

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}

/**
 * Finds the batch files in `dir` or in the folder the official archive unpacks to
 * (`cifar-10-batches-bin/`, `cifar-100-binary/`). Returns null when neither holds any of them; throws when
 * some are there and others are missing, naming the missing ones.
 */
export async function locateCifarFiles(dir: string, variant: CifarVariant): Promise<CifarFiles | null> {
  const sub = variant === 'cifar-10' ? 'cifar-10-batches-bin' : 'cifar-100-binary';
  for (const candidate of [path.join(dir, sub), dir]) {
    const trainNames = variant === 'cifar-10' ? TRAIN_BATCHES : ['train.bin'];
    const testName = variant === 'cifar-10' ? 'test_batch.bin' : 'test.bin';
    const wanted = [...trainNames, testName];
    const present = await Promise.all(wanted.map((name) => exists(path.join(candidate, name))));
    if (!present.some(Boolean)) continue;
    const missing = wanted.filter((_, i) => !present[i]);
    if (missing.length > 0) {
      throw new DatasetError('not_found', candidate, `holds part of ${variant} but lacks ${missing.join(', ')}`);
    }
    const metaNames =
      variant === 'cifar-10'
        ? { fine: 'batches.meta.txt', coarse: null }
        : { fine: 'fine_label_names.txt', coarse: 'coarse_label_names.txt' };
    const fine = path.join(candidate, metaNames.fine);
    const coarse = metaNames.coarse === null ? null : path.join(candidate, metaNames.coarse);
    return {
      dir: candidate,
      train: trainNames.map((name) => path.join(candidate, name)),
      test: path.join(candidate, testName),
      meta: {
        fine: (await exists(fine)) ? fine : null,
        coarse: coarse !== null && (await exists(coarse)) ? coarse : null,
      },
    };
  }
  return null;
}

/** Class names from the archive's text file (one per line), or fallbacks when it is absent. */
export async function readCifarClassNames(
  files: CifarFiles,
  variant: CifarVariant,
  kind: CifarLabelKind,
): Promise<string[]> {
  const count = cifarNumClasses(variant, kind);
  const file = kind === 'coarse' ? files.meta.coarse : files.meta.fine;
  if (file !== null) {
    const names = (await readFileBytes(file))
      .toString('utf8')
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter((line) => line.length > 0);
    if (names.length !== count) {
      throw new DatasetError('mismatch', file, `lists ${names.length} class names, expected ${count}`);
    }
    return names;
  }
  if (variant === 'cifar-10') return [...CIFAR10_CLASSES];
  return Array.from({ length: count }, (_, i) => `${kind} ${i}`);
}
