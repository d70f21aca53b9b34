import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DownloadSource } from '../../src-main/data/sources';
import { gzip, idxBytes } from '../fixtures/data/make';

/**
 * Dataset files for download tests, and a server on 127.0.0.1 that serves them. Tests write their own small
 * files, so the catalogue entry describing them (sizes, checksums) comes from here too.
 */

/** A small MNIST-named IDX dataset: 300 noisy 28×28 images (so gzip leaves ~200 KB) and their labels. */
export function mnistFiles(): Map<string, Buffer> {
  const n = 300;
  const pixels = new Uint8Array(n * 784);
  let s = 12345;
  for (let i = 0; i < pixels.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    pixels[i] = s >>> 24;
  }
  const labels = Uint8Array.from({ length: n }, (_, i) => i % 10);
  return new Map([
    ['train-images-idx3-ubyte.gz', gzip(idxBytes('uint8', [n, 28, 28], pixels))],
    ['train-labels-idx1-ubyte.gz', gzip(idxBytes('uint8', [n], labels))],
    ['t10k-images-idx3-ubyte.gz', gzip(idxBytes('uint8', [20, 28, 28], pixels.subarray(0, 20 * 784)))],
    ['t10k-labels-idx1-ubyte.gz', gzip(idxBytes('uint8', [20], labels.subarray(0, 20)))],
  ]);
}

export const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/** The catalogue entry for files served under `mirror` (a base URL ending in '/'). */
export function sourceFor(title: string, mirror: string, files: Map<string, Buffer>): DownloadSource {
  return {
    title,
    homepage: mirror,
    mirrors: [mirror],
    files: [...files].map(([name, body]) => ({
      name,
      size: body.length,
      checksum: { algorithm: 'sha256', hex: sha256(body) },
    })),
    extract: 'none',
  };
}

export interface DatasetServer {
  /** http://127.0.0.1:PORT, no trailing slash. */
  readonly base: string;
  /** URL paths requested, in order. */
  readonly requests: string[];
  close(): Promise<void>;
}

export interface ServeOptions {
  /** Bytes per write and the pause between writes: a slow server, so that progress can be watched. */
  readonly chunkBytes?: number;
  readonly chunkDelayMs?: number;
}

/** Serves `files` (URL path → body); anything else is a 404. */
export async function serveFiles(files: Map<string, Buffer>, options: ServeOptions = {}): Promise<DatasetServer> {
  const chunk = options.chunkBytes ?? 16384;
  const delay = options.chunkDelayMs ?? 0;
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    const body = files.get(req.url ?? '');
    if (!body) {
      res.writeHead(404).end('not here');
      return;
    }
    res.writeHead(200, { 'Content-Length': body.length });
    let at = 0;
    const next = () => {
      if (res.destroyed) return;
      if (at >= body.length) {
        res.end();
        return;
      }
      res.write(body.subarray(at, at + chunk));
      at += chunk;
      if (delay > 0) setTimeout(next, delay);
      else next();
    };
    next();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Every file of `files` under `/<prefix>/<name>`, as serveFiles takes them. */
export function underPrefix(prefix: string, files: Map<string, Buffer>): Map<string, Buffer> {
  return new Map([...files].map(([name, body]) => [`/${prefix}/${name}`, body]));
}
