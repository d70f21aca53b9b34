import { createHash } from 'node:crypto';
import type { RawPart, RawSource } from './types';

/**
 * Content hashes: sha256 over a small JSON header (shape and element types) followed by the raw bytes of
 * the arrays. Taken before any scaling, so the hash names the data itself and not our preprocessing of it.
 * Typed arrays are hashed in memory order, which is little-endian on every platform Node runs on.
 */

const FORMAT = 'broadcast-lab/raw-part/v1';

function bytesOf(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

/** The element type by what the array holds, so a Buffer (a Uint8Array subclass) hashes like a Uint8Array. */
function elementType(a: ArrayBufferView): string {
  if (a instanceof Uint8Array) return 'Uint8Array';
  if (a instanceof Int32Array) return 'Int32Array';
  if (a instanceof Float32Array) return 'Float32Array';
  return a.constructor.name;
}

export function hashPart(part: RawPart, inputShape: readonly number[]): string {
  const hash = createHash('sha256');
  const header = {
    format: FORMAT,
    size: part.size,
    inputShape,
    x: elementType(part.x),
    y: elementType(part.y),
    yLength: part.y.length,
  };
  hash.update(JSON.stringify(header) + '\n');
  hash.update(bytesOf(part.x));
  hash.update(bytesOf(part.y));
  return hash.digest('hex');
}

/** The identity of a whole source: its task and shape and the hashes of its parts, in a fixed order. */
export function hashSource(
  source: { task: string; inputShape: readonly number[]; outputSize: number },
  parts: { train: string; validation: string | null; test: string | null },
): string {
  const header = {
    format: 'broadcast-lab/source/v1',
    task: source.task,
    inputShape: source.inputShape,
    outputSize: source.outputSize,
    train: parts.train,
    validation: parts.validation,
    test: parts.test,
  };
  return createHash('sha256').update(JSON.stringify(header)).digest('hex');
}

/** hashSource over the hashes of a source's own parts. */
export function hashRawSource(source: RawSource): string {
  return hashSource(source, {
    train: hashPart(source.train, source.inputShape),
    validation: source.validation === null ? null : hashPart(source.validation, source.inputShape),
    test: source.test === null ? null : hashPart(source.test, source.inputShape),
  });
}
