import fs from 'node:fs/promises';
import zlib from 'node:zlib';
import { DatasetError, ioError } from './errors';

/** The two bytes every gzip member starts with (RFC 1952); IDX files never start this way (their first two bytes are 0). */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** The file's bytes, gunzipped when they are gzip whatever the file is called. */
export function gunzipIfNeeded(bytes: Buffer, file: string): Buffer {
  if (!isGzip(bytes)) return bytes;
  try {
    return zlib.gunzipSync(bytes);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new DatasetError(
      'decode',
      file,
      `is gzip-compressed but cannot be decompressed (${detail}); the download may be incomplete`,
      {
        cause: error,
      },
    );
  }
}

export async function readFileBytes(file: string): Promise<Buffer> {
  try {
    return await fs.readFile(file);
  } catch (error) {
    throw ioError(file, error);
  }
}

export async function readMaybeGzip(file: string): Promise<Buffer> {
  return gunzipIfNeeded(await readFileBytes(file), file);
}

/**
 * The first `count` bytes of a file's content, decompressing only as much as that takes. Listing datasets
 * reads IDX headers this way instead of inflating 26 MB to learn a sample count.
 */
export async function peekMaybeGzip(file: string, count: number): Promise<Buffer> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, 'r');
  } catch (error) {
    throw ioError(file, error);
  }
  try {
    // Deflate rarely expands, and headers compress well: 64 KiB of input yields far more than a header.
    const raw = Buffer.alloc(64 * 1024);
    const { bytesRead } = await handle.read(raw, 0, raw.length, 0);
    const head = raw.subarray(0, bytesRead);
    if (!isGzip(head)) return head.subarray(0, count);
    try {
      // SYNC_FLUSH returns what has been inflated so far instead of failing on the missing end of the stream.
      const out = zlib.gunzipSync(head, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
      return out.subarray(0, count);
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      throw new DatasetError('decode', file, `is gzip-compressed but cannot be decompressed (${detail})`, {
        cause: error,
      });
    }
  } finally {
    await handle.close();
  }
}
