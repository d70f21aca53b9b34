import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fingerprintImageFolder, scanImageFolder } from '../../src-main/data/image-folder';
import { DatasetManager } from '../../src-main/data/manager';
import { readSourceCache, writeSourceCache } from '../../src-main/data/source-cache';
import { imageBytes, writeCifar10Folder, writeFile, writeIdxFolder } from '../fixtures/data/make';
import { failure } from '../support/dataset-failure';

let dir: string;
let manager: DatasetManager;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bl-manager-'));
  // No system folders: the list must not depend on what this machine has installed.
  manager = new DatasetManager({
    dataDir: path.join(dir, 'data'),
    searchDirs: { 'fashion-mnist': [] },
    mnistPackageDir: null,
  });
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('dataset manager', () => {
  it('lists built-ins (absent, with what a download would bring) and the synthetic generators', async () => {
    const list = await manager.list();
    expect(list.map((e) => e.name)).toEqual([
      'mnist-sample',
      'mnist',
      'fashion-mnist',
      'cifar-10',
      'cifar-100',
      'teacher-student',
      'gaussian-mixture',
      'spirals',
    ]);
    const cifar = list.find((e) => e.name === 'cifar-10')!;
    expect(cifar).toMatchObject({
      present: false,
      downloadable: true,
      downloadBytes: 170052171,
      inputShape: [32, 32, 3],
      outputSize: 10,
    });
    expect(list.find((e) => e.name === 'cifar-100')).toMatchObject({
      present: false,
      downloadable: true,
      downloadBytes: 168513733,
      outputSize: 100,
    });
    expect(list.find((e) => e.name === 'spirals')).toMatchObject({ present: true, origin: 'synthetic' });
    const missing = await failure(manager.load('fashion-mnist'));
    expect(missing.kind).toBe('not_found');
    expect(missing.message).toMatch(
      /Fashion-MNIST is not in .*datasets[\\/]fashion-mnist\. Download it, or put its files in/,
    );
  });

  it('finds Fashion-MNIST in a search folder and prefers <dataDir>/datasets/<name>', async () => {
    const system = path.join(dir, 'system-fashion');
    writeIdxFolder(system, 20, 10, 10);
    const withSystem = new DatasetManager({
      dataDir: path.join(dir, 'data'),
      searchDirs: { 'fashion-mnist': [system] },
    });
    expect((await withSystem.describe('fashion-mnist')).location).toBe(system);
    const own = path.join(dir, 'data', 'datasets', 'fashion-mnist');
    writeIdxFolder(own, 30, 10, 10);
    expect(await withSystem.describe('fashion-mnist')).toMatchObject({ location: own, sizes: { train: 30 } });
  });

  it('shows a partly present dataset’s problem in the list instead of failing it', async () => {
    const folder = path.join(dir, 'data', 'datasets', 'mnist');
    writeIdxFolder(folder);
    fs.rmSync(path.join(folder, 't10k-images-idx3-ubyte.gz'));
    const entry = (await manager.list()).find((e) => e.name === 'mnist')!;
    expect(entry.present).toBe(false);
    expect(entry.problem).toMatch(/lacks t10k-images-idx3-ubyte\[\.gz\]/);
  });

  it('imports a CSV table, an image folder, an IDX folder and a CIFAR folder, and lists and loads them', async () => {
    const csv = path.join(dir, 'blobs.csv');
    writeFile(
      csv,
      ['x,y,label', ...Array.from({ length: 20 }, (_, i) => `${i},${i % 3},${i % 2 ? 'odd' : 'even'}`)].join('\n'),
    );
    const images = path.join(dir, 'shapes');
    for (const [cls, colour] of [
      ['dark', [10, 10, 10]],
      ['light', [240, 240, 240]],
    ] as const) {
      for (let i = 0; i < 5; i++)
        writeFile(path.join(images, 'train', cls, `${i}.png`), imageBytes('png', 6, 6, [...colour]));
      writeFile(path.join(images, 'test', cls, 't.png'), imageBytes('png', 6, 6, [...colour]));
    }
    const idx = path.join(dir, 'kmnist');
    writeIdxFolder(idx, 12, 6, 4);
    const cifar = path.join(dir, 'my-cifar');
    writeCifar10Folder(cifar, 2);

    const a = await manager.importDataset(csv);
    expect(a).toMatchObject({
      name: 'blobs',
      kind: 'csv',
      origin: 'imported',
      inputShape: [2],
      classNames: ['even', 'odd'],
      sizes: { train: 20, test: null },
    });
    expect(a.contentHash).toMatch(/^[0-9a-f]{64}$/);
    const progress: number[] = [];
    const b = await manager.importDataset(images, { onProgress: (done) => progress.push(done) });
    expect(b).toMatchObject({
      name: 'shapes',
      kind: 'image-folder',
      inputShape: [6, 6, 1],
      sizes: { train: 10, test: 2 },
    });
    expect(progress.at(-1)).toBe(12);
    expect(await manager.importDataset(idx)).toMatchObject({
      kind: 'idx',
      outputSize: 4,
      sizes: { train: 12, test: 6 },
    });
    expect(await manager.importDataset(cifar, { name: 'cifar-copy' })).toMatchObject({
      kind: 'cifar-10',
      sizes: { train: 10, test: 2 },
    });

    // A fresh manager on the same folder sees them: the list is kept on disk.
    const again = new DatasetManager({
      dataDir: path.join(dir, 'data'),
      searchDirs: { 'fashion-mnist': [] },
      mnistPackageDir: null,
    });
    const names = (await again.list()).filter((e) => e.origin === 'imported').map((e) => e.name);
    expect(names).toEqual(['blobs', 'shapes', 'kmnist', 'cifar-copy']);
    const loaded = await again.load('shapes', { validationFraction: 0.2 });
    expect(loaded.name).toBe('shapes');
    expect(loaded.split.sizes).toEqual({ train: 8, validation: 2, test: 2 });
    expect(loaded.contentHash).toBe(b.contentHash);
    const table = await again.load('blobs', { standardise: true, testFraction: 0.25, validationFraction: 0 });
    expect(table.split).toMatchObject({
      scale: 'minmax',
      standardise: true,
      sizes: { train: 15, validation: 0, test: 5 },
    });
  });

  it('decodes an imported image folder once, and never serves the cache for changed images', async () => {
    const images = path.join(dir, 'cached');
    for (let i = 0; i < 4; i++)
      writeFile(path.join(images, i % 2 ? 'b' : 'a', `${i}.png`), imageBytes('png', 3, 3, [i * 50, 0, 0]));
    await manager.importDataset(images);
    const cacheFile = path.join(dir, 'data', 'datasets', 'cache', 'cached.bin');
    // The cache key is the folder's fingerprint plus the files' content hash recorded with the import.
    const key = async () => {
      const list = JSON.parse(fs.readFileSync(path.join(dir, 'data', 'datasets', 'imports.json'), 'utf8')) as {
        imports: { summary: { filesHash: string } }[];
      };
      return `${await fingerprintImageFolder(await scanImageFolder(images))}:${list.imports[0]!.summary.filesHash}`;
    };
    const cached = await readSourceCache(cacheFile, await key());
    expect(cached?.train.size).toBe(4);
    expect(await readSourceCache(cacheFile, 'another fingerprint')).toBeNull();
    // Prove loads read the cache: doctor it (same key, different pixels) and see the doctored data.
    const doctored = { ...cached!, train: { ...cached!.train, x: new Uint8Array(cached!.train.x.length).fill(7) } };
    await writeSourceCache(cacheFile, doctored, await key());
    const fromCache = await manager.readSource('cached');
    expect(fromCache.train.x[0]).toBe(7);
    // Rewritten with its old size and modification time, an image is still a changed image: refused until
    // the folder is imported again, and then decoded afresh rather than taken from the cache.
    const image = path.join(images, 'a', '0.png');
    const { atime, mtime, size } = fs.statSync(image);
    writeFile(image, imageBytes('png', 3, 3, [1, 2, 3]));
    fs.utimesSync(image, atime, mtime);
    expect(fs.statSync(image).size).toBe(size);
    const refused = await failure(manager.readSource('cached'));
    expect(refused.kind).toBe('changed');
    await manager.importDataset(images, { replace: true });
    const fresh = await manager.readSource('cached');
    expect(Array.from(fresh.train.x.subarray(0, 3))).toEqual([1, 2, 3]);
    // A damaged cache is a miss, not an error.
    fs.writeFileSync(cacheFile, fs.readFileSync(cacheFile).subarray(0, 40));
    expect((await manager.readSource('cached')).train.size).toBe(4);
  });

  it('refuses names that clash or cannot name a dataset, and replaces on request', async () => {
    const csv = path.join(dir, 't.csv');
    writeFile(csv, 'a,label\n1,x\n2,y\n');
    await manager.importDataset(csv);
    expect((await failure(manager.importDataset(csv))).message).toMatch(
      /a dataset named 't' is already imported from .*t\.csv/,
    );
    expect((await manager.importDataset(csv, { replace: true })).name).toBe('t');
    expect((await failure(manager.importDataset(csv, { name: 'mnist' }))).message).toMatch(
      /'mnist' is a built-in dataset/,
    );
    expect((await failure(manager.importDataset(csv, { name: '../up' }))).message).toMatch(
      /'\.\.\/up' cannot name a dataset/,
    );
  });

  it('reports a broken import at import time and records nothing', async () => {
    const csv = path.join(dir, 'broken.csv');
    writeFile(csv, 'a,label\n1,x\n2\n');
    expect((await failure(manager.importDataset(csv))).message).toMatch(
      /broken\.csv: line 3 has 1 cells but the header has 2 columns/,
    );
    expect((await manager.list()).some((e) => e.origin === 'imported')).toBe(false);
    const notImages = path.join(dir, 'flat-files');
    writeFile(path.join(notImages, 'readme.md'), '# nothing');
    expect((await failure(manager.importDataset(notImages))).kind).toBe('layout');
    expect((await failure(manager.importDataset(path.join(dir, 'nowhere')))).kind).toBe('not_found');
  });

  it('forgets an import, and marks one whose files moved', async () => {
    const csv = path.join(dir, 'gone.csv');
    writeFile(csv, 'a,label\n1,x\n2,y\n');
    await manager.importDataset(csv);
    fs.rmSync(csv);
    expect(await manager.describe('gone')).toMatchObject({
      present: false,
      problem: expect.stringMatching(/is no longer there/),
    });
    await manager.forget('gone');
    expect((await failure(manager.describe('gone'))).message).toMatch(
      /no dataset is named 'gone'; known datasets: mnist-sample, mnist/,
    );
    expect((await failure(manager.forget('gone'))).kind).toBe('not_found');
  });

  it('names a damaged imports list', async () => {
    writeFile(path.join(dir, 'data', 'datasets', 'imports.json'), '{"version": 1, "imports": [{"name": 3}]}');
    expect((await failure(manager.list())).message).toMatch(
      /imports\.json: is not a list of imports \(imports\.0\.name: /,
    );
    writeFile(path.join(dir, 'data', 'datasets', 'imports.json'), '{oops');
    expect((await failure(manager.list())).message).toMatch(/imports\.json: is not valid JSON/);
  });

  it('refuses to download what has no download source', async () => {
    expect((await failure(manager.download('mnist-sample'))).message).toMatch(
      /'mnist-sample' cannot be downloaded; downloadable datasets: mnist, fashion-mnist, cifar-10, cifar-100/,
    );
  });
});
