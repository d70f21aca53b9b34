import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DatasetManager } from '../../src-main/data/manager';
import { idxBytes, idxPair, imageBytes, writeFile } from '../fixtures/data/make';
import { failure } from '../support/dataset-failure';

let dir: string;
let manager: DatasetManager;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bl-integrity-'));
  manager = open();
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function open(searchDirs: readonly string[] = []): DatasetManager {
  return new DatasetManager({
    dataDir: path.join(dir, 'data'),
    searchDirs: { 'fashion-mnist': searchDirs },
    mnistPackageDir: null,
  });
}

function table(name: string): string {
  const file = path.join(dir, name);
  writeFile(file, ['x,y,label', ...Array.from({ length: 20 }, (_, i) => `${i},${(i * 7) % 10},${i % 2}`)].join('\n'));
  return file;
}

/** Replaces the byte at `offset` with another, keeping the file's size. */
function flipByte(file: string, offset: number): void {
  const bytes = fs.readFileSync(file);
  bytes[offset] = bytes[offset]! ^ 0x01;
  fs.writeFileSync(file, bytes);
}

function importsFile(): string {
  return path.join(dir, 'data', 'datasets', 'imports.json');
}

describe('imported files are checked when a run opens them', () => {
  it('refuses a CSV table whose bytes changed since import, naming it and saying to import again', async () => {
    const file = table('blobs.csv');
    await manager.importDataset(file);
    const before = await manager.load('blobs');
    // "19,3,1" becomes "19,2,1": same size, one value different.
    const text = fs.readFileSync(file, 'utf8');
    flipByte(file, text.lastIndexOf(',3,') + 1);
    const error = await failure(manager.load('blobs'));
    expect(error.kind).toBe('changed');
    expect(error.file).toBe(file);
    expect(error.message).toMatch(
      /blobs\.csv: has changed since 'blobs' was imported on \d{4}-\d\d-\d\d \d\d:\d\d UTC/,
    );
    expect(error.message).toMatch(/import 'blobs' again \(replacing it\) if the change is intended/);
    // Imported again, the file as it is now is the dataset.
    await manager.importDataset(file, { replace: true });
    expect((await manager.load('blobs')).contentHash).not.toBe(before.contentHash);
  });

  it('names the changed file of an IDX folder', async () => {
    const folder = path.join(dir, 'kmnist');
    const train = idxPair(12, 4, 4, 3);
    const test = idxPair(6, 4, 4, 3);
    writeFile(path.join(folder, 'train-images-idx3-ubyte'), train.images);
    writeFile(path.join(folder, 'train-labels-idx1-ubyte'), train.labels);
    writeFile(path.join(folder, 't10k-images-idx3-ubyte'), test.images);
    writeFile(path.join(folder, 't10k-labels-idx1-ubyte'), test.labels);
    await manager.importDataset(folder);
    flipByte(path.join(folder, 't10k-images-idx3-ubyte'), 100);
    const error = await failure(manager.load('kmnist'));
    expect(error.kind).toBe('changed');
    expect(error.message).toMatch(/t10k-images-idx3-ubyte: has changed since 'kmnist' was imported/);
    expect(error.message).toMatch(/SHA-256 went from [0-9a-f]{12}… to [0-9a-f]{12}…\)/);
  });

  it('names an image that is gone or new, and still refuses when the per-file record is lost', async () => {
    const images = path.join(dir, 'shapes');
    for (const cls of ['dark', 'light'])
      for (let i = 0; i < 3; i++) writeFile(path.join(images, cls, `${i}.png`), imageBytes('png', 4, 4, [i, i, i]));
    await manager.importDataset(images);
    const gone = path.join(images, 'dark', '1.png');
    fs.renameSync(gone, path.join(dir, 'aside.png'));
    const missing = await failure(manager.load('shapes'));
    expect(missing.message).toContain(`${gone}: was part of 'shapes' when it was imported`);
    expect(missing.message).toMatch(/and is gone; put it back, or import 'shapes' again/);
    fs.renameSync(path.join(dir, 'aside.png'), gone);
    await manager.load('shapes');
    const extra = path.join(images, 'light', '9.png');
    writeFile(extra, imageBytes('png', 4, 4, [200, 200, 200]));
    expect((await failure(manager.load('shapes'))).message).toContain(`${extra}: is new since 'shapes' was imported`);
    fs.rmSync(path.join(dir, 'data', 'datasets', 'manifests'), { recursive: true });
    const unnamed = await failure(manager.load('shapes'));
    expect(unnamed.kind).toBe('changed');
    expect(unnamed.message).toMatch(/shapes: the files of 'shapes' have changed since it was imported on/);
  });

  it('compares the content of imports recorded before files were hashed', async () => {
    const file = table('old.csv');
    await manager.importDataset(file);
    const list = JSON.parse(fs.readFileSync(importsFile(), 'utf8')) as {
      imports: { summary: Record<string, unknown> }[];
    };
    delete list.imports[0]!.summary.filesHash;
    fs.writeFileSync(importsFile(), JSON.stringify(list));
    await manager.load('old');
    flipByte(file, fs.readFileSync(file, 'utf8').lastIndexOf(',3,') + 1);
    const error = await failure(manager.load('old'));
    expect(error.kind).toBe('changed');
    expect(error.message).toMatch(/old\.csv: the data of 'old' has changed since it was imported on/);
  });

  it('forgets the per-file record with the import', async () => {
    await manager.importDataset(table('gone.csv'));
    const manifest = path.join(dir, 'data', 'datasets', 'manifests', 'gone.json');
    expect(fs.existsSync(manifest)).toBe(true);
    await manager.forget('gone');
    expect(fs.existsSync(manifest)).toBe(false);
  });
});

const FASHION_DIR = '/usr/share/datasets/fashion-mnist';
const haveFashion = fs.existsSync(path.join(FASHION_DIR, 'train-images-idx3-ubyte.gz'));

describe.skipIf(!haveFashion)('built-ins found in system folders', () => {
  it('refuses Fashion-MNIST whose pixels differ from the published data, naming the files', async () => {
    // A copy of the system folder with one training pixel changed, unpacked so the change is not a gzip error.
    const system = path.join(dir, 'system-fashion');
    fs.cpSync(FASHION_DIR, system, { recursive: true });
    const packed = path.join(system, 'train-images-idx3-ubyte.gz');
    const images = zlib.gunzipSync(fs.readFileSync(packed));
    images[16 + 28 * 14 + 14] = images[16 + 28 * 14 + 14]! ^ 0x01;
    fs.rmSync(packed);
    fs.writeFileSync(path.join(system, 'train-images-idx3-ubyte'), images);
    const error = await failure(open([system]).load('fashion-mnist', { trainSubset: 100 }));
    expect(error.kind).toBe('changed');
    expect(error.message).toMatch(
      /fashion-mnist is not the published data: train-images-idx3-ubyte or train-labels-idx1-ubyte\.gz in .*system-fashion changed/,
    );
    expect(error.message).toMatch(/Restore the files \(download Fashion-MNIST again, or reinstall/);
  }, 60_000);

  it('takes the unchanged system folder, unpacked or not', async () => {
    const system = path.join(dir, 'unpacked-fashion');
    fs.mkdirSync(system);
    for (const name of fs.readdirSync(FASHION_DIR)) {
      const plain = zlib.gunzipSync(fs.readFileSync(path.join(FASHION_DIR, name)));
      fs.writeFileSync(path.join(system, name.replace(/\.gz$/, '')), plain);
    }
    const loaded = await open([system]).load('fashion-mnist', { trainSubset: 100 });
    expect(loaded.contentHash).toBe('c5d0b4d4cae8d75cea559a517152803265a17db9828fc2bbb88349f43f348e70');
  }, 60_000);
});

describe('class labels and integrity together', () => {
  it('a label file of an IDX import rewritten in place is a changed file, not a new class', async () => {
    const folder = path.join(dir, 'five');
    writeFile(path.join(folder, 'train-images-idx3-ubyte'), idxPair(10).images);
    writeFile(path.join(folder, 'train-labels-idx1-ubyte'), idxBytes('uint8', [10], [0, 1, 2, 0, 1, 2, 0, 1, 2, 0]));
    writeFile(path.join(folder, 't10k-images-idx3-ubyte'), idxPair(3).images);
    writeFile(path.join(folder, 't10k-labels-idx1-ubyte'), idxBytes('uint8', [3], [0, 1, 2]));
    await manager.importDataset(folder);
    flipByte(path.join(folder, 'train-labels-idx1-ubyte'), 8 + 4);
    expect((await failure(manager.load('five'))).message).toMatch(/train-labels-idx1-ubyte: has changed since/);
  });
});
