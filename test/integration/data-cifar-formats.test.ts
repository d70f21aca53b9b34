import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../src-main/common/random';
import { CIFAR10_CLASSES, CIFAR_PIXELS, parseCifarBatch, readCifarBatches } from '../../src-main/data/cifar-binary';
import { DatasetError } from '../../src-main/data/errors';
import { decodeImageFolder, scanImageFolder } from '../../src-main/data/image-folder';
import { DatasetManager } from '../../src-main/data/manager';
import type { RawPart } from '../../src-main/data/types';
import { writeFile } from '../fixtures/data/make';
import { failure } from '../support/dataset-failure';

/**
 * CIFAR's binary records against the image-folder layout of the same images: CIFAR-100's fine labels, and the two
 * readers returning the same pixels and labels for the same pictures (generated ones written as lossless PNG, and
 * real CIFAR-10 photographs from ../shared/data written into a binary file).
 */

const CIFAR_JPG = path.resolve(import.meta.dirname, '../../../shared/data/cifar10-jpg.tar.gz');

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bl-cifar-formats-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Random HWC pixels for `n` images. */
function randomPixels(n: number, seed: number): Uint8Array {
  const rng = new Rng(seed);
  return Uint8Array.from({ length: n * CIFAR_PIXELS }, () => rng.int(256));
}

/** Binary records (label bytes, then the red, green and blue planes) of HWC images. */
function recordsOf(hwc: Uint8Array, labels: readonly (readonly number[])[]): Buffer {
  const labelBytes = labels[0]!.length;
  const record = labelBytes + CIFAR_PIXELS;
  const out = Buffer.alloc(labels.length * record);
  labels.forEach((label, n) => {
    label.forEach((l, i) => (out[n * record + i] = l));
    for (let p = 0; p < 1024; p++)
      for (let c = 0; c < 3; c++) out[n * record + labelBytes + c * 1024 + p] = hwc[n * CIFAR_PIXELS + 3 * p + c]!;
  });
  return out;
}

function png(hwc: Uint8Array): Buffer {
  const image = new PNG({ width: 32, height: 32 });
  for (let p = 0; p < 1024; p++) {
    image.data[4 * p] = hwc[3 * p]!;
    image.data[4 * p + 1] = hwc[3 * p + 1]!;
    image.data[4 * p + 2] = hwc[3 * p + 2]!;
    image.data[4 * p + 3] = 255;
  }
  return PNG.sync.write(image);
}

/** Sample n of a part, as its pixels and label. */
const sample = (part: RawPart, n: number) => ({
  pixels: Array.from(part.x.subarray(n * CIFAR_PIXELS, (n + 1) * CIFAR_PIXELS)),
  label: part.y[n],
});

describe('CIFAR-100 binary', () => {
  it('parses generated train.bin and test.bin to fine labels and HWC pixels, and imports with its 100 names', async () => {
    const root = path.join(dir, 'c100', 'cifar-100-binary');
    const train = randomPixels(5, 1);
    const labels = [
      [0, 3],
      [19, 99],
      [4, 0],
      [11, 57],
      [2, 42],
    ];
    writeFile(path.join(root, 'train.bin'), recordsOf(train, labels));
    writeFile(
      path.join(root, 'test.bin'),
      recordsOf(randomPixels(2, 2), [
        [1, 7],
        [5, 64],
      ]),
    );
    const fine = Array.from({ length: 100 }, (_, i) => `fine ${i}`);
    writeFile(path.join(root, 'fine_label_names.txt'), fine.join('\n') + '\n');
    writeFile(path.join(root, 'coarse_label_names.txt'), Array.from({ length: 20 }, (_, i) => `c${i}`).join('\n'));

    const part = await readCifarBatches([path.join(root, 'train.bin')], 'cifar-100');
    expect(Array.from(part.y)).toEqual([3, 99, 0, 57, 42]);
    expect(part.x).toEqual(train); // HWC, exactly the pixels written
    // Pixel (row 2, column 5), green, of record 3: HWC index (2·32 + 5)·3 + 1.
    expect(part.x[3 * CIFAR_PIXELS + (2 * 32 + 5) * 3 + 1]).toBe(train[3 * CIFAR_PIXELS + 208]);

    const manager = new DatasetManager({ dataDir: path.join(dir, 'c100-data') });
    const entry = await manager.importDataset(path.join(dir, 'c100'), { name: 'my-c100' });
    expect(entry).toMatchObject({ kind: 'cifar-100', outputSize: 100, sizes: { train: 5, test: 2 } });
    expect(entry.classNames[99]).toBe('fine 99');
    const loaded = await manager.load('my-c100', { validationFraction: 0 });
    expect(loaded.test.task === 'classification' && Array.from(loaded.test.y)).toEqual([7, 64]);
  });

  it('refuses a file that is not whole records, naming it and the sizes', async () => {
    const file = path.join(dir, 'short', 'train.bin');
    writeFile(
      file,
      recordsOf(randomPixels(2, 3), [
        [1, 1],
        [2, 2],
      ]).subarray(0, 3074 + 1000),
    );
    let thrown: unknown;
    try {
      parseCifarBatch(fs.readFileSync(file), file, 'cifar-100');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(DatasetError);
    expect((thrown as DatasetError).file).toBe(file);
    expect((thrown as Error).message).toContain(
      `${file}: is 4074 bytes, not a whole number of 3074-byte cifar-100 records: expected 6148 bytes for 2 records`,
    );
    expect((await failure(readCifarBatches([file], 'cifar-100'))).kind).toBe('truncated');
  });
});

describe('the CIFAR binary and image-folder readers', () => {
  it('agree on the same images: a CIFAR-100-shaped folder of 100 classes as PNG and its binary file', async () => {
    const n = 200; // two images of each of the 100 classes
    const pixels = randomPixels(n, 9);
    const labels = Array.from({ length: n }, (_, i) => [Math.floor((i % 100) / 5), i % 100]);
    const root = path.join(dir, 'agree100');
    writeFile(
      path.join(root, 'bin', 'train.bin'),
      recordsOf(pixels.subarray(0, 100 * CIFAR_PIXELS), labels.slice(0, 100)),
    );
    writeFile(path.join(root, 'bin', 'test.bin'), recordsOf(pixels.subarray(100 * CIFAR_PIXELS), labels.slice(100)));
    // Class folders named so that their sorted order is the label order, as CIFAR's own names are not.
    const name = (label: number) => `class-${String(label).padStart(3, '0')}`;
    for (let i = 0; i < n; i++) {
      const split = i < 100 ? 'train' : 'test';
      const file = path.join(root, 'folder', split, name(labels[i]![1]!), `${String(i).padStart(5, '0')}.png`);
      writeFile(file, png(pixels.subarray(i * CIFAR_PIXELS, (i + 1) * CIFAR_PIXELS)));
    }
    const scan = await scanImageFolder(path.join(root, 'folder'));
    expect(scan.classNames).toHaveLength(100);
    const folder = await decodeImageFolder(scan);
    expect(folder.inputShape).toEqual([32, 32, 3]);
    expect(folder.outputSize).toBe(100);
    const binary = {
      train: await readCifarBatches([path.join(root, 'bin', 'train.bin')], 'cifar-100'),
      test: await readCifarBatches([path.join(root, 'bin', 'test.bin')], 'cifar-100'),
    };
    for (const split of ['train', 'test'] as const) {
      const files = split === 'train' ? scan.train : scan.test!;
      const part = split === 'train' ? folder.train : folder.test!;
      expect(part.size).toBe(100);
      files.forEach(({ file }, r) => {
        const record = Number(path.basename(file, '.png')) - (split === 'train' ? 0 : 100);
        expect(sample(part, r)).toEqual(sample(binary[split], record));
      });
    }
  });

  describe.skipIf(!fs.existsSync(CIFAR_JPG))('on real CIFAR-10 photographs (../shared/data/cifar10-jpg.tar.gz)', () => {
    it('read the same pixels and labels from the JPEG folder and from a binary file written from it', async () => {
      const root = path.join(dir, 'real');
      fs.mkdirSync(root);
      // Two test images of each class (the named files only: about a second, not 60,000 images).
      execFileSync('tar', ['-xzf', CIFAR_JPG, '-C', root, '--wildcards', 'test/*/000[01].jpg']);
      const scan = await scanImageFolder(path.join(root, 'test'));
      expect(scan.classNames).toEqual(CIFAR10_CLASSES);
      const folder = await decodeImageFolder(scan);
      expect(folder.train.size).toBe(20);
      const part = folder.train;
      const file = path.join(root, 'test_batch.bin');
      fs.writeFileSync(
        file,
        recordsOf(
          part.x as Uint8Array,
          Array.from(part.y, (l) => [l]),
        ),
      );
      const binary = parseCifarBatch(fs.readFileSync(file), file, 'cifar-10');
      expect(binary.y).toEqual(part.y);
      expect(binary.x).toEqual(part.x);
      expect(new Set(binary.y).size).toBe(10);
    });
  });
});
