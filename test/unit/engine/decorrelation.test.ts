import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { activate, derivative } from '../../../src-main/engine/activations';
import { EagerRunner } from '../../../src-main/engine/eager/runner';
import { tfOps } from '../../../src-main/engine/eager/tf-ops';
import { computeLoss } from '../../../src-main/engine/losses';
import { Model } from '../../../src-main/engine/model';
import { OnnxRunner } from '../../../src-main/engine/onnx/runner';
import type { RegularizerConfig } from '../../../src-main/engine/regularizers/config';
import { NO_REGULARIZERS } from '../../../src-main/engine/regularizers/config';
import { activityLoss, activityPhi } from '../../../src-main/engine/regularizers/activity';
import type { StepRunner } from '../../../src-main/engine/runner';
import { expandScore, type ScoreExpansion } from '../../../src-main/engine/score-expansion';
import { computeUpdate, forward } from '../../../src-main/engine/step';
import { EXECUTORS, stateInputs, stepInputs, type TestExecutor } from '../../support/executors';
import {
  decorrelationDefaults,
  maxRelativeError,
  randomBatch,
  tinyConfig,
  tinyModel,
  useCpuBackend,
  type TinyOptions,
} from '../../support/engine-fixtures';
import type { RuleParamValues } from '../../../shared/rules/catalogue';

beforeAll(useCpuBackend);

type Batch = ReturnType<typeof randomBatch>;

/** The rule's correlation matrices Rₖᵀ (C̃ × Nₖ) at the start, by layer. */
function startCorrelation(model: Model, k: number): Float32Array {
  return model.initialState.find((e) => e.name === `rule.correlation${k}`)!.values;
}

/**
 * ALGORITHMS.md §6: the EBD/SBD update of Wₖ equals the gradient of ½‖λR_prev + ζ g(Hₖ)ᵀ s̃‖² with respect to
 * Wₖ, s̃ held fixed (detached) — tf autodiff through the forward pass only. With `throughScore` s̃ is recomputed
 * inside the tape instead, so the path through the score and the layers above counts too: the full-gradient
 * reference (plain score only).
 */
function decorrelationLossGradient(
  model: Model,
  k: number,
  batch: Batch,
  params: RuleParamValues,
  throughScore = false,
) {
  const lambda = params.lambda as number;
  const zeta = (1 - lambda) / batch.rows;
  return tf.tidy(() => {
    const state = Object.fromEntries(
      model.initialState.map((e) => [e.name, tf.variable(tf.tensor(e.values, [...e.shape]))]),
    );
    const x = tf.tensor2d(batch.x, [batch.rows, 5]);
    const y = tf.tensor2d(batch.y, [batch.rows, 3]);
    const broadcastOf = (z: tf.Tensor) => {
      const { score, prediction } = computeLoss(tfOps, model.config.loss, z, y);
      const expansion = (params.expansion as ScoreExpansion | undefined) ?? 'none';
      return expandScore(tfOps, expansion, score, prediction);
    };
    const detached = broadcastOf(forward(tfOps, model, state, x).h[model.depth]!); // a constant in the tape
    const prev = state[`rule.correlation${k}`]!;
    const [wk, bk] = [state[`w${k}`]!, state[`b${k}`]!];
    const { grads } = tf.variableGrads(() => {
      const pass = forward(tfOps, model, state, x);
      const h = pass.h[k]!;
      const g = params.g === 'square' ? tf.mul(0.5, tf.square(h)) : h;
      const broadcast = throughScore ? broadcastOf(pass.h[model.depth]!) : detached;
      const r = tf.add(tf.mul(lambda, prev), tf.mul(zeta, tf.matMul(broadcast, g, true, false)));
      return tf.mul(0.5, tf.sum(tf.square(r))) as tf.Scalar;
    }, [wk as tf.Variable, bk as tf.Variable]);
    const out = { w: grads[(wk as tf.Variable).name]!.dataSync(), b: grads[(bk as tf.Variable).name]!.dataSync() };
    Object.values(state).forEach((v) => v.dispose());
    return out;
  });
}

function update(executor: TestExecutor, model: Model, batch: Batch, names: string[]) {
  return executor.run({ ...stateInputs(model), ...stepInputs(model, batch) }, (ops, inputs) => {
    const u = computeUpdate(ops, model, inputs, inputs, false);
    return Object.fromEntries(names.map((n) => [n, u.grads[n]?.value() ?? u.stateUpdates[n]!]));
  });
}

const runners: { name: string; make(model: Model, batch: number): Promise<StepRunner> }[] = [
  {
    name: 'eager',
    make: async (m, b) => new EagerRunner(m, b, { backend: 'cpu', device: 'js', threads: null, versions: {} }),
  },
  { name: 'onnx', make: (m, b) => OnnxRunner.create(m, { backend: 'onnx-cpu', threads: 1, batchSize: b }) },
];

describe.each(EXECUTORS)('EBD and SBD updates on the $name executor', (executor) => {
  const cases: { label: string; loss: 'mse' | 'cross_entropy'; rule: 'ebd' | 'sbd'; params: RuleParamValues }[] = [
    { label: 'EBD, g = identity', loss: 'mse', rule: 'ebd', params: decorrelationDefaults },
    { label: 'EBD, g = h²/2', loss: 'mse', rule: 'ebd', params: { ...decorrelationDefaults, g: 'square' } },
    { label: 'SBD, cross-entropy', loss: 'cross_entropy', rule: 'sbd', params: decorrelationDefaults },
    {
      label: 'SBD, s ⊗ [1; p]',
      loss: 'cross_entropy',
      rule: 'sbd',
      params: { ...decorrelationDefaults, expansion: 'outer_probs' },
    },
    {
      label: 'SBD, centred second order',
      loss: 'cross_entropy',
      rule: 'sbd',
      params: { ...decorrelationDefaults, expansion: 'second_order', g: 'square' },
    },
  ];

  it.each(cases)('equal autodiff of the decorrelation loss ($label)', async ({ loss, rule, params }) => {
    const model = tinyModel({ loss, rule, params, activation: 'tanh' });
    const batch = randomBatch(16, 5, 3);
    const mine = await update(executor, model, batch, ['w1', 'b1', 'w2', 'b2']);
    for (const k of [1, 2]) {
      const reference = decorrelationLossGradient(model, k, batch, model.config.rule.params);
      expect(maxRelativeError(mine[`w${k}`]!, reference.w)).toBeLessThan(1e-4);
      expect(maxRelativeError(mine[`b${k}`]!, reference.b)).toBeLessThan(1e-4);
    }
  });

  it.each([
    { loss: 'mse' as const, rule: 'ebd' as const },
    { loss: 'cross_entropy' as const, rule: 'sbd' as const },
  ])('the full-gradient reference equals autodiff through the score too ($rule, $loss)', async ({ loss, rule }) => {
    const params = { ...decorrelationDefaults, gradient: 'full' };
    const model = tinyModel({ loss, rule, params, activation: 'tanh' });
    const truncated = tinyModel({ loss, rule, params: decorrelationDefaults, activation: 'tanh' });
    const batch = randomBatch(16, 5, 3, 11, loss);
    const mine = await update(executor, model, batch, ['w1', 'w2']);
    const local = await update(executor, truncated, batch, ['w1', 'w2']);
    for (const k of [1, 2]) {
      const reference = decorrelationLossGradient(model, k, batch, model.config.rule.params, true).w;
      expect(maxRelativeError(mine[`w${k}`]!, reference), `w${k}`).toBeLessThan(1e-4);
      // …and it is not the local rule's update: the path through the score matters here.
      expect(maxRelativeError(local[`w${k}`]!, reference), `w${k} local`).toBeGreaterThan(1e-2);
    }
  });

  it('keep R as the EMA of g(H)ᵀ s̃ with forgetting factor λ', async () => {
    const model = tinyModel({ rule: 'ebd', params: { ...decorrelationDefaults, lambda: 0.8 } });
    const batch = randomBatch(16, 5, 3);
    const mine = await update(executor, model, batch, ['rule.correlation1']);
    const expected = tf.tidy(() => {
      const state = Object.fromEntries(model.initialState.map((e) => [e.name, tf.tensor(e.values, [...e.shape])]));
      const pass = forward(tfOps, model, state, tf.tensor2d(batch.x, [16, 5]));
      const { score } = computeLoss(tfOps, 'mse', pass.h[3]!, tf.tensor2d(batch.y, [16, 3]));
      const r = tf.tensor(startCorrelation(model, 1), [3, 7]);
      return tf.add(tf.mul(0.8, r), tf.mul(0.2 / 16, tf.matMul(score, pass.h[1]!, true, false))).dataSync();
    });
    expect(maxRelativeError(mine['rule.correlation1']!, expected)).toBeLessThan(1e-5);
  });

  it('averages the hidden rule gradient with momentum β, and leaves the regularisers unaveraged', async () => {
    const beta = 0.9;
    const power = { power: { coefficient: 0.5, target: 0.2 } };
    const ebd = (extra: RuleParamValues, regularizers = {}) =>
      tinyModel({ rule: 'ebd', params: { ...decorrelationDefaults, ...extra }, regularizers });
    const batch = randomBatch(16, 5, 3);
    const names = ['w1', 'b1', 'w2'];
    const ruleOnly = await update(executor, ebd({}), batch, names);
    const withRegulariser = await update(executor, ebd({}, power), batch, names);
    const model = ebd({ gradientMomentum: beta }, power);
    // A previous average that is not zero, so the test sees β·M as well as (1−β)·g.
    const previous = (name: string) => {
      const entry = model.initialState.find((e) => e.name === name)!;
      return { values: entry.values.map((_, i) => Math.sin(i + 1) * 1e-3), shape: entry.shape };
    };
    const state = {
      ...stateInputs(model),
      'rule.momentum1': previous('rule.momentum1'),
      'rule.momentumBias1': previous('rule.momentumBias1'),
    };
    const out = await executor.run({ ...state, ...stepInputs(model, batch) }, (ops, inputs) => {
      const u = computeUpdate(ops, model, inputs, inputs, false);
      return {
        w1: u.grads.w1!.value(),
        b1: u.grads.b1!.value(),
        w2: u.grads.w2!.value(),
        m1: u.stateUpdates['rule.momentum1']!,
      };
    });
    const m0 = state['rule.momentum1'].values;
    const b0 = state['rule.momentumBias1'].values;
    const average = ruleOnly.w1!.map((g, i) => beta * m0[i]! + (1 - beta) * g);
    expect(maxRelativeError(out.m1!, average)).toBeLessThan(1e-5);
    const regulariser = withRegulariser.w1!.map((g, i) => g - ruleOnly.w1![i]!);
    expect(
      maxRelativeError(
        out.w1!,
        average.map((a, i) => a + regulariser[i]!),
      ),
    ).toBeLessThan(1e-5);
    const bias = ruleOnly.b1!.map((g, i) => beta * b0[i]! + (1 - beta) * g + withRegulariser.b1![i]! - g);
    expect(maxRelativeError(out.b1!, bias)).toBeLessThan(1e-5);
    // Layer 2 starts from a zero average: (1−β) of its rule gradient plus its regulariser.
    const layer2 = ruleOnly.w2!.map((g, i) => (1 - beta) * g + withRegulariser.w2![i]! - g);
    expect(maxRelativeError(out.w2!, layer2)).toBeLessThan(1e-5);
  });

  it.each([
    { label: 'every hidden layer at weight 1', input: 0, hidden: [1, 1] },
    { label: 'per-layer weights, the input layer’s term included', input: 3, hidden: [2, 0.5] },
  ])(
    'forward broadcast equals autodiff of the weighted decorrelation losses through the score ($label)',
    async (weights) => {
      const options: TinyOptions = { loss: 'cross_entropy', rule: 'sbd' };
      const model = tinyModel({
        ...options,
        params: { ...decorrelationDefaults, forwardBroadcast: 1, forwardBroadcastInput: weights.input },
        regularizers: { layerScales: { forwardBroadcast: weights.hidden } },
      });
      // The input's correlation R₀ (C × inputs) is kept only for its term, from its own seeded stream.
      const inputCorrelation = model.initialState.find((e) => e.name === 'rule.correlation0');
      expect(inputCorrelation?.shape).toEqual(weights.input > 0 ? [3, 5] : undefined);
      const base = tinyModel({ ...options, params: decorrelationDefaults });
      const batch = randomBatch(16, 5, 3);
      const withBroadcast = await update(
        executor,
        model,
        batch,
        weights.input > 0 ? ['w3', 'rule.correlation0'] : ['w3'],
      );
      const without = await update(executor, base, batch, ['w3']);
      const lambda = 0.9;
      const zeta = (1 - lambda) / 16;
      const reference = tf.tidy(() => {
        const state = Object.fromEntries(
          model.initialState.map((e) => [e.name, tf.variable(tf.tensor(e.values, [...e.shape]))]),
        );
        const x = tf.tensor2d(batch.x, [16, 5]);
        const y = tf.tensor2d(batch.y, [16, 3]);
        const pass = forward(tfOps, model, state, x);
        const layers = [x, pass.h[1]!, pass.h[2]!]; // held fixed: only the path through s(z) counts
        const weightOf = [weights.input, ...weights.hidden];
        // The input's term exists only when it is on (no R₀ of x is kept otherwise).
        const wL = state.w3 as tf.Variable;
        const { grads } = tf.variableGrads(() => {
          const z = tf.add(tf.matMul(pass.h[2]!, wL), state.b3!);
          const { score } = computeLoss(tfOps, 'cross_entropy', z, y);
          let total: tf.Tensor = tf.scalar(0);
          layers.forEach((h, k) => {
            if (weightOf[k] === 0) return;
            const prev = tf.tensor(startCorrelation(model, k), [3, h.shape[1]!]);
            const r = tf.add(tf.mul(lambda, prev), tf.mul(zeta, tf.matMul(score, h, true, false)));
            total = tf.add(total, tf.mul(0.5 * weightOf[k]!, tf.sum(tf.square(r))));
          });
          return total as tf.Scalar;
        }, [wL]);
        const out = grads[wL.name]!.dataSync();
        Object.values(state).forEach((v) => v.dispose());
        return out;
      });
      const extra = withBroadcast.w3!.map((v, i) => v - without.w3![i]!);
      expect(maxRelativeError(extra, reference)).toBeLessThan(1e-3);
      // And R₀ itself follows its EMA with x: it moved from its start.
      if (weights.input > 0)
        expect(maxRelativeError(withBroadcast['rule.correlation0']!, startCorrelation(model, 0))).toBeGreaterThan(1e-3);
    },
  );
});

describe.each(runners)('EBD with R frozen on the $name executor', (runner) => {
  it('takes DFA’s steps (Bₖ = Rₖ) one for one', async () => {
    const lambda = 0.9;
    const optimizer = { kind: 'sgd' as const, learningRate: 0.05 };
    const dfa = new Model(tinyConfig({ rule: 'dfa', optimizer }), 5);
    // EBD's hidden gradients carry ζ = (1−λ)/B instead of DFA's 1/B: give its hidden layers a rate 1/(1−λ) larger.
    const ebd = new Model(
      tinyConfig({
        rule: 'ebd',
        params: { ...decorrelationDefaults, lambda, freeze: true },
        optimizer: { ...optimizer, layerRates: [1 / (1 - lambda), 1 / (1 - lambda), 1] },
      }),
      5,
    );
    const [a, b] = [await runner.make(dfa, 8), await runner.make(ebd, 8)];
    for (let step = 0; step < 20; step++) {
      const batch = randomBatch(8, 5, 3, 100 + step);
      const inputs = Object.fromEntries(
        Object.entries(stepInputs(dfa, batch, step)).map(([n, v]) => [n, v.values as Float32Array]),
      );
      await a.train({ steps: 1, inputs });
      await b.train({ steps: 1, inputs });
    }
    const [sa, sb] = [await a.readState(), await b.readState()];
    for (const k of [1, 2, 3])
      expect(maxRelativeError(sb.get(`w${k}`)!.values, sa.get(`w${k}`)!.values)).toBeLessThan(1e-4);
    // And the frozen R is still DFA's B.
    expect(Array.from(sb.get('rule.correlation1')!.values)).toEqual(Array.from(sa.get('rule.broadcast1')!.values));
    await a.dispose();
    await b.dispose();
  });
});

describe.each(EXECUTORS)('regularisers on the $name executor', (executor) => {
  const configs: [string, RegularizerConfig][] = [
    ['power normalisation', { ...NO_REGULARIZERS, power: { coefficient: 0.3, target: 0.5 } }],
    ['activation sparsity', { ...NO_REGULARIZERS, activationL1: 0.2 }],
    ['both', { ...NO_REGULARIZERS, power: { coefficient: 0.1, target: 2 }, activationL1: 0.05 }],
  ];
  it.each(configs)('%s: the gradient equals autodiff of its loss', async (_label, config) => {
    const { x } = randomBatch(16, 5, 3);
    const w = tf.randomNormal([5, 7], 0, 0.7, 'float32', 9);
    const b = tf.randomNormal([7], 0, 0.1, 'float32', 10);
    const inputs = {
      x: { values: x, shape: [16, 5] },
      w: { values: w.dataSync(), shape: [5, 7] },
      b: { values: b.dataSync(), shape: [7] },
    };
    const mine = await executor.run(inputs, (ops, t) => {
      const u = ops.add(ops.matmul(t.x!, t.w!), t.b!);
      const h = activate(ops, 'tanh', u);
      const phi = activityPhi(ops, config, 1, h, derivative(ops, 'tanh', u, h))!;
      return { w: ops.matmul(t.x!, phi, true, false), b: ops.sum(phi, [0]) };
    });
    const reference = tf.tidy(() => {
      const [wv, bv] = [tf.variable(w), tf.variable(b)];
      const xt = tf.tensor2d(x, [16, 5]);
      const { grads } = tf.variableGrads(
        () => activityLoss(tfOps, config, 1, activate(tfOps, 'tanh', tf.add(tf.matMul(xt, wv), bv))) as tf.Scalar,
        [wv, bv],
      );
      const out = { w: grads[wv.name]!.dataSync(), b: grads[bv.name]!.dataSync() };
      tf.dispose([wv, bv]);
      return out;
    });
    expect(maxRelativeError(mine.w!, reference.w)).toBeLessThan(1e-4);
    expect(maxRelativeError(mine.b!, reference.b)).toBeLessThan(1e-4);
    tf.dispose([w, b]);
  });
});

describe.each(EXECUTORS)('score expansion on the $name executor', (executor) => {
  it.each(['outer_probs', 'second_order'] as const)(
    '%s has zero mean when labels are drawn from p',
    async (expansion) => {
      // At the optimum p is the true label distribution: average the expanded score over many draws of y ~ p.
      const p = [0.2, 0.5, 0.3];
      const draws = 3000;
      const labels = tf.tidy(() =>
        tf
          .cast(tf.oneHot(tf.squeeze(tf.multinomial(tf.log(tf.tensor2d([p])), draws, 4), [0]), 3), 'float32')
          .dataSync(),
      );
      const probs = Float32Array.from({ length: draws * 3 }, (_, i) => p[i % 3]!);
      const out = await executor.run(
        { probs: { values: probs, shape: [draws, 3] }, labels: { values: labels, shape: [draws, 3] } },
        (ops, t) => ({ mean: ops.mean(expandScore(ops, expansion, ops.sub(t.probs!, t.labels!), t.probs!), [0]) }),
      );
      // C + C² for s ⊗ [1; p]; C + C(C+1)/2 for the symmetric second-order form, each pair counted once.
      expect(out.mean!.length).toBe(expansion === 'outer_probs' ? 12 : 9);
      for (const m of out.mean!) expect(Math.abs(m)).toBeLessThan(0.04);
    },
  );
});

describe.each(EXECUTORS)('score expansion bookkeeping on the $name executor', (executor) => {
  it('second_order keeps each entry of the symmetric matrix once, in row-major order above the diagonal', async () => {
    const s = [0.3, -0.5, 0.2];
    const p = [0.2, 0.5, 0.3];
    const out = await executor.run({ s: { values: s, shape: [1, 3] }, p: { values: p, shape: [1, 3] } }, (ops, t) => ({
      expanded: expandScore(ops, 'second_order', t.s!, t.p!),
    }));
    const expected = [...s];
    for (let i = 0; i < 3; i++)
      for (let j = i; j < 3; j++) expected.push(s[i]! * s[j]! - ((i === j ? p[i]! : 0) - p[i]! * p[j]!));
    expect(Array.from(out.expanded!)).toHaveLength(9);
    expect(maxRelativeError(out.expanded!, expected)).toBeLessThan(1e-6);
  });

  it.each(['outer_probs', 'second_order'] as const)(
    'expanded SBD (%s) starts exactly where plain SBD does: same R₀ rows, the added rows at zero',
    async (expansion) => {
      const base = { sizes: [5, 7, 6, 3], rule: 'sbd' as const, loss: 'cross_entropy' as const };
      // λ near 1: this batch's own contribution to R (ζ = (1−λ)/B) vanishes, so the signals are R₀'s alone, and a
      // random start of the added rows would show as a different first update.
      const params = { ...decorrelationDefaults, lambda: 1 - 1e-8 };
      const plain = tinyModel({ ...base, params });
      const expanded = tinyModel({ ...base, params: { ...params, expansion } });
      const r = (m: Model, k: number) => m.initialState.find((e) => e.name === `rule.correlation${k}`)!.values;
      expect(r(expanded, 1).subarray(0, r(plain, 1).length)).toEqual(r(plain, 1));
      expect(
        r(expanded, 1)
          .subarray(r(plain, 1).length)
          .every((v) => v === 0),
      ).toBe(true);
      const batch = randomBatch(8, 5, 3, 11, 'cross_entropy');
      const names = ['w1', 'w2', 'w3'];
      const [a, b] = [await update(executor, plain, batch, names), await update(executor, expanded, batch, names)];
      for (const n of names) expect(maxRelativeError(b[n]!, a[n]!), n).toBeLessThan(1e-5);
    },
  );
});
