import fs from 'node:fs/promises';
import path from 'node:path';
import type { RawPart, RawSource, Task } from './types';

/**
 * A decoded source saved as one binary file, so that an image folder is decoded once (CIFAR-10 as 60,000
 * JPEGs takes about 30 s) and later loads read raw bytes instead (about a second). The file holds a
 * fingerprint of the inputs; a different fingerprint, or any damage, makes it a miss, never an error.
 *
 * Layout: "BLSRC001", uint32 LE header length, JSON header, then each part's x and y bytes in order.
 */

const MAGIC = 'BLSRC001';

type ElementType = 'u8' | 'i32' | 'f32';

interface PartHeader {
  size: number;
  x: ElementType;
  xLength: number;
  y: ElementType;
  yLength: number;
}

interface Header {
  fingerprint: string;
  name: string;
  task: Task;
  inputShape: number[];
  outputSize: number;
  classNames: string[];
  featureNames: string[];
  location: string;
  scaleByDefault: boolean;
  parts: { train: PartHeader; validation: PartHeader | null; test: PartHeader | null };
}

const BYTES: Record<ElementType, number> = { u8: 1, i32: 4, f32: 4 };

function typeOf(a: Uint8Array | Int32Array | Float32Array): ElementType {
  return a instanceof Uint8Array ? 'u8' : a instanceof Int32Array ? 'i32' : 'f32';
}

function partHeader(part: RawPart): PartHeader {
  return { size: part.size, x: typeOf(part.x), xLength: part.x.length, y: typeOf(part.y), yLength: part.y.length };
}

export async function writeSourceCache(file: string, source: RawSource, fingerprint: string): Promise<void> {
  const parts = [source.train, source.validation, source.test];
  const header: Header = {
    fingerprint,
    name: source.name,
    task: source.task,
    inputShape: [...source.inputShape],
    outputSize: source.outputSize,
    classNames: [...source.classNames],
    featureNames: [...source.featureNames],
    location: source.location,
    scaleByDefault: source.scaleByDefault,
    parts: {
      train: partHeader(source.train),
      validation: source.validation === null ? null : partHeader(source.validation),
      test: source.test === null ? null : partHeader(source.test),
    },
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32LE(json.length);
  await fs.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  const handle = await fs.open(tmp, 'w');
  try {
    await handle.write(Buffer.from(MAGIC, 'ascii'));
    await handle.write(length);
    await handle.write(json);
    for (const part of parts) {
      if (part === null) continue;
      await handle.write(new Uint8Array(part.x.buffer, part.x.byteOffset, part.x.byteLength));
      await handle.write(new Uint8Array(part.y.buffer, part.y.byteOffset, part.y.byteLength));
    }
  } finally {
    await handle.close();
  }
  await fs.rename(tmp, file);
}

/**
 * Bytes are used in place (a view of the file buffer); wider types are copied into a fresh, aligned
 * array, since a view at an offset that is not a multiple of 4 is not allowed.
 */
function take(
  bytes: Buffer,
  offset: number,
  type: ElementType,
  length: number,
): Uint8Array | Int32Array | Float32Array {
  if (type === 'u8') return new Uint8Array(bytes.buffer, bytes.byteOffset + offset, length);
  const slice = bytes.subarray(offset, offset + length * BYTES[type]);
  const copy = new ArrayBuffer(slice.length);
  new Uint8Array(copy).set(slice);
  return type === 'i32' ? new Int32Array(copy) : new Float32Array(copy);
}

/** The cached source, or null when there is none, it is damaged, or it was made from other inputs. */
export async function readSourceCache(file: string, fingerprint: string): Promise<RawSource | null> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch {
    return null;
  }
  try {
    if (bytes.subarray(0, 8).toString('ascii') !== MAGIC) return null;
    const headerLength = bytes.readUInt32LE(8);
    const header = JSON.parse(bytes.subarray(12, 12 + headerLength).toString('utf8')) as Header;
    if (header.fingerprint !== fingerprint) return null;
    let offset = 12 + headerLength;
    const read = (h: PartHeader | null): RawPart | null => {
      if (h === null) return null;
      const need = h.xLength * BYTES[h.x] + h.yLength * BYTES[h.y];
      if (offset + need > bytes.length) throw new Error('short cache file');
      const x = take(bytes, offset, h.x, h.xLength);
      offset += h.xLength * BYTES[h.x];
      const y = take(bytes, offset, h.y, h.yLength);
      offset += h.yLength * BYTES[h.y];
      if (x instanceof Int32Array || y instanceof Uint8Array) throw new Error('unexpected element types');
      return { size: h.size, x, y };
    };
    const train = read(header.parts.train)!;
    const validation = read(header.parts.validation);
    const test = read(header.parts.test);
    if (offset !== bytes.length) return null;
    return {
      name: header.name,
      task: header.task,
      inputShape: header.inputShape,
      outputSize: header.outputSize,
      classNames: header.classNames,
      featureNames: header.featureNames,
      location: header.location,
      scaleByDefault: header.scaleByDefault,
      train,
      validation,
      test,
    };
  } catch {
    return null;
  }
}
