import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readCsvSource } from '../../src-main/data/csv';
import { DatasetManager } from '../../src-main/data/manager';
import { idxBytes, idxPair, imageBytes, writeFile } from '../fixtures/data/make';
import { failure } from '../support/dataset-failure';

let dir: string;
let manager: DatasetManager;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bl-labels-'));
  manager = new DatasetManager({
    dataDir: path.join(dir, 'data'),
    searchDirs: { 'fashion-mnist': [] },
    mnistPackageDir: null,
  });
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** An uncompressed MNIST-named IDX folder with the given labels (4×4 images). */
function idxFolder(name: string, train: number[], test: number[]): string {
  const folder = path.join(dir, name);
  for (const [split, labels] of [
    ['train', train],
    ['t10k', test],
  ] as const) {
    writeFile(path.join(folder, `${split}-images-idx3-ubyte`), idxPair(labels.length).images);
    writeFile(path.join(folder, `${split}-labels-idx1-ubyte`), idxBytes('uint8', [labels.length], labels));
  }
  return folder;
}

const digits = (n: number) => Array.from({ length: n }, (_, i) => i % 10);

function csv(name: string, labels: readonly string[]): string {
  const file = path.join(dir, name);
  writeFile(file, ['x,label', ...labels.map((label, i) => `${i},${label}`)].join('\n'));
  return file;
}

describe('labels of imported IDX folders', () => {
  it('refuses one label far past the others instead of inventing classes, naming file, index and value', async () => {
    const train = digits(30);
    train[17] = 250;
    const folder = idxFolder('digits250', train, digits(10));
    const error = await failure(manager.importDataset(folder));
    expect(error.kind).toBe('label');
    expect(error.message).toContain(path.join(folder, 'train-labels-idx1-ubyte'));
    expect(error.message).toMatch(/label 250 at index 17 leaves classes 10…249 without a single sample/);
    expect(error.message).toMatch(/declare 251 classes when importing if the gap is real/);
    expect((await manager.list()).some((e) => e.name === 'digits250')).toBe(false);
  });

  it('holds labels to a declared class count', async () => {
    const train = digits(30);
    train[17] = 250;
    const folder = idxFolder('declared', train, digits(10));
    const error = await failure(manager.importDataset(folder, { classes: 10 }));
    expect(error.message).toMatch(/train-labels-idx1-ubyte: label 250 at index 17 is out of range: expected 0…9/);
    // A gap that is real can be declared, and a declared class without samples still counts.
    expect(await manager.importDataset(folder, { classes: 251 })).toMatchObject({ outputSize: 251 });
    expect(await manager.importDataset(idxFolder('twelve', digits(30), digits(10)), { classes: 12 })).toMatchObject({
      outputSize: 12,
    });
    expect((await failure(manager.importDataset(folder, { name: 'x', classes: 0 }))).message).toMatch(
      /classes must be a whole number ≥ 1, got 0/,
    );
  });

  it('refuses a test label of a class the training labels do not have', async () => {
    const test = digits(10);
    test[4] = 11;
    const folder = idxFolder('test11', digits(30), test);
    const error = await failure(manager.importDataset(folder));
    expect(error.kind).toBe('label');
    expect(error.message).toMatch(/t10k-labels-idx1-ubyte: label 11 at index 4 is out of range: expected 0…9/);
  });

  it('accepts labels numbered from 1, as EMNIST letters are', async () => {
    const letters = Array.from({ length: 26 }, (_, i) => i + 1);
    const entry = await manager.importDataset(idxFolder('letters', letters, letters));
    expect(entry).toMatchObject({ outputSize: 27 });
  });

  it('holds a known dataset to its class count wherever its files are found', async () => {
    const train = digits(30);
    train[3] = 10;
    const folder = idxFolder('mnist-copy', train, digits(10));
    fs.cpSync(folder, path.join(dir, 'data', 'datasets', 'mnist'), { recursive: true });
    const error = await failure(manager.load('mnist'));
    expect(error.message).toMatch(/train-labels-idx1-ubyte: label 10 at index 3 is out of range: expected 0…9/);
  });

  it('takes no class count for formats whose classes are fixed', async () => {
    const images = path.join(dir, 'shapes');
    for (const cls of ['a', 'b']) writeFile(path.join(images, cls, '0.png'), imageBytes('png', 2, 2, [9, 9, 9]));
    const error = await failure(manager.importDataset(images, { classes: 5 }));
    expect(error.message).toMatch(/shapes: is a image-folder dataset, whose class count is fixed; leave classes out/);
  });
});

describe('labels of CSV tables', () => {
  it('refuses a negative class label, naming the line', async () => {
    const file = csv('negative.csv', ['0', '1', '-1', '1']);
    const error = await failure(readCsvSource(file, null));
    expect(error.kind).toBe('label');
    expect(error.message).toMatch(/negative\.csv: line 4: label '-1' is negative/);
  });

  it('refuses a fractional label when the table is read as classification', async () => {
    const file = csv('fraction.csv', ['0', '1', '2', '1.5', '0']);
    const error = await failure(readCsvSource(file, null, { task: 'classification' }));
    expect(error.message).toMatch(/fraction\.csv: line 5: label '1\.5' is not a whole number/);
    // Left to itself the table is a regression, as before.
    expect((await readCsvSource(file, null)).task).toBe('regression');
  });

  it('refuses a class number far past the others, and a test label beyond the declared classes', async () => {
    const labels = digits(30).map(String);
    labels[20] = '250';
    const file = csv('gap.csv', labels);
    const error = await failure(readCsvSource(file, null));
    expect(error.message).toMatch(/gap\.csv: line 22: label 250 leaves classes 10…249 without a single sample/);
    const test = csv('gap-test.csv', ['0', '3', '12']);
    const declared = await failure(readCsvSource(csv('ok.csv', digits(30).map(String)), test, { classes: 10 }));
    expect(declared.message).toMatch(/gap-test\.csv: line 4: label '12' is not a class number 0…9/);
  });

  it('keeps class numbers as classes with a declared count, and takes number names that start past 1', async () => {
    const declared = await readCsvSource(csv('sparse.csv', ['0', '2', '2', '0']), null, { classes: 4 });
    expect(declared.outputSize).toBe(4);
    expect(Array.from(declared.train.y)).toEqual([0, 2, 2, 0]);
    const grades = await readCsvSource(csv('grades.csv', ['3', '5', '4', '8', '6', '7']), null);
    expect(grades.classNames).toEqual(['3', '4', '5', '6', '7', '8']);
  });
});
