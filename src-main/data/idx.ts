import { DatasetError } from './errors';
import { readMaybeGzip } from './gzip';
import { describeGap, labelGap } from './labels';
import type { RawPart } from './types';

/**
 * IDX, the format of MNIST, Fashion-MNIST, KMNIST and EMNIST (http://yann.lecun.com/exdb/mnist/):
 * magic = 0x00 0x00 <type> <number of dimensions>, then each dimension as a big-endian uint32, then the
 * values, big-endian, row-major. Files may be gzipped (the usual distribution) or not.
 */

export type IdxType = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';
export type IdxValues = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

export interface IdxArray {
  readonly dims: readonly number[];
  readonly type: IdxType;
  readonly values: IdxValues;
}

export interface IdxHeader {
  readonly dims: readonly number[];
  readonly type: IdxType;
  /** Where the values begin. */
  readonly headerBytes: number;
}

const TYPES: Record<number, { type: IdxType; bytes: number }> = {
  0x08: { type: 'uint8', bytes: 1 },
  0x09: { type: 'int8', bytes: 1 },
  0x0b: { type: 'int16', bytes: 2 },
  0x0c: { type: 'int32', bytes: 4 },
  0x0d: { type: 'float32', bytes: 4 },
  0x0e: { type: 'float64', bytes: 8 },
};

function hex32(bytes: Uint8Array): string {
  return '0x' + Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join('');
}

export function parseIdxHeader(bytes: Uint8Array, file: string): IdxHeader {
  if (bytes.length < 4) {
    throw new DatasetError(
      'truncated',
      file,
      `is ${bytes.length} bytes long, too short for an IDX header (at least 4 bytes)`,
    );
  }
  const typeCode = bytes[2]!;
  const rank = bytes[3]!;
  const type = TYPES[typeCode];
  if (bytes[0] !== 0 || bytes[1] !== 0 || type === undefined || rank === 0) {
    throw new DatasetError(
      'format',
      file,
      `is not an IDX file: magic number ${hex32(bytes)}, expected 0x0000TTNN with a type TT of 08, 09, 0b, 0c, 0d or 0e ` +
        `and NN ≥ 1 dimensions (MNIST images start 0x00000803, labels 0x00000801)`,
    );
  }
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) {
    throw new DatasetError(
      'truncated',
      file,
      `IDX header promises ${rank} dimensions (${headerBytes} header bytes) but the file has only ${bytes.length} bytes`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < rank; i++) dims.push(view.getUint32(4 + 4 * i, false));
  return { dims, type: type.type, headerBytes };
}

export function idxTypeBytes(type: IdxType): number {
  for (const entry of Object.values(TYPES)) if (entry.type === type) return entry.bytes;
  throw new Error(`unknown IDX type ${type}`);
}

/** Parses a whole (already gunzipped) IDX file, checking that its length is exactly what the header says. */
export function parseIdx(bytes: Uint8Array, file: string): IdxArray {
  const { dims, type, headerBytes } = parseIdxHeader(bytes, file);
  const count = dims.reduce((a, b) => a * b, 1);
  const width = idxTypeBytes(type);
  const expected = headerBytes + count * width;
  if (bytes.length !== expected) {
    const shape = dims.join('×');
    const what = bytes.length < expected ? 'truncated' : 'has trailing bytes';
    throw new DatasetError(
      'truncated',
      file,
      `${what}: the header says ${shape} ${type} values, so expected ${expected} bytes, got ${bytes.length}`,
    );
  }
  const body = bytes.subarray(headerBytes);
  return { dims, type, values: decodeValues(body, type, count) };
}

/** IDX stores multi-byte values big-endian; typed arrays are native (little-endian) order, so convert. */
function decodeValues(body: Uint8Array, type: IdxType, count: number): IdxValues {
  // Copies into plain typed arrays: a Buffer's slice() is a view, and would pin the whole file in memory.
  if (type === 'uint8') return new Uint8Array(body);
  if (type === 'int8') return new Int8Array(body.buffer, body.byteOffset, count).slice();
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  switch (type) {
    case 'int16': {
      const out = new Int16Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt16(2 * i, false);
      return out;
    }
    case 'int32': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt32(4 * i, false);
      return out;
    }
    case 'float32': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(4 * i, false);
      return out;
    }
    case 'float64': {
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(8 * i, false);
      return out;
    }
  }
}

export interface IdxPairOptions {
  /** Labels must lie in [0, numClasses); inferred as max label + 1 when not given (refusing gaps, see labels.ts). */
  numClasses?: number;
  /**
   * EMNIST stores each image transposed (column-major); true turns them upright so they look like MNIST.
   */
  transpose?: boolean;
}

export interface IdxPair {
  readonly part: RawPart;
  /** `[rows, cols, 1]` for 3-D image files, the trailing dims otherwise. */
  readonly inputShape: readonly number[];
  readonly numClasses: number;
}

/** Reads an images file and its labels file and checks that they belong together. */
export async function readIdxPair(
  imagesFile: string,
  labelsFile: string,
  options: IdxPairOptions = {},
): Promise<IdxPair> {
  const images = parseIdx(await readMaybeGzip(imagesFile), imagesFile);
  const labels = parseIdx(await readMaybeGzip(labelsFile), labelsFile);
  return combineIdxPair(images, imagesFile, labels, labelsFile, options);
}

export function combineIdxPair(
  images: IdxArray,
  imagesFile: string,
  labels: IdxArray,
  labelsFile: string,
  options: IdxPairOptions = {},
): IdxPair {
  if (images.dims.length < 2) {
    throw new DatasetError(
      'format',
      imagesFile,
      `expected an images file (N × rows × cols), found ${images.dims.length} dimension (${images.dims.join('×')}); is it a labels file?`,
    );
  }
  if (labels.dims.length !== 1) {
    throw new DatasetError(
      'format',
      labelsFile,
      `expected a labels file (1 dimension), found ${labels.dims.length} dimensions (${labels.dims.join('×')}); is it an images file?`,
    );
  }
  if (labels.type === 'float32' || labels.type === 'float64') {
    throw new DatasetError('format', labelsFile, `labels must be integers, found ${labels.type} values`);
  }
  const size = images.dims[0]!;
  if (labels.dims[0] !== size) {
    throw new DatasetError(
      'mismatch',
      labelsFile,
      `has ${labels.dims[0]} labels but ${imagesFile} has ${size} images; are they from the same split?`,
    );
  }
  const y = Int32Array.from(labels.values);
  let max = -1;
  for (let i = 0; i < size; i++) {
    const label = y[i]!;
    if (label < 0) throw new DatasetError('label', labelsFile, `label ${label} at index ${i} is negative`);
    if (options.numClasses !== undefined && label >= options.numClasses) {
      throw new DatasetError(
        'label',
        labelsFile,
        `label ${label} at index ${i} is out of range: expected 0…${options.numClasses - 1}`,
      );
    }
    if (label > max) max = label;
  }
  let rest = images.dims.slice(1);
  // Bytes stay bytes (scaled ÷ 255 later); any other pixel type becomes float and is min–max scaled.
  const x = images.values instanceof Uint8Array ? images.values : Float32Array.from(images.values);
  if (options.transpose) {
    if (rest.length !== 2)
      throw new DatasetError('options', imagesFile, 'transpose needs 2-D images (N × rows × cols)');
    transposeImages(x, size, rest[0]!, rest[1]!);
    rest = [rest[1]!, rest[0]!];
  }
  const inputShape = rest.length === 2 ? [rest[0]!, rest[1]!, 1] : rest;
  if (options.numClasses === undefined) {
    const gap = labelGap(y);
    if (gap !== null)
      throw new DatasetError('label', labelsFile, `label ${gap.value} at index ${gap.record} ${describeGap(gap)}`);
  }
  return { part: { size, x, y }, inputShape, numClasses: options.numClasses ?? max + 1 };
}

/** Turns each rows×cols image into its cols×rows transpose, one image at a time. */
function transposeImages(x: Uint8Array | Float32Array, size: number, rows: number, cols: number): void {
  const d = rows * cols;
  const tmp = x instanceof Uint8Array ? new Uint8Array(d) : new Float32Array(d);
  for (let n = 0; n < size; n++) {
    const base = n * d;
    tmp.set(x.subarray(base, base + d));
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) x[base + c * rows + r] = tmp[r * cols + c]!;
    }
  }
}
