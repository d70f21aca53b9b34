import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../src-main/engine/backend';
import { hostMemory } from '../../../src-main/engine/host-memory';
import {
  DEFAULT_OPTIMIZER,
  Optimizer,
  scheduledRate,
  type OptimizerConfig,
  type Param,
} from '../../../src-main/engine/optimizer';
import { Rng } from '../../../src-main/common/random';
import { maxRelativeError, useCpuBackend } from '../../support/engine-fixtures';

beforeAll(useCpuBackend);

/** The textbook update rules, written out in plain numbers, to check the tensor implementation against. */
function reference(config: OptimizerConfig, grads: number[], start: number): number[] {
  let theta = start;
  let m = 0;
  let v = 0;
  const out: number[] = [];
  grads.forEach((g, i) => {
    const t = i + 1;
    if (config.kind === 'sgd') theta -= config.learningRate * g;
    else if (config.kind === 'momentum') {
      m = config.momentum * m + g;
      theta -= config.learningRate * m;
    } else {
      m = config.beta1 * m + (1 - config.beta1) * g;
      v = config.beta2 * v + (1 - config.beta2) * g * g;
      const mHat = m / (1 - config.beta1 ** t);
      const vHat = v / (1 - config.beta2 ** t);
      theta -= (config.learningRate * mHat) / (Math.sqrt(vHat) + config.epsilon);
    }
    out.push(theta);
  });
  return out;
}

describe('optimisers', () => {
  const grads = [0.5, -0.2, 0.8, 0.1, -0.05, 0.3];
  it.each(['sgd', 'momentum', 'adam'] as const)('%s follows the textbook rule step by step', (kind) => {
    const config = { ...DEFAULT_OPTIMIZER, kind, learningRate: 0.1, epsilon: 1e-3 };
    const variable = tf.variable(tf.tensor1d([1.5]));
    const optimizer = new Optimizer(config, [{ variable, layer: 1 }]);
    const expected = reference(config, grads, 1.5);
    grads.forEach((g, i) => {
      tf.tidy(() => optimizer.apply([tf.tensor1d([g])], 0));
      expect(variable.dataSync()[0]).toBeCloseTo(expected[i]!, 5);
    });
    optimizer.dispose();
    variable.dispose();
  });

  it('scales the rate per layer', () => {
    const config = { ...DEFAULT_OPTIMIZER, kind: 'sgd' as const, learningRate: 0.1, layerRates: [0, 2] };
    const a = tf.variable(tf.tensor1d([1]));
    const b = tf.variable(tf.tensor1d([1]));
    const optimizer = new Optimizer(config, [
      { variable: a, layer: 1 },
      { variable: b, layer: 2 },
    ]);
    tf.tidy(() => optimizer.apply([tf.tensor1d([1]), tf.tensor1d([1])], 0));
    expect(a.dataSync()[0]).toBe(1); // rate 0: frozen
    expect(b.dataSync()[0]).toBeCloseTo(0.8);
  });

  it('follows step and exponential schedules', () => {
    const base = { ...DEFAULT_OPTIMIZER, learningRate: 1 };
    expect(scheduledRate({ ...base, schedule: { kind: 'step', every: 3, factor: 0.5 } }, 7)).toBe(0.25);
    expect(scheduledRate({ ...base, schedule: { kind: 'exponential', gamma: 0.9 } }, 2)).toBeCloseTo(0.81);
    expect(scheduledRate(base, 100)).toBe(1);
  });
});

/**
 * The fused pass (wasm: our SIMD kernels plus a JS tail; cpu: a JS loop) against the chain of tensor ops it
 * replaces: the same 50 steps, with per-layer rates, a step schedule and gradients of very different scales.
 * Shapes whose sizes are not multiples of four exercise the tail; one has no full vector at all.
 */
describe.each(['cpu', 'wasm'] as const)('fused optimiser update on %s', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
  }, 60_000);
  afterAll(useCpuBackend);

  const shapes = [[37, 24], [24, 3], [24], [3], [16, 4]];
  const makeParams = (): Param[] => {
    const rng = new Rng(5).fork('weights');
    return shapes.map((shape, i) => ({
      variable: tf.variable(tf.tensor(rng.fillNormal(new Float32Array(size(shape)), 0.5), shape)),
      layer: (i % 3) + 1,
    }));
  };
  const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

  it('uses host memory on this backend', () => {
    expect(tf.getBackend()).toBe(backend);
    expect(hostMemory()).not.toBeNull();
    if (backend === 'wasm') expect(hostMemory()!.heap).not.toBeNull();
  });

  it.each(['sgd', 'momentum', 'adam'] as const)('%s agrees with the tensor ops over 50 steps', (kind) => {
    const config: OptimizerConfig = {
      ...DEFAULT_OPTIMIZER,
      kind,
      learningRate: 0.01,
      layerRates: [1, 0.3],
      schedule: { kind: 'step', every: 2, factor: 0.5 },
    };
    const fusedParams = makeParams();
    const tensorParams = makeParams();
    const fused = new Optimizer(config, fusedParams);
    const tensor = new Optimizer(config, tensorParams, { fused: false });
    const before = tf.memory().numTensors;
    const rng = new Rng(6);
    for (let step = 0; step < 50; step++) {
      const grads = shapes.map((shape, i) =>
        tf.tensor(rng.fillNormal(new Float32Array(size(shape)), step % 5 === i ? 1e-4 : 1), shape),
      );
      const epoch = Math.floor(step / 10);
      tf.tidy(() => fused.apply(grads, epoch));
      tf.tidy(() => tensor.apply(grads, epoch));
      tf.dispose(grads);
    }
    expect(tf.memory().numTensors).toBe(before);
    const fusedState = [...fusedParams.map((p) => p.variable), ...fused.state().values()];
    const tensorState = [...tensorParams.map((p) => p.variable), ...tensor.state().values()];
    expect(fusedState.length).toBe(shapes.length * (kind === 'adam' ? 3 : kind === 'momentum' ? 2 : 1));
    fusedState.forEach((v, i) => expect(maxRelativeError(v, tensorState[i]!)).toBeLessThan(1e-6));
    // Both round every operation to float32 in the same order: in practice the results are identical.
    fusedState.forEach((v, i) => expect(Array.from(v.dataSync())).toEqual(Array.from(tensorState[i]!.dataSync())));
    fused.dispose();
    tensor.dispose();
    tf.dispose([...fusedParams, ...tensorParams].map((p) => p.variable));
  });

  it('gives products the updated weights (no stale packed copy of the old ones)', () => {
    const params = makeParams();
    const optimizer = new Optimizer({ ...DEFAULT_OPTIMIZER, kind: 'sgd', learningRate: 0.1 }, params);
    const weight = params[0]!.variable as tf.Variable<tf.Rank.R2>;
    const x = tf.randomNormal<tf.Rank.R2>([5, 37], 0, 1, 'float32', 3);
    const product = () => Array.from(tf.tidy(() => tf.matMul(x, weight)).dataSync());
    product(); // a product with the current weights, so that a backend cache would hold them
    tf.tidy(() =>
      optimizer.apply(
        params.map((p) => tf.onesLike(p.variable)),
        0,
      ),
    );
    const expected = Array.from(tf.tidy(() => tf.matMul(x, tf.tensor2d(weight.dataSync(), weight.shape))).dataSync());
    expect(product()).toEqual(expected);
    optimizer.dispose();
    tf.dispose([x, ...params.map((p) => p.variable)]);
  });
});
