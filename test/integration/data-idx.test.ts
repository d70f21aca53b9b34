import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { peekMaybeGzip } from '../../src-main/data/gzip';
import { parseIdx, parseIdxHeader, readIdxPair } from '../../src-main/data/idx';
import { locateIdxFiles, readIdxFolder, summariseIdxFiles } from '../../src-main/data/idx-folder';
import { gzip, idxBytes, idxPair, writeIdxFolder } from '../fixtures/data/make';
import { failure } from '../support/dataset-failure';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bl-idx-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, bytes: Buffer): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, bytes);
  return file;
}

describe('IDX parser', () => {
  it('reads a gzipped pair and a plain pair to the same bytes, shape and labels', async () => {
    const { images, labels, pixels, labelValues } = idxPair(7, 5, 4, 3);
    const gz = await readIdxPair(write('g-img.gz', gzip(images)), write('g-lab.gz', gzip(labels)));
    // No .gz in the name: gzip is recognised from the first two bytes, plain IDX from its zero magic.
    const plain = await readIdxPair(write('p-img', images), write('p-lab', labels));
    for (const pair of [gz, plain]) {
      expect(pair.part.size).toBe(7);
      expect(pair.inputShape).toEqual([5, 4, 1]);
      expect(pair.numClasses).toBe(3);
      expect(pair.part.x).toBeInstanceOf(Uint8Array);
      expect(Array.from(pair.part.x)).toEqual(Array.from(pixels));
      expect(Array.from(pair.part.y)).toEqual(Array.from(labelValues));
    }
  });

  it('decodes big-endian int32 and float32 values', () => {
    const ints = parseIdx(idxBytes('int32', [3], [1, -2, 70000]), 'ints');
    expect(ints.type).toBe('int32');
    expect(Array.from(ints.values)).toEqual([1, -2, 70000]);
    const floats = parseIdx(idxBytes('float32', [2, 2], [0.5, -1.25, 3, 1e-3]), 'floats');
    expect(floats.dims).toEqual([2, 2]);
    expect(Array.from(floats.values)).toEqual([0.5, -1.25, 3, Math.fround(1e-3)]);
    // int8, from a file whose bytes sit at an offset inside a larger buffer.
    const padded = Buffer.concat([
      Buffer.from([7, 7, 7]),
      Buffer.from([0, 0, 0x09, 1, 0, 0, 0, 2, 0xff, 0x05]),
    ]).subarray(3);
    expect(Array.from(parseIdx(padded, 'int8').values)).toEqual([-1, 5]);
  });

  it('turns EMNIST-style transposed images upright', async () => {
    // One 2×3 image stored transposed (column-major): reading it upright gives rows 0 1 2 / 3 4 5.
    const stored = [0, 3, 1, 4, 2, 5];
    const pair = await readIdxPair(
      write('t-img', idxBytes('uint8', [1, 3, 2], stored)),
      write('t-lab', idxBytes('uint8', [1], [0])),
      {
        transpose: true,
      },
    );
    expect(pair.inputShape).toEqual([2, 3, 1]);
    expect(Array.from(pair.part.x)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('names the file and the magic number when the file is not IDX', () => {
    const bytes = Buffer.from('PK\u0003\u0004 not idx at all');
    expect(() => parseIdx(bytes, 'archive.zip')).toThrow(/archive\.zip: is not an IDX file: magic number 0x504b0304/);
    const badType = idxBytes('uint8', [2], [1, 2]);
    badType[2] = 0x0a;
    expect(() => parseIdx(badType, 'weird-type')).toThrow(/weird-type: is not an IDX file: magic number 0x00000a01/);
  });

  it('reports truncated data with the expected and actual byte counts', async () => {
    const { images, labels } = idxPair(10, 4, 4);
    const cut = images.subarray(0, images.length - 5);
    const error = await failure(readIdxPair(write('cut-img', cut), write('cut-lab', labels)));
    expect(error.kind).toBe('truncated');
    expect(error.message).toContain('cut-img');
    expect(error.message).toContain(`expected ${images.length} bytes, got ${images.length - 5}`);
    expect(() => parseIdx(Buffer.concat([labels, Buffer.from([1, 2])]), 'long')).toThrow(
      /long: has trailing bytes: .*expected 18 bytes, got 20/,
    );
    expect(() => parseIdxHeader(Buffer.from([0, 0, 8, 3, 0, 0]), 'short-header')).toThrow(
      /short-header: IDX header promises 3 dimensions \(16 header bytes\) but the file has only 6 bytes/,
    );
  });

  it('reports a truncated gzip stream as a damaged download', async () => {
    const { images, labels } = idxPair(10);
    const gz = gzip(images);
    const error = await failure(
      readIdxPair(write('half.gz', gz.subarray(0, gz.length >> 1)), write('half-lab', labels)),
    );
    expect(error.kind).toBe('decode');
    expect(error.message).toMatch(/half\.gz: is gzip-compressed but cannot be decompressed/);
  });

  it('rejects image and label files that do not belong together', async () => {
    const a = idxPair(10);
    const b = idxPair(9);
    const mismatch = await failure(readIdxPair(write('m-img', a.images), write('m-lab', b.labels)));
    expect(mismatch.kind).toBe('mismatch');
    expect(mismatch.message).toMatch(/m-lab: has 9 labels but .*m-img has 10 images/);
    const swapped = await failure(readIdxPair(write('s-lab-as-img', a.labels), write('s-img-as-lab', a.images)));
    expect(swapped.message).toMatch(/s-lab-as-img: expected an images file .* is it a labels file\?/);
  });

  it('rejects labels outside the classes', async () => {
    const { images } = idxPair(4);
    const labels = idxBytes('uint8', [4], [0, 1, 12, 2]);
    const error = await failure(readIdxPair(write('r-img', images), write('r-lab', labels), { numClasses: 10 }));
    expect(error.kind).toBe('label');
    expect(error.message).toMatch(/r-lab: label 12 at index 2 is out of range: expected 0…9/);
    const negative = idxBytes('int32', [4], [0, -1, 0, 0]);
    expect((await failure(readIdxPair(write('n-img', images), write('n-lab', negative)))).message).toMatch(
      /label -1 at index 1 is negative/,
    );
  });

  it('peeks at the header of a gzipped file without reading the rest', async () => {
    const { images } = idxPair(500, 28, 28);
    const file = write('peek.gz', gzip(images));
    const head = await peekMaybeGzip(file, 16);
    expect(parseIdxHeader(head, file).dims).toEqual([500, 28, 28]);
  });

  it('finds MNIST-named files in a folder, summarises them from headers, and names missing ones', async () => {
    const folder = path.join(dir, 'mnistish');
    writeIdxFolder(folder, 30, 12, 3);
    const files = await locateIdxFiles(folder);
    expect(files).not.toBeNull();
    expect(await summariseIdxFiles(files!)).toEqual({ train: 30, test: 12, inputShape: [4, 4, 1] });
    const source = await readIdxFolder(files!, 'tiny', null);
    expect(source.classNames).toEqual(['0', '1', '2']);
    expect(source.test?.size).toBe(12);
    fs.rmSync(path.join(folder, 't10k-labels-idx1-ubyte.gz'));
    await expect(locateIdxFiles(folder)).rejects.toThrow(
      /holds part of an IDX dataset but lacks t10k-labels-idx1-ubyte\[\.gz\]/,
    );
    expect(await locateIdxFiles(path.join(dir, 'no-such-folder'))).toBeNull();
  });
});
