import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  locateCifarFiles,
  parseCifarBatch,
  readCifarBatches,
  readCifarClassNames,
} from '../../src-main/data/cifar-binary';
import { DatasetManager } from '../../src-main/data/manager';
import { cifarBytes, writeCifar10Folder } from '../fixtures/data/make';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bl-cifar-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('CIFAR binary parser', () => {
  it('reorders the colour planes into height × width × channel', () => {
    const part = parseCifarBatch(cifarBytes([[3], [7]], 1), 'b.bin', 'cifar-10');
    expect(part.size).toBe(2);
    expect(Array.from(part.y)).toEqual([3, 7]);
    // Record 1, pixel 0: red = 1, green = 101, blue = 199; pixel 5: red = 5.
    const base = 3072;
    expect(Array.from(part.x.subarray(base, base + 3))).toEqual([1, 101, 199]);
    expect(part.x[base + 3 * 5]).toBe(5);
    expect(part.x[base + 3 * 5 + 1]).toBe(101);
  });

  it('reads CIFAR-100 fine or coarse labels', () => {
    const bytes = cifarBytes(
      [
        [4, 87],
        [19, 2],
      ],
      2,
    );
    expect(Array.from(parseCifarBatch(bytes, 'train.bin', 'cifar-100', 'fine').y)).toEqual([87, 2]);
    expect(Array.from(parseCifarBatch(bytes, 'train.bin', 'cifar-100', 'coarse').y)).toEqual([4, 19]);
  });

  it('says how many bytes a truncated batch should have had', () => {
    const bytes = cifarBytes([[1], [2], [3]], 1).subarray(0, 3073 * 2 + 100);
    expect(() => parseCifarBatch(bytes, 'data_batch_1.bin', 'cifar-10')).toThrow(
      /data_batch_1\.bin: is 6246 bytes, not a whole number of 3073-byte cifar-10 records: expected 9219 bytes for 3 records, got 6246/,
    );
    expect(() => parseCifarBatch(Buffer.alloc(0), 'empty.bin', 'cifar-10')).toThrow(/empty\.bin: is empty/);
  });

  it('rejects labels outside the classes, and CIFAR-10 files read as CIFAR-100', () => {
    expect(() => parseCifarBatch(cifarBytes([[1], [10]], 1), 'bad.bin', 'cifar-10')).toThrow(
      /bad\.bin: record 1 \(byte 3073\) has label 10, expected 0…9/,
    );
    expect(() => parseCifarBatch(cifarBytes([[25, 3]], 2), 'c100.bin', 'cifar-100', 'fine')).toThrow(
      /coarse label 25, expected 0…19/,
    );
    // Two CIFAR-10 records (6146 bytes) are not a whole number of 3074-byte CIFAR-100 records.
    expect(() => parseCifarBatch(cifarBytes([[1], [2]], 1), 'ten.bin', 'cifar-100')).toThrow(
      /or is this a CIFAR-10 file\?/,
    );
  });

  it('finds the official folder layout, reads class names, and concatenates the five training batches', async () => {
    const batches = writeCifar10Folder(path.join(dir, 'c10'), 3);
    const files = await locateCifarFiles(path.join(dir, 'c10'), 'cifar-10');
    expect(files?.dir).toBe(batches);
    expect(await readCifarClassNames(files!, 'cifar-10', 'fine')).toContain('truck');
    const train = await readCifarBatches(files!.train, 'cifar-10');
    expect(train.size).toBe(15);
    // Batch b, record i has label (b + i) mod 10.
    expect(Array.from(train.y.subarray(0, 6))).toEqual([1, 2, 3, 2, 3, 4]);
    fs.rmSync(path.join(batches, 'data_batch_4.bin'));
    await expect(locateCifarFiles(path.join(dir, 'c10'), 'cifar-10')).rejects.toThrow(/lacks data_batch_4\.bin/);
  });

  it('loads through the manager from <dataDir>/datasets/cifar-10 with a 32×32×3 shape', async () => {
    const dataDir = path.join(dir, 'data');
    writeCifar10Folder(path.join(dataDir, 'datasets', 'cifar-10'), 4);
    const manager = new DatasetManager({ dataDir });
    const entry = await manager.describe('cifar-10');
    expect(entry).toMatchObject({ present: true, sizes: { train: 20, test: 4 }, inputShape: [32, 32, 3] });
    const loaded = await manager.load('cifar-10', { validationFraction: 0.2 });
    expect(loaded.inputShape).toEqual([32, 32, 3]);
    expect(loaded.split.sizes).toEqual({ train: 16, validation: 4, test: 4 });
    expect(loaded.train.featureSize).toBe(3072);
    expect(loaded.test.x[1]).toBeCloseTo(100 / 255, 6); // test record 0, pixel 0, green
  });

  it('loads CIFAR-100 from its official folder with fine or coarse labels and the archive’s names', async () => {
    const dataDir = path.join(dir, 'data100');
    const folder = path.join(dataDir, 'datasets', 'cifar-100', 'cifar-100-binary');
    fs.mkdirSync(folder, { recursive: true });
    fs.writeFileSync(
      path.join(folder, 'train.bin'),
      cifarBytes(
        [
          [0, 4],
          [19, 99],
          [7, 50],
        ],
        2,
      ),
    );
    fs.writeFileSync(path.join(folder, 'test.bin'), cifarBytes([[3, 1]], 2));
    const fine = Array.from({ length: 100 }, (_, i) => `fine_${i}`);
    const coarse = Array.from({ length: 20 }, (_, i) => `coarse_${i}`);
    fs.writeFileSync(path.join(folder, 'fine_label_names.txt'), fine.join('\n') + '\n');
    fs.writeFileSync(path.join(folder, 'coarse_label_names.txt'), coarse.join('\n') + '\n');
    const manager = new DatasetManager({ dataDir });
    const byFine = await manager.load('cifar-100', { validationFraction: 0 });
    expect(byFine.outputSize).toBe(100);
    expect(byFine.classNames[99]).toBe('fine_99');
    expect(byFine.train.task === 'classification' && Array.from(byFine.train.y)).toEqual([4, 99, 50]);
    const byCoarse = await manager.load('cifar-100', { validationFraction: 0, labelKind: 'coarse' });
    expect(byCoarse.outputSize).toBe(20);
    expect(byCoarse.classNames).toEqual(coarse);
    expect(byCoarse.train.task === 'classification' && Array.from(byCoarse.train.y)).toEqual([0, 19, 7]);
    fs.writeFileSync(path.join(folder, 'coarse_label_names.txt'), 'just one\n');
    await expect(manager.load('cifar-100', { labelKind: 'coarse' })).rejects.toThrow(
      /coarse_label_names\.txt: lists 1 class names, expected 20/,
    );
  });
});
