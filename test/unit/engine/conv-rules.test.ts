import { beforeAll, describe, expect, it } from 'vitest';
import type { RuleName, RuleParamValues } from '../../../shared/rules/catalogue';
import type { Model } from '../../../src-main/engine/model';
import { Rng } from '../../../src-main/common/random';
import { computeUpdate, trainingStep } from '../../../src-main/engine/step';
import {
  imageBatch,
  imageModel,
  naiveLayers,
  naiveParams,
  SMALL_NETS,
  stateWithBiases,
  type ImageNet,
} from '../../support/conv-fixtures';
import { decorrelationDefaults, maxRelativeError, useCpuBackend } from '../../support/engine-fixtures';
import {
  EXECUTORS,
  relativeError,
  stepInputs,
  type TestBatch,
  type TestExecutor,
  type TestInput,
} from '../../support/executors';
import {
  matmul,
  matmulTransposeA,
  naiveBackward,
  naiveForward,
  naiveLoss,
  naiveParamGradients,
  norm,
} from '../../support/naive-conv';

/*
 * Every rule's update of conv and locally connected layers (issue #11) against ALGORITHMS.md §1–3 worked out in
 * float64 loops (test/support/naive-conv.ts), then the optimiser's step on those weights and the diagnostics: the
 * engine supplies only the starting values (its seeded weights and rule matrices, biases drawn non-zero), never a
 * formula or a patch index. A hidden unit of an image layer is one (position, channel), flattened p·C + c, so Bₖ and
 * Rₖ (stored C × Nₖ) are per position and per channel.
 */

beforeAll(useCpuBackend);

interface RuleCase {
  rule: RuleName;
  loss: 'mse' | 'cross_entropy';
  params: RuleParamValues;
  label: string;
}

const RULES: RuleCase[] = [
  { rule: 'bp', loss: 'cross_entropy', params: {}, label: 'BP' },
  { rule: 'dfa', loss: 'cross_entropy', params: {}, label: 'DFA' },
  { rule: 'drtp', loss: 'cross_entropy', params: {}, label: 'DRTP' },
  { rule: 'dkp', loss: 'mse', params: { feedbackLr: 0.5, feedbackDecay: 0.1 }, label: 'DKP' },
  { rule: 'fa', loss: 'cross_entropy', params: {}, label: 'FA' },
  { rule: 'ebd', loss: 'mse', params: decorrelationDefaults, label: 'EBD, g = identity' },
  { rule: 'ebd', loss: 'mse', params: { ...decorrelationDefaults, g: 'square' }, label: 'EBD, g = h²/2' },
  { rule: 'sbd', loss: 'cross_entropy', params: decorrelationDefaults, label: 'SBD' },
];

const BATCH = 4;

/** The update directions and rule-state updates the formulas give, from the state the engine starts from. */
function expectedUpdate(net: ImageNet, model: Model, c: RuleCase, state: Record<string, TestInput>, batch: TestBatch) {
  const layers = naiveLayers(net);
  const L = layers.length;
  const C = net.classes;
  const B = batch.rows;
  const { weights } = naiveParams(model, state);
  const pass = naiveForward(layers, naiveParams(model, state), Float64Array.from(batch.x), B);
  const { score: s } = naiveLoss(c.loss, pass.h[L]!, batch.y, B);
  const y = Float64Array.from(batch.y);
  const ruleState = (name: string) => Float64Array.from(state[`rule.${name}`]!.values);
  const grads: Record<string, Float64Array> = {};
  const next: Record<string, Float64Array> = {};
  const setGrads = (k: number, phi: Float64Array) => {
    const g = naiveParamGradients(layers[k - 1]!, pass.pooled[k]!, phi, B);
    grads[`w${k}`] = g.weight;
    grads[`b${k}`] = g.bias;
  };
  // The output layer: its true local gradient, Φ_L = s / B, under every rule.
  setGrads(
    L,
    s.map((v) => v / B),
  );
  const lambda = c.params.lambda as number;
  const zeta = (1 - lambda) / B;
  const square = c.params.g === 'square';
  let phiAbove = s; // BP and FA: Φ_{k+1} = δ_{k+1} ⊙ f'_{k+1}, unscaled; Φ_L = s
  for (let k = L - 1; k >= 1; k--) {
    const N = layers[k - 1]!.units;
    const h = pass.h[k]!;
    const fprime = pass.fprime[k]!;
    let delta: Float64Array;
    let post = fprime;
    let scale = 1 / B;
    switch (c.rule) {
      case 'dfa':
      case 'dkp':
        delta = matmul(s, ruleState(`broadcast${k}`), B, C, N);
        break;
      case 'drtp':
        delta = matmul(y, ruleState(`broadcast${k}`), B, C, N);
        break;
      case 'bp':
        delta = naiveBackward(layers[k]!, weights[k]!, phiAbove, h, B);
        break;
      case 'fa':
        delta = naiveBackward(layers[k]!, ruleState(`feedback${k + 1}`), phiAbove, h, B);
        break;
      case 'ebd':
      case 'sbd': {
        // R ← λR + ζ g(H)ᵀ s (stored C × N: sᵀ g(H)), and this step's signal uses the updated R.
        const gh = square ? h.map((v) => 0.5 * v * v) : h;
        const hebb = matmulTransposeA(s, gh, B, C, N);
        const r = ruleState(`correlation${k}`).map((v, i) => lambda * v + zeta * hebb[i]!);
        next[`rule.correlation${k}`] = r;
        delta = matmul(s, r, B, C, N);
        if (square) post = fprime.map((v, i) => v * h[i]!); // g'(h) = h
        scale = zeta;
        break;
      }
      case 'pepita':
        throw new Error('PEPITA has no hidden signal: its conv update is checked in pepita.test.ts');
    }
    if (c.rule === 'dkp') {
      const b0 = ruleState(`broadcast${k}`);
      const hebb = matmulTransposeA(s, h, B, C, N);
      const { feedbackLr: lr, feedbackDecay: decay } = c.params as { feedbackLr: number; feedbackDecay: number };
      next[`rule.broadcast${k}`] = b0.map((v, i) => v - lr * (hebb[i]! / B + decay * v));
    }
    const phi = delta.map((v, i) => v * post[i]!);
    setGrads(
      k,
      phi.map((v) => v * scale),
    );
    phiAbove = delta.map((v, i) => v * fprime[i]!);
  }
  return { grads, next };
}

describe.each(EXECUTORS)('broadcast rules on conv and locally connected layers, $name executor', (executor) => {
  const cases = (['CNN', 'LC'] as const).flatMap((net) => RULES.map((c) => ({ ...c, net })));

  it.each(cases)('$label on the $net equals its formula worked out in loops', async (c) => {
    const net = SMALL_NETS[c.net];
    const model = imageModel(net, { rule: c.rule, loss: c.loss, params: c.params });
    const state = stateWithBiases(model);
    const batch = imageBatch(net, BATCH, 31);
    const expected = expectedUpdate(net, model, c, state, batch);
    const names = model.params().map((p) => p.name);
    const out = await executor.run({ ...state, ...stepInputs(model, batch) }, (ops, inputs) => {
      const update = computeUpdate(ops, model, inputs, inputs, false);
      return {
        ...Object.fromEntries(names.map((n) => [n, update.grads[n]!.value()])),
        ...update.stateUpdates,
      };
    });
    for (const name of names) {
      expect(norm(expected.grads[name]!), `${name} is not trivially zero`).toBeGreaterThan(1e-6);
      expect(relativeError(out[name]!, expected.grads[name]!), name).toBeLessThan(1e-5);
      expect(maxRelativeError(out[name]!, expected.grads[name]!), name).toBeLessThan(1e-5);
    }
    // The rule's learned state, and nothing else: DKP's B and EBD/SBD's R move, the fixed rules keep theirs.
    const learned = Object.keys(out).filter((n) => n.startsWith('rule.'));
    expect(learned.sort()).toEqual(Object.keys(expected.next).sort());
    for (const [name, value] of Object.entries(expected.next)) {
      expect(relativeError(out[name]!, value), name).toBeLessThan(1e-5);
      expect(relativeError(value, state[name]!.values), `${name} moved`).toBeGreaterThan(1e-3);
    }
  });
});

describe.each(EXECUTORS)('the optimiser’s step on conv and local weights, $name executor', (executor) => {
  // SGD and momentum fold Φ into the weight product (the layers' accumulateWeight) rather than forming the gradient.
  it.each((['CNN', 'LC'] as const).flatMap((net) => (['sgd', 'momentum'] as const).map((kind) => ({ net, kind }))))(
    '$kind on the $net moves every parameter by the rate times the formula’s gradient',
    async ({ net, kind }) => {
      const spec = SMALL_NETS[net];
      const [rate, beta] = [0.3, 0.9];
      const c: RuleCase = { rule: 'bp', loss: 'cross_entropy', params: {}, label: 'BP' };
      const model = imageModel(spec, {
        rule: 'bp',
        loss: c.loss,
        optimizer: { kind, learningRate: rate, momentum: beta },
      });
      const state = stateWithBiases(model);
      // A velocity that is not zero, so that β·v counts as well as the gradient.
      const velocity = new Map<string, Float32Array>();
      model.params().forEach((p, i) => {
        const name = `opt.m${i}`;
        if (!state[name]) return;
        const values = new Rng(50 + i).fillNormal(new Float32Array(state[name].values.length), 0.01);
        velocity.set(p.name, values);
        state[name] = { values, shape: state[name].shape };
      });
      const batch = imageBatch(spec, BATCH, 37);
      const { grads } = expectedUpdate(spec, model, c, state, batch);
      const out = await executor.run({ ...state, ...stepInputs(model, batch) }, (ops, inputs) => {
        const { next } = trainingStep(ops, model, inputs, inputs);
        return Object.fromEntries(model.params().map((p) => [p.name, next[p.name]!]));
      });
      for (const { name } of model.params()) {
        const v = velocity.get(name);
        const direction = kind === 'sgd' ? grads[name]! : grads[name]!.map((g, i) => beta * v![i]! + g);
        const expected = Float64Array.from(state[name]!.values).map((w, i) => w - rate * direction[i]!);
        const moved = relativeError(out[name]!, state[name]!.values);
        expect(moved, `${name} moved`).toBeGreaterThan(1e-3);
        // The error against the start's scale: float32 rounding of w itself is the floor.
        expect(relativeError(out[name]!, expected) / moved, name).toBeLessThan(1e-4);
      }
    },
  );
});

/*
 * The per-layer diagnostics (docs/diagnostics.md) on a conv and a local layer, each max-pooled (issue #11): BP’s
 * cosine with itself is 1, and EBD's BP cosine, feedback cosine and learned share equal their definitions worked out
 * in float64 loops (test/support/naive-conv.ts) from the same state and batch.
 */

// conv + max pool → local + max pool → (pooled) dense readout: every pooled path the diagnostics carry Jacobians through.
const POOLED_NET: ImageNet = {
  input: { height: 6, width: 6, channels: 2 },
  hidden: [
    { kind: 'conv', channels: 3, kernel: 3, stride: 1, padding: 1, activation: 'tanh', pool: { kind: 'max', size: 2 } },
    {
      kind: 'local',
      channels: 4,
      kernel: 2,
      stride: 1,
      padding: 0,
      activation: 'tanh',
      pool: { kind: 'max', size: 2 },
    },
  ],
  classes: 3,
};
const DIAGNOSTIC_BATCH = 6;
const LAMBDA = 0.9;

async function diagnose(executor: TestExecutor, rule: RuleName) {
  const model = imageModel(POOLED_NET, {
    rule,
    loss: 'mse',
    params: rule === 'ebd' ? { ...decorrelationDefaults, lambda: LAMBDA } : {},
  });
  const state = stateWithBiases(model);
  const batch = imageBatch(POOLED_NET, DIAGNOSTIC_BATCH, 41);
  const out = await executor.run(
    { ...state, ...stepInputs(model, batch) },
    (ops, inputs) => computeUpdate(ops, model, inputs, inputs, true).diagnostics,
  );
  return { model, state, batch, values: Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v[0]!])) };
}

const cosine = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i]! * b[i]!;
  return dot / (norm(a) * norm(b));
};

describe.each(EXECUTORS)('diagnostics of a conv net with pooling on the $name executor', (executor) => {
  it('BP: bp_cosine is 1 in every hidden layer', async () => {
    const { values } = await diagnose(executor, 'bp');
    for (const k of [1, 2]) expect(Math.abs(values[`layer${k}.bp_cosine`]! - 1), `layer ${k}`).toBeLessThan(1e-5);
  });

  it('EBD: bp_cosine, feedback_cosine and learned_share are finite and equal their definitions', async () => {
    const { model, state, batch, values } = await diagnose(executor, 'ebd');
    const expected = ebdDiagnostics(model, state, batch);
    for (const k of [1, 2]) {
      for (const metric of ['bp_cosine', 'feedback_cosine', 'learned_share'] as const) {
        const value = values[`layer${k}.${metric}`];
        expect(Number.isFinite(value), `layer${k}.${metric} = ${value}`).toBe(true);
        expect(Math.abs(value! - expected[k]![metric]), `layer${k}.${metric}`).toBeLessThan(1e-4);
      }
      // The three are informative here, not pinned at an end of their range.
      expect(Math.abs(expected[k]!.bp_cosine)).toBeLessThan(0.99);
      expect(expected[k]!.learned_share).toBeGreaterThan(1e-3);
      expect(expected[k]!.learned_share).toBeLessThan(0.99);
    }
  });
});

/** docs/diagnostics.md's definitions for EBD at step 0 (R's start weight λ), from the loop reference. */
function ebdDiagnostics(model: Model, state: ReturnType<typeof stateWithBiases>, batch: ReturnType<typeof imageBatch>) {
  const layers = naiveLayers(POOLED_NET);
  const params = naiveParams(model, state);
  const B = batch.rows;
  const C = POOLED_NET.classes;
  const L = layers.length;
  const pass = naiveForward(layers, params, Float64Array.from(batch.x), B);
  const { score: s } = naiveLoss('mse', pass.h[L]!, batch.y, B);
  const zeta = (1 - LAMBDA) / B;
  // BP's Φ for every hidden layer (unscaled; Φ_L = s).
  const bp: Float64Array[] = [];
  let above = s;
  for (let k = L - 1; k >= 1; k--) {
    const back = naiveBackward(layers[k]!, params.weights[k]!, above, pass.h[k]!, B);
    bp[k] = back.map((v, i) => v * pass.fprime[k]![i]!);
    above = bp[k]!;
  }
  // Jₖ = the batch mean of ∂z/∂hₖ (C × Nₖ): one backward pass per output c.
  const jacobians: Float64Array[] = [];
  for (let c = 0; c < C; c++) {
    let g: Float64Array = new Float64Array(B * C);
    for (let b = 0; b < B; b++) g[b * C + c] = 1;
    for (let k = L - 1; k >= 1; k--) {
      const phi: Float64Array = k === L - 1 ? g : g.map((v, i) => v * pass.fprime[k + 1]![i]!);
      g = naiveBackward(layers[k]!, params.weights[k]!, phi, pass.h[k]!, B);
      const N = layers[k - 1]!.units;
      jacobians[k] ??= new Float64Array(C * N);
      for (let b = 0; b < B; b++) for (let n = 0; n < N; n++) jacobians[k]![c * N + n]! += g[b * N + n]! / B;
    }
  }
  const out: Record<number, { bp_cosine: number; feedback_cosine: number; learned_share: number }> = {};
  for (let k = 1; k < L; k++) {
    const N = layers[k - 1]!.units;
    const h = pass.h[k]!;
    const r0 = Float64Array.from(state[`rule.correlation${k}`]!.values);
    const learned = matmulTransposeA(s, h, B, C, N).map((v) => zeta * v);
    const r = r0.map((v, i) => LAMBDA * v + learned[i]!);
    const phi = matmul(s, r, B, C, N).map((v, i) => zeta * v * pass.fprime[k]![i]!);
    const ruleGrad = naiveParamGradients(layers[k - 1]!, pass.pooled[k]!, phi, B).weight;
    const bpGrad = naiveParamGradients(
      layers[k - 1]!,
      pass.pooled[k]!,
      bp[k]!.map((v) => v / B),
      B,
    ).weight;
    out[k] = {
      bp_cosine: cosine(ruleGrad, bpGrad),
      feedback_cosine: cosine(r, jacobians[k]!),
      // R − λR₀ is what this step's batch added: ζ sᵀH.
      learned_share: norm(learned) / norm(r),
    };
  }
  return out;
}
