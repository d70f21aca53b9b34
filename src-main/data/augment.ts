import { TEST_TIME_VIEWS, type AugmentationSpec } from '../../shared/schemas/augmentation';
import { Rng } from '../common/random';
import { DatasetError } from './errors';

/**
 * Per-epoch augmentation of training images (crop with zero padding, translation with reflection padding,
 * horizontal flip; see shared/schemas/augmentation.ts for what each does). Rows are images in HWC layout, index
 * (y·W + x)·C + c.
 *
 * Every sample's transform is drawn from its own stream, forked from the run's seed by epoch and by the
 * sample's row in the training split, never from a stream shared along the epoch: the trainer stages K batches
 * per call and resumes mid-epoch from checkpoints, and a sample must get the same transform however the epoch
 * was cut. All three parts move whole rows and columns, so each transform is two index maps (source row per
 * output row, source column per output column, −1 for padding) and one pass over the pixels.
 */

export type FlipMode = 'none' | 'random' | 'alternate_epochs';

/** An augmentation spec checked against one dataset's image shape. */
export interface AugmentationPlan {
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  /** Zero padding of the random crop; 0 = no crop. */
  readonly cropPadding: number;
  /** Largest reflected shift per axis; 0 = no translation. */
  readonly translatePixels: number;
  readonly flip: FlipMode;
  /** The views validation and test images are evaluated in (testViewTransforms); empty: as they are. */
  readonly testViews: readonly SampleTransform[];
}

/** One sample's transform: crop offset (content moves by −crop), translation (content moves by +shift), flip. */
export interface SampleTransform {
  readonly cropY: number;
  readonly cropX: number;
  readonly shiftY: number;
  readonly shiftX: number;
  readonly flip: boolean;
}

/** What in a dataset spec does not fit the dataset, with the field it is in (dotted, from the spec's root). */
export interface SpecProblem {
  readonly path: string;
  readonly message: string;
}

/**
 * Why the augmentation cannot apply to a dataset of this shape, or null: samples that are not
 * [height, width, channels] images, or a translation that reflection cannot fill.
 */
export function augmentationProblem(
  spec: AugmentationSpec,
  inputShape: readonly number[],
  dataset: string,
): SpecProblem | null {
  if (inputShape.length !== 3) {
    return {
      path: 'dataset.augmentation',
      message:
        `'${dataset}' has samples of shape [${inputShape.join(', ')}], not [height, width, channels]; ` +
        'augmentation applies to images only, so remove it for this dataset',
    };
  }
  const side = Math.min(inputShape[0]!, inputShape[1]!);
  const pixels = Math.max(spec.translate?.pixels ?? 0, spec.testTime ? testShift(spec) : 0);
  // Reflection without repeating the edge pixel reaches at most side − 1 pixels in.
  if (pixels > side - 1) {
    return {
      path: 'dataset.augmentation.translate.pixels',
      message:
        `${pixels} px cannot be filled by reflecting '${dataset}'s ${inputShape[0]}×${inputShape[1]} images` +
        `${spec.testTime && !spec.translate ? ' (the test-time views shift by 2 px)' : ''}; use at most ${side - 1}`,
    };
  }
  return null;
}

/** The plan for a dataset, or a DatasetError naming the dataset and the field when the spec cannot apply to it. */
export function augmentationPlan(
  spec: AugmentationSpec,
  inputShape: readonly number[],
  dataset: string,
): AugmentationPlan {
  const problem = augmentationProblem(spec, inputShape, dataset);
  if (problem !== null) throw new DatasetError('options', null, `${problem.path}: ${problem.message}`);
  const [height, width, channels] = inputShape as [number, number, number];
  return {
    height,
    width,
    channels,
    cropPadding: spec.crop?.padding ?? 0,
    translatePixels: spec.translate?.pixels ?? 0,
    flip: spec.flip ?? 'none',
    testViews: spec.testTime ? testViewTransforms(testShift(spec)) : [],
  };
}

/** How far the test-time views shift: the training translation's reach, else the paper's 2 px. */
function testShift(spec: AugmentationSpec): number {
  return spec.translate?.pixels ?? 2;
}

/** The six test-time views (shared/schemas/augmentation.ts): as is, mirrored, shifted down, up, right, left. */
export function testViewTransforms(shift: number): SampleTransform[] {
  const view = (shiftY: number, shiftX: number, flip: boolean) => ({ cropY: 0, cropX: 0, shiftY, shiftX, flip });
  const views = [
    view(0, 0, false),
    view(0, 0, true),
    view(shift, 0, false),
    view(-shift, 0, false),
    view(0, shift, false),
    view(0, -shift, false),
  ];
  if (views.length !== TEST_TIME_VIEWS) throw new Error('the test-time views and their count disagree');
  return views;
}

/** Whether the plan changes the training images (a plan may exist for its test-time views alone). */
export function augmentsTraining(plan: AugmentationPlan): boolean {
  return plan.cropPadding > 0 || plan.translatePixels > 0 || plan.flip !== 'none';
}

/** Index i of a side of n pixels reflected at the borders without repeating the edge (…2 1 | 0 1 2 … n−1 | n−2…). */
function reflect(i: number, n: number): number {
  if (i < 0) return -i;
  if (i >= n) return 2 * (n - 1) - i;
  return i;
}

/**
 * Source index per output index along one axis of length n: flip first (looked up from the output), then undo the
 * translation by reflection, then the crop's shift, outside the image → −1 (zero padding).
 */
function axisMap(out: Int32Array, n: number, crop: number, shift: number, flip: boolean): void {
  for (let i = 0; i < n; i++) {
    const flipped = flip ? n - 1 - i : i;
    const source = reflect(flipped - shift, n) + crop;
    out[i] = source >= 0 && source < n ? source : -1;
  }
}

/** Runs of one column map: output start, length, first source column (−1: padding), step (1 or −1; 0 padding). */
interface Segments {
  count: number;
  readonly start: Int32Array;
  readonly length: Int32Array;
  readonly source: Int32Array;
  readonly step: Int8Array;
}

export class Augmenter {
  readonly plan: AugmentationPlan;
  private readonly root: Rng;
  private epochRng: { epoch: number; rng: Rng } | null = null;
  private readonly rows: Int32Array;
  private readonly cols: Int32Array;
  private readonly segments: Segments;

  /** `seed`: the run's seed; the transforms come from its own named stream, so no other stream shifts. */
  constructor(plan: AugmentationPlan, seed: number) {
    this.plan = plan;
    this.root = new Rng(seed).fork('augmentation');
    this.rows = new Int32Array(plan.height);
    this.cols = new Int32Array(plan.width);
    const most = plan.width; // a run per column at worst
    this.segments = {
      count: 0,
      start: new Int32Array(most),
      length: new Int32Array(most),
      source: new Int32Array(most),
      step: new Int8Array(most),
    };
  }

  /** The transform of training row `index` in `epoch`: a function of (seed, epoch, index) only. */
  transform(epoch: number, index: number): SampleTransform {
    if (this.epochRng?.epoch !== epoch) this.epochRng = { epoch, rng: this.root.fork(`epoch ${epoch}`) };
    const rng = this.epochRng.rng.fork(`${index}`);
    const { cropPadding: p, translatePixels: t, flip } = this.plan;
    // Always five draws in this order, so that switching one part on or off leaves the others' draws unchanged.
    const cropY = rng.int(2 * p + 1) - p;
    const cropX = rng.int(2 * p + 1) - p;
    const shiftY = rng.int(2 * t + 1) - t;
    const shiftX = rng.int(2 * t + 1) - t;
    const coin = rng.next() < 0.5;
    return {
      cropY,
      cropX,
      shiftY,
      shiftX,
      flip: flip === 'random' ? coin : flip === 'alternate_epochs' ? epoch % 2 === 1 : false,
    };
  }

  /**
   * Rows `indices` of the training matrix `source`, each transformed for (epoch, its index), into `out` (allocated
   * when absent): what gatherRows does, with the augmentation on the way.
   */
  gather(source: Float32Array, indices: ArrayLike<number>, epoch: number, out?: Float32Array): Float32Array {
    const { height, width, channels } = this.plan;
    const size = height * width * channels;
    const target = out ?? new Float32Array(indices.length * size);
    if (target.length < indices.length * size)
      throw new RangeError(`output holds ${target.length} values, need ${indices.length * size}`);
    for (let r = 0; r < indices.length; r++) {
      const index = indices[r]!;
      this.apply(source, index * size, this.transform(epoch, index), target, r * size);
    }
    return target;
  }

  /** Writes one transformed image from `source` at `from` into `target` at `to`. */
  apply(source: Float32Array, from: number, t: SampleTransform, target: Float32Array, to: number): void {
    const { height, width, channels } = this.plan;
    const size = height * width * channels;
    if (t.cropY === 0 && t.cropX === 0 && t.shiftY === 0 && t.shiftX === 0 && !t.flip) {
      target.set(source.subarray(from, from + size), to);
      return;
    }
    const rows = this.rows;
    axisMap(rows, height, t.cropY, t.shiftY, false);
    axisMap(this.cols, width, t.cropX, t.shiftX, t.flip);
    const segments = this.columnSegments();
    const rowLength = width * channels;
    for (let y = 0; y < height; y++) {
      const sy = rows[y]!;
      const outRow = to + y * rowLength;
      if (sy < 0) {
        target.fill(0, outRow, outRow + rowLength);
        continue;
      }
      const inRow = from + sy * rowLength;
      for (let s = 0; s < segments.count; s++) {
        const o = outRow + segments.start[s]! * channels;
        const length = segments.length[s]! * channels;
        const sx = segments.source[s]!;
        if (sx < 0) {
          for (let k = 0; k < length; k++) target[o + k] = 0;
        } else if (segments.step[s] === 1) {
          const i = inRow + sx * channels;
          // A native copy beats an element loop once the run is longer than a few pixels.
          if (length >= 24) target.set(source.subarray(i, i + length), o);
          else for (let k = 0; k < length; k++) target[o + k] = source[i + k]!;
        } else {
          // A mirrored run: pixels in reverse order, each pixel's channels in order (RGB unrolled: it is most
          // of the cost of a flipped epoch).
          const i0 = inRow + sx * channels;
          if (channels === 3) {
            for (let k = 0, i = i0; k < length; k += 3, i -= 3) {
              target[o + k] = source[i]!;
              target[o + k + 1] = source[i + 1]!;
              target[o + k + 2] = source[i + 2]!;
            }
          } else if (channels === 1) {
            for (let k = 0; k < length; k++) target[o + k] = source[i0 - k]!;
          } else {
            for (let k = 0, i = i0; k < length; k += channels, i -= channels) {
              for (let c = 0; c < channels; c++) target[o + k + c] = source[i + c]!;
            }
          }
        }
      }
    }
  }

  /**
   * The column map cut into runs (zero padding, ascending, or mirrored source columns): the same for every row of
   * an image, so each row is copied run by run in tight loops instead of pixel by pixel through the map.
   */
  private columnSegments(): Segments {
    const cols = this.cols;
    const seg = this.segments;
    seg.count = 0;
    for (let x = 0; x < cols.length;) {
      const first = cols[x]!;
      let step = 0;
      if (first >= 0 && x + 1 < cols.length && cols[x + 1]! >= 0) step = cols[x + 1]! - first === -1 ? -1 : 1;
      let end = x + 1;
      if (first < 0) while (end < cols.length && cols[end]! < 0) end++;
      else while (end < cols.length && cols[end]! >= 0 && cols[end]! - cols[end - 1]! === (step || 1)) end++;
      const s = seg.count++;
      seg.start[s] = x;
      seg.length[s] = end - x;
      seg.source[s] = first;
      seg.step[s] = first < 0 ? 0 : step === -1 ? -1 : 1;
      x = end;
    }
    return seg;
  }
}

/**
 * Validation and test rows in the plan's test-time views, view-major: rows r of view v at (v·count + r)·size, as the
 * evaluation graph averages them (block v of its input is view v of the batch).
 */
export class TestViews {
  /** Only its pixel-moving half is used, which draws nothing: the seed is irrelevant. */
  private readonly mover: Augmenter;

  constructor(readonly plan: AugmentationPlan) {
    if (plan.testViews.length === 0) throw new Error('the augmentation plan has no test-time views');
    this.mover = new Augmenter(plan, 0);
  }

  get count(): number {
    return this.plan.testViews.length;
  }

  /** Rows `indices` of `source` in every view into `out` (count × indices.length rows; the rest left as it is). */
  gather(source: Float32Array, indices: ArrayLike<number>, out: Float32Array, rowsPerView = indices.length): void {
    const { height, width, channels } = this.plan;
    const size = height * width * channels;
    this.plan.testViews.forEach((view, v) => {
      for (let r = 0; r < indices.length; r++)
        this.mover.apply(source, indices[r]! * size, view, out, (v * rowsPerView + r) * size);
    });
  }
}
