import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImage } from '../../src-main/data/image-decode';
import { readImageFolder, scanImageFolder } from '../../src-main/data/image-folder';
import { prepareSplits } from '../../src-main/data/prepare';
import { imageBytes, writeFile } from '../fixtures/data/make';
import { failure } from '../support/dataset-failure';

const CIFAR_JPG = path.resolve(import.meta.dirname, '../../../shared/data/cifar10-jpg.tar.gz');

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bl-imgdir-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('image folders', () => {
  it('reads root/<split>/<class>/* with classes in sorted order and one label per folder', async () => {
    const root = path.join(dir, 'split');
    writeFile(path.join(root, 'train', 'red', 'a.png'), imageBytes('png', 5, 3, [255, 0, 0]));
    writeFile(path.join(root, 'train', 'red', 'b.jpg'), imageBytes('jpeg', 5, 3, [250, 10, 10]));
    writeFile(path.join(root, 'train', 'blue', 'a.png'), imageBytes('png', 5, 3, [0, 0, 255]));
    writeFile(path.join(root, 'train', '.DS_Store'), 'junk');
    writeFile(path.join(root, 'test', 'blue', 'x.png'), imageBytes('png', 5, 3, [0, 0, 254]));
    writeFile(path.join(root, 'notes.txt'), 'files beside the splits are ignored');
    const source = await readImageFolder(root);
    expect(source.classNames).toEqual(['blue', 'red']);
    expect(source.inputShape).toEqual([3, 5, 3]);
    expect(Array.from(source.train.y)).toEqual([0, 1, 1]);
    expect(source.test?.size).toBe(1);
    expect(source.validation).toBeNull();
    // First pixel of the blue training image, then of the red PNG.
    expect(Array.from(source.train.x.subarray(0, 3))).toEqual([0, 0, 255]);
    expect(Array.from(source.train.x.subarray(45, 48))).toEqual([255, 0, 0]);
    const jpegRed = source.train.x[90]!;
    expect(Math.abs(jpegRed - 250)).toBeLessThan(6); // lossy, but close
  });

  it('reads a flat root/<class>/* folder, Tiny-ImageNet images/ subfolders, and keeps grey images to one channel', async () => {
    const root = path.join(dir, 'flat');
    writeFile(path.join(root, 'dark', 'images', '1.png'), imageBytes('png', 4, 4, [20, 20, 20]));
    writeFile(path.join(root, 'light', '1.png'), imageBytes('png', 4, 4, [200, 200, 200]));
    writeFile(path.join(root, 'light', '2.PNG'), imageBytes('png', 4, 4, [210, 210, 210]));
    const source = await readImageFolder(root);
    expect(source.inputShape).toEqual([4, 4, 1]);
    expect(source.test).toBeNull();
    expect(Array.from(source.train.y)).toEqual([0, 1, 1]);
    expect(source.train.x[16]).toBe(200);
    const rgb = await readImageFolder(root, { channels: 3 });
    expect(rgb.inputShape).toEqual([4, 4, 3]);
    // A class folder linked in from elsewhere is followed.
    const elsewhere = path.join(dir, 'elsewhere-mid');
    writeFile(path.join(elsewhere, '1.png'), imageBytes('png', 4, 4, [100, 100, 100]));
    fs.symlinkSync(elsewhere, path.join(root, 'mid'), 'dir');
    expect((await readImageFolder(root)).classNames).toEqual(['dark', 'light', 'mid']);
  });

  it('names the file whose size differs from the others', async () => {
    const root = path.join(dir, 'sizes');
    writeFile(path.join(root, 'a', '1.png'), imageBytes('png', 8, 8, [1, 2, 3]));
    writeFile(path.join(root, 'b', '1.png'), imageBytes('png', 8, 6, [1, 2, 3]));
    const error = await failure(readImageFolder(root));
    expect(error.kind).toBe('mismatch');
    expect(error.message).toMatch(/b[\\/]1\.png: is 8×6 but the other images are 8×8 \(as .*a[\\/]1\.png\)/);
  });

  it('names a corrupt JPEG, a file that is no image, and unsupported image types', async () => {
    const good = imageBytes('jpeg', 8, 8, [9, 99, 199]);
    const root = path.join(dir, 'corrupt');
    writeFile(path.join(root, 'a', 'ok.jpg'), good);
    writeFile(path.join(root, 'a', 'cut.jpg'), good.subarray(0, Math.floor(good.length * 0.6)));
    const corrupt = await failure(readImageFolder(root));
    expect(corrupt.kind).toBe('decode');
    expect(corrupt.message).toMatch(/cut\.jpg: is a damaged or unsupported JPEG/);
    expect(() => decodeImage(Buffer.from('<html>not found</html>'), 'page.jpg')).toThrow(
      /page\.jpg: is neither a JPEG nor a PNG/,
    );
    const gif = path.join(dir, 'gif');
    writeFile(path.join(gif, 'a', 'x.gif'), 'GIF89a');
    expect((await failure(readImageFolder(gif))).message).toMatch(/x\.gif: \.gif images are not supported/);
  });

  it('explains folder layouts it cannot read', async () => {
    const loose = path.join(dir, 'loose');
    writeFile(path.join(loose, '1.png'), imageBytes('png', 2, 2, [0, 0, 0]));
    expect((await failure(scanImageFolder(loose))).message).toMatch(
      /loose: holds images directly .*one folder per class/,
    );
    const mixed = path.join(dir, 'mixed');
    writeFile(path.join(mixed, 'train', 'a', '1.png'), imageBytes('png', 2, 2, [0, 0, 0]));
    writeFile(path.join(mixed, 'cats', '1.png'), imageBytes('png', 2, 2, [0, 0, 0]));
    expect((await failure(scanImageFolder(mixed))).kind).toBe('layout');
    const stray = path.join(dir, 'stray');
    writeFile(path.join(stray, 'train', 'a', '1.png'), imageBytes('png', 2, 2, [0, 0, 0]));
    writeFile(path.join(stray, 'test', 'zebra', '1.png'), imageBytes('png', 2, 2, [0, 0, 0]));
    expect((await failure(scanImageFolder(stray))).message).toMatch(
      /test: has class folders the training split lacks: zebra/,
    );
    const nested = path.join(dir, 'nested');
    writeFile(path.join(nested, 'a', 'deeper', 'x', '1.png'), imageBytes('png', 2, 2, [0, 0, 0]));
    expect((await failure(scanImageFolder(nested))).message).toMatch(/class folder holds subfolders \(deeper\)/);
    const empty = path.join(dir, 'empty');
    fs.mkdirSync(path.join(empty, 'a'), { recursive: true });
    expect((await failure(scanImageFolder(empty))).message).toMatch(
      /class folder holds no \.jpg, \.jpeg or \.png images/,
    );
  });

  describe.skipIf(!fs.existsSync(CIFAR_JPG))(
    'a real slice of CIFAR-10 as JPEG (../shared/data/cifar10-jpg.tar.gz)',
    () => {
      it('decodes 2 classes × 20 test images to 32×32×3 with their folder labels', async () => {
        const root = path.join(dir, 'cifar-jpg');
        fs.mkdirSync(root);
        // Only the 40 files named, so this takes about a second rather than unpacking 60,000 images.
        execFileSync('tar', [
          '-xzf',
          CIFAR_JPG,
          '-C',
          root,
          '--wildcards',
          'test/airplane/00[01]?.jpg',
          'test/cat/00[01]?.jpg',
        ]);
        const progress: number[] = [];
        // test/ alone is a flat <class>/*.jpg folder; the missing test split is carved at load time.
        const source = await readImageFolder(path.join(root, 'test'), { onProgress: (done) => progress.push(done) });
        expect(source.classNames).toEqual(['airplane', 'cat']);
        expect(source.inputShape).toEqual([32, 32, 3]);
        expect(source.train.size).toBe(40);
        expect(Array.from(source.train.y.subarray(18, 22))).toEqual([0, 0, 1, 1]);
        expect(progress.at(-1)).toBe(40);
        // Real photographs: colour (not grey), pixel values spread over most of 0…255.
        let min = 255;
        let max = 0;
        let colour = 0;
        for (let i = 0; i < source.train.x.length; i += 3) {
          const [r, g, b] = [source.train.x[i]!, source.train.x[i + 1]!, source.train.x[i + 2]!];
          min = Math.min(min, r, g, b);
          max = Math.max(max, r, g, b);
          if (r !== g || g !== b) colour++;
        }
        expect(min).toBeLessThan(30);
        expect(max).toBeGreaterThan(225);
        expect(colour).toBeGreaterThan(source.train.x.length / 6);
        const loaded = prepareSplits(source, { testFraction: 0.25, validationFraction: 0.1 });
        expect(loaded.split.sizes).toEqual({ train: 27, validation: 3, test: 10 });
        expect(loaded.test.task === 'classification' && Array.from(loaded.test.y).filter((y) => y === 0).length).toBe(
          5,
        );
        expect(loaded.train.x.every((v) => v >= 0 && v <= 1)).toBe(true);
      });
    },
  );
});
