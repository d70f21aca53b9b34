import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { MethodName, RequestOf, ResponseOf } from '../../shared/api/contract';
import type { InvokeOutcome } from '../../shared/api/envelope';
import type { ApiEvent, DatasetDownloadEvent } from '../../shared/api/events';
import { Connection } from '../../src-main/api/connection';
import { createApiHost, type ApiHost } from '../../src-main/api/host';
import { mnistFiles, serveFiles, sourceFor, underPrefix, type DatasetServer } from '../support/dataset-server';
import { testTrainingLauncher } from '../support/training-launcher';

/**
 * datasets.import / forget / download through the one API host, on a temporary data folder, with downloads
 * from a server on 127.0.0.1 holding files this test wrote (the catalogue entry is replaced to match them).
 */

const files = mnistFiles();
const total = [...files.values()].reduce((sum, b) => sum + b.length, 0);
const served = underPrefix('mirror/mnist', files);
let server: DatasetServer;
let dir: string;
let host: ApiHost;
let connection: Connection;
let events: ApiEvent[];

beforeAll(async () => {
  // Slow enough that progress is reported several times, throttled to ≤ 10 events a second.
  server = await serveFiles(served, { chunkBytes: 8192, chunkDelayMs: 15 });
});
afterAll(() => server.close());

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bl-api-datasets-'));
  host = createApiHost({
    mode: 'serve',
    dataDir: path.join(dir, 'data'),
    validateResponses: true,
    launch: testTrainingLauncher,
    datasetMirror: `${server.base}/mirror/`,
    // The mirror flag sends every file to 127.0.0.1; the catalogue's own mirrors would not be asked.
    datasetSources: { mnist: sourceFor('MNIST', 'http://127.0.0.1:9/unused/', files) },
  });
  events = [];
  connection = new Connection(host.bus, (_id, event) => events.push(event));
  connection.subscribe({ types: ['dataset.download'] });
  server.requests.length = 0;
});
afterEach(async () => {
  connection.close();
  await host.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function invoke(method: MethodName, payload: unknown): Promise<InvokeOutcome> {
  return host.dispatcher.invoke(method, payload, connection);
}

async function call<M extends MethodName>(method: M, request: RequestOf<M>): Promise<ResponseOf<M>> {
  const outcome = await invoke(method, request);
  if (!outcome.ok) throw new Error(`${method}: ${outcome.error.code}: ${outcome.error.message}`);
  return outcome.result as ResponseOf<M>;
}

function downloads(): DatasetDownloadEvent[] {
  return events.filter((e): e is DatasetDownloadEvent => e.type === 'dataset.download');
}

describe('datasets through the API', () => {
  it('validates a design against the data that is here: an absent dataset is refused, naming its files', async () => {
    const spec = {
      name: 'absent',
      dataset: { name: 'mnist' },
      network: { hidden: [{ units: 8 }] },
      rules: [{ rule: 'dfa' }],
      seeds: [1],
      epochs: 1,
      batchSize: 16,
    };
    const own = path.join(dir, 'data', 'datasets', 'mnist');
    const absent = await call('experiments.validate', { spec });
    expect(absent.ok).toBe(false);
    if (absent.ok) return;
    expect(absent.issues).toHaveLength(1);
    expect(absent.issues[0]!.path).toBe('dataset.name');
    const message = absent.issues[0]!.message;
    expect(message).toContain('MNIST handwritten digits is not on this machine');
    expect(message).toContain('t10k-labels-idx1-ubyte');
    expect(message).toContain(own);
    expect(message).toContain('`broadcast-lab datasets download mnist`');
    // The designer shows the list's reason: the same words.
    const listed = await call('datasets.list', {});
    expect(listed.find((d) => d.name === 'mnist')?.unavailable).toBe(message);
    expect(listed.find((d) => d.name === 'gaussian-mixture')?.unavailable).toBeNull();

    const unknown = await call('experiments.validate', { spec: { ...spec, dataset: { name: 'no-such-data' } } });
    expect(unknown.ok).toBe(false);
    if (!unknown.ok)
      expect(unknown.issues[0]?.message).toMatch(/no dataset is named 'no-such-data'; known datasets: .*mnist/);

    // An import whose file has gone is refused too, with the file named.
    const csv = path.join(dir, 'gone.csv');
    fs.writeFileSync(csv, 'x,label\n1,a\n2,b\n3,a\n4,b\n');
    await call('datasets.import', { path: csv });
    fs.rmSync(csv);
    const gone = await call('experiments.validate', { spec: { ...spec, dataset: { name: 'gone' } } });
    expect(gone.ok).toBe(false);
    if (!gone.ok) expect(gone.issues[0]?.message).toContain(`${csv} is no longer there`);

    const synthetic = await call('experiments.validate', { spec: { ...spec, dataset: { name: 'gaussian-mixture' } } });
    expect(synthetic.ok).toBe(true);
    // Image augmentation on points in the plane: refused with the field and the dataset named.
    const augmented = { name: 'gaussian-mixture', augmentation: { flip: 'random' as const } };
    const flat = await call('experiments.validate', { spec: { ...spec, dataset: augmented } });
    expect(flat.ok ? [] : flat.issues).toEqual([
      {
        path: 'dataset.augmentation',
        message: expect.stringContaining("'gaussian-mixture' has samples of shape [2], not [height, width, channels]"),
      },
    ]);
    // A conv layer on the same points, and a kernel larger than an image: each named at its layer.
    const conv = { kind: 'conv' as const, channels: 4, kernel: 3, activation: 'relu' as const };
    const onPoints = await call('experiments.validate', {
      spec: { ...spec, dataset: { name: 'gaussian-mixture' }, network: { ...spec.network, hidden: [conv] } },
    });
    expect(onPoints.ok ? [] : onPoints.issues).toEqual([
      {
        path: 'network.hidden.0',
        message: expect.stringContaining('layer 1: a convolutional layer needs an image input'),
      },
    ]);
    const pooled = { ...conv, pool: { kind: 'avg' as const, size: 2 } };
    const tooLarge = { ...conv, kernel: 15 };
    const oversized = await call('experiments.validate', {
      spec: { ...spec, dataset: { name: 'fashion-mnist' }, network: { ...spec.network, hidden: [pooled, tooLarge] } },
    });
    expect(oversized.ok ? [] : oversized.issues).toEqual([
      {
        path: 'network.hidden.1',
        message: expect.stringMatching(/^layer 2: a 15×15 kernel with padding 0 does not fit its 13×13×4 input$/),
      },
    ]);
  });

  it('imports a CSV table, lists it, and forgets it', async () => {
    const csv = path.join(dir, 'blobs.csv');
    fs.writeFileSync(csv, ['x,y,label', ...Array.from({ length: 12 }, (_, i) => `${i},${i % 4},c${i % 3}`)].join('\n'));
    const info = await call('datasets.import', { path: csv });
    expect(info).toMatchObject({
      name: 'blobs',
      origin: 'imported',
      present: true,
      location: csv,
      task: 'classification',
      inputShape: [2],
      outputSize: 3,
      classNames: ['c0', 'c1', 'c2'],
      sizes: { train: 12 },
    });
    expect((await call('datasets.list', {})).find((d) => d.name === 'blobs')).toEqual(info);

    const renamed = await call('datasets.import', { path: csv, name: 'blobs-2' });
    expect(renamed.name).toBe('blobs-2');
    const taken = await invoke('datasets.import', { path: csv });
    expect(taken).toMatchObject({ ok: false, error: { code: 'conflict' } });
    if (!taken.ok) expect(taken.error.message).toMatch(/a dataset named 'blobs' is already imported from .*blobs\.csv/);
    expect((await call('datasets.import', { path: csv, replace: true })).name).toBe('blobs');

    expect(await call('datasets.forget', { name: 'blobs' })).toEqual({ forgotten: true });
    expect((await call('datasets.list', {})).map((d) => d.name)).not.toContain('blobs');
    expect(fs.existsSync(csv)).toBe(true);
    const again = await invoke('datasets.forget', { name: 'blobs' });
    expect(again).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });

  it('refuses a damaged file, a missing one, a bad name and a relative path, naming what is wrong', async () => {
    const broken = path.join(dir, 'broken.csv');
    fs.writeFileSync(broken, 'a,label\n1,x\n2\n');
    const damaged = await invoke('datasets.import', { path: broken });
    expect(damaged).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    if (!damaged.ok)
      expect(damaged.error.message).toBe(
        `Could not import: ${broken}: line 3 has 1 cells but the header has 2 columns`,
      );

    const nowhere = path.join(dir, 'nowhere.csv');
    const missing = await invoke('datasets.import', { path: nowhere });
    expect(missing).toMatchObject({ ok: false, error: { code: 'not_found' } });
    if (!missing.ok) expect(missing.error.message).toContain(`${nowhere}: no such file or folder`);

    fs.writeFileSync(path.join(dir, 'ok.csv'), 'a,label\n1,x\n2,y\n');
    const badName = await invoke('datasets.import', { path: path.join(dir, 'ok.csv'), name: '../up' });
    expect(badName).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    if (!badName.ok) {
      expect(badName.error.message).toContain(path.join(dir, 'ok.csv'));
      expect(badName.error.message).toContain("'../up' cannot name a dataset");
    }
    const builtin = await invoke('datasets.import', { path: path.join(dir, 'ok.csv'), name: 'mnist' });
    expect(builtin).toMatchObject({ ok: false, error: { code: 'conflict' } });

    const relative = await invoke('datasets.import', { path: 'data/ok.csv' });
    expect(relative).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    if (!relative.ok) expect(relative.error.message).toContain('path: must be an absolute path');
    expect((await call('datasets.list', {})).some((d) => d.origin === 'imported')).toBe(false);
  });

  it('downloads MNIST in the host: answers at once, streams throttled progress in order, ends with done', async () => {
    const started = Date.now();
    const answer = await call('datasets.download', { name: 'mnist' });
    expect(answer).toMatchObject({ name: 'mnist', present: false, downloadable: true });
    // A second request while it runs joins it: every file is fetched once.
    await call('datasets.download', { name: 'mnist' });
    await expect.poll(() => downloads().at(-1)?.status, { timeout: 15_000 }).toBe('done');
    const elapsed = Date.now() - started;

    const seen = downloads();
    expect(seen.every((e) => e.dataset === 'mnist' && e.bytesTotal === total)).toBe(true);
    const progress = seen.slice(0, -1);
    expect(progress.length).toBeGreaterThan(2);
    expect(progress.every((e) => e.status === 'downloading' && e.error === null)).toBe(true);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.bytesDone).toBeGreaterThanOrEqual(seen[i - 1]!.bytesDone);
    expect(seen.at(-1)).toMatchObject({ status: 'done', bytesDone: total, file: 't10k-labels-idx1-ubyte.gz' });
    // At most one progress event per 100 ms, the first at once.
    expect(progress.length).toBeLessThanOrEqual(Math.floor(elapsed / 100) + 1);
    expect(server.requests.filter((r) => r.endsWith('/train-images-idx3-ubyte.gz'))).toEqual([
      '/mirror/mnist/train-images-idx3-ubyte.gz',
    ]);

    const mnist = (await call('datasets.list', {})).find((d) => d.name === 'mnist');
    expect(mnist).toMatchObject({ present: true, location: path.join(dir, 'data', 'datasets', 'mnist') });
    expect(mnist?.sizes).toMatchObject({ train: 300, test: 20 });
  });

  it('tells a failed download with the reason, and a retry succeeds', async () => {
    const name = '/mirror/mnist/train-labels-idx1-ubyte.gz';
    const good = served.get(name)!;
    // Bytes that differ from the catalogue's checksum.
    const wrong = Buffer.from(good);
    wrong[wrong.length - 3]! ^= 0xff;
    served.set(name, wrong);
    try {
      await call('datasets.download', { name: 'mnist' });
      await expect.poll(() => downloads().at(-1)?.status, { timeout: 15_000 }).toBe('failed');
    } finally {
      served.set(name, good);
    }
    const failed = downloads().at(-1)!;
    expect(failed.file).toBe('train-labels-idx1-ubyte.gz');
    expect(failed.error).toContain(`checksum mismatch for the download from ${server.base}${name}`);
    expect((await call('datasets.list', {})).find((d) => d.name === 'mnist')?.present).toBe(false);

    await call('datasets.download', { name: 'mnist' });
    await expect.poll(() => downloads().at(-1)?.status, { timeout: 15_000 }).toBe('done');
    expect((await call('datasets.list', {})).find((d) => d.name === 'mnist')?.present).toBe(true);
  });

  it('refuses to download what cannot be downloaded or does not exist', async () => {
    const synthetic = await invoke('datasets.download', { name: 'spirals' });
    expect(synthetic).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    if (!synthetic.ok) expect(synthetic.error.message).toContain('cannot be downloaded');
    const unknown = await invoke('datasets.download', { name: 'imagenet' });
    expect(unknown).toMatchObject({ ok: false, error: { code: 'not_found' } });
    if (!unknown.ok) expect(unknown.error.message).toContain("no dataset is named 'imagenet'");
    expect(downloads()).toEqual([]);
  });
});
