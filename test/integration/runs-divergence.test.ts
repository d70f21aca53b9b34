import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExperimentSpec } from '../../shared/schemas/experiment';
import { createApiHost, type ApiHost } from '../../src-main/api/host';
import { testTrainingLauncher } from '../support/training-launcher';

let dir: string;
let host: ApiHost;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bl-diverge-'));
  host = createApiHost({ mode: 'serve', dataDir: dir, backend: 'onnx-cpu', launch: testTrainingLauncher });
});
afterEach(async () => {
  await host.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const lastStep = (runId: number, split: 'train' | 'diagnostic', name: string) =>
  Math.max(-1, ...host.store.metrics.series({ runId, name, split, maxPoints: 1_000_000 }).points.map((p) => p.step));

describe('a diverging run (real training process, real database)', () => {
  it('keeps every point up to the divergent step and names the step, the layer and the quantity', async () => {
    // Plain SGD at rate 1 on a ReLU net blows up within a few steps; the power limit is out of the way so that
    // the loss and the state go non-finite. Diagnostics every step: the batch taken at the divergent step holds
    // NaN next to finite values, and used to be refused whole.
    const spec = ExperimentSpec.parse({
      name: 'diverges',
      dataset: { name: 'gaussian-mixture', trainSubset: 600, validationFraction: 0.1 },
      network: { hidden: [{ units: 8, activation: 'relu' }] },
      rules: [{ rule: 'bp', optimizer: { kind: 'sgd', learningRate: 1 } }],
      seeds: [1],
      epochs: 3,
      batchSize: 16,
      monitoring: { readEvery: 5, diagnosticsEvery: 1, checkpointEvery: 0, powerLimit: 1e30 },
    });
    const session = host.store.sessions.create({ name: 'divergence' });
    const [run] = host.runs.startExperiment(host.store.experiments.create(session.id, spec).id);
    await host.runs.whenIdle();
    const stored = host.store.runs.get(run!.id)!;
    expect(stored.status).toBe('diverged');
    const reason = stored.error ?? '';
    const step = Number(/^at step (\d+), /.exec(reason)?.[1]);
    expect(step, reason).toBeGreaterThan(0);
    expect(reason).toMatch(/layer \d+'s (activations|weights|biases|training loss)|the output layer \(layer \d+\)/);
    const logged = host.store.events.list({ runId: run!.id }).find((e) => e.kind === 'diverged');
    expect(logged?.message).toContain(reason);
    // Training points cover every step before the divergent one (the last window was partial: readEvery 5).
    expect(lastStep(run!.id, 'train', 'loss')).toBe(step - 1);
    // The divergent step's diagnostics keep their finite values (the input's quantiles are always finite).
    expect(lastStep(run!.id, 'diagnostic', 'layer1.pre.mean')).toBe(step);
  });
});
