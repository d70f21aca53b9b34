import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { downloadFile } from '../../src-main/data/download';
import { DatasetManager, type DatasetDownloadProgress } from '../../src-main/data/manager';
import type { DownloadSource } from '../../src-main/data/sources';
import { extractTarGz } from '../../src-main/data/tar';
import { gzip, writeCifar10Folder } from '../fixtures/data/make';
import { mnistFiles } from '../support/dataset-server';
import { failure } from '../support/dataset-failure';

/**
 * A file server on 127.0.0.1 with the behaviours a download must survive: Range requests, a connection
 * dropped half way (a set number of times), a server that ignores Range, one that stalls, and 404s.
 */
interface Served {
  body: Buffer;
  drops: number;
  ignoreRange?: boolean;
  stall?: boolean;
}

const served = new Map<string, Served>();
const requests: { url: string; range: string | undefined; status: number }[] = [];
let server: http.Server;
let base: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const entry = served.get(req.url ?? '');
    const log = (status: number) => requests.push({ url: req.url ?? '', range: req.headers.range, status });
    if (!entry) {
      log(404);
      res.writeHead(404).end('not here');
      return;
    }
    const total = entry.body.length;
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    let start = 0;
    if (range && !entry.ignoreRange) {
      start = Number(range[1]);
      if (start >= total) {
        log(416);
        res.writeHead(416, { 'Content-Range': `bytes */${total}` }).end();
        return;
      }
      log(206);
      res.writeHead(206, { 'Content-Length': total - start, 'Content-Range': `bytes ${start}-${total - 1}/${total}` });
    } else {
      log(200);
      res.writeHead(200, { 'Content-Length': total, 'Accept-Ranges': 'bytes' });
    }
    const rest = entry.body.subarray(start);
    if (entry.stall) {
      res.write(rest.subarray(0, rest.length >> 1)); // and never finish
      return;
    }
    if (entry.drops > 0) {
      entry.drops--;
      // Half of what is left, then the socket goes away: the client sees a short body.
      res.write(rest.subarray(0, rest.length >> 1), () => res.socket?.destroy());
      return;
    }
    // Several writes, so progress is reported more than once.
    for (let i = 0; i < rest.length; i += 16384) res.write(rest.subarray(i, i + 16384));
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bl-download-'));
  served.clear();
  requests.length = 0;
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** Serves the files under /<prefix>/ and returns a catalogue entry describing them. */
function serve(
  prefix: string,
  files: Map<string, Buffer>,
  extract: DownloadSource['extract'] = 'none',
): DownloadSource {
  for (const [name, body] of files) served.set(`/${prefix}/${name}`, { body, drops: 0 });
  return {
    title: `test ${prefix}`,
    homepage: base,
    mirrors: [`${base}/${prefix}/`],
    files: [...files].map(([name, body]) => ({
      name,
      size: body.length,
      checksum: { algorithm: 'sha256', hex: sha256(body) },
    })),
    extract,
  };
}

describe('dataset downloads from a local server', () => {
  it('downloads every file with progress, verifies it, and the dataset then loads', async () => {
    const files = mnistFiles();
    const manager = new DatasetManager({ dataDir: dir, downloadSources: { mnist: serve('mnist', files) } });
    expect((await manager.describe('mnist')).present).toBe(false);
    const events: DatasetDownloadProgress[] = [];
    const entry = await manager.download('mnist', { onProgress: (p) => events.push(p) });
    expect(entry).toMatchObject({
      present: true,
      location: path.join(dir, 'datasets', 'mnist'),
      sizes: { train: 300, test: 20 },
    });
    const total = [...files.values()].reduce((s, b) => s + b.length, 0);
    expect(events.length).toBeGreaterThan(8);
    expect(events.every((e) => e.bytesTotal === total && e.phase === 'downloading')).toBe(true);
    for (let i = 1; i < events.length; i++)
      expect(events[i]!.bytesDone).toBeGreaterThanOrEqual(events[i - 1]!.bytesDone);
    expect(events.at(-1)!.bytesDone).toBe(total);
    expect(new Set(events.map((e) => e.fileIndex))).toEqual(new Set([0, 1, 2, 3]));
    for (const [name, body] of files)
      expect(fs.readFileSync(path.join(dir, 'datasets', 'mnist', name)).equals(body)).toBe(true);
    expect(fs.readdirSync(path.join(dir, 'datasets', 'mnist')).some((f) => f.endsWith('.partial'))).toBe(false);
    const loaded = await manager.load('mnist', { validationFraction: 0.1 });
    expect(loaded.split.sizes).toEqual({ train: 270, validation: 30, test: 20 });
    // Present now: a second call fetches nothing.
    const before = requests.length;
    await manager.download('mnist');
    expect(requests.length).toBe(before);
  });

  it('shares one download between calls made while it runs', async () => {
    const manager = new DatasetManager({ dataDir: dir, downloadSources: { mnist: serve('mnist', mnistFiles()) } });
    const [a, b] = await Promise.all([manager.download('mnist'), manager.download('mnist')]);
    expect(a).toEqual(b);
    expect(requests.filter((r) => r.url === '/mnist/train-images-idx3-ubyte.gz')).toHaveLength(1);
  });

  it('fetches from an overriding base URL instead of the catalogue’s mirrors', async () => {
    const source = serve('elsewhere', mnistFiles());
    const unreachable = { ...source, mirrors: ['http://127.0.0.1:9/nothing/'] };
    const manager = new DatasetManager({ dataDir: dir, downloadSources: { mnist: unreachable } });
    await manager.download('mnist', { baseUrl: `${base}/elsewhere` });
    expect(requests.map((r) => r.url)).toContain('/elsewhere/train-images-idx3-ubyte.gz');
    expect((await manager.describe('mnist')).present).toBe(true);
  });

  it('resumes with a Range request after the connection drops half way', async () => {
    const files = mnistFiles();
    const source = serve('mnist', files);
    served.get('/mnist/train-images-idx3-ubyte.gz')!.drops = 1;
    const events: DatasetDownloadProgress[] = [];
    const manager = new DatasetManager({ dataDir: dir, downloadSources: { mnist: source } });
    await manager.download('mnist', { onProgress: (p) => events.push(p) });
    const images = requests.filter((r) => r.url === '/mnist/train-images-idx3-ubyte.gz');
    expect(images).toHaveLength(2);
    expect(images[0]!.range).toBeUndefined();
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(images[1]!.range ?? '')?.[1]);
    expect(resumedAt).toBeGreaterThan(0);
    expect(images[1]!.status).toBe(206);
    const body = files.get('train-images-idx3-ubyte.gz')!;
    expect(fs.readFileSync(path.join(dir, 'datasets', 'mnist', 'train-images-idx3-ubyte.gz')).equals(body)).toBe(true);
    // Progress of that file never went back below where it resumed.
    const imageEvents = events.filter((e) => e.fileIndex === 0).map((e) => e.bytesDone);
    const firstAfterResume = imageEvents.findIndex((d, i) => i > 0 && d === resumedAt);
    expect(imageEvents.slice(firstAfterResume).every((d) => d >= resumedAt)).toBe(true);
  });

  it('keeps the partial file when retries run out, and the next call resumes from it', async () => {
    const files = mnistFiles();
    const body = files.get('train-images-idx3-ubyte.gz')!;
    served.set('/f/images.gz', { body, drops: 1 });
    const dest = path.join(dir, 'images.gz');
    const options = {
      urls: [`${base}/f/images.gz`],
      dest,
      size: body.length,
      checksum: { algorithm: 'sha256' as const, hex: sha256(body) },
      retries: 0,
    };
    const error = await failure(downloadFile(options));
    expect(error.kind).toBe('network');
    const kept = fs.statSync(`${dest}.partial`).size;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(body.length);
    expect(error.message).toContain(`${kept} bytes are kept in ${dest}.partial; the next try resumes from there`);
    const result = await downloadFile(options);
    expect(result.resumedFrom).toEqual([kept]);
    expect(requests.at(-1)!.range).toBe(`bytes=${kept}-`);
    expect(fs.readFileSync(dest).equals(body)).toBe(true);
    expect(fs.existsSync(`${dest}.partial`)).toBe(false);
  });

  it('deletes the partial file on a checksum mismatch and says so', async () => {
    const files = mnistFiles();
    const source = serve('mnist', files);
    const wrong = Buffer.from(files.get('train-labels-idx1-ubyte.gz')!);
    wrong[wrong.length - 3]! ^= 0xff;
    served.get('/mnist/train-labels-idx1-ubyte.gz')!.body = wrong;
    const manager = new DatasetManager({ dataDir: dir, downloadSources: { mnist: source } });
    const error = await failure(manager.download('mnist'));
    expect(error.kind).toBe('checksum');
    const expected = source.files[1]!.checksum.hex;
    expect(error.message).toContain(`checksum mismatch for the download from ${base}/mnist/train-labels-idx1-ubyte.gz`);
    expect(error.message).toContain(`expected sha256 ${expected}, got ${sha256(wrong)}`);
    expect(error.message).toContain('The partial download was deleted');
    const folder = path.join(dir, 'datasets', 'mnist');
    expect(fs.existsSync(path.join(folder, 'train-labels-idx1-ubyte.gz'))).toBe(false);
    expect(fs.existsSync(path.join(folder, 'train-labels-idx1-ubyte.gz.partial'))).toBe(false);
    expect((await manager.describe('mnist')).present).toBe(false);
  });

  it('starts over when the server ignores Range, and falls back to the next mirror on a 404', async () => {
    const files = mnistFiles();
    const source = serve('mnist', files);
    const images = served.get('/mnist/train-images-idx3-ubyte.gz')!;
    images.drops = 1;
    images.ignoreRange = true;
    const manager = new DatasetManager({
      dataDir: dir,
      downloadSources: { mnist: { ...source, mirrors: [`${base}/gone/`, ...source.mirrors] } },
    });
    await manager.download('mnist');
    expect(requests.filter((r) => r.url.startsWith('/gone/')).every((r) => r.status === 404)).toBe(true);
    const imageRequests = requests.filter((r) => r.url === '/mnist/train-images-idx3-ubyte.gz');
    expect(imageRequests.map((r) => r.status)).toEqual([200, 200]);
    expect(imageRequests[1]!.range).toMatch(/^bytes=\d+-$/);
    const body = files.get('train-images-idx3-ubyte.gz')!;
    expect(fs.readFileSync(path.join(dir, 'datasets', 'mnist', 'train-images-idx3-ubyte.gz')).equals(body)).toBe(true);
  });

  it('reports every mirror’s failure when none serves the file', async () => {
    const body = Buffer.from('x');
    const dest = path.join(dir, 'x.bin');
    const error = await failure(
      downloadFile({
        urls: [`${base}/a/x`, `${base}/b/x`],
        dest,
        size: 1,
        checksum: { algorithm: 'sha256', hex: sha256(body) },
      }),
    );
    expect(error.message).toMatch(/\/a\/x: HTTP 404 Not Found; .*\/b\/x: HTTP 404 Not Found/);
  });

  it('can be cancelled, keeping what arrived', async () => {
    const body = mnistFiles().get('train-images-idx3-ubyte.gz')!;
    served.set('/slow/images.gz', { body, drops: 0, stall: true });
    const dest = path.join(dir, 'slow.gz');
    const controller = new AbortController();
    const done = downloadFile({
      urls: [`${base}/slow/images.gz`],
      dest,
      size: body.length,
      checksum: { algorithm: 'sha256', hex: sha256(body) },
      signal: controller.signal,
      onProgress: (p) => {
        if (p.bytesDone > 0) controller.abort();
      },
    });
    const error = await failure(done);
    expect(error.message).toMatch(/download cancelled; \d+ bytes kept in .*slow\.gz\.partial/);
    expect(fs.statSync(`${dest}.partial`).size).toBeGreaterThan(0);
  });

  it('downloads a tar.gz, unpacks it, deletes the archive, and loads the CIFAR-10 batches inside', async () => {
    const staging = path.join(dir, 'staging');
    writeCifar10Folder(staging, 2);
    const archive = path.join(dir, 'cifar-10-binary.tar.gz');
    execFileSync('tar', ['-czf', archive, '-C', staging, 'cifar-10-batches-bin']);
    const source = serve('cifar', new Map([['cifar-10-binary.tar.gz', fs.readFileSync(archive)]]), 'tar.gz');
    const data = path.join(dir, 'data');
    const manager = new DatasetManager({ dataDir: data, downloadSources: { 'cifar-10': source } });
    const phases: string[] = [];
    const entry = await manager.download('cifar-10', { onProgress: (p) => phases.push(p.phase) });
    expect(phases).toContain('extracting');
    expect(entry).toMatchObject({
      present: true,
      sizes: { train: 10, test: 2 },
      location: path.join(data, 'datasets', 'cifar-10', 'cifar-10-batches-bin'),
    });
    expect(fs.readdirSync(path.join(data, 'datasets', 'cifar-10'))).toEqual(['cifar-10-batches-bin']);
    const loaded = await manager.load('cifar-10', { validationFraction: 0.2 });
    expect(loaded.split.sizes).toEqual({ train: 8, validation: 2, test: 2 });
  });
});

/** One ustar entry (header + padded data), for archives `tar` itself would not write. */
function tarEntry(name: string, data: Buffer): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, 'utf8');
  header.write('0000644\0', 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  header.write(data.length.toString(8).padStart(11, '0') + '\0', 124);
  header.write('00000000000\0', 136);
  header.write('0', 156);
  header.write('ustar\0', 257);
  header.write('00', 263);
  header.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of header) sum += b;
  header.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  const padded = Buffer.alloc(Math.ceil(data.length / 512) * 512);
  data.copy(padded);
  return Buffer.concat([header, padded]);
}

describe('tar extraction', () => {
  it('extracts regular files and refuses entries that climb out of the destination', async () => {
    const good = path.join(dir, 'good.tar.gz');
    fs.writeFileSync(good, gzip(Buffer.concat([tarEntry('a/b.txt', Buffer.from('hello')), Buffer.alloc(1024)])));
    expect(await extractTarGz(good, path.join(dir, 'out'))).toEqual([path.join('a', 'b.txt')]);
    expect(fs.readFileSync(path.join(dir, 'out', 'a', 'b.txt'), 'utf8')).toBe('hello');
    const evil = path.join(dir, 'evil.tar.gz');
    fs.writeFileSync(evil, gzip(Buffer.concat([tarEntry('../escaped.txt', Buffer.from('x')), Buffer.alloc(1024)])));
    await expect(extractTarGz(evil, path.join(dir, 'out2'))).rejects.toThrow(
      /entry '\.\.\/escaped\.txt' would be written outside/,
    );
    expect(fs.existsSync(path.join(dir, 'escaped.txt'))).toBe(false);
  });

  it('names a damaged header and an archive cut short', async () => {
    const entry = tarEntry('file.bin', Buffer.alloc(2000, 7));
    const damaged = Buffer.from(entry);
    damaged[10] = 0x41;
    const bad = path.join(dir, 'bad.tar.gz');
    fs.writeFileSync(bad, gzip(damaged));
    await expect(extractTarGz(bad, path.join(dir, 'o1'))).rejects.toThrow(/bad\.tar\.gz: corrupt tar header at byte 0/);
    const short = path.join(dir, 'short.tar.gz');
    fs.writeFileSync(short, gzip(entry.subarray(0, 1200)));
    await expect(extractTarGz(short, path.join(dir, 'o2'))).rejects.toThrow(
      /short\.tar\.gz: ends in the middle of a tar entry/,
    );
  });
});
