import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src-main/cli';
import { hashDatasetFiles } from '../../src-main/cluster/dataset-cache';
import { SweepPlan } from '../../src-main/cluster/plan';
import { mnistFiles } from '../support/dataset-server';
import { runCliProcess } from '../support/host-process';
import { removeDir, tempDir } from './store-test-helpers';

/** Cluster sweeps' dataset cache: datasets copied under their content hash, found and checked by each task. */
let dir: string;
beforeEach(() => {
  dir = tempDir('bl-sweep-datasets-');
});
afterEach(() => removeDir(dir));

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { io: { out: (l) => out.push(l), err: (l) => err.push(l) } });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const sha = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

/** The cache's hash written out independently: a header, then "path\0size\0sha256\n" per file in path order. */
function expectedHash(files: [string, Buffer][]): string {
  const sorted = [...files].sort(([a], [b]) => (a < b ? -1 : 1));
  return sha(
    `broadcast-lab/dataset-files/v1\n${sorted.map(([name, bytes]) => `${name}\u0000${bytes.length}\u0000${sha(bytes)}\n`).join('')}`,
  );
}

describe('the dataset cache of cluster sweeps', () => {
  it('hashes every file of a dataset by its path, size and bytes', async () => {
    const folder = path.join(dir, 'set');
    fs.mkdirSync(path.join(folder, 'sub'), { recursive: true });
    const files: [string, Buffer][] = [
      ['b.bin', Buffer.from([1, 2, 3])],
      ['a.txt', Buffer.from('labels')],
      ['sub/c.bin', Buffer.alloc(3 << 20, 7)],
    ];
    for (const [name, bytes] of files) fs.writeFileSync(path.join(folder, name), bytes);
    expect(await hashDatasetFiles(folder)).toEqual({ hash: expectedHash(files), files: 3 });
    fs.writeFileSync(path.join(folder, 'b.bin'), Buffer.from([1, 2, 4]));
    expect((await hashDatasetFiles(folder)).hash).not.toBe(expectedHash(files));
  });

  it('records the hash in the plan, trains a task from the cached copy, and refuses other files', async () => {
    const submitter = path.join(dir, 'submitter');
    const mnist = [...mnistFiles()];
    fs.mkdirSync(path.join(submitter, 'datasets', 'mnist'), { recursive: true });
    for (const [name, bytes] of mnist) fs.writeFileSync(path.join(submitter, 'datasets', 'mnist', name), bytes);
    const hash = expectedHash(mnist);
    const sweep = path.join(dir, 'sweep.json');
    fs.writeFileSync(
      sweep,
      JSON.stringify({
        experiment: {
          name: 'mnist on the cluster',
          dataset: { name: 'mnist' },
          network: { hidden: [{ units: 8 }] },
          rules: [{ rule: 'bp' }],
          seeds: [1],
          epochs: 1,
          batchSize: 32,
        },
        axes: [{ field: 'optimizer.learningRate', values: [0.01] }],
      }),
    );
    const results = path.join(dir, 'results');
    const cache = path.join(dir, 'shared-cache');
    const planned = await cli(
      'sweep',
      sweep,
      '--slurm',
      '--dry-run',
      '--results',
      results,
      '--data',
      submitter,
      '--dataset-cache',
      cache,
    );
    expect(planned.code).toBe(0);
    expect(planned.err).toContain(`dataset 'mnist': content hash ${hash.slice(0, 12)}`);
    expect(planned.out).toContain('# Datasets: where plan.json names a dataset cache');
    const plan = SweepPlan.parse(JSON.parse(fs.readFileSync(path.join(results, 'plan.json'), 'utf8')));
    expect(plan.datasets).toEqual([{ name: 'mnist', hash }]);
    expect(plan.datasetCache).toBe(cache);
    for (const [name, bytes] of mnist) expect(fs.readFileSync(path.join(cache, hash, name))).toEqual(bytes);

    // The task's own data folder has no MNIST (and no system folder holds one): it trains from the cache.
    const planFile = path.join(results, 'plan.json');
    const trained = await runCliProcess(['task', planFile, '--index', '0']);
    expect(trained.stderr).toContain('task 0: completed');
    expect(trained.code).toBe(0);
    expect(fs.realpathSync(path.join(results, 'tasks', 'task-0', 'datasets', 'mnist'))).toBe(
      fs.realpathSync(path.join(cache, hash)),
    );

    // A changed byte in the copy the task finds: refused, naming the dataset, where it is and both hashes.
    const labels = path.join(cache, hash, 'train-labels-idx1-ubyte.gz');
    const bytes = fs.readFileSync(labels);
    bytes[bytes.length - 10]! ^= 0x01;
    fs.writeFileSync(labels, bytes);
    const changed = await cli('task', planFile, '--index', '0');
    expect(changed.code).toBe(1);
    expect(changed.err).toContain(
      `dataset 'mnist' found at ${path.join(results, 'tasks', 'task-0', 'datasets', 'mnist')}`,
    );
    expect(changed.err).toContain(`but the sweep was planned with ${hash}`);

    // No copy anywhere: refused, naming where the sweep's copy was expected.
    fs.rmSync(path.join(cache, hash), { recursive: true });
    const missing = await cli('task', planFile, '--index', '0');
    expect(missing.code).toBe(1);
    expect(missing.err).toContain(`dataset 'mnist' is not on this node and not in the dataset cache`);
    expect(missing.err).toContain(path.join(cache, hash));
  }, 120_000);
});
