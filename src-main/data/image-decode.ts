import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { DatasetError } from './errors';

/** One decoded image as 8-bit RGB, height × width × 3. */
export interface DecodedImage {
  readonly width: number;
  readonly height: number;
  readonly rgb: Uint8Array;
}

export type ImageKind = 'jpeg' | 'png';

/** Sniffs the format from the first bytes, not the file name: a .jpg that is really a PNG still reads. */
export function imageKind(bytes: Uint8Array): ImageKind | null {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47)
    return 'png';
  return null;
}

export function decodeImage(bytes: Buffer, file: string): DecodedImage {
  const kind = imageKind(bytes);
  if (kind === null) {
    throw new DatasetError(
      'decode',
      file,
      'is neither a JPEG nor a PNG (unrecognised first bytes); the image cannot be read',
    );
  }
  try {
    return kind === 'jpeg' ? decodeJpeg(bytes) : decodePng(bytes);
  } catch (error) {
    if (error instanceof DatasetError) throw error;
    const detail = error instanceof Error ? error.message : String(error);
    throw new DatasetError('decode', file, `is a damaged or unsupported ${kind.toUpperCase()} (${detail})`, {
      cause: error,
    });
  }
}

function decodeJpeg(bytes: Buffer): DecodedImage {
  // tolerantDecoding would return a half-grey picture for a truncated file; a dataset should fail instead.
  const image = jpeg.decode(bytes, {
    useTArray: true,
    formatAsRGBA: false,
    tolerantDecoding: false,
    maxMemoryUsageInMB: 256,
  });
  if (image.width === 0 || image.height === 0) throw new Error('no image data');
  return { width: image.width, height: image.height, rgb: image.data };
}

function decodePng(bytes: Buffer): DecodedImage {
  // pngjs always yields 8-bit RGBA (grey, palette and 16-bit images are converted); alpha is dropped.
  const png = PNG.sync.read(bytes);
  const pixels = png.width * png.height;
  const rgb = new Uint8Array(pixels * 3);
  for (let p = 0; p < pixels; p++) {
    rgb[3 * p] = png.data[4 * p]!;
    rgb[3 * p + 1] = png.data[4 * p + 1]!;
    rgb[3 * p + 2] = png.data[4 * p + 2]!;
  }
  return { width: png.width, height: png.height, rgb };
}

/** True when every pixel has R = G = B, so one channel holds the whole image. */
export function isGrey(rgb: Uint8Array): boolean {
  for (let i = 0; i < rgb.length; i += 3) {
    if (rgb[i] !== rgb[i + 1] || rgb[i] !== rgb[i + 2]) return false;
  }
  return true;
}
