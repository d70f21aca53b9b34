import { createHash } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { DatasetError } from './errors';

/**
 * Fetching one file over HTTP(S) into `<dest>.partial`, resuming with a Range request after a dropped
 * connection (in this call, up to `retries` times, or in a later call, since the partial file stays), then
 * checking size and checksum before renaming it to `dest`. A checksum mismatch deletes the partial file:
 * resuming from bad bytes would only fail again.
 */

export interface Checksum {
  readonly algorithm: 'sha256' | 'md5';
  readonly hex: string;
}

export interface DownloadProgress {
  readonly file: string;
  readonly url: string;
  readonly bytesDone: number;
  /** null when neither the catalogue nor the server says how big the file is. */
  readonly bytesTotal: number | null;
}

export interface DownloadFileOptions {
  /** Mirrors, tried in order; a later one is used when an earlier one fails (not on a checksum mismatch). */
  readonly urls: readonly string[];
  readonly dest: string;
  readonly size: number | null;
  readonly checksum: Checksum;
  readonly onProgress?: (progress: DownloadProgress) => void;
  readonly signal?: AbortSignal;
  /** Resumptions after a dropped connection or a server error before moving to the next mirror. Default 3. */
  readonly retries?: number;
}

export interface DownloadResult {
  readonly path: string;
  readonly url: string;
  /** The byte offsets that requests resumed from (empty when the file came in one piece). */
  readonly resumedFrom: readonly number[];
  /** True when `dest` was already there with the right checksum. */
  readonly alreadyPresent: boolean;
}

export async function fileChecksum(file: string, algorithm: Checksum['algorithm']): Promise<string> {
  const hash = createHash(algorithm);
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function sizeOf(file: string): Promise<number | null> {
  try {
    return (await fsp.stat(file)).size;
  } catch {
    return null;
  }
}

/** A failure worth retrying on the same mirror (dropped connection, 5xx) or not (4xx: try the next mirror). */
class AttemptError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

/** Emits progress at most every 0.5% (or 1 MiB when the size is unknown), plus the final byte. */
function throttled(report: DownloadFileOptions['onProgress'], file: string, url: string) {
  let last = -1;
  return (done: number, total: number | null, force = false): void => {
    if (!report) return;
    const step = total === null ? 1 << 20 : Math.max(1, Math.floor(total / 200));
    if (force || last < 0 || done - last >= step || done === total) {
      last = done;
      report({ file, url, bytesDone: done, bytesTotal: total });
    }
  };
}

async function attempt(
  url: string,
  partial: string,
  options: DownloadFileOptions,
  resumedFrom: number[],
  progress: ReturnType<typeof throttled>,
): Promise<void> {
  let offset = (await sizeOf(partial)) ?? 0;
  if (options.size !== null && offset > options.size) {
    await fsp.rm(partial, { force: true });
    offset = 0;
  }
  if (options.size !== null && offset === options.size) return; // complete already; the checksum decides
  const headers: Record<string, string> = offset > 0 ? { Range: `bytes=${offset}-` } : {};
  let response: Response;
  try {
    response = await fetch(url, { headers, signal: options.signal, redirect: 'follow' });
  } catch (error) {
    if (options.signal?.aborted) throw error;
    throw new AttemptError(`cannot connect (${causeText(error)})`, true);
  }
  if (response.status === 416 && offset > 0 && options.size === null) return; // server says we have it all
  if (!response.ok || response.body === null) {
    await response.body?.cancel();
    throw new AttemptError(
      `HTTP ${response.status} ${response.statusText}`.trim(),
      response.status >= 500 || response.status === 429,
    );
  }
  let start = 0;
  if (offset > 0 && response.status === 206) {
    const match = /^bytes (\d+)-/.exec(response.headers.get('content-range') ?? '');
    if (match && Number(match[1]) === offset) start = offset;
  }
  if (offset > 0 && start === 0) {
    // The server ignored (or mangled) the Range request and sends the whole file: start over.
    await fsp.rm(partial, { force: true });
  }
  if (start > 0) resumedFrom.push(start);
  const length = Number(response.headers.get('content-length') ?? NaN);
  const total = options.size ?? (Number.isFinite(length) ? start + length : null);
  let done = start;
  progress(done, total, true);
  const out = await fsp.open(partial, start > 0 ? 'a' : 'w');
  try {
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      await out.write(chunk);
      done += chunk.length;
      progress(done, total);
    }
  } catch (error) {
    if (options.signal?.aborted) throw error;
    throw new AttemptError(`connection dropped after ${done} bytes (${causeText(error)})`, true);
  } finally {
    await out.close();
  }
  if (total !== null && done < total) throw new AttemptError(`connection closed after ${done} of ${total} bytes`, true);
  progress(done, total, true);
}

function causeText(error: unknown): string {
  const cause = (error as { cause?: unknown } | null)?.cause;
  const main = error instanceof Error ? error.message : String(error);
  return cause instanceof Error && cause.message !== main ? `${main}: ${cause.message}` : main;
}

export async function downloadFile(options: DownloadFileOptions): Promise<DownloadResult> {
  const { dest, checksum } = options;
  if (options.urls.length === 0) throw new DatasetError('options', dest, 'no URL to download from');
  if ((await sizeOf(dest)) !== null && (await fileChecksum(dest, checksum.algorithm)) === checksum.hex) {
    return { path: dest, url: options.urls[0]!, resumedFrom: [], alreadyPresent: true };
  }
  const partial = `${dest}.partial`;
  const retries = options.retries ?? 3;
  const failures: string[] = [];
  const resumedFrom: number[] = [];
  for (const url of options.urls) {
    const progress = throttled(options.onProgress, dest, url);
    let tries = 0;
    let ok = false;
    while (!ok) {
      try {
        await attempt(url, partial, options, resumedFrom, progress);
        ok = true;
      } catch (error) {
        if (options.signal?.aborted) {
          throw new DatasetError(
            'network',
            url,
            `download cancelled; ${(await sizeOf(partial)) ?? 0} bytes kept in ${partial}`,
            { cause: error },
          );
        }
        if (!(error instanceof AttemptError)) throw error;
        tries++;
        if (!error.retryable || tries > retries) {
          failures.push(`${url}: ${error.message}`);
          break;
        }
      }
    }
    if (!ok) continue;
    const got = (await sizeOf(partial)) ?? 0;
    const actual = await fileChecksum(partial, checksum.algorithm);
    if ((options.size !== null && got !== options.size) || actual !== checksum.hex) {
      await fsp.rm(partial, { force: true });
      const sizeNote =
        options.size !== null && got !== options.size ? `, ${options.size} bytes expected, ${got} received` : '';
      throw new DatasetError(
        'checksum',
        dest,
        `checksum mismatch for the download from ${url}: expected ${checksum.algorithm} ${checksum.hex}, got ${actual}${sizeNote}. ` +
          `The partial download was deleted; try again, and if it fails again the server is sending a different file.`,
      );
    }
    await fsp.rename(partial, dest);
    return { path: dest, url, resumedFrom, alreadyPresent: false };
  }
  const kept = (await sizeOf(partial)) ?? 0;
  const resume = kept > 0 ? ` ${kept} bytes are kept in ${partial}; the next try resumes from there.` : '';
  throw new DatasetError('network', options.urls[0]!, `could not download ${dest}: ${failures.join('; ')}.${resume}`);
}
