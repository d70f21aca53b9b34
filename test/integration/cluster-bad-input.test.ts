import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expandSweep } from '../../shared/sweeps/expand';
import { createApiHost, type ApiHost } from '../../src-main/api/host';
import { apiClient } from '../../src-main/cli/caller';
import { writePlan, type SweepPlan } from '../../src-main/cluster/plan';
import { planSweep } from '../../src-main/cluster/submission';
import { taskDatabase } from '../../src-main/cluster/task-files';
import { openStore } from '../../src-main/store';
import { testTrainingLauncher } from '../support/training-launcher';
import { removeDir, tempDir } from './store-test-helpers';

/**
 * What the app's cluster methods do with bad input, without a cluster: fields sbatch would refuse and an edited
 * script that is no longer a job array are refused where they enter; a malformed results folder is refused naming
 * its plan file; a damaged task file is reported on its task, naming the file, while the other task's run is
 * imported — and nothing stored, in the session database or the results folder, changes because of them.
 */
const experiment = {
  name: 'bad input',
  dataset: { name: 'gaussian-mixture', trainSubset: 100 },
  network: { hidden: [{ units: 4 }] },
  rules: [{ rule: 'bp' }],
  seeds: [1, 2],
  epochs: 1,
  batchSize: 16,
};

let dir: string;
let host: ApiHost;
let client: ReturnType<typeof apiClient>;
let sessionId: number;

beforeEach(async () => {
  dir = tempDir('bl-cluster-bad-');
  host = createApiHost({
    mode: 'serve',
    dataDir: path.join(dir, 'data'),
    launch: testTrainingLauncher,
    validateResponses: true,
    clusterCli: ['node', '/opt/broadcast-lab/cli.js'],
    clusterPollMs: 50,
  });
  client = apiClient(host);
  sessionId = (await client.call('sessions.create', { name: 'cluster' })).id;
});
afterEach(async () => {
  client.close();
  await host.close();
  removeDir(dir);
});

function plannedFolder(name: string): { results: string; plan: SweepPlan } {
  const expanded = expandSweep({ experiment });
  if (!expanded.ok) throw new Error('the test sweep is invalid');
  const plan = planSweep(expanded, { session: 'cluster', backend: 'cpu', threads: 1 });
  const results = path.join(dir, name);
  writePlan(results, plan);
  return { results, plan };
}

describe('cluster sweeps refuse bad input and lose nothing', () => {
  it('checks every field of "Run on cluster" where it enters', async () => {
    const base = { sessionId, sweep: { experiment }, results: path.join(dir, 'r'), slurm: {} };
    await expect(client.call('cluster.plan', { ...base, slurm: { time: 'one hour' } })).rejects.toThrow(
      /slurm\.time: a time limit holds only letters/,
    );
    await expect(client.call('cluster.plan', { ...base, slurm: { partition: 'gpu; rm -rf ~' } })).rejects.toThrow(
      /slurm\.partition: a partition holds only/,
    );
    await expect(client.call('cluster.plan', { ...base, slurm: { cpusPerTask: 0 } })).rejects.toThrow(
      /slurm\.cpusPerTask/,
    );
    await expect(client.call('cluster.plan', { ...base, results: 'relative/folder' })).rejects.toThrow(
      /results: must be an absolute path/,
    );
    await expect(client.call('cluster.plan', { ...base, results: '/tmp/with space' })).rejects.toThrow(
      /results: must not hold spaces/,
    );
    await expect(
      client.call('cluster.plan', { ...base, sweep: { experiment, axes: [{ field: 'optimizer.nope', values: [1] }] } }),
    ).rejects.toThrow(/The sweep is not valid: optimizer: .*"nope"/);
    const { script } = await client.call('cluster.plan', { ...base, slurm: { gpus: 2, arrayLimit: 1 } });
    expect(script).toMatch(/^#SBATCH --array=0-1%1$/m);
    expect(script).toMatch(/^#SBATCH --gpus-per-task=2$/m);
    expect(script).toContain('/opt/broadcast-lab/cli.js task');
    await expect(
      client.call('cluster.submit', { ...base, script: script.replace(/^#SBATCH --array=.*$/m, '') }),
    ).rejects.toThrow(/script: must keep its #SBATCH --array= line/);
    // Nothing was written for a refused request.
    expect(fs.existsSync(base.results)).toBe(false);
    expect(await client.call('cluster.list', {})).toEqual([]);
  });

  it('refuses a folder that already holds a sweep, and a malformed one naming its plan file', async () => {
    const { results } = plannedFolder('taken');
    const request = { sessionId, sweep: { experiment }, results, slurm: {} };
    await expect(client.call('cluster.plan', request)).rejects.toThrow(/already holds a sweep/);
    const before = fs.readFileSync(path.join(results, 'plan.json'), 'utf8');
    await expect(
      client.call('cluster.submit', { ...request, script: '#!/bin/bash\n#SBATCH --array=0-1\n' }),
    ).rejects.toThrow(/already holds a sweep/);
    expect(fs.readFileSync(path.join(results, 'plan.json'), 'utf8')).toBe(before);

    const broken = path.join(dir, 'broken');
    fs.mkdirSync(broken);
    fs.writeFileSync(path.join(broken, 'plan.json'), '{"planVersion": 2, "tasks": []}');
    await expect(client.call('cluster.follow', { results: broken, sessionId })).rejects.toThrow(
      new RegExp(`${path.join(broken, 'plan.json')} is not a sweep plan: planVersion`),
    );
    fs.writeFileSync(path.join(broken, 'plan.json'), '{ not json');
    await expect(client.call('cluster.follow', { results: broken, sessionId })).rejects.toThrow(
      new RegExp(`cannot read ${path.join(broken, 'plan.json')}`),
    );
    await expect(client.call('cluster.resubmit', { results: broken })).rejects.toThrow(
      /not a cluster sweep this app follows/,
    );
    expect(await client.call('cluster.list', {})).toEqual([]);
    expect(host.store.clusterSweeps.list()).toEqual([]);
  });

  it('reports a damaged task file on its task, naming it, and imports the task that can be read', async () => {
    const { results, plan } = plannedFolder('damaged');
    // Task 1 finished its run (as a node would leave it); task 0's file was damaged on the shared filesystem.
    const good = openStore({ path: taskDatabase(results, 1) });
    const session = good.sessions.create({ name: 'cluster' });
    const spec = plan.points[0]!.spec;
    const experimentId = good.experiments.create(session.id, spec).id;
    const run = good.runs.create({ experimentId, rule: 'bp', seed: 2, uid: plan.tasks[1]!.uid, status: 'completed' });
    const points = [0, 5, 10].map((step) => ({
      step,
      epoch: step / 10,
      split: 'train' as const,
      name: 'loss',
      value: 1 / (step + 1),
    }));
    good.metrics.insert(run.id, points);
    good.close();
    const damaged = taskDatabase(results, 0);
    fs.mkdirSync(path.dirname(damaged), { recursive: true });
    const garbage = Buffer.concat([Buffer.from('SQLite format 3\0'), Buffer.alloc(4000, 7)]);
    fs.writeFileSync(damaged, garbage);
    const runsBefore = host.store.runs.list().length;

    const followed = await client.call('cluster.follow', { results, sessionId });
    const [zero, one] = followed.tasks;
    expect(zero!.problem).toContain(damaged);
    expect(zero!.runId).toBeNull();
    expect(one).toMatchObject({ status: 'completed', problem: null });
    expect(followed.ended).toBe(false);
    const imported = host.store.runs.get(one!.runId!)!;
    expect(imported).toMatchObject({ status: 'completed', sessionId, uid: plan.tasks[1]!.uid });
    expect(host.store.metrics.series({ runId: imported.id, name: 'loss', split: 'train' }).points).toEqual(
      points.map(({ step, epoch, value }) => ({ step, epoch, value })),
    );
    expect(host.store.runs.list()).toHaveLength(runsBefore + 1);
    // Looks go on (the file may be mended or the task resubmitted); the damaged file stays as it was.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(fs.readFileSync(damaged)).toEqual(garbage);
    expect(host.store.runs.list()).toHaveLength(runsBefore + 1);
    const listed = await client.call('cluster.list', {});
    expect(listed.map((s) => [s.results, s.tasks[0]!.problem?.includes(damaged)])).toEqual([[results, true]]);
  });
});
