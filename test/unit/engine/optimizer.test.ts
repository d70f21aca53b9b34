import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_OPTIMIZER, Optimizer, scheduledRate, type OptimizerConfig } from '../../../src-main/engine/optimizer';
import { useCpuBackend } from '../../support/engine-fixtures';

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
