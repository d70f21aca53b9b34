import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterSweep } from '../../shared/api/contract-cluster';
import type { ApiEvent } from '../../shared/api/events';
import { createApiHost, type ApiHost } from '../../src-main/api/host';
import { apiClient } from '../../src-main/cli/caller';
import { cachedFolder, hashDatasetFiles } from '../../src-main/cluster/dataset-cache';
import { JOBS_FILE, PLAN_FILE, SCRIPT_FILE, SweepPlan } from '../../src-main/cluster/plan';
import { taskDatabase } from '../../src-main/cluster/task-files';
import { openStore } from '../../src-main/store';
import type { Store } from '../../src-main/store/types';
import { mnistFiles } from '../support/dataset-server';
import { slurmMissing, startSlurmCluster, type SlurmCluster } from '../support/slurm-cluster';
import { testTrainingLauncher } from '../support/training-launcher';
import { removeDir, tempDir } from './store-test-helpers';

/**
 * The app's side of cluster sweeps against a real one-node SLURM (test/support/slurm-cluster.ts): a sweep planned
 * and submitted through the API is followed live (its points reach the event bus while the tasks train), survives
 * a restart of the host, and its runs end up in the session database with the metrics the task files hold; a
 * cancelled task is shown as stopped and, resubmitted, resumes from its checkpoint.
 */
const missing = slurmMissing();
if (missing) console.log(missing);

const CLI_TS = fileURLToPath(new URL('../../src-main/cli.ts', import.meta.url));

const experiment = {
  name: 'followed sweep',
  dataset: { name: 'gaussian-mixture', trainSubset: 400, validationFraction: 0.1 },
  network: { hidden: [{ units: 8, activation: 'tanh' }] },
  rules: [{ rule: 'bp' }],
  seeds: [1],
  epochs: 10,
  batchSize: 16,
  monitoring: { readEvery: 5, diagnosticsEvery: 0, checkpointEvery: 50 },
};

let cluster: SlurmCluster;
let dir: string;
let host: ApiHost;
let client: ReturnType<typeof apiClient>;
let events: { at: number; event: ApiEvent }[];
let slurmConfBefore: string | undefined;

function openHost(): void {
  host = createApiHost({
    mode: 'serve',
    dataDir: path.join(dir, 'data'),
    launch: testTrainingLauncher,
    backend: 'cpu',
    threads: 1,
    validateResponses: true,
    clusterCli: [process.execPath, '--import', 'tsx', CLI_TS],
    clusterPollMs: 100,
  });
  client = apiClient(host);
  host.bus.listen((event) => events.push({ at: Date.now(), event }));
}

async function closeHost(): Promise<void> {
  client.close();
  await host.close();
}

function readStore<T>(file: string, read: (store: Store) => T): T {
  const store = openStore({ path: file, readOnly: true });
  try {
    return read(store);
  } finally {
    store.close();
  }
}

/** Every metric series of the run with that uid: [split/name, [step, value]…]. */
function seriesOf(store: Store, uid: string): [string, [number, number][]][] {
  const id = store.runs.idOfUid(uid)!;
  return store.metrics
    .names(id)
    .map(({ name, split }): [string, [number, number][]] => [
      `${split}/${name}`,
      store.metrics.series({ runId: id, name, split }).points.map((p) => [p.step, p.value]),
    ])
    .sort((a, b) => a[0].localeCompare(b[0]));
}

async function sweepState(results: string): Promise<ClusterSweep> {
  const all = await client.call('cluster.list', {});
  return all.find((s) => s.results === results)!;
}

describe.skipIf(missing !== null)('the app follows a SLURM cluster sweep', () => {
  beforeAll(async () => {
    dir = tempDir('bl-cluster-follow-');
    cluster = await startSlurmCluster();
    // The host runs sbatch, squeue and sacct as the user would, with SLURM_CONF in its environment.
    slurmConfBefore = process.env.SLURM_CONF;
    process.env.SLURM_CONF = cluster.env.SLURM_CONF;
    events = [];
    openHost();
  }, 60_000);
  afterAll(async () => {
    if (host) await closeHost();
    if (slurmConfBefore === undefined) delete process.env.SLURM_CONF;
    else process.env.SLURM_CONF = slurmConfBefore;
    await cluster?.stop();
    if (dir) removeDir(dir);
  }, 60_000);

  it('plans, submits an edited script and follows a 2-task sweep live, across a restart of the host', async () => {
    const session = await client.call('sessions.create', { name: 'cluster' });
    const results = path.join(dir, 'results');
    const request = {
      sessionId: session.id,
      // ~500 steps per task: a few seconds of training, many looks (every 100 ms) even on a loaded machine.
      sweep: {
        experiment: { ...experiment, epochs: 20 },
        axes: [{ field: 'optimizer.learningRate', values: [0.01, 0.03] }],
      },
      results,
      slurm: { cpusPerTask: 1 },
      backend: 'cpu' as const,
    };
    const planned = await client.call('cluster.plan', request);
    expect(planned.taskCount).toBe(2);
    expect(planned.script).toMatch(/^#SBATCH --array=0-1$/m);
    expect(planned.script).toMatch(/^#SBATCH --cpus-per-task=1$/m);
    // Planning writes nothing: the folder can still be chosen.
    expect(fs.existsSync(results)).toBe(false);

    const edited = planned.script.replace(
      '#SBATCH --ntasks=1',
      '#SBATCH --ntasks=1\n#SBATCH --comment=edited-in-the-app',
    );
    const submitted = await client.call('cluster.submit', { ...request, script: edited });
    expect(fs.readFileSync(path.join(results, SCRIPT_FILE), 'utf8')).toBe(edited);
    expect(submitted.tasks.map((t) => t.index)).toEqual([0, 1]);
    const [job] = JSON.parse(fs.readFileSync(path.join(results, JOBS_FILE), 'utf8')) as { jobId: string }[];
    expect(execFileSync('scontrol', ['show', 'job', job!.jobId], { env: cluster.env, encoding: 'utf8' })).toMatch(
      /Comment=edited-in-the-app/,
    );

    // The first points reach the bus while SLURM still runs the tasks; then the app restarts mid-sweep, and the new
    // host finds the followed folder in its database and goes on.
    const batches = () => events.filter((e) => e.event.type === 'metrics.batch').length;
    await expect.poll(batches, { timeout: 90_000, interval: 50 }).toBeGreaterThan(0);
    await closeHost();
    openHost();
    await expect.poll(async () => (await sweepState(results))?.ended, { timeout: 120_000, interval: 200 }).toBe(true);

    const state = await sweepState(results);
    expect(state.tasks.map((t) => [t.status, t.slurmState, t.problem])).toEqual([
      ['completed', 'COMPLETED', null],
      ['completed', 'COMPLETED', null],
    ]);
    const plan = JSON.parse(fs.readFileSync(path.join(results, 'plan.json'), 'utf8')) as { tasks: { uid: string }[] };
    for (const [index, { uid }] of plan.tasks.entries()) {
      const inTask = readStore(taskDatabase(results, index), (store) => seriesOf(store, uid));
      // Live: some of the run's points reached the bus before its task had finished training it.
      const endedInTask = readStore(taskDatabase(results, index), (store) => store.runs.list()[0]!.endedAt!);
      const runId = host.store.runs.idOfUid(uid)!;
      const arrivals = events.flatMap((e) =>
        e.event.type === 'metrics.batch' && e.event.runId === runId ? [e.at] : [],
      );
      expect(arrivals.filter((at) => at < endedInTask).length, `task ${index}`).toBeGreaterThan(0);
      const inSession = seriesOf(host.store, uid);
      expect(inTask.length).toBeGreaterThan(0);
      expect(inSession).toEqual(inTask);
      const run = host.store.runs.get(host.store.runs.idOfUid(uid)!)!;
      expect(run.status).toBe('completed');
      expect(run.sessionId).toBe(session.id);
      expect(run.sweepValues).toEqual({ 'optimizer.learningRate': [0.01, 0.03][index] });
      expect(host.store.checkpoints.list(run.id).length).toBeGreaterThan(0);
    }
  }, 240_000);

  it('shows a cancelled task as stopped, and its resubmission resumes from its checkpoint', async () => {
    const session = await client.call('sessions.create', { name: 'cancelled' });
    const results = path.join(dir, 'long-results');
    const request = {
      sessionId: session.id,
      sweep: { experiment: { ...experiment, name: 'long', epochs: 200 } },
      results,
      slurm: {},
      backend: 'cpu' as const,
    };
    const { script } = await client.call('cluster.plan', request);
    const submitted = await client.call('cluster.submit', { ...request, script });
    expect(submitted.tasks).toHaveLength(1);
    const file = taskDatabase(results, 0);
    const checkpointed = () =>
      fs.existsSync(file) &&
      readStore(file, (store) => store.checkpoints.list(store.runs.list()[0]?.id ?? 0).length > 0);
    await expect.poll(checkpointed, { timeout: 90_000, interval: 100 }).toBe(true);
    const [job] = JSON.parse(fs.readFileSync(path.join(results, JOBS_FILE), 'utf8')) as { jobId: string }[];
    execFileSync('scancel', [`${job!.jobId}_0`], { env: cluster.env });

    // SLURM says CANCELLED at once; the sweep has ended once the task's process has also written how its run ended.
    await expect.poll(async () => (await sweepState(results)).ended, { timeout: 60_000, interval: 100 }).toBe(true);
    const stopped = (await sweepState(results)).tasks[0]!;
    expect(stopped.status).toBe('stopped');
    expect(stopped.slurmState).toMatch(/^CANCELLED/);
    const runId = stopped.runId!;
    expect(host.store.runs.get(runId)!.status).toBe('stopped');
    // SLURM trains it: resuming it here would train a second copy.
    await expect(client.call('runs.resume', { id: runId })).rejects.toThrow(/trains on the cluster as task 0/);
    // Only a task that did not complete is resubmitted.
    await expect(client.call('cluster.resubmit', { results, tasks: [3] })).rejects.toThrow(/task 3 is not one/);

    const stoppedAt = readStore(file, (store) => store.checkpoints.latest(store.runs.list()[0]!.id)!.step);
    const again = await client.call('cluster.resubmit', { results });
    expect(again.tasks[0]!.runId).toBe(runId);
    const resumed = `resuming from the checkpoint at step ${stoppedAt}`;
    const mirroredResume = () => host.store.events.list({ runId }).some((e) => e.message === resumed);
    await expect.poll(mirroredResume, { timeout: 90_000, interval: 100 }).toBe(true);
    expect(events.some((e) => e.event.type === 'run.event' && e.event.event.message === resumed)).toBe(true);
    // The resumed task trains on from the checkpoint: cancel it again rather than wait 3,000 steps.
    const [, second] = JSON.parse(fs.readFileSync(path.join(results, JOBS_FILE), 'utf8')) as { jobId: string }[];
    execFileSync('scancel', [`${second!.jobId}_0`], { env: cluster.env });
    await expect.poll(async () => (await sweepState(results)).ended, { timeout: 60_000, interval: 100 }).toBe(true);
    const uid = host.store.runs.get(runId)!.uid!;
    // On a mismatch, what each side logged says which resume or stop the mirror missed.
    const said = (store: Store, id: number) => store.events.list({ runId: id }).map((e) => `${e.kind}: ${e.message}`);
    const story = `task file: ${readStore(file, (store) => said(store, store.runs.list()[0]!.id)).join('; ')}\nsession: ${said(host.store, runId).join('; ')}`;
    expect(seriesOf(host.store, uid), story).toEqual(readStore(file, (store) => seriesOf(store, uid)));
  }, 240_000);

  it('copies the sweep’s dataset into a shared cache by content hash, and its task trains from that copy', async () => {
    const session = await client.call('sessions.create', { name: 'cached' });
    const mnist = path.join(dir, 'data', 'datasets', 'mnist');
    fs.mkdirSync(mnist, { recursive: true });
    for (const [name, bytes] of mnistFiles()) fs.writeFileSync(path.join(mnist, name), bytes);
    const results = path.join(dir, 'cached-results');
    const cache = path.join(dir, 'shared-cache');
    const request = {
      sessionId: session.id,
      sweep: {
        experiment: {
          ...experiment,
          name: 'mnist from the cache',
          dataset: { name: 'mnist' },
          epochs: 1,
          batchSize: 32,
        },
      },
      results,
      datasetCache: cache,
      slurm: {},
      backend: 'cpu' as const,
    };
    const { script } = await client.call('cluster.plan', request);
    await client.call('cluster.submit', { ...request, script });
    const plan = SweepPlan.parse(JSON.parse(fs.readFileSync(path.join(results, PLAN_FILE), 'utf8')));
    const { hash } = await hashDatasetFiles(mnist);
    expect(plan.datasets).toEqual([{ name: 'mnist', hash }]);
    expect(plan.datasetCache).toBe(cache);
    expect((await hashDatasetFiles(cachedFolder(cache, hash))).hash).toBe(hash);
    // The task finds mnist only through the cache (its own data folder is empty) and completes.
    await expect
      .poll(async () => (await sweepState(results))?.tasks[0]?.status, { timeout: 120_000, interval: 200 })
      .toBe('completed');
  }, 180_000);
});
