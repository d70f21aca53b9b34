import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ClusterSweep } from '../../shared/api/contract-cluster';
import type { MetricSeries, Session } from '../../shared/schemas/records';
import { expandSweep } from '../../shared/sweeps/expand';
import { writePlan } from '../../src-main/cluster/plan';
import { planSweep } from '../../src-main/cluster/submission';
import { taskDatabase } from '../../src-main/cluster/task-files';
import { openStore } from '../../src-main/store';
import { openLab, screenshot, type Lab } from './harness';
import { AppShell } from './pages/app-shell';

/**
 * The Monitor's Cluster sweeps panel against the real server, on a results folder as a cluster leaves it (no
 * cluster needed): a task whose run was cancelled, shown with its run's points, and a task whose file is damaged,
 * named. A resubmission the cluster refuses says so and loses none of the run's points.
 */
describe('cluster sweeps in the Monitor', () => {
  let lab: Lab;
  let root: string;

  beforeAll(async () => {
    lab = await openLab();
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'bl-e2e-monitor-cluster-'));
    await new AppShell(lab.page).waitForConnection('connected');
  });

  afterAll(async () => {
    await lab?.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  test('lists the tasks, names a damaged file, and reports a refused resubmission keeping every point', async () => {
    const expanded = expandSweep({
      experiment: {
        name: 'followed in the monitor',
        dataset: { name: 'gaussian-mixture', trainSubset: 100 },
        network: { hidden: [{ units: 4 }] },
        rules: [{ rule: 'bp' }],
        seeds: [1, 2],
        epochs: 1,
        batchSize: 16,
      },
    });
    if (!expanded.ok) throw new Error('the test sweep is invalid');
    const plan = planSweep(expanded, { session: 'cluster', backend: 'cpu', threads: 1 });
    const results = path.join(root, 'results');
    writePlan(results, plan);
    const task = openStore({ path: taskDatabase(results, 1) });
    const experimentId = task.experiments.create(task.sessions.create({ name: 'cluster' }).id, plan.points[0]!.spec).id;
    const run = task.runs.create({ experimentId, rule: 'bp', seed: 2, uid: plan.tasks[1]!.uid, status: 'stopped' });
    task.metrics.insert(
      run.id,
      [0, 5, 10].map((step) => ({ step, epoch: 0, split: 'train' as const, name: 'loss', value: 2 - step / 10 })),
    );
    task.close();
    const damaged = taskDatabase(results, 0);
    fs.mkdirSync(path.dirname(damaged), { recursive: true });
    fs.writeFileSync(damaged, Buffer.concat([Buffer.from('SQLite format 3\0'), Buffer.alloc(4000, 7)]));

    const session = (await lab.invoke('sessions.create', { name: 'Cluster' })) as Session;
    const followed = (await lab.invoke('cluster.follow', { results, sessionId: session.id })) as ClusterSweep;
    const runId = followed.tasks[1]!.runId!;
    const page = lab.page;
    await new AppShell(page).go('monitor');
    const panel = page.getByTestId('cluster-sweeps');
    await panel.waitFor();
    await panel.getByText('followed in the monitor').click();
    const rows = panel.getByTestId('cluster-task');
    await expect.poll(() => rows.count()).toBe(2);
    expect(await rows.nth(0).textContent()).toContain(damaged);
    expect(await rows.nth(1).textContent()).toMatch(/stopped$/);
    await screenshot(page, 'monitor-cluster');

    await panel.getByTestId('cluster-resubmit').click();
    await expect
      .poll(() => panel.getByRole('alert').last().textContent(), { timeout: 30_000 })
      .toMatch(/The cluster refused the resubmission/);
    const series = (await lab.invoke('metrics.series', { runId, name: 'loss', split: 'train' })) as MetricSeries;
    expect(series.points.map((p) => p.step)).toEqual([0, 5, 10]);
    // The run's task opens its experiment in the Monitor, drawn like a local run's.
    await rows.nth(1).getByRole('button').click();
    await page.locator(`[data-testid="run-row"][data-run-id="${runId}"]`).waitFor();
    expect(lab.errors).toEqual([]);
  });
});
