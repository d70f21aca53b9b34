import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { MetricPoint } from '../../../shared/schemas/records';
import { loadCheckpoint, type TrainingPosition } from '../../../src-main/engine/checkpoint';
import { FACTOR_QUANTILES } from '../../../shared/diagnostics';
import { addDistribution } from '../../../src-main/engine/diagnostics';
import { Model, type ModelConfig } from '../../../src-main/engine/model';
import { Rng } from '../../../src-main/common/random';
import { train, type TrainControl, type TrainOptions } from '../../../src-main/engine/trainer';
import { computeUpdate } from '../../../src-main/engine/train-step';
import {
  blobDataset,
  decorrelationDefaults,
  randomBatch,
  tinyConfig,
  useCpuBackend,
} from '../../support/engine-fixtures';

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
  tinyConfig({ rule: { name: 'ebd', ...decorrelationDefaults, lambda: 0.95 }, optimizer: { learningRate: 3e-3 } });
const noControl: TrainControl = { stopRequested: false, waitWhilePaused: () => Promise.resolve() };

async function record(model: Model, opts: Partial<TrainOptions> = {}, control = noControl, resume?: TrainingPosition) {
  const points: MetricPoint[] = [];
  const checkpoints: { position: TrainingPosition; bytes: Uint8Array }[] = [];
  const outcome = await train(
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

const values = (points: MetricPoint[]) => points.map((p) => `${p.split}/${p.name}@${p.step}=${p.value}`);

describe('trainer', () => {
  it('gives identical metrics for the same seed and different ones for another seed', async () => {
    const a = await record(new Model(ebdConfig(), 4));
    const b = await record(new Model(ebdConfig(), 4));
    const c = await record(new Model(ebdConfig(), 5));
    expect(a.outcome.status).toBe('completed');
    expect(values(a.points)).toEqual(values(b.points));
    expect(values(a.points)).not.toEqual(values(c.points));
    expect(a.points.some((p) => p.split === 'test' && p.name === 'accuracy')).toBe(true);
    expect(a.points.some((p) => p.name === 'layer1.decorrelation_norm')).toBe(true);
  });

  it('gives every rule the same initial weights under one seed', () => {
    const bp = new Model(tinyConfig({ rule: { name: 'bp' } }), 9);
    const ebd = new Model(ebdConfig(), 9);
    for (let k = 1; k <= 3; k++)
      expect(Array.from(bp.net.weightT(k).dataSync())).toEqual(Array.from(ebd.net.weightT(k).dataSync()));
    bp.dispose();
    ebd.dispose();
  });

  it('keeps the number of tensors constant over 500 steps', async () => {
    const model = new Model(ebdConfig(), 1);
    // Warm up once so that lazily created kernels and constants exist, then count.
    await record(model, { epochs: 1 });
    const before = tf.memory().numTensors;
    const long = await record(model, { epochs: 32 }); // 32 epochs × 16 steps = 512 steps
    expect(long.outcome.step).toBeGreaterThanOrEqual(500);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('stops a run whose loss becomes non-finite and names the step', async () => {
    const config = tinyConfig({ rule: { name: 'bp' }, optimizer: { kind: 'sgd', learningRate: 1e4 } });
    const { outcome, points } = await record(new Model(config, 1));
    expect(outcome.status).toBe('diverged');
    if (outcome.status === 'diverged')
      expect(outcome.reason).toMatch(/loss became (NaN|Infinity|-Infinity) at step \d+/);
    expect(points.length).toBeGreaterThan(0);
  });

  it('stops a run whose activation power passes the limit and names the layer', async () => {
    const { outcome } = await record(new Model(ebdConfig(), 1), { powerLimit: 1e-6 });
    expect(outcome).toMatchObject({ status: 'diverged', layer: 1, step: 0 });
  });

  it('resumes from a checkpoint exactly where an uninterrupted run would be', async () => {
    const straight = await record(new Model(ebdConfig(), 2), { checkpointEvery: 20 });
    const cut = straight.checkpoints.find((c) => c.position.step === 20)!;
    expect(cut.position.batchInEpoch).toBe(4); // 16 steps per epoch: step 20 is inside epoch 1
    const resumed = new Model(ebdConfig(), 99); // another seed: everything must come from the checkpoint
    const position = loadCheckpoint(resumed, cut.bytes);
    const rest = await record(resumed, { checkpointEvery: 20 }, noControl, position);
    expect(rest.outcome).toEqual(straight.outcome);
    const after = (p: MetricPoint[]) => values(p.filter((q) => q.step >= 20));
    expect(after(rest.points)).toEqual(after(straight.points));
  });

  it('checkpoints and reports "stopped" when asked to stop, and waits while paused', async () => {
    let steps = 0;
    let paused = false;
    const control: TrainControl = {
      get stopRequested() {
        return steps >= 10;
      },
      waitWhilePaused: async (step) => {
        expect(step).toBe(steps);
        steps += 1;
        if (steps === 5) {
          paused = true;
          await new Promise((resolve) => setTimeout(resolve, 20));
          paused = false;
        }
      },
    };
    const { outcome, checkpoints } = await record(new Model(ebdConfig(), 1), {}, control);
    expect(paused).toBe(false);
    expect(outcome).toEqual({ status: 'stopped', step: 9 });
    expect(checkpoints.at(-1)?.position.step).toBe(9);
  });
});

describe('diagnostics', () => {
  it('measure what they claim on known cases', () => {
    const { x, y } = randomBatch(16, 5, 3);
    const run = (config: ModelConfig) => {
      const model = new Model(config, 3);
      const values = tf.tidy(() => {
        const update = computeUpdate(model, x, y, true);
        return Object.fromEntries(Object.entries(update.diagnostics).map(([k, v]) => [k, v.dataSync()[0]!]));
      });
      model.dispose();
      return values;
    };
    const bp = run(tinyConfig({ rule: { name: 'bp' } }));
    expect(bp['layer1.bp_cosine']).toBeCloseTo(1, 5);
    expect(bp['layer2.bp_cosine']).toBeCloseTo(1, 5);
    const fa = run(tinyConfig({ rule: { name: 'fa', feedbackScale: 1 } }));
    // The top hidden layer's FA signal differs from BP's only through F₃ vs W₃: random, so far from 1.
    expect(Math.abs(fa['layer2.bp_cosine']!)).toBeLessThan(0.9);
    expect(fa['layer2.feedback_angle']).toBeGreaterThan(30);
    const frozen = run(tinyConfig({ rule: { name: 'ebd', ...decorrelationDefaults, freeze: true } }));
    const dfa = run(tinyConfig({ rule: { name: 'dfa', feedbackScale: 1 } }));
    // Frozen EBD and DFA share their matrices, hence their alignment with the forward path and with BP.
    expect(frozen['layer1.broadcast_angle']).toBeCloseTo(dfa['layer1.broadcast_angle']!, 3);
    expect(frozen['layer1.bp_cosine']).toBeCloseTo(dfa['layer1.bp_cosine']!, 3);
    for (const v of [bp, fa, frozen]) expect(v['layer1.mean_abs_correlation']).toBeGreaterThan(0);
  });

  it("record each factor's quantiles: exact on small layers, from a strided sample on large ones", () => {
    const quantilesOf = (values: Float32Array, prefix: string) =>
      tf.tidy(() => {
        const out: Record<string, tf.Scalar> = {};
        addDistribution(out, prefix, tf.tensor2d(values, [values.length / 100, 100]));
        return Object.fromEntries(
          FACTOR_QUANTILES.map(({ suffix }) => [suffix, out[`${prefix}.${suffix}`]!.dataSync()[0]!]),
        );
      });
    const rank = (sorted: Float32Array, p: number) => sorted[Math.round(p * (sorted.length - 1))]!;
    // 2,000 distinct values in a shuffled order: every quantile is exactly the value of its rank.
    const small = Float32Array.from({ length: 2000 }, (_, i) => ((i * 7919) % 2000) / 10 - 50);
    const smallSorted = small.slice().sort();
    const exact = quantilesOf(small, 'pre');
    for (const { suffix, p } of FACTOR_QUANTILES) expect(exact[suffix]).toBe(rank(smallSorted, p));
    // 40,000 skewed values: the 4,096-entry sample lands within one percentile point of the true quantile.
    const rng = new Rng(5);
    const large = Float32Array.from({ length: 40_000 }, () => Math.exp(rng.normal()));
    const largeSorted = large.slice().sort();
    const sampled = quantilesOf(large, 'mod');
    for (const { suffix, p } of FACTOR_QUANTILES) {
      expect(sampled[suffix]).toBeGreaterThanOrEqual(rank(largeSorted, Math.max(0, p - 0.01)));
      expect(sampled[suffix]).toBeLessThanOrEqual(rank(largeSorted, Math.min(1, p + 0.01)));
    }
    expect(sampled.q05).toBeLessThan(sampled.q50!);
    expect(sampled.q50).toBeLessThan(sampled.q95!);
  });
});
