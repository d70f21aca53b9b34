import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { activate } from '../../../src-main/engine/activations';
import { autodiffScore } from '../../../src-main/engine/autodiff';
import { computeLoss, lossFunction, type LossName } from '../../../src-main/engine/losses';
import type { Model } from '../../../src-main/engine/model';
import { computeUpdate } from '../../../src-main/engine/train-step';
import { maxRelativeError, randomBatch, tinyModel, useCpuBackend } from '../../support/engine-fixtures';

beforeAll(useCpuBackend);

/** tf autodiff of the model's loss with respect to every weight and bias, layer by layer. */
function autodiffGradients(model: Model, x: tf.Tensor2D, y: tf.Tensor2D) {
  const vars = model.params().map((p) => p.variable);
  const { grads } = tf.variableGrads(() => computeLoss(model.config.loss, model.net.predict(x), y).loss, vars);
  return vars.map((v) => grads[v.name]!);
}

describe('BP', () => {
  const cases: { loss: LossName; activation: 'tanh' | 'relu' | 'sigmoid' | 'leaky_relu' }[] = [
    { loss: 'mse', activation: 'tanh' },
    { loss: 'cross_entropy', activation: 'relu' },
    { loss: 'bernoulli', activation: 'sigmoid' },
    { loss: 'poisson', activation: 'leaky_relu' },
  ];
  it.each(cases)('equals tf autodiff ($loss, $activation)', ({ loss, activation }) => {
    const model = tinyModel({ loss, activation });
    const { x, y } = randomBatch(16, 5, 3, 11, loss);
    tf.tidy(() => {
      const update = computeUpdate(model, x, y, false);
      const mine = [...update.gradWt.slice(1), ...update.gradB.slice(1)];
      const reference = autodiffGradients(model, x, y);
      mine.forEach((g, i) => expect(maxRelativeError(g, reference[i]!)).toBeLessThan(1e-5));
    });
    model.dispose();
  });

  it('equals central finite differences of the loss', () => {
    const model = tinyModel({ loss: 'cross_entropy', activation: 'tanh' });
    const { x, y } = randomBatch(8, 5, 3);
    const lossAt = () => tf.tidy(() => computeLoss('cross_entropy', model.net.predict(x), y).loss.dataSync()[0]!);
    const update = tf.tidy(() => computeUpdate(model, x, y, false).gradWt.map((g) => tf.keep(g)));
    const eps = 1e-2;
    for (let k = 1; k <= model.net.depth; k++) {
      const w = model.net.weightT(k);
      const values = w.dataSync().slice();
      const analytic = update[k]!.dataSync();
      for (const index of [0, 3, values.length - 1]) {
        const nudge = (delta: number) => {
          const copy = values.slice();
          copy[index]! += delta;
          w.assign(tf.tensor2d(copy, w.shape));
        };
        nudge(eps);
        const up = lossAt();
        nudge(-eps);
        const down = lossAt();
        nudge(0);
        const numeric = (up - down) / (2 * eps);
        expect(Math.abs(numeric - analytic[index]!)).toBeLessThan(2e-3 + 2e-2 * Math.abs(numeric));
      }
    }
    model.dispose();
  });
});

describe('scores', () => {
  it.each(['mse', 'cross_entropy', 'bernoulli', 'poisson'] as const)(
    'the closed form of %s equals autodiff',
    (loss) => {
      const { x: z, y } = randomBatch(12, 4, 4, 5, loss);
      tf.tidy(() => {
        const closed = computeLoss(loss, z, y).score;
        expect(maxRelativeError(closed, autodiffScore(lossFunction(loss), z, y))).toBeLessThan(1e-5);
      });
    },
  );

  it('softmax cross-entropy score sums to zero per sample', () => {
    const { x: z, y } = randomBatch(12, 4, 4);
    const sums = tf.tidy(() => tf.sum(computeLoss('cross_entropy', z, y).score, 1).dataSync());
    for (const s of sums) expect(Math.abs(s)).toBeLessThan(1e-6);
  });
});

describe('activations', () => {
  it('relu, clipped relu and linear behave as written', () => {
    const u = tf.tensor2d([[-2, -0.5, 0.5, 2]]);
    expect(Array.from(activate('relu', u).dataSync())).toEqual([0, 0, 0.5, 2]);
    expect(Array.from(activate('clipped_relu', u).dataSync())).toEqual([0, 0, 0.5, 1]);
    expect(Array.from(activate('linear', u).dataSync())).toEqual([-2, -0.5, 0.5, 2]);
  });
});
