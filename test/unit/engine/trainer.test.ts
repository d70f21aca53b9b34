import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { FACTOR_QUANTILES } from '../../../shared/diagnostics';
import type { MetricPoint } from '../../../shared/schemas/records';
import { readCheckpoint, type TrainingPosition } from '../../../src-main/engine/checkpoint';
import { EagerRunner } from '../../../src-main/engine/eager/runner';
import { Model, type ModelConfig } from '../../../src-main/engine/model';
import { OnnxRunner } from '../../../src-main/engine/onnx/runner';
import type { StepRunner } from '../../../src-main/engine/runner';
import { computeUpdate } from '../../../src-main/engine/step';
import { evaluationBatches, train, type TrainControl, type TrainOptions } from '../../../src-main/engine/trainer';
import { Rng } from '../../../src-main/common/random';
import { epochOrder } from '../../../src-main/data/order';
import {
  blobDataset,
  decorrelationDefaults,
  randomBatch,
  tinyConfig,
  useCpuBackend,
} from '../../support/engine-fixtures';
import { EXECUTORS, stateInputs, stepInputs } from '../../support/executors';

beforeAll(useCpuBackend);

const data = { train: blobDataset(256, 5, 3, 1), validation: blobDataset(64, 5, 3, 2), test: blobDataset(64, 5, 3, 3) };
const options: TrainOptions = {
  epochs: 3,
  batchSize: 16,
  readEvery: 4,
  diagnosticsEvery: 8,
  checkpointEvery: 0,
  powerLimit: 1e4,
  seed: 7,
};
const ebdConfig = (): ModelConfig =>
  tinyConfig({
    rule: 'ebd',
    params: { ...decorrelationDefaults, lambda: 0.95 },
    optimizer: { learningRate: 3e-3 },
    regularizers: {
      power: { coefficient: 1e-3, target: 1 },
      entropy: { coefficient: 1e-3, lambda: 0.9, epsilon: 0.1 },
    },
  });
const noControl: TrainControl = { stopRequested: false, waitWhilePaused: () => Promise.resolve() };

const runners = [
  {
    name: 'eager',
    make: async (m: Model) =>
      new EagerRunner(m, options.batchSize, { backend: 'cpu', device: 'js', threads: null, versions: {} }, 50),
  },
  {
    name: 'onnx',
    make: (m: Model, threads = 1) =>
      OnnxRunner.create(m, { backend: 'onnx-cpu', threads, batchSize: options.batchSize, evalBatch: 50 }),
  },
] as const;

async function record(
  runner: StepRunner,
  model: Model,
  opts: Partial<TrainOptions> = {},
  control = noControl,
  resume?: TrainingPosition,
) {
  const points: MetricPoint[] = [];
  const checkpoints: { position: TrainingPosition; bytes: Uint8Array }[] = [];
  const outcome = await train(
    runner,
    model,
    data,
    { ...options, ...opts },
    {
      metrics: (p) => points.push(...p),
      progress: () => undefined,
      checkpoint: (position, bytes) => void checkpoints.push({ position, bytes }),
    },
    control,
    resume,
  );
  return { outcome, points, checkpoints };
}

async function once(
  make: (m: Model) => Promise<StepRunner>,
  config: ModelConfig,
  seed: number,
  opts: Partial<TrainOptions> = {},
) {
  const model = new Model(config, seed);
  const runner = await make(model);
  try {
    return await record(runner, model, opts);
  } finally {
    await runner.dispose();
  }
}

const values = (points: MetricPoint[]) => points.map((p) => `${p.split}/${p.name}@${p.step}=${p.value}`);

describe.each(runners)('trainer on the $name executor', ({ make }) => {
  it('gives identical metrics for the same seed and different ones for another seed', async () => {
    const a = await once(make, ebdConfig(), 4);
    const b = await once(make, ebdConfig(), 4);
    const c = await once(make, ebdConfig(), 5);
    expect(a.outcome.status).toBe('completed');
    expect(values(a.points)).toEqual(values(b.points));
    expect(values(a.points)).not.toEqual(values(c.points));
    expect(a.points.some((p) => p.split === 'test' && p.name === 'accuracy')).toBe(true);
    expect(a.points.some((p) => p.name === 'layer1.decorrelation_norm')).toBe(true);
  });

  it('evaluates at evenly spaced steps of each epoch without changing training', async () => {
    const runs = await Promise.all(
      [1, 5, undefined].map(async (evaluationsPerEpoch) => {
        const model = new Model(ebdConfig(), 4);
        const runner = await make(model);
        try {
          const run = await record(runner, model, { evaluationsPerEpoch });
          return { ...run, state: await runner.readState() };
        } finally {
          await runner.dispose();
        }
      }),
    );
    const split = (points: MetricPoint[], s: MetricPoint['split']) => points.filter((p) => p.split === s);
    const at = (points: MetricPoint[]) => split(points, 'test').filter((p) => p.name === 'accuracy');
    // 16 steps per epoch: once at each end; five times at batches 3, 6, 10, 13 and 16; by default ceil(20 / 3) = 7
    // times.
    expect(at(runs[0]!.points).map((p) => p.step)).toEqual([16, 32, 48]);
    expect(at(runs[1]!.points).map((p) => p.step)).toEqual(
      [0, 16, 32].flatMap((e) => [3, 6, 10, 13, 16].map((b) => e + b)),
    );
    expect(at(runs[1]!.points).map((p) => p.epoch)).toEqual(
      [0, 1, 2].flatMap((e) => [3, 6, 10, 13, 16].map((b) => e + b / 16)),
    );
    expect(at(runs[2]!.points).map((p) => p.step)).toEqual(
      [0, 16, 32].flatMap((e) => [2, 5, 7, 9, 11, 14, 16].map((b) => e + b)),
    );
    expect(split(runs[1]!.points, 'validation').length).toBe(2 * 15);
    // Training, diagnostics and the final weights are the same whatever the number of evaluations.
    for (const run of runs.slice(1)) {
      for (const s of ['train', 'diagnostic'] as const)
        expect(values(split(run.points, s))).toEqual(values(split(runs[0]!.points, s)));
      expect(run.outcome).toEqual(runs[0]!.outcome);
      for (const [name, tensor] of runs[0]!.state)
        expect(Array.from(run.state.get(name)!.values), name).toEqual(Array.from(tensor.values));
    }
  });

  it('stops a run whose loss becomes non-finite, naming the step, the layer and the quantity', async () => {
    const config = tinyConfig({ optimizer: { kind: 'sgd', learningRate: 1e4 } });
    const { outcome, points } = await once(make, config, 1, { powerLimit: 1e30, readEvery: 5 });
    if (outcome.status !== 'diverged') throw new Error(`expected divergence, got ${outcome.status}`);
    expect(outcome.reason).toMatch(new RegExp(`^at step ${outcome.step}, `));
    expect(outcome.reason).toContain(`layer ${outcome.layer}`);
    expect(outcome.layer).toBeGreaterThanOrEqual(1);
    expect(outcome.quantity).toMatch(/training loss|activations|weights|biases/);
    // Every step before the divergent one is in the metrics, the last partial window included.
    expect(Math.max(...points.filter((p) => p.split === 'train').map((p) => p.step))).toBe(outcome.step - 1);
  });

  it('stops a run whose activation power passes the limit and names the layer', async () => {
    const { outcome } = await once(make, ebdConfig(), 1, { powerLimit: 1e-6 });
    expect(outcome).toMatchObject({ status: 'diverged', layer: 1, step: 0, quantity: 'activation power' });
    if (outcome.status === 'diverged') expect(outcome.reason).toMatch(/^at step 0, layer 1's activation power/);
  });

  it('names non-finite activations, weights and rule state with their layer and step', async () => {
    // A NaN feature in one sample: layer 1's activations go NaN at the step whose batch holds it.
    const poisoned = blobDataset(256, 5, 3, 1);
    poisoned.x[3] = Number.NaN;
    const order = epochOrder(poisoned.size, new Rng(options.seed).fork('data-order'), 0);
    const poisonedStep = Math.floor(order.indexOf(0) / options.batchSize);
    const model = new Model(tinyConfig(), 1);
    const runner = await make(model);
    const points: MetricPoint[] = [];
    const hooks = {
      metrics: (p: MetricPoint[]) => points.push(...p),
      progress: () => undefined,
      checkpoint: () => undefined,
    };
    const activations = await train(runner, model, { ...data, train: poisoned }, options, hooks, noControl);
    expect(activations).toMatchObject({ status: 'diverged', step: poisonedStep, layer: 1, quantity: 'activations' });
    await runner.dispose();
    // State gone non-finite (as a damaged checkpoint or a NaN update leaves it) is named by what it is.
    for (const [name, layer, quantity] of [
      ['w2', 2, 'weights'],
      ['rule.correlation1', 1, 'rule state (correlation)'],
      ['opt.m4', 2, 'optimiser first moment of the biases'],
    ] as const) {
      const m = new Model(ebdConfig(), 1);
      const r = await make(m);
      const entry = (await r.readState()).get(name)!;
      entry.values[1] = Number.POSITIVE_INFINITY;
      r.writeState(new Map([[name, entry]]));
      const outcome = await train(r, m, data, options, hooks, noControl);
      await r.dispose();
      expect(outcome, name).toMatchObject({ status: 'diverged', step: 0, layer, quantity });
      if (outcome.status === 'diverged') expect(outcome.reason).toContain(`layer ${layer}'s ${quantity} (${name}`);
    }
  });

  it('resumes from a checkpoint exactly where an uninterrupted run would be', async () => {
    const straight = await once(make, ebdConfig(), 2, { checkpointEvery: 20 });
    const cut = straight.checkpoints.find((c) => c.position.step === 20)!;
    expect(cut.position.batchInEpoch).toBe(4); // 16 steps per epoch: step 20 is inside epoch 1
    const resumed = new Model(ebdConfig(), 99); // another seed: everything must come from the checkpoint
    const { position, state } = readCheckpoint(resumed, cut.bytes);
    const runner = await make(resumed);
    runner.writeState(state);
    const rest = await record(runner, resumed, { checkpointEvery: 20 }, noControl, position);
    await runner.dispose();
    expect(rest.outcome).toEqual(straight.outcome);
    const after = (p: MetricPoint[]) => values(p.filter((q) => q.step >= 20));
    expect(after(rest.points)).toEqual(after(straight.points));
  });

  it('holds training while paused, then checkpoints and reports "stopped" when asked to stop', async () => {
    let calls = 0;
    let paused = false;
    let pausedAt = -1;
    let lastStep = -1;
    let workWhilePaused = 0;
    let heldWith = -1;
    const control: TrainControl = {
      get stopRequested() {
        return calls >= 6;
      },
      waitWhilePaused: async (step, beforeHolding) => {
        expect(step).toBeGreaterThan(lastStep);
        lastStep = step;
        calls += 1;
        if (calls === 3) {
          // Calls of 3 steps against windows of 4: the run holds inside a loss window, whose steps are reported
          // before it holds, so that what is stored reaches the step it paused at.
          expect(step % options.readEvery).not.toBe(0);
          beforeHolding?.();
          heldWith = Math.max(...points.filter((p) => p.split === 'train').map((p) => p.step));
          paused = true;
          pausedAt = step;
          // Many turns of the event loop: a trainer that went on without waiting would call the runner meanwhile.
          for (let i = 0; i < 50; i++) await new Promise((resolve) => setImmediate(resolve));
          paused = false;
        }
      },
    };
    const model = new Model(ebdConfig(), 1);
    const runner = await make(model);
    // The real runner, observed: every call made while the run is paused is counted.
    const observed: StepRunner = {
      report: runner.report,
      evalBatch: runner.evalBatch,
      train: (chunk) => {
        if (paused) workWhilePaused += 1;
        return runner.train(chunk);
      },
      diagnose: (inputs) => {
        if (paused) workWhilePaused += 1;
        return runner.diagnose(inputs);
      },
      evaluate: (x, target, count) => runner.evaluate(x, target, count),
      readState: () => runner.readState(),
      writeState: (values) => runner.writeState(values),
      dispose: () => runner.dispose(),
    };
    const progressSteps: number[] = [];
    const points: MetricPoint[] = [];
    const checkpoints: TrainingPosition[] = [];
    const outcome = await train(
      observed,
      model,
      data,
      { ...options, chunkSteps: 3 },
      {
        metrics: (p) => {
          if (paused) workWhilePaused += 1;
          points.push(...p);
        },
        progress: (p) => {
          if (paused) workWhilePaused += 1;
          progressSteps.push(p.step);
        },
        checkpoint: (position) => void checkpoints.push(position),
      },
      control,
    );
    await runner.dispose();
    expect(pausedAt).toBeGreaterThan(0);
    expect(heldWith).toBe(pausedAt - 1);
    expect(workWhilePaused).toBe(0);
    // Training held at the step it had reached and went on from there after the pause, by one call of ≤ 3 steps.
    const after = progressSteps[progressSteps.indexOf(pausedAt) + 1]!;
    expect(after).toBeGreaterThan(pausedAt);
    expect(after).toBeLessThanOrEqual(pausedAt + 3);
    expect(outcome).toEqual({ status: 'stopped', step: lastStep });
    expect(checkpoints.at(-1)?.step).toBe(lastStep);
    // Every step trained before the stop is in the metrics: the last training point is at step lastStep − 1.
    expect(Math.max(...points.filter((p) => p.split === 'train').map((p) => p.step))).toBe(lastStep - 1);
  });
});

describe('the compiled engine', () => {
  it('gives identical metrics whatever K (1, 7, 100) and whether K adapts', async () => {
    const make = runners[1].make;
    const runs = await Promise.all(
      [1, 7, 100, 0].map((k) =>
        once(make, ebdConfig(), 3, { chunkSteps: k, checkpointEvery: 10, evaluationsPerEpoch: 5 }),
      ),
    );
    const reference = values(runs[0]!.points);
    expect(reference.length).toBeGreaterThan(20);
    // Calls end at the evaluation steps: every K evaluates at the same ones, mid-epoch included.
    const tested = runs[0]!.points.filter((p) => p.split === 'test' && p.name === 'loss').map((p) => p.step);
    expect(tested).toEqual([0, 16, 32].flatMap((e) => [3, 6, 10, 13, 16].map((b) => e + b)));
    for (const r of runs.slice(1)) expect(values(r.points)).toEqual(reference);
    // Checkpoints land on the same steps too.
    for (const r of runs.slice(1))
      expect(r.checkpoints.map((c) => c.position.step)).toEqual(runs[0]!.checkpoints.map((c) => c.position.step));
  });

  it('matches the eager executor over 20 steps for every rule (weights, rule state, metrics)', async () => {
    const optimizers = ['adam', 'sgd', 'momentum'] as const;
    for (const [i, rule] of (['bp', 'fa', 'dfa', 'drtp', 'dkp', 'ebd', 'sbd', 'pepita'] as const).entries()) {
      const config = tinyConfig({
        rule,
        optimizer: { kind: optimizers[i % 3], learningRate: 0.01 },
        loss: rule === 'ebd' ? 'mse' : 'cross_entropy',
        // EBD with every option of the paper's recipe on; SBD with the plain forward broadcast.
        params:
          rule === 'ebd'
            ? { ...decorrelationDefaults, forwardBroadcast: 1, forwardBroadcastInput: 0.5, gradientMomentum: 0.9 }
            : rule === 'sbd'
              ? { ...decorrelationDefaults, forwardBroadcast: 1 }
              : {},
        regularizers: {
          power: { coefficient: 0.01, target: 1 },
          activationL1: 1e-3,
          weightDecay: 1e-4,
          entropy: { coefficient: 0.01, lambda: 0.9, epsilon: 0.1 },
          layerScales: { power: [2, 0.5], entropy: [1, 0], weightDecay: [1, 0, 3], forwardBroadcast: [0.5, 2] },
        },
        weightSparsity: 0.2,
      });
      const steps = { epochs: 1, diagnosticsEvery: 10 };
      const smallData = { ...data, train: blobDataset(20 * 16, 5, 3, 1) };
      const results = [];
      for (const { make } of runners) {
        const model = new Model(config, 6);
        const runner = await make(model);
        const points: MetricPoint[] = [];
        await train(
          runner,
          model,
          smallData,
          { ...options, ...steps },
          { metrics: (p) => points.push(...p), progress: () => undefined, checkpoint: () => undefined },
          noControl,
        );
        results.push({ points, state: await runner.readState() });
        await runner.dispose();
      }
      const [e, o] = results as [(typeof results)[0], (typeof results)[0]];
      for (const [name, tensor] of e.state) {
        expect(relative(o.state.get(name)!.values, tensor.values), `${rule}: ${name}`).toBeLessThan(1e-4);
      }
      expect(o.points.length).toBe(e.points.length);
      e.points.forEach((p, i) => {
        const q = o.points[i]!;
        expect(`${q.split}/${q.name}@${q.step}`).toBe(`${p.split}/${p.name}@${p.step}`);
        expect(Math.abs(q.value - p.value), `${rule}: ${p.name}`).toBeLessThanOrEqual(
          1e-4 * Math.max(Math.abs(p.value), 1e-2),
        );
      });
    }
  });

  it('gives identical metrics for one seed and thread count, with 1 and 2 threads alike', async () => {
    for (const threads of [1, 2]) {
      const make = (m: Model) => runners[1].make(m, threads);
      const a = await once(make, ebdConfig(), 8);
      const b = await once(make, ebdConfig(), 8);
      expect(values(a.points)).toEqual(values(b.points));
    }
  });
});

describe('evaluation steps', () => {
  it('are evenly spaced, end each epoch and default to at least 20 points at most one per 2 steps', () => {
    expect(evaluationBatches(16, 3, 5)).toEqual([3, 6, 10, 13, 16]);
    expect(evaluationBatches(10, 1, 1)).toEqual([10]);
    // More wanted than there are steps: one per step.
    expect(evaluationBatches(4, 1, 50)).toEqual([1, 2, 3, 4]);
    // Default: ceil(20 / epochs) per epoch …
    expect(evaluationBatches(1000, 1)).toHaveLength(20);
    expect(evaluationBatches(1000, 3)).toHaveLength(7);
    expect(evaluationBatches(1000, 50)).toEqual([1000]);
    // … but no closer than 2 steps, and at least the epoch's end.
    expect(evaluationBatches(30, 1)).toEqual(Array.from({ length: 15 }, (_, i) => 2 * (i + 1)));
    expect(evaluationBatches(3, 1)).toEqual([3]);
  });
});

function relative(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  let n = 0;
  for (let i = 0; i < b.length; i++) {
    d += (a[i]! - b[i]!) ** 2;
    n += b[i]! ** 2;
  }
  return Math.sqrt(d / Math.max(n, 1e-30));
}

describe('the eager executor', () => {
  it('keeps the number of tensors constant over 500 steps', async () => {
    const model = new Model(ebdConfig(), 1);
    const runner = await runners[0].make(model);
    // Warm up once so that lazily created kernels and constants exist, then count.
    await record(runner, model, { epochs: 1 });
    const before = tf.memory().numTensors;
    const long = await record(runner, model, { epochs: 32 }); // 32 epochs × 16 steps = 512 steps
    expect(long.outcome.step).toBeGreaterThanOrEqual(500);
    expect(tf.memory().numTensors).toBe(before);
    await runner.dispose();
  });
});

describe.each(EXECUTORS)('diagnostics on the $name executor', (executor) => {
  const diagnose = async (config: ModelConfig) => {
    const model = new Model(config, 3);
    const batch = randomBatch(16, 5, 3);
    const out = await executor.run({ ...stateInputs(model), ...stepInputs(model, batch) }, (ops, inputs) => {
      const diagnostics = computeUpdate(ops, model, inputs, inputs, true).diagnostics;
      return diagnostics;
    });
    return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v[0]!]));
  };

  it('measure what they claim on known cases', async () => {
    const bp = await diagnose(tinyConfig());
    expect(bp['layer1.bp_cosine']).toBeCloseTo(1, 5);
    expect(bp['layer2.bp_cosine']).toBeCloseTo(1, 5);
    const fa = await diagnose(tinyConfig({ rule: 'fa' }));
    // The top hidden layer's FA signal differs from BP's only through F₃ vs W₃: random, so far from 1.
    expect(Math.abs(fa['layer2.bp_cosine']!)).toBeLessThan(0.9);
    expect(fa['layer2.feedback_angle']).toBeGreaterThan(30);
    const frozen = await diagnose(tinyConfig({ rule: 'ebd', params: { ...decorrelationDefaults, freeze: true } }));
    const dfa = await diagnose(tinyConfig({ rule: 'dfa' }));
    // Frozen EBD and DFA share their matrices, hence their alignment with the forward path and with BP.
    expect(frozen['layer1.broadcast_angle']).toBeCloseTo(dfa['layer1.broadcast_angle']!, 3);
    expect(frozen['layer1.bp_cosine']).toBeCloseTo(dfa['layer1.bp_cosine']!, 3);
    for (const v of [bp, fa, frozen]) expect(v['layer1.mean_abs_correlation']).toBeGreaterThan(0);
  });

  it("record each factor's quantiles: exact on small layers, from a strided sample on large ones", async () => {
    // The presynaptic factor of layer 1 is the input itself: feed known values as a batch and read its quantiles.
    const quantilesOf = async (values: Float32Array, features: number) => {
      const rows = values.length / features;
      const model = new Model(tinyConfig({ sizes: [features, 2, 2] }), 1);
      const out = await executor.run(
        { ...stateInputs(model), ...stepInputs(model, { rows, x: values, y: new Float32Array(rows * 2) }) },
        (ops, inputs) => {
          const d = computeUpdate(ops, model, inputs, inputs, true).diagnostics;
          return Object.fromEntries(FACTOR_QUANTILES.map(({ suffix }) => [suffix, d[`layer1.pre.${suffix}`]!]));
        },
      );
      return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v[0]!]));
    };
    const rank = (sorted: Float32Array, p: number) => sorted[Math.round(p * (sorted.length - 1))]!;
    // 2,000 distinct values in a shuffled order: every quantile is exactly the value of its rank.
    const small = Float32Array.from({ length: 2000 }, (_, i) => ((i * 7919) % 2000) / 10 - 50);
    const smallSorted = small.slice().sort();
    const exact = await quantilesOf(small, 100);
    for (const { suffix, p } of FACTOR_QUANTILES) expect(exact[suffix]).toBe(rank(smallSorted, p));
    // 40,000 skewed values: the 4,096-entry sample lands within one percentile point of the true quantile.
    const rng = new Rng(5);
    const large = Float32Array.from({ length: 40_000 }, () => Math.exp(rng.normal()));
    const largeSorted = large.slice().sort();
    const sampled = await quantilesOf(large, 100);
    for (const { suffix, p } of FACTOR_QUANTILES) {
      expect(sampled[suffix]).toBeGreaterThanOrEqual(rank(largeSorted, Math.max(0, p - 0.01)));
      expect(sampled[suffix]).toBeLessThanOrEqual(rank(largeSorted, Math.min(1, p + 0.01)));
    }
    expect(sampled.q05).toBeLessThan(sampled.q50!);
    expect(sampled.q50).toBeLessThan(sampled.q95!);
  });
});
