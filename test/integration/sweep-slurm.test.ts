import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Run } from '../../shared/schemas/records';
import { JOBS_FILE, SCRIPT_FILE } from '../../src-main/cluster/plan';
import { taskDatabase } from '../../src-main/cluster/task-files';
import { DATABASE_FILE } from '../../src-main/data-dir';
import { openStore } from '../../src-main/store';
import { runCliProcess } from '../support/host-process';
import { slurmMissing, startSlurmCluster, type SlurmCluster } from '../support/slurm-cluster';
import { removeDir, tempDir } from './store-test-helpers';

/**
 * Cluster sweeps against a real one-node SLURM (test/support/slurm-cluster.ts): the CLI writes the job array,
 * submits it, follows it and imports the runs; a cancelled task resumes from its checkpoint when resubmitted.
 */
const missing = slurmMissing();
if (missing) console.log(missing);

const experiment = {
  name: 'cluster sweep',
  dataset: { name: 'gaussian-mixture', trainSubset: 300, validationFraction: 0.1 },
  network: { hidden: [{ units: 8, activation: 'tanh' }] },
  rules: [{ rule: 'bp' }, { rule: 'dfa' }],
  seeds: [1],
  epochs: 1,
  batchSize: 16,
  monitoring: { readEvery: 5, diagnosticsEvery: 0, checkpointEvery: 0 },
};

let cluster: SlurmCluster;
let dir: string;

function writeJson(name: string, value: unknown): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, JSON.stringify(value));
  return file;
}

function readStore<T>(file: string, read: (store: ReturnType<typeof openStore>) => T): T {
  const store = openStore({ path: file, readOnly: true });
  try {
    return read(store);
  } finally {
    store.close();
  }
}

/** Every run of a database with all its metric series, keyed by the setting it was trained with. */
function runsBySetting(file: string): Map<string, { run: Run; metrics: unknown[] }> {
  return readStore(file, (store) => {
    const runs = new Map<string, { run: Run; metrics: unknown[] }>();
    for (const run of store.runs.list()) {
      const metrics = store.metrics.names(run.id).map(({ name, split }) => ({
        name,
        split,
        points: store.metrics.series({ runId: run.id, name, split }).points,
      }));
      runs.set(JSON.stringify([run.sweepValues, run.environment.arm, run.seed]), { run, metrics });
    }
    return runs;
  });
}

describe.skipIf(missing !== null)('sweeps on a SLURM cluster', () => {
  beforeAll(async () => {
    dir = tempDir('bl-cluster-');
    cluster = await startSlurmCluster();
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
    if (dir) removeDir(dir);
  }, 30_000);

  it('runs a 4-task sweep from the CLI; its runs reach the session database with the metrics of local runs', async () => {
    const sweep = writeJson('sweep.json', {
      experiment,
      axes: [{ field: 'optimizer.learningRate', values: [0.003, 0.03] }],
    });
    const results = path.join(dir, 'results');
    const data = path.join(dir, 'data');
    const common = ['--threads', '1', '--backend', 'cpu'];
    const submitted = await runCliProcess(
      [
        'sweep',
        sweep,
        '--slurm',
        '--results',
        results,
        '--data',
        data,
        '--cpus-per-task',
        '1',
        '--poll-ms',
        '200',
        ...common,
      ],
      cluster.env,
    );
    expect(submitted.code, `${submitted.stderr}\n${cluster.logs()}`).toBe(0);
    expect(fs.readFileSync(path.join(results, SCRIPT_FILE), 'utf8')).toMatch(/#SBATCH --array=0-3\n/);
    expect(submitted.stderr).toMatch(/submitted job \d+: 4 array tasks/);
    expect(submitted.stdout.match(/COMPLETED\s+completed/g)).toHaveLength(4);
    // One writer per file: every task trained into its own database.
    for (const task of [0, 1, 2, 3]) expect(fs.existsSync(taskDatabase(results, task))).toBe(true);

    const local = path.join(dir, 'local');
    const here = await runCliProcess(['sweep', sweep, '--data', local, '--slots', '2', ...common]);
    expect(here.code, here.stderr).toBe(0);

    const onCluster = runsBySetting(path.join(data, DATABASE_FILE));
    const onLaptop = runsBySetting(path.join(local, DATABASE_FILE));
    expect(onCluster.size).toBe(4);
    expect([...onCluster.keys()].sort()).toEqual([...onLaptop.keys()].sort());
    for (const [setting, { run, metrics }] of onCluster) {
      expect(run.status).toBe('completed');
      expect(metrics.length).toBeGreaterThan(0);
      expect(metrics, setting).toEqual(onLaptop.get(setting)!.metrics);
    }
    // Importing the results again adds nothing.
    const again = await runCliProcess(['import', results, '--data', data]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/0 runs added, 4 skipped/);
  }, 240_000);

  it('reports a cancelled task as cancelled and resubmits it from its checkpoint', async () => {
    const sweep = writeJson('long.json', {
      experiment: {
        ...experiment,
        name: 'long',
        rules: [{ rule: 'bp' }],
        epochs: 200,
        monitoring: { readEvery: 10, diagnosticsEvery: 0, checkpointEvery: 100 },
      },
    });
    const results = path.join(dir, 'long-results');
    const data = path.join(dir, 'long-data');
    const submitted = await runCliProcess(
      [
        'sweep',
        sweep,
        '--slurm',
        '--detach',
        '--results',
        results,
        '--data',
        data,
        '--threads',
        '1',
        '--backend',
        'cpu',
      ],
      cluster.env,
    );
    expect(submitted.code, submitted.stderr).toBe(0);
    const [job] = JSON.parse(fs.readFileSync(path.join(results, JOBS_FILE), 'utf8')) as { jobId: string }[];
    const file = taskDatabase(results, 0);
    const checkpointed = () =>
      fs.existsSync(file) &&
      readStore(file, (store) => store.checkpoints.list(store.runs.list()[0]?.id ?? 0).length > 0);
    await expect.poll(checkpointed, { timeout: 60_000, interval: 100 }).toBe(true);
    execFileSync('scancel', [`${job!.jobId}_0`], { env: cluster.env });

    const followed = await runCliProcess(['slurm', results, '--data', data, '--poll-ms', '200'], cluster.env);
    expect(followed.code).toBe(1);
    expect(followed.stdout).toMatch(/CANCELLED.*\s+stopped/);
    expect(followed.stderr).toMatch(/--resubmit/);
    const stoppedAt = readStore(file, (store) => store.checkpoints.latest(store.runs.list()[0]!.id)!.step);

    const resubmitted = await runCliProcess(
      ['slurm', results, '--resubmit', '--data', data, '--poll-ms', '200'],
      cluster.env,
    );
    expect(resubmitted.code, `${resubmitted.stderr}\n${cluster.logs()}`).toBe(0);
    expect(resubmitted.stderr).toMatch(/submitted job \d+: 1 array tasks/);
    const events = readStore(file, (store) =>
      store.events.list({ runId: store.runs.list()[0]!.id }).map((e) => e.message),
    );
    expect(events).toContain(`resuming from the checkpoint at step ${stoppedAt}`);
    const imported = readStore(path.join(data, DATABASE_FILE), (store) => store.runs.list());
    expect(imported.map((r) => r.status)).toEqual(['completed']);
  }, 240_000);
});
