import { DatasetError } from './errors';
import type { FeatureStatistics } from './types';

/** Pixels 0…255 → 0…1. */
export function bytesToUnit(x: Uint8Array): Float32Array {
  const out = new Float32Array(x.length);
  const inv = 1 / 255;
  for (let i = 0; i < x.length; i++) out[i] = x[i]! * inv;
  return out;
}

/** Rejects NaN and ±Infinity in float data: one would turn every statistic and every loss into NaN. */
export function assertFinite(x: Float32Array, width: number, where: string): void {
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i]!)) {
      throw new DatasetError(
        'format',
        where,
        `sample ${Math.floor(i / width)}, feature ${i % width} is ${x[i]}, not a finite number`,
      );
    }
  }
}

/** Per-feature min and max of the training rows, as the affine map onto [0, 1]. */
export function minMaxStatistics(x: Float32Array, width: number): FeatureStatistics {
  const min = new Float32Array(width).fill(Infinity);
  const max = new Float32Array(width).fill(-Infinity);
  for (let i = 0; i < x.length; i += width) {
    for (let f = 0; f < width; f++) {
      const v = x[i + f]!;
      if (v < min[f]!) min[f] = v;
      if (v > max[f]!) max[f] = v;
    }
  }
  const scale = new Float32Array(width);
  for (let f = 0; f < width; f++) {
    const range = max[f]! - min[f]!;
    // A constant feature maps to 0 instead of dividing by zero.
    scale[f] = range > 0 ? 1 / range : 1;
    if (!Number.isFinite(min[f]!)) min[f] = 0;
  }
  return { offset: min, scale };
}

/** Below this spread a feature counts as constant: it is centred but not blown up by 1/std. */
const MIN_STD = 1e-6;

/** Per-feature mean and 1/std (population) of the training rows, accumulated in float64. */
export function standardStatistics(x: Float32Array, width: number): FeatureStatistics {
  const rows = width === 0 ? 0 : x.length / width;
  const sum = new Float64Array(width);
  for (let i = 0; i < x.length; i += width) for (let f = 0; f < width; f++) sum[f]! += x[i + f]!;
  const mean = new Float64Array(width);
  for (let f = 0; f < width; f++) mean[f] = rows > 0 ? sum[f]! / rows : 0;
  const sq = new Float64Array(width);
  for (let i = 0; i < x.length; i += width) {
    for (let f = 0; f < width; f++) {
      const d = x[i + f]! - mean[f]!;
      sq[f]! += d * d;
    }
  }
  const offset = Float32Array.from(mean);
  const scale = new Float32Array(width);
  for (let f = 0; f < width; f++) {
    const std = rows > 0 ? Math.sqrt(sq[f]! / rows) : 0;
    // A pixel that is always 0 in training but not in test would otherwise become (value / 1e-12).
    scale[f] = std > MIN_STD ? 1 / std : 1;
  }
  return { offset, scale };
}

/** x ↦ (x − offset) · scale, per feature, in place. */
export function applyAffine(x: Float32Array, width: number, stats: FeatureStatistics): void {
  const { offset, scale } = stats;
  for (let i = 0; i < x.length; i += width) {
    for (let f = 0; f < width; f++) x[i + f] = (x[i + f]! - offset[f]!) * scale[f]!;
  }
}

/**
 * One mean and 1/std (population) per channel over every pixel of the training rows (HWC layout, channel last),
 * as the image papers standardise; returned per feature, each pixel of a channel sharing its channel's values, so
 * that applyAffine and the recorded statistics stay what they are for per-feature standardisation.
 */
export function channelStatistics(x: Float32Array, width: number, channels: number): FeatureStatistics {
  if (channels < 1 || width % channels !== 0)
    throw new RangeError(`a row of ${width} values is not whole pixels of ${channels} channels`);
  const sum = new Float64Array(channels);
  for (let i = 0; i < x.length; i += channels) for (let c = 0; c < channels; c++) sum[c]! += x[i + c]!;
  const count = x.length / channels;
  const mean = Float64Array.from(sum, (s) => (count > 0 ? s / count : 0));
  const sq = new Float64Array(channels);
  for (let i = 0; i < x.length; i += channels) {
    for (let c = 0; c < channels; c++) {
      const d = x[i + c]! - mean[c]!;
      sq[c]! += d * d;
    }
  }
  const offset = new Float32Array(width);
  const scale = new Float32Array(width);
  for (let c = 0; c < channels; c++) {
    const std = count > 0 ? Math.sqrt(sq[c]! / count) : 0;
    const inverse = std > MIN_STD ? 1 / std : 1;
    for (let f = c; f < width; f += channels) {
      offset[f] = mean[c]!;
      scale[f] = inverse;
    }
  }
  return { offset, scale };
}
