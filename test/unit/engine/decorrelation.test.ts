import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { activate, derivative } from '../../../src-main/engine/activations';
import { matMulAT } from '../../../src-main/engine/linalg';
import { computeLoss } from '../../../src-main/engine/losses';
import { Model } from '../../../src-main/engine/model';
import { regularizerLoss, regularizerPhi, type RegularizerConfig } from '../../../src-main/engine/regularizers';
import type { RuleConfig } from '../../../src-main/engine/rules';
import { expandScore } from '../../../src-main/engine/score-expansion';
import { computeUpdate, trainStep } from '../../../src-main/engine/train-step';
import {
  decorrelationDefaults,
  maxRelativeError,
  randomBatch,
  tinyConfig,
  tinyModel,
  useCpuBackend,
} from '../../support/engine-fixtures';

beforeAll(useCpuBackend);

/** Copies of the rule's correlation matrices Rₖᵀ (C̃ × Nₖ), by layer. */
function correlations(model: Model): Map<number, tf.Tensor2D> {
  const out = new Map<number, tf.Tensor2D>();
  for (const [name, v] of model.rule.state()) {
    const k = Number(name.replace('correlation', ''));
    if (name.startsWith('correlation')) out.set(k, tf.clone(v) as tf.Tensor2D);
  }
  return out;
}

/**
 * ALGORITHMS.md §6: the EBD/SBD update of Wₖ equals the gradient of ½‖λR_prev + ζ g(Hₖ)ᵀ s̃‖² with respect to
 * Wₖ, s̃ held fixed (detached) — autodiff through the forward pass only.
 */
function decorrelationLossGradient(
  model: Model,
  prev: tf.Tensor2D,
  k: number,
  x: tf.Tensor2D,
  y: tf.Tensor2D,
  rule: RuleConfig,
) {
  if (rule.name !== 'ebd' && rule.name !== 'sbd') throw new Error('not a decorrelation rule');
  const batch = x.shape[0];
  const zeta = (1 - rule.lambda) / batch;
  const { score, prediction } = computeLoss(model.config.loss, model.net.predict(x), y);
  const broadcast = expandScore(rule.expansion, score, prediction); // a constant below: s̃ detached
  const wk = model.net.weightT(k);
  const bk = model.net.bias(k);
  const hiddenK = () => {
    let h = x;
    for (let j = 1; j <= k; j++) {
      h = activate(model.net.activation(j), tf.add(tf.matMul(h, model.net.weightT(j)), model.net.bias(j)));
    }
    return h;
  };
  const { grads } = tf.variableGrads(() => {
    const h = hiddenK();
    const g = rule.g === 'square' ? tf.mul(0.5, tf.square(h)) : h;
    const r = tf.add(tf.mul(rule.lambda, prev), tf.mul(zeta, matMulAT(broadcast, g as tf.Tensor2D)));
    return tf.mul(0.5, tf.sum(tf.square(r))) as tf.Scalar;
  }, [wk, bk]);
  return { w: grads[wk.name]!, b: grads[bk.name]! };
}

describe('EBD and SBD updates', () => {
  const cases: { label: string; loss: 'mse' | 'cross_entropy'; rule: RuleConfig }[] = [
    { label: 'EBD, g = identity', loss: 'mse', rule: { name: 'ebd', ...decorrelationDefaults } },
    { label: 'EBD, g = h²/2', loss: 'mse', rule: { name: 'ebd', ...decorrelationDefaults, g: 'square' } },
    { label: 'SBD, cross-entropy', loss: 'cross_entropy', rule: { name: 'sbd', ...decorrelationDefaults } },
    {
      label: 'SBD, s ⊗ [1; p]',
      loss: 'cross_entropy',
      rule: { name: 'sbd', ...decorrelationDefaults, expansion: 'outer_probs' },
    },
    {
      label: 'SBD, centred second order',
      loss: 'cross_entropy',
      rule: { name: 'sbd', ...decorrelationDefaults, expansion: 'second_order', g: 'square' },
    },
  ];

  it.each(cases)('equal autodiff of the decorrelation loss ($label)', ({ loss, rule }) => {
    const model = tinyModel({ loss, rule, activation: 'tanh' });
    const { x, y } = randomBatch(16, 5, 3);
    const prev = correlations(model);
    tf.tidy(() => {
      // Reference first: computeUpdate moves R on to λR_prev + ζ g(H)ᵀ s̃.
      const reference = [1, 2].map((k) => decorrelationLossGradient(model, prev.get(k)!, k, x, y, rule));
      const update = computeUpdate(model, x, y, false);
      for (const k of [1, 2]) {
        expect(maxRelativeError(update.gradWt[k]!, reference[k - 1]!.w)).toBeLessThan(1e-4);
        expect(maxRelativeError(update.gradB[k]!, reference[k - 1]!.b)).toBeLessThan(1e-4);
      }
    });
    model.dispose();
  });

  it('keep R as the EMA of g(H)ᵀ s̃ with forgetting factor λ', () => {
    const rule = { name: 'ebd', ...decorrelationDefaults, lambda: 0.8 } as const;
    const model = tinyModel({ rule });
    const { x, y } = randomBatch(16, 5, 3);
    const prev = correlations(model);
    const expected = tf.tidy(() => {
      const pass = model.net.forward(x);
      const { score } = computeLoss('mse', pass.h[3]!, y);
      return tf.add(tf.mul(0.8, prev.get(1)!), tf.mul(0.2 / 16, matMulAT(score, pass.h[1]!)));
    });
    tf.tidy(() => void computeUpdate(model, x, y, false));
    expect(maxRelativeError(correlations(model).get(1)!, expected)).toBeLessThan(1e-5);
    model.dispose();
  });

  it('with R frozen at its start, EBD takes DFA’s steps (Bₖ = Rₖ) one for one', () => {
    const lambda = 0.9;
    const optimizer = { kind: 'sgd' as const, learningRate: 0.05 };
    const dfa = new Model(tinyConfig({ rule: { name: 'dfa', feedbackScale: 1 }, optimizer }), 5);
    // EBD's hidden gradients carry ζ = (1−λ)/B instead of DFA's 1/B: give its hidden layers a rate 1/(1−λ) larger.
    const ebd = new Model(
      tinyConfig({
        rule: { name: 'ebd', ...decorrelationDefaults, lambda, freeze: true },
        optimizer: { ...optimizer, layerRates: [1 / (1 - lambda), 1 / (1 - lambda), 1] },
      }),
      5,
    );
    for (let step = 0; step < 20; step++) {
      const { x, y } = randomBatch(8, 5, 3, 100 + step);
      tf.dispose([trainStep(dfa, x, y, 0, false), trainStep(ebd, x, y, 0, false)].flatMap((s) => [s.loss, s.correct]));
      tf.dispose([x, y]);
    }
    for (let k = 1; k <= 3; k++) {
      expect(maxRelativeError(ebd.net.weightT(k), dfa.net.weightT(k))).toBeLessThan(1e-4);
    }
    // And the frozen R is still DFA's B.
    expect(maxRelativeError(ebd.rule.broadcastMatrix!(1)!, dfa.rule.broadcastMatrix!(1)!)).toBe(0);
    dfa.dispose();
    ebd.dispose();
  });

  it('forward broadcast equals autodiff of the hidden decorrelation losses through the score', () => {
    const rule = { name: 'sbd', ...decorrelationDefaults, forwardBroadcast: 1 } as const;
    const model = tinyModel({ loss: 'cross_entropy', rule });
    const base = tinyModel({ loss: 'cross_entropy', rule: { ...rule, forwardBroadcast: 0 } });
    const { x, y } = randomBatch(16, 5, 3);
    const prev = correlations(model);
    tf.tidy(() => {
      const pass = model.net.forward(x);
      const hidden = [pass.h[1]!, pass.h[2]!]; // held fixed: only the path through s(z) counts
      const zeta = (1 - rule.lambda) / 16;
      const wL = model.net.weightT(3);
      const { grads } = tf.variableGrads(() => {
        const z = tf.add(tf.matMul(pass.h[2]!, wL), model.net.bias(3)) as tf.Tensor2D;
        const { score } = computeLoss('cross_entropy', z, y);
        let total = tf.scalar(0);
        hidden.forEach((h, i) => {
          const r = tf.add(tf.mul(rule.lambda, prev.get(i + 1)!), tf.mul(zeta, matMulAT(score, h)));
          total = tf.add(total, tf.mul(0.5, tf.sum(tf.square(r))));
        });
        return total;
      }, [wL]);
      const withBroadcast = computeUpdate(model, x, y, false);
      const extra = tf.sub(withBroadcast.gradWt[3]!, computeUpdate(base, x, y, false).gradWt[3]!);
      expect(maxRelativeError(extra, grads[wL.name]!)).toBeLessThan(1e-3);
    });
    model.dispose();
    base.dispose();
  });
});

describe('regularisers', () => {
  const configs: [string, RegularizerConfig][] = [
    ['power normalisation', { power: { coefficient: 0.3, target: 0.5 }, activationL1: 0, weightDecay: 0 }],
    ['activation sparsity', { power: { coefficient: 0, target: 1 }, activationL1: 0.2, weightDecay: 0 }],
    ['both', { power: { coefficient: 0.1, target: 2 }, activationL1: 0.05, weightDecay: 0 }],
  ];
  it.each(configs)('%s: the gradient equals autodiff of its loss', (_label, config) => {
    const { x } = randomBatch(16, 5, 3);
    const w = tf.variable(tf.randomNormal([5, 7], 0, 0.7, 'float32', 9));
    const b = tf.variable(tf.randomNormal([7], 0, 0.1, 'float32', 10));
    tf.tidy(() => {
      const u = tf.add(tf.matMul(x, w), b) as tf.Tensor2D;
      const h = activate('tanh', u);
      const phi = regularizerPhi(config, h, derivative('tanh', u, h))!;
      const { grads } = tf.variableGrads(
        () => regularizerLoss(config, activate('tanh', tf.add(tf.matMul(x, w), b) as tf.Tensor2D)),
        [w, b],
      );
      expect(maxRelativeError(matMulAT(x, phi), grads[w.name]!)).toBeLessThan(1e-4);
      expect(maxRelativeError(tf.sum(phi, 0), grads[b.name]!)).toBeLessThan(1e-4);
    });
    w.dispose();
    b.dispose();
  });
});

describe('score expansion', () => {
  it.each(['outer_probs', 'second_order'] as const)('%s has zero mean when labels are drawn from p', (expansion) => {
    // At the optimum p is the true label distribution: average the expanded score over many draws of y ~ p.
    const p = tf.tensor2d([[0.2, 0.5, 0.3]]);
    const draws = 3000;
    const labels = tf.tidy(() =>
      tf.cast(tf.oneHot(tf.squeeze(tf.multinomial(tf.log(p), draws, 4), [0]), 3), 'float32'),
    );
    const mean = tf.tidy(() => {
      const probs = tf.tile(p, [draws, 1]) as tf.Tensor2D;
      const score = tf.sub(probs, labels) as tf.Tensor2D;
      return tf.mean(expandScore(expansion, score, probs), 0).dataSync();
    });
    expect(mean.length).toBe(12);
    for (const m of mean) expect(Math.abs(m)).toBeLessThan(0.04);
  });
});
