import { describe, expect, it } from 'vitest';
import { AugmentationSpec } from '../../shared/schemas/augmentation';
import { ExperimentSpec } from '../../shared/schemas/experiment';
import { Augmenter, augmentationPlan, TestViews, type SampleTransform } from '../../src-main/data/augment';
import { DatasetError } from '../../src-main/data/errors';
import { datasetLoadOptions, datasetSpecProblem } from '../../src-main/data/spec-options';

/** Images whose every value is distinct: value = sample·10⁴ + (y·W + x)·C + c + 1 (never 0, so padding shows). */
function distinctImages(n: number, [h, w, c]: [number, number, number]): Float32Array {
  const size = h * w * c;
  return Float32Array.from({ length: n * size }, (_, i) => Math.floor(i / size) * 10000 + (i % size) + 1);
}

/**
 * The transform written out step by step from its definition, independently of the augmenter's index maps: pad
 * with zeros and cut the window, pad that by reflection and cut the shifted window, then reverse the columns.
 */
function reference(image: Float32Array, [h, w, c]: [number, number, number], t: SampleTransform, p: number, n: number) {
  const at = (img: Float32Array[][], y: number, x: number) => img[y]![x]!;
  let img: Float32Array[][] = Array.from({ length: h }, (_, y) =>
    Array.from({ length: w }, (_, x) => image.slice((y * w + x) * c, (y * w + x + 1) * c)),
  );
  const zero = new Float32Array(c);
  // Crop: zero padding p on every side, window at (p + cropY, p + cropX).
  const padded = Array.from({ length: h + 2 * p }, (_, y) =>
    Array.from({ length: w + 2 * p }, (_, x) =>
      y < p || y >= h + p || x < p || x >= w + p ? zero : at(img, y - p, x - p),
    ),
  );
  img = Array.from({ length: h }, (_, y) =>
    Array.from({ length: w }, (_, x) => at(padded, y + p + t.cropY, x + p + t.cropX)),
  );
  // Translate: reflection padding n (numpy 'reflect'), window at (n − shiftY, n − shiftX).
  const mirror = (i: number, len: number) => (i < 0 ? -i : i >= len ? 2 * (len - 1) - i : i);
  const reflected = Array.from({ length: h + 2 * n }, (_, y) =>
    Array.from({ length: w + 2 * n }, (_, x) => at(img, mirror(y - n, h), mirror(x - n, w))),
  );
  img = Array.from({ length: h }, (_, y) =>
    Array.from({ length: w }, (_, x) => at(reflected, y + n - t.shiftY, x + n - t.shiftX)),
  );
  if (t.flip) img = img.map((row) => [...row].reverse());
  return Float32Array.from(img.flatMap((row) => row.flatMap((px) => Array.from(px))));
}

const CIFAR_LIKE: [number, number, number] = [8, 8, 3];
const row = (x: Float32Array, r: number, size: number) => x.subarray(r * size, (r + 1) * size);

describe('augmentation', () => {
  it('is a function of (seed, epoch, sample) alone: any order and any cut of the epoch give each sample the same image', () => {
    const plan = augmentationPlan(
      { crop: { padding: 2 }, translate: { pixels: 2, padding: 'reflect' }, flip: 'random' },
      CIFAR_LIKE,
      'c',
    );
    const size = 8 * 8 * 3;
    const x = distinctImages(40, CIFAR_LIKE);
    const all = Int32Array.from({ length: 40 }, (_, i) => i);
    const whole = new Augmenter(plan, 5).gather(x, all, 3);
    expect(whole.length).toBe(40 * size); // shapes preserved
    // Another augmenter (a resumed process), a shuffled order, chunks of 7, and epochs visited out of order.
    const other = new Augmenter(plan, 5);
    other.gather(x, all, 4);
    const shuffled = Int32Array.from([...all].reverse());
    for (let start = 0; start < 40; start += 7) {
      const indices = shuffled.subarray(start, start + 7);
      const out = other.gather(x, indices, 3);
      indices.forEach((sample, r) => expect(row(out, r, size)).toEqual(row(whole, sample, size)));
    }
    // Other epochs and other seeds draw other transforms.
    const differing = (a: Float32Array, b: Float32Array) =>
      all.filter((i) => row(a, i, size).some((v, k) => v !== row(b, i, size)[k])).length;
    expect(differing(whole, new Augmenter(plan, 5).gather(x, all, 4))).toBeGreaterThan(30);
    expect(differing(whole, new Augmenter(plan, 6).gather(x, all, 3))).toBeGreaterThan(30);
  });

  it.each([
    ['crop', { crop: { padding: 3 } }, [8, 8, 3]],
    ['translate', { translate: { pixels: 3, padding: 'reflect' } }, [8, 8, 3]],
    ['all three, 1 channel, not square', { crop: { padding: 2 }, translate: { pixels: 2 }, flip: 'random' }, [5, 7, 1]],
    ['all three, 2 channels', { crop: { padding: 1 }, translate: { pixels: 1 }, flip: 'random' }, [6, 4, 2]],
  ] as const)('%s: every pixel is where its drawn offsets put it (checked against the definition)', (_, raw, shape) => {
    const spec = AugmentationSpec.parse(raw);
    const dims = [...shape] as [number, number, number];
    const plan = augmentationPlan(spec, dims, 'synthetic');
    const size = dims[0] * dims[1] * dims[2];
    const x = distinctImages(60, dims);
    const augmenter = new Augmenter(plan, 11);
    const all = Int32Array.from({ length: 60 }, (_, i) => i);
    const out = augmenter.gather(x, all, 2);
    const seen = { moved: 0, flipped: 0 };
    for (const i of all) {
      const t = augmenter.transform(2, i);
      if (t.cropX !== 0 || t.cropY !== 0 || t.shiftX !== 0 || t.shiftY !== 0) seen.moved++;
      if (t.flip) seen.flipped++;
      expect(row(out, i, size)).toEqual(reference(row(x, i, size), dims, t, plan.cropPadding, plan.translatePixels));
    }
    expect(seen.moved).toBeGreaterThan(40);
    if (spec.flip === 'random') expect(seen.flipped).toBeGreaterThan(15);
  });

  it('crop pads with zeros and translation reflects without repeating the edge', () => {
    const dims: [number, number, number] = [6, 6, 1];
    const x = distinctImages(200, dims);
    const pixel = (img: Float32Array, y: number, xx: number) => img[y * 6 + xx]!;
    const crop = new Augmenter(augmentationPlan({ crop: { padding: 2 } }, dims, 'd'), 1);
    const translate = new Augmenter(augmentationPlan({ translate: { pixels: 2, padding: 'reflect' } }, dims, 'd'), 1);
    // A sample whose crop window starts 2 px up and left, and one translated 2 px right and down.
    const up = [...Array(200).keys()].find(
      (i) => crop.transform(0, i).cropX === -2 && crop.transform(0, i).cropY === -2,
    )!;
    const right = [...Array(200).keys()].find(
      (i) => translate.transform(0, i).shiftX === 2 && translate.transform(0, i).shiftY === 2,
    )!;
    const cropped = crop.gather(x, [up], 0);
    const source = row(x, up, 36);
    expect([pixel(cropped, 0, 0), pixel(cropped, 1, 5), pixel(cropped, 5, 1)]).toEqual([0, 0, 0]);
    expect(pixel(cropped, 2, 2)).toBe(pixel(source, 0, 0)); // content moved down and right by 2
    expect(pixel(cropped, 5, 5)).toBe(pixel(source, 3, 3));
    const moved = translate.gather(x, [right], 0);
    const original = row(x, right, 36);
    expect(pixel(moved, 2, 2)).toBe(pixel(original, 0, 0));
    // Columns 0 and 1 are the reflection of columns 2 and 1 (…2 1 | 0 1 2…), rows likewise: never zero.
    expect(pixel(moved, 2, 0)).toBe(pixel(original, 0, 2));
    expect(pixel(moved, 2, 1)).toBe(pixel(original, 0, 1));
    expect(pixel(moved, 0, 2)).toBe(pixel(original, 2, 0));
    expect(pixel(moved, 0, 0)).toBe(pixel(original, 2, 2));
    expect(moved.every((v) => v !== 0)).toBe(true);
  });

  it('alternate epochs mirror every image on odd epochs and none on even ones, an exact mirror', () => {
    const dims: [number, number, number] = [4, 5, 3];
    const plan = augmentationPlan({ flip: 'alternate_epochs' }, dims, 'd');
    const x = distinctImages(10, dims);
    const all = Int32Array.from({ length: 10 }, (_, i) => i);
    const augmenter = new Augmenter(plan, 3);
    for (const epoch of [0, 2, 4]) expect(augmenter.gather(x, all, epoch)).toEqual(x);
    for (const epoch of [1, 3]) {
      const out = augmenter.gather(x, all, epoch);
      for (let i = 0; i < 10; i++)
        for (let y = 0; y < 4; y++)
          for (let xx = 0; xx < 5; xx++)
            for (let c = 0; c < 3; c++) {
              const at = (yy: number, xc: number) => i * 60 + (yy * 5 + xc) * 3 + c;
              expect(out[at(y, xx)]).toBe(x[at(y, 4 - xx)]);
            }
    }
  });

  it('random flips mirror about half the images, each either exactly mirrored or untouched', () => {
    const dims: [number, number, number] = [3, 4, 3];
    const augmenter = new Augmenter(augmentationPlan({ flip: 'random' }, dims, 'd'), 9);
    const x = distinctImages(400, dims);
    const out = augmenter.gather(
      x,
      Int32Array.from({ length: 400 }, (_, i) => i),
      0,
    );
    let flipped = 0;
    for (let i = 0; i < 400; i++) {
      const mirrored = Float32Array.from({ length: 36 }, (_, k) => {
        const p = Math.floor(k / 3);
        const [y, xx] = [Math.floor(p / 4), p % 4];
        return x[i * 36 + (y * 4 + 3 - xx) * 3 + (k % 3)]!;
      });
      const got = row(out, i, 36);
      if (augmenter.transform(0, i).flip) {
        flipped++;
        expect(got).toEqual(mirrored);
      } else expect(got).toEqual(row(x, i, 36));
    }
    expect(flipped).toBeGreaterThan(160);
    expect(flipped).toBeLessThan(240);
  });
});

describe('test-time views', () => {
  it('are the image, its mirror and its shifts down, up, right and left, view-major, the images untouched', () => {
    const plan = augmentationPlan({ testTime: true }, CIFAR_LIKE, 'c');
    expect(plan.cropPadding + plan.translatePixels).toBe(0); // training images are left alone
    const views = new TestViews(plan);
    expect(views.count).toBe(6);
    const size = 8 * 8 * 3;
    const x = distinctImages(5, CIFAR_LIKE);
    const before = Float32Array.from(x);
    const picked = [3, 0, 4];
    const rowsPerView = 4; // the evaluation batch's rows; its last row stays padding
    const out = new Float32Array(6 * rowsPerView * size).fill(-1);
    views.gather(x, picked, out, rowsPerView);
    // Without translate the views shift by the paper's 2 px.
    const expected: SampleTransform[] = [
      { cropY: 0, cropX: 0, shiftY: 0, shiftX: 0, flip: false },
      { cropY: 0, cropX: 0, shiftY: 0, shiftX: 0, flip: true },
      { cropY: 0, cropX: 0, shiftY: 2, shiftX: 0, flip: false },
      { cropY: 0, cropX: 0, shiftY: -2, shiftX: 0, flip: false },
      { cropY: 0, cropX: 0, shiftY: 0, shiftX: 2, flip: false },
      { cropY: 0, cropX: 0, shiftY: 0, shiftX: -2, flip: false },
    ];
    expected.forEach((t, v) => {
      picked.forEach((sample, r) => {
        const want = reference(row(x, sample, size), CIFAR_LIKE, t, 0, 2);
        expect(Array.from(row(out, v * rowsPerView + r, size)), `view ${v}, row ${r}`).toEqual(Array.from(want));
      });
      expect(row(out, v * rowsPerView + 3, size).every((value) => value === -1)).toBe(true);
    });
    expect(Array.from(x)).toEqual(Array.from(before));
    // With a training translation they shift by its reach.
    const wide = augmentationPlan({ translate: { pixels: 3, padding: 'reflect' }, testTime: true }, CIFAR_LIKE, 'c');
    expect(wide.testViews.map((t) => [t.shiftY, t.shiftX])).toEqual([
      [0, 0],
      [0, 0],
      [3, 0],
      [-3, 0],
      [0, 3],
      [0, -3],
    ]);
  });

  it('are refused for samples that are not images, and for images too small to reflect 2 px, naming the field', () => {
    expect(() => augmentationPlan({ testTime: true }, [64], 'tab')).toThrow(/'tab' has samples of shape \[64\]/);
    expect(() => augmentationPlan({ testTime: true }, [2, 2, 1], 'tiny')).toThrow(
      /dataset\.augmentation\.translate\.pixels: 2 px cannot be filled .*\(the test-time views shift by 2 px\)/,
    );
  });
});

describe('the augmentation spec', () => {
  it('is off unless asked, strict, and checked against the dataset shape with the dataset and field named', () => {
    const base = {
      name: 'x',
      network: { hidden: [{ units: 4 }] },
      rules: [{ rule: 'bp' }],
      seeds: [0],
      epochs: 1,
      batchSize: 4,
    };
    const old = ExperimentSpec.parse({ ...base, dataset: { name: 'cifar-10', standardise: true } });
    expect(old.dataset.augmentation).toBeUndefined();
    expect(datasetLoadOptions(old.dataset).standardise).toBe(true); // old boolean specs: per feature, as before
    const perChannel = ExperimentSpec.parse({
      ...base,
      dataset: { name: 'cifar-10', standardise: true, standardiseOver: 'channel', augmentation: { flip: 'random' } },
    });
    expect(datasetLoadOptions(perChannel.dataset).standardise).toBe('per_channel');
    const lonely = ExperimentSpec.safeParse({ ...base, dataset: { name: 'cifar-10', standardiseOver: 'channel' } });
    expect(lonely.success ? [] : lonely.error.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['dataset.standardiseOver', 'standardiseOver applies only with standardise: true'],
    ]);
    const typo = AugmentationSpec.safeParse({ flip: 'random', crops: { padding: 4 } });
    expect(typo.success).toBe(false);
    expect(AugmentationSpec.parse({ translate: { pixels: 2 } })).toEqual({
      translate: { pixels: 2, padding: 'reflect' },
    });

    expect(datasetSpecProblem(perChannel.dataset, [32, 32, 3])).toBeNull();
    expect(datasetSpecProblem({ ...perChannel.dataset, name: 'blobs' }, [20])).toEqual({
      path: 'dataset.standardiseOver',
      message: expect.stringContaining("'blobs' has samples of shape [20]") as string,
    });
    expect(datasetSpecProblem({ ...old.dataset, name: 'blobs', augmentation: { flip: 'random' } }, [20])).toEqual({
      path: 'dataset.augmentation',
      message: expect.stringMatching(/'blobs' has samples of shape \[20\], not \[height, width, channels\]/) as string,
    });
    const thrown = (() => {
      try {
        augmentationPlan({ flip: 'random' }, [784], 'mnist-flat');
      } catch (error) {
        return error;
      }
    })();
    expect(thrown).toBeInstanceOf(DatasetError);
    expect((thrown as Error).message).toMatch(/^dataset\.augmentation: 'mnist-flat' has samples of shape \[784\]/);
    expect(() => augmentationPlan({ translate: { pixels: 4, padding: 'reflect' } }, [4, 6, 1], 'tiny')).toThrow(
      /dataset\.augmentation\.translate\.pixels: 4 px cannot be filled by reflecting 'tiny's 4×6 images; use at most 3/,
    );
  });
});
