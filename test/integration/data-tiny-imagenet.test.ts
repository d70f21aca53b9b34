import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DatasetManager } from '../../src-main/data/manager';
import { locateTinyImageNet, scanTinyImageNet } from '../../src-main/data/tiny-imagenet';
import { imageBytes, writeFile } from '../fixtures/data/make';
import { failure } from '../support/dataset-failure';

/**
 * A miniature Tiny ImageNet in the official archive's layout: three wnids, three 64×64 JPEGs each in
 * train/<wnid>/images/ (beside the <wnid>_boxes.txt the archive has), four val images labelled by
 * val/val_annotations.txt, and unlabelled test/images/ that must be ignored. Every image is one solid colour
 * per class, so labels can be read back from the pixels.
 */

const WNIDS = ['n02124075', 'n01443537', 'n09999999'];
const COLOURS: Record<string, [number, number, number]> = {
  n01443537: [230, 120, 20],
  n02124075: [20, 200, 60],
  n09999999: [40, 40, 220],
};
const VAL = [
  ['val_0.JPEG', 'n09999999'],
  ['val_1.JPEG', 'n01443537'],
  ['val_2.JPEG', 'n02124075'],
  ['val_3.JPEG', 'n01443537'],
] as const;

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bl-tiny-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** JPEG encoding dominates this file's time: each colour is encoded once. */
const encoded = new Map<string, Buffer>();
function jpeg64(rgb: [number, number, number]): Buffer {
  const key = rgb.join(',');
  let bytes = encoded.get(key);
  if (bytes === undefined) encoded.set(key, (bytes = imageBytes('jpeg', 64, 64, rgb)));
  return bytes;
}

function writeTiny(root: string, { words = true } = {}): void {
  writeFile(path.join(root, 'wnids.txt'), WNIDS.join('\n') + '\n');
  if (words) {
    writeFile(
      path.join(root, 'words.txt'),
      'n01443537\tgoldfish, Carassius auratus\nn02124075\tEgyptian cat\nn09999999\tgoldfish\nn00000001\tunused\n',
    );
  }
  for (const id of WNIDS) {
    writeFile(path.join(root, 'train', id, `${id}_boxes.txt`), `${id}_0.JPEG\t0\t0\t63\t63\n`);
    for (let i = 0; i < 3; i++)
      writeFile(path.join(root, 'train', id, 'images', `${id}_${i}.JPEG`), jpeg64(COLOURS[id]!));
  }
  for (const [file, id] of VAL) writeFile(path.join(root, 'val', 'images', file), jpeg64(COLOURS[id]!));
  writeFile(
    path.join(root, 'val', 'val_annotations.txt'),
    VAL.map(([f, id]) => `${f}\t${id}\t0\t0\t63\t63`).join('\n') + '\n',
  );
  writeFile(path.join(root, 'test', 'images', 'test_0.JPEG'), jpeg64([0, 0, 0]));
}

const sorted = [...WNIDS].sort();

describe('Tiny ImageNet', () => {
  it('imports its folder (in tiny-imagenet-200/): 64×64×3, labels by sorted wnid, val labelled by its annotations as test', async () => {
    writeTiny(path.join(dir, 'download', 'tiny-imagenet-200'));
    const manager = new DatasetManager({ dataDir: path.join(dir, 'data') });
    const entry = await manager.importDataset(path.join(dir, 'download'), { name: 'tiny' });
    expect(entry).toMatchObject({
      kind: 'tiny-imagenet',
      inputShape: [64, 64, 3],
      outputSize: 3,
      sizes: { train: 9, validation: null, test: 4 },
    });
    // words.txt's first names; the two "goldfish" told apart by their wnids.
    expect(entry.classNames).toEqual(['goldfish (n01443537)', 'Egyptian cat', 'goldfish (n09999999)']);
    const loaded = await manager.load('tiny', { validationFraction: 0 });
    const test = loaded.test;
    if (test.task !== 'classification') throw new Error('classification expected');
    expect(Array.from(test.y)).toEqual(VAL.map(([, id]) => sorted.indexOf(id)));
    // Each image's pixels are its class's colour (JPEG: within a few levels), so the labels belong to the pixels.
    for (const split of [loaded.train, test]) {
      if (split.task !== 'classification') continue;
      for (let r = 0; r < split.size; r++) {
        const colour = COLOURS[sorted[split.y[r]!]!]!;
        const at = r * 64 * 64 * 3 + (31 * 64 + 31) * 3;
        for (let c = 0; c < 3; c++) expect(Math.abs(split.x[at + c]! * 255 - colour[c]!)).toBeLessThan(6);
      }
    }
    // The test/ images have no labels and are not read.
    expect(loaded.train.size + loaded.validation.size + loaded.test.size).toBe(13);
  });

  it('names classes by wnid without words.txt', async () => {
    writeTiny(dir, { words: false });
    const scan = await scanTinyImageNet((await locateTinyImageNet(dir))!);
    expect(scan.classNames).toEqual(sorted);
    expect(scan.train.filter((f) => f.label === 2).map((f) => path.basename(f.file))).toEqual([
      'n09999999_0.JPEG',
      'n09999999_1.JPEG',
      'n09999999_2.JPEG',
    ]);
  });

  it('names the file for a missing wnids.txt, an unknown wnid, an undecodable image and a wrong size', async () => {
    const manager = new DatasetManager({ dataDir: path.join(dir, 'data') });
    const attempt = async (name: string, damage: (root: string) => void) => {
      const root = path.join(dir, name);
      writeTiny(root);
      damage(root);
      return failure(manager.importDataset(root, { name }));
    };

    const noWnids = await attempt('no-wnids', (root) => fs.rmSync(path.join(root, 'wnids.txt')));
    expect(noWnids.kind).toBe('not_found');
    expect(noWnids.message).toContain(`${path.join(dir, 'no-wnids', 'wnids.txt')}: is missing`);

    const unknown = await attempt('unknown-wnid', (root) =>
      fs.appendFileSync(path.join(root, 'val', 'val_annotations.txt'), 'val_9.JPEG\tn07777777\t0\t0\t1\t1\n'),
    );
    expect(unknown.kind).toBe('label');
    expect(unknown.message).toMatch(
      /val_annotations\.txt: line 5 labels val_9\.JPEG n07777777, which .*wnids\.txt does not list/,
    );

    const broken = await attempt('broken', (root) =>
      fs.writeFileSync(
        path.join(root, 'train', 'n01443537', 'images', 'n01443537_1.JPEG'),
        Buffer.from([0xff, 0xd8, 0xff, 0, 1, 2]),
      ),
    );
    expect(broken.kind).toBe('decode');
    expect(broken.message).toContain(
      `${path.join(dir, 'broken', 'train', 'n01443537', 'images', 'n01443537_1.JPEG')}: is a damaged`,
    );

    // A small image first: the size is Tiny ImageNet's, not the first image's.
    const small = await attempt('small', (root) =>
      fs.writeFileSync(
        path.join(root, 'train', 'n01443537', 'images', 'n01443537_0.JPEG'),
        imageBytes('jpeg', 32, 32, [1, 2, 3]),
      ),
    );
    expect(small.kind).toBe('mismatch');
    expect(small.message).toContain(
      `${path.join(dir, 'small', 'train', 'n01443537', 'images', 'n01443537_0.JPEG')}: is 32×32, but Tiny ImageNet images are 64×64`,
    );

    const unlabelled = await attempt('unlabelled', (root) =>
      writeFile(path.join(root, 'val', 'images', 'val_7.JPEG'), imageBytes('jpeg', 64, 64, [0, 0, 0])),
    );
    expect(unlabelled.message).toMatch(/val_7\.JPEG: has no line in .*val_annotations\.txt/);
    // Nothing was recorded for any of them.
    expect((await manager.list()).filter((e) => e.origin === 'imported')).toEqual([]);
  });
});
