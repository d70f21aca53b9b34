import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import { ioError } from './errors';

/**
 * SHA-256 of a dataset's files as they lie on disk, taken at import and again each time a run opens the
 * dataset, so that a file changed in between (edited, re-exported, damaged on disk) is refused rather than
 * trained on under the old identity. Each file is read in chunks, so memory stays flat for big files.
 */

export interface FileDigest {
  readonly file: string;
  readonly size: number;
  readonly sha256: string;
}

const CHUNK = 1 << 20;
/** Several reads in flight hide the per-file latency of folders of many small images. */
const WORKERS = 4;

async function digestFile(file: string, buffer: Buffer): Promise<FileDigest> {
  try {
    const handle = await fs.open(file, 'r');
    try {
      const hash = createHash('sha256');
      let size = 0;
      for (;;) {
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
        if (bytesRead === 0) break;
        hash.update(buffer.subarray(0, bytesRead));
        size += bytesRead;
      }
      return { file, size, sha256: hash.digest('hex') };
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw ioError(file, error);
  }
}

/** The digests of `files`, sorted by path. */
export async function digestFiles(files: readonly string[]): Promise<FileDigest[]> {
  const sorted = [...new Set(files)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const out = new Array<FileDigest>(sorted.length);
  let next = 0;
  const worker = async () => {
    const buffer = Buffer.allocUnsafe(CHUNK);
    while (next < sorted.length) {
      const i = next++;
      out[i] = await digestFile(sorted[i]!, buffer);
    }
  };
  await Promise.all(Array.from({ length: Math.min(WORKERS, sorted.length) }, worker));
  return out;
}

/** One hash for a whole set of files: what an import record keeps. */
export function combineDigests(digests: readonly FileDigest[]): string {
  const hash = createHash('sha256').update('broadcast-lab/files/v1\n');
  for (const d of digests) hash.update(`${d.file}\u0000${d.size}\u0000${d.sha256}\n`);
  return hash.digest('hex');
}

export type FileChange =
  | { readonly kind: 'changed'; readonly file: string; readonly before: FileDigest; readonly now: FileDigest }
  | { readonly kind: 'missing'; readonly file: string }
  | { readonly kind: 'added'; readonly file: string };

/** The first difference between two digest lists, in path order; null when they agree. */
export function firstChange(before: readonly FileDigest[], now: readonly FileDigest[]): FileChange | null {
  const then = new Map(before.map((d) => [d.file, d]));
  const current = new Map(now.map((d) => [d.file, d]));
  const paths = [...new Set([...then.keys(), ...current.keys()])].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const file of paths) {
    const a = then.get(file);
    const b = current.get(file);
    if (a === undefined) return { kind: 'added', file };
    if (b === undefined) return { kind: 'missing', file };
    if (a.size !== b.size || a.sha256 !== b.sha256) return { kind: 'changed', file, before: a, now: b };
  }
  return null;
}
