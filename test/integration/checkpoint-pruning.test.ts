import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExperimentSpec, type ExperimentSpecInput } from '../../shared/schemas/experiment';
import type { MetricPoint } from '../../shared/schemas/records';
import { createApiHost } from '../../src-main/api/host';
import { runCli } from '../../src-main/cli';
import type { Store } from '../../src-main/store/types';
import { testTrainingLauncher } from '../support/training-launcher';
import { openTestStore, removeDir, seedRun, tempDir } from './store-test-helpers';

let dir: string;
beforeEach(() => {
  dir = tempDir('bl-prune-');
});
afterEach(() => removeDir(dir));

const point = (step: number, split: MetricPoint['split'], name: string, value: number): MetricPoint => ({
  step,
  epoch: step / 100,
  split,
  name,
  value,
});

function saveEvery(store: Store, runId: number, steps: number[]): void {
  for (const step of steps) {
    store.checkpoints.save(runId, step, step / 100, new Uint8Array(1000).fill(step % 251));
    store.checkpoints.prune(runId, 2);
  }
}

describe('checkpoint pruning in the store', () => {
  it('keeps the latest two and the one with the best validation accuracy', () => {
    const store = openTestStore(path.join(dir, 'lab.sqlite'));
    try {
      const { run } = seedRun(store);
      // Evaluations at the epoch ends (every 100 steps); accuracy peaks at step 300, then falls.
      const accuracy = [0.5, 0.7, 0.9, 0.8, 0.6, 0.55];
      store.metrics.insert(
        run.id,
        accuracy.map((value, i) => point(100 * (i + 1), 'validation', 'accuracy', value)),
      );
      // A lower loss elsewhere must not matter when there is an accuracy.
      store.metrics.insert(run.id, [point(600, 'validation', 'loss', 0.01), point(300, 'validation', 'loss', 1)]);
      saveEvery(store, run.id, [50, 100, 150, 200, 250, 300, 350, 400, 450, 500, 550, 600, 650]);
      expect(store.checkpoints.list(run.id).map((c) => c.step)).toEqual([300, 600, 650]);
      expect(store.runs.get(run.id)?.checkpointBytes).toBe(3000);
      // The latest stays the one a resume continues from.
      expect(store.checkpoints.latest(run.id)?.step).toBe(650);
    } finally {
      store.close();
    }
  });

  it('uses the lowest validation loss when a run has no accuracy, and keeps only the latest without either', () => {
    const store = openTestStore(path.join(dir, 'lab.sqlite'));
    try {
      const { experiment, run } = seedRun(store);
      store.metrics.insert(run.id, [
        point(100, 'validation', 'loss', 0.4),
        point(200, 'validation', 'loss', 0.2),
        point(300, 'validation', 'loss', 0.3),
      ]);
      saveEvery(store, run.id, [100, 200, 300, 400, 500]);
      expect(store.checkpoints.list(run.id).map((c) => c.step)).toEqual([200, 400, 500]);

      const plain = store.runs.create({ experimentId: experiment.id, rule: 'dfa', seed: 2 });
      saveEvery(store, plain.id, [10, 20, 30, 40]);
      expect(store.checkpoints.list(plain.id).map((c) => c.step)).toEqual([30, 40]);
      expect(store.runs.get(plain.id)?.checkpointBytes).toBe(2000);
      // Another run's checkpoints are never touched.
      expect(store.checkpoints.list(run.id).map((c) => c.step)).toEqual([200, 400, 500]);
    } finally {
      store.close();
    }
  });
});

describe('checkpoint pruning while training', () => {
  it('leaves a finished run the latest checkpoints and its best one, and show says how much they take', async () => {
    const spec: ExperimentSpecInput = {
      name: 'many checkpoints',
      dataset: { name: 'gaussian-mixture', trainSubset: 600, validationFraction: 0.2 },
      network: { hidden: [{ units: 16, activation: 'tanh' }] },
      rules: [{ rule: 'bp' }],
      seeds: [5],
      epochs: 4,
      batchSize: 16,
      // A checkpoint every step: every evaluation has one at its step, and there are hundreds to prune.
      monitoring: { readEvery: 5, diagnosticsEvery: 0, checkpointEvery: 1, evaluationsPerEpoch: 1 },
    };
    const host = createApiHost({ mode: 'cli', dataDir: dir, backend: 'cpu', launch: testTrainingLauncher });
    let runId: number;
    let bestStep: number;
    try {
      const session = host.store.sessions.create({ name: 'prune' });
      const experiment = host.store.experiments.create(session.id, ExperimentSpec.parse(spec));
      const [run] = host.runs.startExperiment(experiment.id, 'cpu');
      runId = run!.id;
      await host.runs.whenIdle();
      expect(host.store.runs.get(runId)?.status).toBe('completed');

      const validation = host.store.metrics.series({ runId, name: 'accuracy', split: 'validation', maxPoints: 1000 });
      expect(validation.points).toHaveLength(4);
      const best = validation.points.reduce((a, b) => (b.value >= a.value ? b : a));
      bestStep = best.step;
      const steps = host.store.checkpoints.list(runId).map((c) => c.step);
      const last = validation.points.at(-1)!.step; // the run's last step: its final checkpoint
      expect(steps).toEqual([...new Set([bestStep, last - 1, last])].sort((a, b) => a - b));
      const bytes = host.store.checkpoints.list(runId).reduce((sum, c) => sum + c.bytes, 0);
      expect(host.store.runs.get(runId)?.checkpointBytes).toBe(bytes);
    } finally {
      await host.close();
    }

    const out: string[] = [];
    const code = await runCli(['show', String(runId), '--data', dir], {
      io: { out: (line) => out.push(line), err: (line) => out.push(line) },
      launch: testTrainingLauncher,
    });
    expect(code).toBe(0);
    expect(out.join('\n')).toMatch(/^checkpoints: \d+(\.\d+)? (B|kB)$/m);
  }, 120_000);
});
