import type { ImageShape } from '../../../shared/network/geometry';
import { imageUnits } from '../../../shared/network/geometry';
import type { Ops } from '../ops';

/** A patch layer's window: kernel, stride and zero padding over an input image, giving an output grid. */
export interface Window {
  input: ImageShape;
  output: { height: number; width: number };
  kernel: number;
  stride: number;
  padding: number;
}

/**
 * Where each entry of a layer's patches comes from in its input row: for output position p = (oy, ox) and kernel
 * offset (ki, kj, c), entry (p·k² + ki·k + kj)·C + c reads input pixel (oy·s + ki − pad, ox·s + kj − pad, c), or
 * the zero appended after the row when that pixel lies in the padding. Patches are the im2col matrix, so a conv
 * layer is one product with them and a locally connected layer one product per position.
 */
export function patchIndices(w: Window): { indices: Int32Array; padded: boolean } {
  const { input, output, kernel, stride, padding } = w;
  const { height, width, channels } = input;
  const zero = imageUnits(input);
  const patch = kernel * kernel * channels;
  const indices = new Int32Array(output.height * output.width * patch);
  let padded = false;
  let at = 0;
  for (let oy = 0; oy < output.height; oy++) {
    for (let ox = 0; ox < output.width; ox++) {
      for (let ki = 0; ki < kernel; ki++) {
        const y = oy * stride + ki - padding;
        for (let kj = 0; kj < kernel; kj++) {
          const x = ox * stride + kj - padding;
          const inside = y >= 0 && y < height && x >= 0 && x < width;
          if (!inside) padded = true;
          const base = (y * width + x) * channels;
          for (let c = 0; c < channels; c++) indices[at++] = inside ? base + c : zero;
        }
      }
    }
  }
  return { indices, padded };
}

/**
 * The patch geometry of one layer and the two ops that use it: im2col and its adjoint. At stride 1 (every large
 * layer of the papers' networks) the patches are k² shifted slices of the padded image, concatenated along the
 * channels, and the adjoint pads each slice's share back into place and adds them: copies of contiguous blocks.
 * Other strides gather through the index list above and scatter-add back, which ONNX Runtime does an element at
 * a time (measured: 58% of a CIFAR CNN step when every layer went that way), so it is kept for the small strided ones.
 */
export class PatchMap {
  readonly positions: number;
  readonly patch: number;
  private readonly inputUnits: number;
  private readonly indices: Int32Array;
  private readonly padded: boolean;

  constructor(readonly window: Window) {
    this.positions = window.output.height * window.output.width;
    this.patch = window.kernel * window.kernel * window.input.channels;
    this.inputUnits = imageUnits(window.input);
    ({ indices: this.indices, padded: this.padded } = patchIndices(window));
  }

  /** The patches of every sample, (rows·positions) × patch, sample-major. */
  extract<T>(ops: Ops<T>, x: T): T {
    const rows = ops.shape(x)[0]!;
    if (this.window.stride === 1) return this.extractBySlices(ops, x, rows);
    const source = this.padded ? ops.concat([x, ops.zeros([rows, 1])], 1) : x;
    const gathered = ops.gather(source, ops.indices(this.indices), 1);
    return ops.reshape(gathered, [rows * this.positions, this.patch]);
  }

  /** The adjoint of extract: every patch entry added back onto the input pixel it came from, rows × input units. */
  scatter<T>(ops: Ops<T>, patches: T, rows: number): T {
    if (this.window.stride === 1) return this.scatterBySlices(ops, patches, rows);
    const entries = this.positions * this.patch;
    const columns = ops.transpose(ops.reshape(patches, [rows, entries]));
    const summed = ops.scatterAddRows(columns, ops.indices(this.indices), this.inputUnits + (this.padded ? 1 : 0));
    const inside = this.padded ? ops.slice(summed, [0, 0], [this.inputUnits, rows]) : summed;
    return ops.transpose(inside);
  }

  /** [before, after] zeros per axis of a (rows, H, W, C) image so that every window at stride 1 lies inside. */
  private widths(): [number, number][] {
    const { input, output, kernel, padding } = this.window;
    // The far side pads only what the last window reaches (a kernel larger than 2·padding + 1 reaches less).
    const bottom = output.height - 1 + kernel - padding - input.height;
    const right = output.width - 1 + kernel - padding - input.width;
    return [
      [0, 0],
      [padding, bottom],
      [padding, right],
      [0, 0],
    ];
  }

  private extractBySlices<T>(ops: Ops<T>, x: T, rows: number): T {
    const { input, output, kernel } = this.window;
    const image = ops.reshape(x, [rows, input.height, input.width, input.channels]);
    const widths = this.widths();
    const padded = widths.some(([a, b]) => a !== 0 || b !== 0) ? ops.pad(image, widths) : image;
    const pieces: T[] = [];
    for (let ki = 0; ki < kernel; ki++) {
      for (let kj = 0; kj < kernel; kj++) {
        pieces.push(ops.slice(padded, [0, ki, kj, 0], [rows, output.height, output.width, input.channels]));
      }
    }
    const patches = pieces.length === 1 ? pieces[0]! : ops.concat(pieces, 3);
    return ops.reshape(patches, [rows * this.positions, this.patch]);
  }

  private scatterBySlices<T>(ops: Ops<T>, patches: T, rows: number): T {
    const { input, output, kernel } = this.window;
    const widths = this.widths();
    const paddedHeight = input.height + widths[1]![0] + widths[1]![1];
    const paddedWidth = input.width + widths[2]![0] + widths[2]![1];
    const split = ops.reshape(patches, [rows, output.height, output.width, kernel * kernel, input.channels]);
    let sum: T | null = null;
    for (let ki = 0; ki < kernel; ki++) {
      for (let kj = 0; kj < kernel; kj++) {
        const piece = ops.slice(
          split,
          [0, 0, 0, ki * kernel + kj, 0],
          [rows, output.height, output.width, 1, input.channels],
        );
        const image = ops.reshape(piece, [rows, output.height, output.width, input.channels]);
        const placed = ops.pad(image, [
          [0, 0],
          [ki, paddedHeight - ki - output.height],
          [kj, paddedWidth - kj - output.width],
          [0, 0],
        ]);
        sum = sum === null ? placed : ops.add(sum, placed);
      }
    }
    const [top, left] = [widths[1]![0], widths[2]![0]];
    const inside =
      paddedHeight === input.height && paddedWidth === input.width
        ? sum!
        : ops.slice(sum!, [0, top, left, 0], [rows, input.height, input.width, input.channels]);
    return ops.reshape(inside, [rows, this.inputUnits]);
  }
}
