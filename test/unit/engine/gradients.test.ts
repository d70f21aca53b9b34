import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { activate } from '../../../src-main/engine/activations';
import { autodiffScore } from '../../../src-main/engine/eager/autodiff';
import { tfOps } from '../../../src-main/engine/eager/tf-ops';
import { computeLoss, type LossName } from '../../../src-main/engine/losses';
import type { Model } from '../../../src-main/engine/model';
import { activityLoss } from '../../../src-main/engine/regularizers/activity';
import { NO_REGULARIZERS } from '../../../src-main/engine/regularizers/config';
import { computeUpdate, forward } from '../../../src-main/engine/step';
import { EXECUTORS, stateInputs, stepInputs } from '../../support/executors';
import { maxRelativeError, randomBatch, tinyModel, useCpuBackend } from '../../support/engine-fixtures';

beforeAll(useCpuBackend);

/** The parameters in the optimiser's order: every weight, then every bias. */
const paramNames = (model: Model) => model.params().map((p) => p.name);

/** tf autodiff of the model's mean loss with respect to every weight and bias. */
function autodiffGradients(model: Model, batch: ReturnType<typeof randomBatch>): Record<string, Float32Array> {
  const names = paramNames(model);
  return tf.tidy(() => {
    const state = Object.fromEntries(
      model.initialState.map((e) => [e.name, tf.variable(tf.tensor(e.values, [...e.shape]))]),
    );
    const x = tf.tensor2d(batch.x, [batch.rows, model.config.network.inputSize]);
    const y = tf.tensor2d(batch.y, [batch.rows, model.classes]);
    const { grads } = tf.variableGrads(
      () => {
        const z = forward(tfOps, model, state, x).h[model.depth]!;
        return computeLoss(tfOps, model.config.loss, z, y).loss as tf.Scalar;
      },
      names.map((n) => state[n]!),
    );
    const out = Object.fromEntries(names.map((n) => [n, grads[state[n]!.name]!.dataSync() as Float32Array]));
    Object.values(state).forEach((v) => v.dispose());
    return out;
  });
}

/** The step's own update direction of every parameter, on an executor. */
function stepGradients(model: Model, batch: ReturnType<typeof randomBatch>, executor: (typeof EXECUTORS)[number]) {
  return executor.run({ ...stateInputs(model), ...stepInputs(model, batch) }, (ops, inputs) => {
    const update = computeUpdate(ops, model, inputs, inputs, false);
    return Object.fromEntries(paramNames(model).map((n) => [n, update.grads[n]!.value()]));
  });
}

describe.each(EXECUTORS)('BP on the $name executor', (executor) => {
  const cases: { loss: LossName; activation: 'tanh' | 'relu' | 'sigmoid' | 'leaky_relu' }[] = [
    { loss: 'mse', activation: 'tanh' },
    { loss: 'cross_entropy', activation: 'relu' },
    { loss: 'bernoulli', activation: 'sigmoid' },
    { loss: 'poisson', activation: 'leaky_relu' },
  ];
  it.each(cases)('equals tf autodiff ($loss, $activation)', async ({ loss, activation }) => {
    const model = tinyModel({ loss, activation });
    const batch = randomBatch(16, 5, 3, 11, loss);
    const mine = await stepGradients(model, batch, executor);
    const reference = autodiffGradients(model, batch);
    for (const name of paramNames(model)) expect(maxRelativeError(mine[name]!, reference[name]!)).toBeLessThan(1e-5);
  });

  it('equals central finite differences of the loss', async () => {
    const model = tinyModel({ loss: 'cross_entropy', activation: 'tanh' });
    const batch = randomBatch(8, 5, 3);
    const analytic = await stepGradients(model, batch, executor);
    const lossWith = (name: string, index: number, delta: number) =>
      tf.tidy(() => {
        const state = Object.fromEntries(
          model.initialState.map((e) => {
            const values = e.values.slice();
            if (e.name === name) values[index]! += delta;
            return [e.name, tf.tensor(values, [...e.shape])];
          }),
        );
        const z = forward(tfOps, model, state, tf.tensor2d(batch.x, [8, 5])).h[model.depth]!;
        return computeLoss(tfOps, 'cross_entropy', z, tf.tensor2d(batch.y, [8, 3])).loss.dataSync()[0]!;
      });
    const eps = 1e-2;
    for (const layer of model.layers) {
      const name = layer.weight.name;
      const size = analytic[name]!.length;
      for (const index of [0, 3, size - 1]) {
        const numeric = (lossWith(name, index, eps) - lossWith(name, index, -eps)) / (2 * eps);
        expect(Math.abs(numeric - analytic[name]![index]!)).toBeLessThan(2e-3 + 2e-2 * Math.abs(numeric));
      }
    }
  });

  it('computes relu, clipped relu and linear as written', async () => {
    const out = await executor.run({ u: { values: [-2, -0.5, 0.5, 2], shape: [1, 4] } }, (ops, { u }) => ({
      relu: activate(ops, 'relu', u!),
      clipped: activate(ops, 'clipped_relu', u!),
      linear: activate(ops, 'linear', u!),
    }));
    expect(Array.from(out.relu!)).toEqual([0, 0, 0.5, 2]);
    expect(Array.from(out.clipped!)).toEqual([0, 0, 0.5, 1]);
    expect(Array.from(out.linear!)).toEqual([-2, -0.5, 0.5, 2]);
  });
});

describe('scores', () => {
  it.each(['mse', 'cross_entropy', 'bernoulli', 'poisson'] as const)(
    'the closed form of %s equals autodiff',
    (loss) => {
      const { x, y } = randomBatch(12, 4, 4, 5, loss);
      tf.tidy(() => {
        const z = tf.tensor2d(x, [12, 4]);
        const target = tf.tensor2d(y, [12, 4]);
        const closed = computeLoss(tfOps, loss, z, target).score.dataSync();
        const lossOf = (zz: tf.Tensor2D, t: tf.Tensor2D) => computeLoss(tfOps, loss, zz, t).loss as tf.Scalar;
        expect(maxRelativeError(closed, autodiffScore(lossOf, z, target).dataSync())).toBeLessThan(1e-5);
      });
    },
  );

  it.each(EXECUTORS)('softmax cross-entropy score sums to zero per sample ($name)', async (executor) => {
    const { x, y } = randomBatch(12, 4, 4);
    const out = await executor.run(
      { z: { values: x, shape: [12, 4] }, y: { values: y, shape: [12, 4] } },
      (ops, { z, y: target }) => ({ sums: ops.sum(computeLoss(ops, 'cross_entropy', z!, target!).score, [1]) }),
    );
    for (const s of out.sums!) expect(Math.abs(s)).toBeLessThan(1e-6);
  });
});

describe.each(EXECUTORS)('regularisers under BP on the $name executor', (executor) => {
  /**
   * The catalogue's choice, pinned: power normalisation and sparsity act locally under every rule, BP included.
   * Layer k's update is BP's gradient of the loss plus the gradient of layer k's own regulariser through Wₖ — not the
   * gradient of loss + Σⱼ Jⱼ, whose terms for layers above k would reach Wₖ through backpropagation.
   */
  it('add each layer’s own regulariser gradient to BP’s loss gradient, and nothing from the layers above', async () => {
    const regularizers = { power: { coefficient: 0.5, target: 0.2 }, activationL1: 0.05 };
    const model = tinyModel({ loss: 'mse', activation: 'tanh', regularizers });
    const batch = randomBatch(16, 5, 3);
    const mine = await stepGradients(model, batch, executor);
    const objective = (layers: number[]) =>
      tf.tidy(() => {
        const state = Object.fromEntries(
          model.initialState.map((e) => [e.name, tf.variable(tf.tensor(e.values, [...e.shape]))]),
        );
        const x = tf.tensor2d(batch.x, [batch.rows, 5]);
        const y = tf.tensor2d(batch.y, [batch.rows, 3]);
        const { grads } = tf.variableGrads(() => {
          const { h } = forward(tfOps, model, state, x);
          let total = computeLoss(tfOps, 'mse', h[model.depth]!, y).loss;
          for (const k of layers) total = tf.add(total, activityLoss(tfOps, model.config.regularizers, k, h[k]!));
          return total as tf.Scalar;
        }, [state.w1 as tf.Variable]);
        const out = grads[(state.w1 as tf.Variable).name]!.dataSync() as Float32Array;
        Object.values(state).forEach((v) => v.dispose());
        return out;
      });
    const local = objective([1]);
    const global = objective([1, 2]);
    expect(maxRelativeError(mine.w1!, local)).toBeLessThan(1e-4);
    // The test tells the two apart: layer 2's regulariser would move W₁ noticeably.
    expect(maxRelativeError(global, local)).toBeGreaterThan(1e-2);
  });

  it('scale each term per layer: the coefficient times the layer’s multiplier, 0 turning it off there', async () => {
    const regularizers = {
      power: { coefficient: 0.5, target: 0.2 },
      activationL1: 0.05,
      weightDecay: 0.01,
      layerScales: { power: [0, 3], activationL1: [0, 3], weightDecay: [0, 0, 2] },
    };
    const model = tinyModel({ loss: 'mse', activation: 'tanh', regularizers });
    const batch = randomBatch(16, 5, 3);
    const mine = await stepGradients(model, batch, executor);
    // The reference spells layer 2's coefficients out (3 × 0.5, 3 × 0.05) rather than using the multipliers.
    const layer2 = { ...NO_REGULARIZERS, power: { coefficient: 1.5, target: 0.2 }, activationL1: 0.15 };
    const reference = tf.tidy(() => {
      const state = Object.fromEntries(
        model.initialState.map((e) => [e.name, tf.variable(tf.tensor(e.values, [...e.shape]))]),
      );
      const x = tf.tensor2d(batch.x, [batch.rows, 5]);
      const y = tf.tensor2d(batch.y, [batch.rows, 3]);
      const names = ['w1', 'w2', 'w3'];
      const { grads } = tf.variableGrads(
        () => {
          const { h } = forward(tfOps, model, state, x);
          const loss = computeLoss(tfOps, 'mse', h[model.depth]!, y).loss;
          return tf.add(loss, activityLoss(tfOps, layer2, 2, h[2]!)) as tf.Scalar;
        },
        names.map((n) => state[n] as tf.Variable),
      );
      const out = Object.fromEntries(names.map((n) => [n, grads[(state[n] as tf.Variable).name]!.dataSync()]));
      // Weight decay 2 × 0.01 on the readout alone: its gradient gains 0.02·W₃.
      const w3 = state.w3!.dataSync();
      out.w3 = (out.w3 as Float32Array).map((g, i) => g + 0.02 * w3[i]!);
      Object.values(state).forEach((v) => v.dispose());
      return out;
    });
    // Layer 1 has no term of its own (multiplier 0) and layer 2's does not reach W₁ (terms act locally): BP alone.
    expect(maxRelativeError(mine.w1!, reference.w1!)).toBeGreaterThan(1e-2);
    expect(maxRelativeError(mine.w2!, reference.w2!)).toBeLessThan(1e-4);
    expect(maxRelativeError(mine.w3!, reference.w3!)).toBeLessThan(1e-4);
    const bpOnly = await stepGradients(tinyModel({ loss: 'mse', activation: 'tanh' }), batch, executor);
    expect(maxRelativeError(mine.w1!, bpOnly.w1!)).toBeLessThan(1e-6);
    expect(maxRelativeError(mine.w3!, bpOnly.w3!)).toBeGreaterThan(1e-3);
  });

  it('keep the entropy inverse only in layers whose entropy coefficient is on', () => {
    const entropy = { coefficient: 0.1, lambda: 0.99, epsilon: 0.01 };
    expect(tinyModel({ regularizers: { entropy } }).entropyLayers).toEqual([1, 2]);
    expect(tinyModel({ regularizers: { entropy, layerScales: { entropy: [0, 1] } } }).entropyLayers).toEqual([2]);
    const model = tinyModel({ regularizers: { entropy, layerScales: { entropy: [2, 0] } } });
    expect(model.entropyLayers).toEqual([1]);
    expect(model.initialState.filter((e) => e.name.startsWith('entropy')).map((e) => e.name)).toEqual(['entropy1']);
  });
});
