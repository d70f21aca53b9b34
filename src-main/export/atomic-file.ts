import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ApiError } from '../../shared/api/errors';
import { streamSink, type TextSink } from './text-sink';

const WRITE_AHEAD_BYTES = 4 * 2 ** 20;

export interface WrittenFile {
  path: string;
  bytes: number;
  sha256: string;
}

/** Turns a file-system failure into a sentence that names the path and what to do. */
export function fileError(error: unknown, target: string): ApiError {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  const reason =
    code === 'ENOENT'
      ? 'the folder does not exist'
      : code === 'EACCES' || code === 'EPERM'
        ? 'permission denied: the folder is not writable'
        : code === 'EROFS'
          ? 'the file system is read-only'
          : code === 'ENOSPC'
            ? 'the disk is full'
            : code === 'EISDIR'
              ? 'it is a folder; give a file name'
              : code === 'ENOTDIR'
                ? 'a part of the path is a file, not a folder'
                : error instanceof Error
                  ? error.message
                  : String(error);
  return new ApiError('invalid_request', `Cannot write ${target}: ${reason}.`);
}

/**
 * Writes a file through a temporary name beside it and renames it into place only once everything was written and
 * flushed, so that the target is either the whole new file or untouched: a failed, cancelled or crashed export
 * leaves no partial file (the temporary one is removed on failure).
 */
export async function writeAtomically(
  target: string,
  produce: (sink: TextSink, stream: fs.WriteStream) => Promise<void>,
): Promise<WrittenFile> {
  const file = path.resolve(target);
  const dir = path.dirname(file);
  try {
    if (fs.statSync(file, { throwIfNoEntry: false })?.isDirectory())
      throw Object.assign(new Error(), { code: 'EISDIR' });
    fs.accessSync(dir, fs.constants.W_OK);
  } catch (error) {
    throw fileError(error, file);
  }
  const temp = path.join(
    dir,
    `.${path.basename(file)}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.partial`,
  );
  const hash = crypto.createHash('sha256');
  let bytes = 0;
  let stream: fs.WriteStream;
  try {
    // A few MiB in flight: the disk writes one page while the next is formatted (at the default 16 KiB every page
    // would wait for its own write to finish); memory stays flat at that much.
    stream = fs.createWriteStream(temp, { flags: 'wx', highWaterMark: WRITE_AHEAD_BYTES });
    await new Promise<void>((resolve, reject) => stream.once('open', () => resolve()).once('error', reject));
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw fileError(error, file);
  }
  const counting: TextSink = streamSink(stream);
  const hashing: TextSink = {
    write(chunk) {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      hash.update(buffer);
      bytes += buffer.length;
      return counting.write(buffer);
    },
  };
  try {
    await produce(hashing, stream);
    await new Promise<void>((resolve, reject) => {
      stream.once('error', reject);
      stream.end(() => resolve());
    });
    // r+: Windows refuses to flush a descriptor opened read-only.
    const fd = fs.openSync(temp, 'r+');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, file);
  } catch (error) {
    stream.destroy();
    fs.rmSync(temp, { force: true });
    if (error instanceof ApiError) throw error;
    if ((error as NodeJS.ErrnoException | null)?.code) throw fileError(error, file);
    throw error;
  }
  return { path: file, bytes, sha256: hash.digest('hex') };
}
