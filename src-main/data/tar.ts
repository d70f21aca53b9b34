import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import zlib from 'node:zlib';
import { DatasetError } from './errors';

/**
 * A streaming reader for gzipped tar archives (POSIX ustar, with GNU long names and pax `path`), enough
 * for the archives datasets ship in (cifar-10-binary.tar.gz). Only regular files and folders are written;
 * links and devices are skipped, and no entry may land outside the destination.
 */

const BLOCK = 512;

interface Header {
  name: string;
  size: number;
  type: string;
}

function field(block: Buffer, start: number, length: number): string {
  const raw = block.subarray(start, start + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end < 0 ? raw.length : end).toString('utf8');
}

function octal(block: Buffer, start: number, length: number, archive: string, offset: number): number {
  if ((block[start]! & 0x80) !== 0) {
    throw new DatasetError(
      'decode',
      archive,
      `tar entry at byte ${offset} uses a base-256 size (over 8 GB), which is not supported`,
    );
  }
  const text = field(block, start, length).trim();
  const value = text === '' ? 0 : parseInt(text, 8);
  if (!Number.isFinite(value) || !/^[0-7]*$/.test(text)) {
    throw new DatasetError('decode', archive, `corrupt tar header at byte ${offset}: '${text}' is not an octal number`);
  }
  return value;
}

function parseHeader(block: Buffer, archive: string, offset: number): Header {
  // The checksum is the byte sum of the header with its own 8-byte field read as spaces.
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i]!;
  const stored = octal(block, 148, 8, archive, offset);
  if (stored !== sum) {
    throw new DatasetError(
      'decode',
      archive,
      `corrupt tar header at byte ${offset} (checksum ${stored}, computed ${sum}); the archive is damaged`,
    );
  }
  const name = field(block, 0, 100);
  const prefix = field(block, 257, 6) === 'ustar' ? field(block, 345, 155) : '';
  return {
    name: prefix ? `${prefix}/${name}` : name,
    size: octal(block, 124, 12, archive, offset),
    type: String.fromCharCode(block[156]!) === '\0' ? '0' : String.fromCharCode(block[156]!),
  };
}

/** `path=` from a pax extended header ("<length> <key>=<value>\n" records). */
function paxPath(data: Buffer): string | null {
  let pos = 0;
  let found: string | null = null;
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos);
    if (space < 0) break;
    const length = parseInt(data.subarray(pos, space).toString('ascii'), 10);
    if (!Number.isFinite(length) || length <= 0) break;
    const record = data.subarray(space + 1, pos + length - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0 && record.slice(0, eq) === 'path') found = record.slice(eq + 1);
    pos += length;
  }
  return found;
}

function safeTarget(destDir: string, name: string, archive: string): string {
  const normalised = path.posix.normalize(name.replace(/\\/g, '/'));
  if (
    path.posix.isAbsolute(normalised) ||
    normalised === '..' ||
    normalised.startsWith('../') ||
    /^[a-zA-Z]:/.test(normalised)
  ) {
    throw new DatasetError(
      'decode',
      archive,
      `entry '${name}' would be written outside ${destDir}; refusing to extract`,
    );
  }
  return path.join(destDir, ...normalised.split('/'));
}

type State =
  | { kind: 'header' }
  | { kind: 'file'; handle: fsp.FileHandle | null; remaining: number; pad: number }
  | { kind: 'meta'; type: 'L' | 'x'; chunks: Buffer[]; remaining: number; pad: number }
  | { kind: 'skip'; remaining: number };

/** Extracts every regular file of `archive` (a .tar.gz) under `destDir`; returns their relative paths. */
export async function extractTarGz(archive: string, destDir: string): Promise<string[]> {
  await fsp.mkdir(destDir, { recursive: true });
  const gunzip = zlib.createGunzip();
  const input = fs.createReadStream(archive);
  input.on('error', (error) => gunzip.destroy(error));
  input.pipe(gunzip);

  const written: string[] = [];
  let state: State = { kind: 'header' };
  let nextName: string | null = null;
  let offset = 0; // of the first byte of `buffer` within the tar stream
  let buffer: Buffer = Buffer.alloc(0);
  let ended = false;
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      buffer = buffer.length > 0 ? Buffer.concat([buffer, chunk]) : chunk;
      let pos = 0;
      while (!ended) {
        if (state.kind === 'header') {
          if (buffer.length - pos < BLOCK) break;
          const block = buffer.subarray(pos, pos + BLOCK);
          if (block.every((b) => b === 0)) {
            ended = true; // the first of the two zero blocks that end an archive
            break;
          }
          const header = parseHeader(block, archive, offset + pos);
          pos += BLOCK;
          const pad = (BLOCK - (header.size % BLOCK)) % BLOCK;
          const name = nextName ?? header.name;
          if (header.type === 'L' || header.type === 'x') {
            state = { kind: 'meta', type: header.type, chunks: [], remaining: header.size, pad };
            continue;
          }
          nextName = null;
          if (header.type === '0' || header.type === '7') {
            const target = safeTarget(destDir, name, archive);
            await fsp.mkdir(path.dirname(target), { recursive: true });
            state = { kind: 'file', handle: await fsp.open(target, 'w'), remaining: header.size, pad };
            written.push(path.relative(destDir, target));
          } else {
            if (header.type === '5') await fsp.mkdir(safeTarget(destDir, name, archive), { recursive: true });
            state = { kind: 'skip', remaining: header.size + pad };
          }
        } else if (state.kind === 'file' || state.kind === 'meta') {
          const n = Math.min(state.remaining, buffer.length - pos);
          if (n > 0) {
            const piece = buffer.subarray(pos, pos + n);
            if (state.kind === 'file') await state.handle!.write(piece);
            else state.chunks.push(Buffer.from(piece));
            pos += n;
            state.remaining -= n;
          }
          if (state.remaining > 0) break;
          if (state.kind === 'file') {
            await state.handle!.close();
            state.handle = null;
          } else {
            const data = Buffer.concat(state.chunks);
            nextName = state.type === 'L' ? field(data, 0, data.length) : paxPath(data);
          }
          state = { kind: 'skip', remaining: state.pad };
        } else {
          const n = Math.min(state.remaining, buffer.length - pos);
          pos += n;
          state.remaining -= n;
          if (state.remaining > 0) break;
          state = { kind: 'header' };
        }
      }
      offset += pos;
      buffer = buffer.subarray(pos);
      if (ended) break;
    }
  } catch (error) {
    if (error instanceof DatasetError) throw error;
    const detail = error instanceof Error ? error.message : String(error);
    throw new DatasetError('decode', archive, `cannot be extracted (${detail}); the archive is damaged or incomplete`, {
      cause: error,
    });
  } finally {
    if (state.kind === 'file' && state.handle !== null) await state.handle.close();
    input.destroy();
    gunzip.destroy();
  }
  if (!ended && (state.kind !== 'header' || buffer.length > 0)) {
    throw new DatasetError('truncated', archive, 'ends in the middle of a tar entry; the archive is incomplete');
  }
  return written;
}
