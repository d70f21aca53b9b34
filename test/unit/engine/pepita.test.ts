import { beforeAll, describe, expect, it } from 'vitest';
import { checkRuleParams, withDefaults, type RuleName } from '../../../shared/rules/catalogue';
import { Rng } from '../../../src-main/common/random';
import { EagerRunner } from '../../../src-main/engine/eager/runner';
import type { LossName } from '../../../src-main/engine/losses';
import { Model, type ModelConfig } from '../../../src-main/engine/model';
import { OnnxRunner } from '../../../src-main/engine/onnx/runner';
import { estimateRunMemory, SECOND_PASS_COPIES, STATE_COPIES } from '../../../src-main/engine/memory-estimate';
import { frozenHidden } from '../../../src-main/engine/presets';
import { broadcastInit } from '../../../src-main/engine/rules/feedback-init';
import { computeUpdate, diagnosticStep, trainingStep } from '../../../src-main/engine/step';
import {
  imageBatch,
  imageModel,
  naiveLayers,
  naiveParams,
  SMALL_NETS,
  stateWithBiases,
} from '../../support/conv-fixtures';
import { randomBatch, tinyConfig, useCpuBackend } from '../../support/engine-fixtures';
import { smallTaskAccuracy } from '../../support/small-task';
import {
  EXECUTORS,
  relativeError,
  stepInputs,
  trainChunk,
  type TestBatch,
  type TestInput,
} from '../../support/executors';
import { naiveForward, naiveLoss, naiveParamGradients, norm } from '../../support/naive-conv';

/*
 * PEPITA (Dellaferrera & Kreiman 2022; ALGORITHMS.md §4) on dense, conv and locally connected networks: the step's
 * gradients against the rule worked out in float64 loops (two forward passes, the second on x + s·F), its fixed
 * input feedback F, compiled against eager training, and learning on a small task beside the frozen-hidden control.
 */

beforeAll(useCpuBackend);

const BATCH = 4;
const F = 'rule.inputFeedback';

/** A network as the reference sees it: its forward pass (h and each layer's input as its weights see it). */
interface Reference {
  forward(x: Float64Array): { h: Float64Array[]; seen: Float64Array[] };
  gradients(k: number, seen: Float64Array, phi: Float64Array): { weight: Float64Array; bias: Float64Array };
}

/** A dense tanh network with a linear readout in plain loops, weights stored fan-in × fan-out. */
function denseReference(sizes: number[], weights: Float64Array[], biases: Float64Array[], batch: number): Reference {
  const L = sizes.length - 1;
  return {
    forward: (x) => {
      const h = [x];
      for (let k = 1; k <= L; k++) {
        const [n, m] = [sizes[k - 1]!, sizes[k]!];
        const out = new Float64Array(batch * m);
        for (let b = 0; b < batch; b++)
          for (let j = 0; j < m; j++) {
            let u = biases[k - 1]![j]!;
            for (let i = 0; i < n; i++) u += h[k - 1]![b * n + i]! * weights[k - 1]![i * m + j]!;
            out[b * m + j] = k === L ? u : Math.tanh(u);
          }
        h.push(out);
      }
      return { h, seen: [new Float64Array(0), ...h.slice(0, L)] };
    },
    gradients: (k, seen, phi) => {
      const [n, m] = [sizes[k - 1]!, sizes[k]!];
      const weight = new Float64Array(n * m);
      const bias = new Float64Array(m);
      for (let b = 0; b < batch; b++)
        for (let j = 0; j < m; j++) {
          bias[j]! += phi[b * m + j]!;
          for (let i = 0; i < n; i++) weight[i * m + j]! += seen[b * n + i]! * phi[b * m + j]!;
        }
      return { weight, bias };
    },
  };
}

/**
 * PEPITA's update from its formula: x̃ = x + s·F (s the first pass's score, F stored C × d_in); hidden ℓ:
 * (h_ℓ − h̃_ℓ)/B against h̃_{ℓ−1}; readout: ẽ/B (the second pass's score) against h̃_{L−1}. Biases from the same Φ.
 */
function expectedPepita(
  ref: Reference,
  depth: number,
  loss: LossName,
  feedback: ArrayLike<number>,
  batch: TestBatch,
): { grads: Record<string, Float64Array>; modulated: Float64Array[] } {
  const B = batch.rows;
  const x = Float64Array.from(batch.x);
  const d = x.length / B;
  const first = ref.forward(x);
  const C = first.h[depth]!.length / B;
  const { score } = naiveLoss(loss as 'mse' | 'cross_entropy', first.h[depth]!, batch.y, B);
  const modulated = x.slice();
  for (let b = 0; b < B; b++)
    for (let i = 0; i < d; i++)
      for (let c = 0; c < C; c++) modulated[b * d + i]! += score[b * C + c]! * feedback[c * d + i]!;
  const second = ref.forward(modulated);
  const { score: error } = naiveLoss(loss as 'mse' | 'cross_entropy', second.h[depth]!, batch.y, B);
  const out: Record<string, Float64Array> = {};
  for (let k = 1; k <= depth; k++) {
    const phi = k === depth ? error.map((v) => v / B) : first.h[k]!.map((v, i) => (v - second.h[k]![i]!) / B);
    const g = ref.gradients(k, second.seen[k]!, phi);
    out[`w${k}`] = g.weight;
    out[`b${k}`] = g.bias;
  }
  return { grads: out, modulated: second.h };
}

interface FormulaCase {
  net: 'dense' | 'CNN' | 'LC';
  loss: LossName;
  feedbackScale: number;
}

/** The case's model, its state (biases drawn non-zero) and the reference of its network. */
function formulaSetting(c: FormulaCase): {
  model: Model;
  state: Record<string, TestInput>;
  ref: Reference;
  batch: TestBatch;
} {
  const params = { feedbackScale: c.feedbackScale };
  if (c.net === 'dense') {
    const sizes = [5, 7, 6, 3];
    const model = new Model(tinyConfig({ sizes, rule: 'pepita', loss: c.loss, params }), 3);
    const state = stateWithBiases(model);
    const { weights, biases } = naiveParams(model, state);
    const ref = denseReference(sizes, weights, biases as Float64Array[], BATCH);
    return { model, state, ref, batch: randomBatch(BATCH, 5, 3, 21) };
  }
  const net = SMALL_NETS[c.net];
  const model = imageModel(net, { rule: 'pepita', loss: c.loss, params });
  const state = stateWithBiases(model);
  const layers = naiveLayers(net);
  const p = naiveParams(model, state);
  const ref: Reference = {
    forward: (x) => {
      const pass = naiveForward(layers, p, x, BATCH);
      return { h: pass.h, seen: pass.pooled };
    },
    gradients: (k, seen, phi) => naiveParamGradients(layers[k - 1]!, seen, phi, BATCH),
  };
  return { model, state, ref, batch: imageBatch(net, BATCH, 23) };
}

describe.each(EXECUTORS)('PEPITA’s update, $name executor', (executor) => {
  const cases: FormulaCase[] = [
    { net: 'dense', loss: 'mse', feedbackScale: 0.05 },
    { net: 'dense', loss: 'cross_entropy', feedbackScale: 1 },
    { net: 'CNN', loss: 'cross_entropy', feedbackScale: 0.5 },
    { net: 'LC', loss: 'mse', feedbackScale: 0.5 },
  ];

  it.each(cases)('matches its formula on the $net net ($loss, F scale $feedbackScale)', async (c) => {
    const { model, state, ref, batch } = formulaSetting(c);
    const expected = expectedPepita(ref, model.depth, c.loss, state[F]!.values, batch).grads;
    const names = model.params().map((p) => p.name);
    const out = await executor.run({ ...state, ...stepInputs(model, batch) }, (ops, inputs) => {
      const update = computeUpdate(ops, model, inputs, inputs, false);
      return { ...Object.fromEntries(names.map((n) => [n, update.grads[n]!.value()])), ...update.stateUpdates };
    });
    for (const name of names) {
      expect(norm(expected[name]!), `${name} is not trivially zero`).toBeGreaterThan(1e-6);
      expect(relativeError(out[name]!, expected[name]!), name).toBeLessThan(1e-4);
    }
    // F is fixed: the step updates no rule state.
    expect(Object.keys(out).filter((n) => n.startsWith('rule.'))).toEqual([]);
  });

  it.each(cases.slice(1, 3))('moves the weights by SGD’s rate times the formula on the $net net', async (c) => {
    // SGD folds Φ into the weight product (the layers' accumulateWeight): with the modulated pass's input too.
    const rate = 0.3;
    const { model: base, state, ref, batch } = formulaSetting(c);
    const model = new Model(
      { ...base.config, optimizer: { ...base.config.optimizer, kind: 'sgd', learningRate: rate } },
      3,
    );
    const expected = expectedPepita(ref, model.depth, c.loss, state[F]!.values, batch).grads;
    const names = model.params().map((p) => p.name);
    const out = await executor.run({ ...state, ...stepInputs(model, batch) }, (ops, inputs) => {
      const { next } = trainingStep(ops, model, inputs, inputs);
      return Object.fromEntries(names.map((n) => [n, next[n]!]));
    });
    for (const name of names) {
      const before = state[name]!.values;
      const moved = out[name]!.map((v, i) => (before[i]! - v) / rate);
      expect(relativeError(moved, expected[name]!), name).toBeLessThan(1e-3);
    }
  });

  it('keeps the regularisers’ own terms, on the first pass, as under every other rule', async () => {
    // Activity terms and weight decay are local to the step's forward pass: PEPITA's gradient with them minus
    // without them is BP's with them minus without them, layer by layer (the rule's term cancels in each pair).
    const regularizers = { power: { coefficient: 0.05, target: 0.2 }, activationL1: 0.01, weightDecay: 0.02 };
    const gradients = async (rule: RuleName, withRegularisers: boolean) => {
      const config = tinyConfig({ rule, loss: 'mse', regularizers: withRegularisers ? regularizers : {} });
      const model = new Model(config, 3);
      const batch = randomBatch(BATCH, 5, 3, 21);
      const names = model.params().map((p) => p.name);
      return executor.run({ ...stateWithBiases(model), ...stepInputs(model, batch) }, (ops, inputs) => {
        const update = computeUpdate(ops, model, inputs, inputs, false);
        return Object.fromEntries(names.map((n) => [n, update.grads[n]!.value()]));
      });
    };
    const [pepita, pepitaPlain, bp, bpPlain] = [
      await gradients('pepita', true),
      await gradients('pepita', false),
      await gradients('bp', true),
      await gradients('bp', false),
    ];
    for (const name of ['w1', 'b1', 'w2', 'b2', 'w3']) {
      const mine = pepita[name]!.map((v, i) => v - pepitaPlain[name]![i]!);
      const reference = bp[name]!.map((v, i) => v - bpPlain[name]![i]!);
      expect(norm(reference), `${name}: the regularisers add something`).toBeGreaterThan(1e-4);
      expect(relativeError(mine, reference), name).toBeLessThan(1e-3);
    }
  });
});

describe('PEPITA’s diagnostics', () => {
  it('compare its own update with BP’s and show its factors (pre: the modulated pass’s input, post: 1)', async () => {
    const c: FormulaCase = { net: 'dense', loss: 'mse', feedbackScale: 1 };
    const { model, state, ref, batch } = formulaSetting(c);
    const expected = expectedPepita(ref, model.depth, c.loss, state[F]!.values, batch);
    // BP's gradients of the same loss, batch and weights (the engine's BP is checked against autodiff elsewhere).
    const bpModel = new Model(tinyConfig({ sizes: [5, 7, 6, 3], rule: 'bp', loss: 'mse' }), 3);
    const bp = await EXECUTORS[0]!.run({ ...state, ...stepInputs(bpModel, batch) }, (ops, inputs) => {
      const update = computeUpdate(ops, bpModel, inputs, inputs, false);
      return { w1: update.grads.w1!.value(), w2: update.grads.w2!.value() };
    });
    const runs = [];
    for (const executor of EXECUTORS)
      runs.push(
        await executor.run({ ...state, ...stepInputs(model, batch) }, (ops, inputs) =>
          diagnosticStep(ops, model, inputs, inputs),
        ),
      );
    const [out, compiled] = runs as [Record<string, Float32Array>, Record<string, Float32Array>];
    for (const k of [1, 2]) {
      const cos = cosine(expected.grads[`w${k}`]!, bp[`w${k}`]!);
      expect(Math.abs(cos), `layer ${k}: neither BP’s direction nor orthogonal to it`).toBeLessThan(0.99);
      expect(out[`layer${k}.bp_cosine`]![0]!, `layer ${k}`).toBeCloseTo(cos, 4);
      expect(out[`layer${k}.post.mean`]![0]).toBe(1);
      expect(out[`layer${k}.post.std`]![0]).toBe(0);
      const pre = expected.modulated[k - 1]!;
      expect(out[`layer${k}.pre.mean`]![0]!).toBeCloseTo(pre.reduce((a, v) => a + v, 0) / pre.length, 5);
    }
    // No broadcast matrix at a hidden layer: no alignment diagnostics for it.
    expect(Object.keys(out).filter((n) => /broadcast_|feedback_|learned_|dfa_/.test(n))).toEqual([]);
    // The compiled graph records the same diagnostics.
    expect(Object.keys(compiled).sort()).toEqual(Object.keys(out).sort());
    for (const [name, value] of Object.entries(out)) expect(compiled[name]![0]!, name).toBeCloseTo(value[0]!, 4);
  });
});

describe('PEPITA’s input feedback F', () => {
  it('is drawn from the seed, uniform on ±scale·√(6/d_in), and never changes', async () => {
    const config = tinyConfig({ sizes: [5, 7, 6, 3], rule: 'pepita', params: { feedbackScale: 0.05 } });
    const entry = (m: Model) => m.initialState.find((e) => e.name === F)!;
    const [a, b, other] = [new Model(config, 3), new Model(config, 3), new Model(config, 4)];
    expect(entry(a).shape).toEqual([3, 5]);
    expect(entry(a).learned).toBe(false);
    expect(Array.from(entry(a).values)).toEqual(Array.from(entry(b).values));
    expect(Array.from(entry(a).values)).not.toEqual(Array.from(entry(other).values));
    const limit = 0.05 * Math.sqrt(6 / 5);
    const largest = Math.max(...Array.from(entry(a).values, Math.abs));
    expect(largest).toBeLessThanOrEqual(limit);
    expect(largest).toBeGreaterThan(0.5 * limit);
    // Ten SGD steps: the weights move, F stays as drawn.
    const batch = randomBatch(BATCH, 5, 3, 5);
    const out = await EXECUTORS[0]!.run({ ...stateWithBiases(a), ...stepInputs(a, batch) }, (ops, inputs) => {
      let state = inputs;
      for (let t = 0; t < 10; t++) state = { ...state, ...trainingStep(ops, a, state, inputs).next };
      return { F: state[F]!, w1: state.w1! };
    });
    expect(Array.from(out.F!)).toEqual(Array.from(entry(a).values));
    expect(relativeError(out.w1!, a.initialState.find((e) => e.name === 'w1')!.values)).toBeGreaterThan(1e-3);
  });

  it('leaves every other rule’s weights and matrices as they were', () => {
    const seed = 9;
    const model = (rule: RuleName) => new Model(tinyConfig({ sizes: [5, 7, 6, 3], rule }), seed);
    const [pepita, dfa, fa] = [model('pepita'), model('dfa'), model('fa')];
    const values = (m: Model, name: string) => Array.from(m.initialState.find((e) => e.name === name)!.values);
    for (const name of ['w1', 'w2', 'w3']) {
      expect(values(pepita, name)).toEqual(values(dfa, name));
      expect(values(pepita, name)).toEqual(values(fa, name));
    }
    // DFA's matrices are still the ones drawn from the seed's own named streams, whatever rules exist beside it.
    for (const [k, units] of [
      [1, 7],
      [2, 6],
    ] as const)
      expect(values(dfa, `rule.broadcast${k}`)).toEqual(Array.from(broadcastInit(new Rng(seed), k, 3, units, 1)));
    // PEPITA's own state is F alone, beside the same weights and biases.
    const names = (m: Model) => m.initialState.map((e) => e.name);
    expect(names(pepita).filter((n) => n.startsWith('rule.'))).toEqual([F]);
    expect(names(pepita).filter((n) => !n.startsWith('rule.'))).toEqual(
      names(dfa).filter((n) => !n.startsWith('rule.')),
    );
  });
});

describe('PEPITA’s parameters', () => {
  it('default to the paper’s F scale and refuse a scale out of range or a parameter it does not have', () => {
    expect(withDefaults('pepita', {})).toEqual({ feedbackScale: 0.05 });
    expect(checkRuleParams('pepita', { feedbackScale: 0.5 })).toEqual([]);
    expect(checkRuleParams('pepita', { feedbackScale: 0 })).toEqual([
      ['feedbackScale', 'Input feedback scale must be between 0.0001 and 10, got 0'],
    ]);
    expect(checkRuleParams('pepita', { feedbackScale: 'big' })).toEqual([
      ['feedbackScale', 'Input feedback scale must be a number'],
    ]);
    expect(checkRuleParams('pepita', { lambda: 0.9 })).toEqual([
      ['lambda', 'PEPITA has no parameter "lambda" (it has: feedbackScale)'],
    ]);
  });
});

describe('PEPITA’s memory estimate', () => {
  it('counts F with the first layer and the second pass’s activations with every layer', () => {
    const run = { batchSize: 8, evalBatch: 4 };
    const parts = (rule: RuleName, kind: string) =>
      estimateRunMemory(tinyConfig({ sizes: [5, 7, 6, 3], rule }), run)
        .parts.filter((p) => p.kind === kind)
        .map((p) => [p.layer, p.bytes]);
    // F: 3 outputs × 5 inputs, float32, in each of the state's copies.
    expect(parts('pepita', 'rule state')).toEqual([[1, STATE_COPIES * 3 * 5 * 4]]);
    const [mine, bp] = [parts('pepita', 'activations'), parts('bp', 'activations')];
    expect(mine.map(([layer, bytes], i) => [layer, bytes! - bp[i]![1]!])).toEqual(
      [7, 6, 3].map((units, i) => [i + 1, SECOND_PASS_COPIES * run.batchSize * units * 4]),
    );
  });
});

/** ⟨a, b⟩ / (‖a‖‖b‖) as flat vectors. */
function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let [ab, aa, bb] = [0, 0, 0];
  for (let i = 0; i < a.length; i++) {
    ab += a[i]! * b[i]!;
    aa += a[i]! ** 2;
    bb += b[i]! ** 2;
  }
  return ab / Math.sqrt(aa * bb);
}

/** The trainer's two executors: the eager step on TF.js and the step compiled into an ONNX Loop. */
const RUNNERS = [
  {
    name: 'eager',
    make: async (m: Model, batch: number) =>
      new EagerRunner(m, batch, { backend: 'cpu', device: 'js', threads: null, versions: {} }),
  },
  {
    name: 'onnx',
    make: (m: Model, batch: number) => OnnxRunner.create(m, { backend: 'onnx-cpu', threads: 1, batchSize: batch }),
  },
] as const;

describe('compiled (ONNX) and eager PEPITA training', () => {
  const cases = [
    {
      net: 'dense',
      loss: 'mse',
      // SGD folds Φ into the weight product, with the modulated pass's input; the regularisers' product is apart.
      config: () =>
        tinyConfig({
          rule: 'pepita',
          loss: 'mse',
          params: { feedbackScale: 1 },
          optimizer: { kind: 'sgd', learningRate: 0.1 },
          regularizers: { power: { coefficient: 0.01, target: 1 }, weightDecay: 1e-3 },
        }),
      batch: (t: number) => randomBatch(BATCH, 5, 3, 200 + t),
    },
    {
      net: 'CNN',
      loss: 'cross_entropy',
      config: () => ({
        ...imageModel(SMALL_NETS.CNN, {
          rule: 'pepita',
          loss: 'cross_entropy',
          params: { feedbackScale: 0.5 },
          optimizer: { kind: 'adam', learningRate: 0.02 },
        }).config,
      }),
      batch: (t: number) => imageBatch(SMALL_NETS.CNN, BATCH, 300 + t),
    },
  ] as const;

  it.each(cases)('agree over 10 steps on the $net net ($loss): weights, optimiser, loss', async (c) => {
    const model = new Model(c.config() as ModelConfig, 5);
    const batches = Array.from({ length: 10 }, (_, t) => c.batch(t));
    const results = [];
    for (const runner of RUNNERS) results.push(await trainChunk(await runner.make(model, BATCH), model, batches));
    const [e, o] = results as [(typeof results)[0], (typeof results)[0]];
    expect(relativeError(o.loss, e.loss), 'losses').toBeLessThan(1e-4);
    expect(new Set(e.loss).size).toBe(10);
    for (const entry of model.initialState.filter((s) => s.saved)) {
      const [mine, reference] = [o.state.get(entry.name)!.values, e.state.get(entry.name)!.values];
      expect(relativeError(mine, reference), entry.name).toBeLessThan(1e-4);
      if (entry.learned) expect(relativeError(reference, entry.values), `${entry.name} moved`).toBeGreaterThan(1e-4);
      else expect(Array.from(reference), `${entry.name} fixed`).toEqual(Array.from(entry.values));
    }
  });
});

describe('PEPITA learns', () => {
  it('a small classification task, well above chance and above the frozen-hidden control', async () => {
    // The shared small task (BP reaches 0.98 there, frozen 0.58).
    const config = tinyConfig({
      sizes: [12, 3, 4],
      activation: 'tanh',
      rule: 'pepita',
      loss: 'cross_entropy',
      params: { feedbackScale: 0.05 },
      optimizer: { kind: 'momentum', learningRate: 0.05, momentum: 0.9 },
    });
    // 300 steps each.
    const [pepita, frozen] = [await smallTaskAccuracy(config), await smallTaskAccuracy(frozenHidden(config))];
    expect(pepita, `PEPITA ${pepita} against chance 0.25`).toBeGreaterThan(0.7);
    expect(pepita, `PEPITA ${pepita} against frozen hidden ${frozen}`).toBeGreaterThan(frozen + 0.15);
  });
});
