import { beforeAll, describe, expect, it } from 'vitest';
import { ExperimentSpec } from '../../../shared/schemas/experiment';
import { checkRuleParams } from '../../../shared/rules/catalogue';
import { EagerRunner } from '../../../src-main/engine/eager/runner';
import type { Model, StepInputValues } from '../../../src-main/engine/model';
import { OnnxRunner } from '../../../src-main/engine/onnx/runner';
import type { StepRunner } from '../../../src-main/engine/runner';
import { planRuns } from '../../../src-main/engine/run-plan';
import { randomBatch, tinyModel, useCpuBackend, type TinyOptions } from '../../support/engine-fixtures';
import type { TestBatch } from '../../support/executors';

beforeAll(useCpuBackend);

const runners: { name: string; make(model: Model, batch: number): Promise<StepRunner> }[] = [
  {
    name: 'eager',
    make: async (m, b) => new EagerRunner(m, b, { backend: 'cpu', device: 'js', threads: null, versions: {} }),
  },
  { name: 'onnx', make: (m, b) => OnnxRunner.create(m, { backend: 'onnx-cpu', threads: 1, batchSize: b }) },
];

/** Plain float64 matrices, row-major, for the independent computation. */
type Matrix = { rows: number; cols: number; v: Float64Array };
const matrix = (rows: number, cols: number, values: ArrayLike<number>): Matrix => ({
  rows,
  cols,
  v: Float64Array.from(values),
});
function matmul(a: Matrix, b: Matrix, ta = false, tb = false): Matrix {
  const [n, k] = ta ? [a.cols, a.rows] : [a.rows, a.cols];
  const m = tb ? b.rows : b.cols;
  const out = new Float64Array(n * m);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let p = 0; p < k; p++)
        s += (ta ? a.v[p * a.cols + i]! : a.v[i * a.cols + p]!) * (tb ? b.v[j * b.cols + p]! : b.v[p * b.cols + j]!);
      out[i * m + j] = s;
    }
  return { rows: n, cols: m, v: out };
}
const zip = (a: Matrix, b: Matrix, f: (x: number, y: number) => number): Matrix => ({
  rows: a.rows,
  cols: a.cols,
  v: a.v.map((x, i) => f(x, b.v[i]!)),
});
const norm = (a: Matrix) => Math.sqrt(a.v.reduce((s, x) => s + x * x, 0));
const cos = (a: Matrix, b: Matrix) => a.v.reduce((s, x, i) => s + x * b.v[i]!, 0) / (norm(a) * norm(b));
const transpose = (a: Matrix): Matrix => {
  const out = new Float64Array(a.v.length);
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < a.cols; j++) out[j * a.rows + i] = a.v[i * a.cols + j]!;
  return { rows: a.cols, cols: a.rows, v: out };
};

/** A float64 forward pass of a tanh MLP from a run's stored state: activations and f'(U) per layer (h[L] = z). */
function forward64(state: ReadonlyMap<string, { values: Float32Array }>, sizes: number[], batch: TestBatch) {
  const L = sizes.length - 1;
  const h: Matrix[] = [matrix(batch.rows, sizes[0]!, batch.x)];
  const fprime: Matrix[] = [h[0]!];
  for (let k = 1; k <= L; k++) {
    const u = matmul(h[k - 1]!, matrix(sizes[k - 1]!, sizes[k]!, state.get(`w${k}`)!.values));
    const bias = state.get(`b${k}`)!.values;
    u.v.forEach((_, i) => (u.v[i]! += bias[i % u.cols]!));
    if (k === L) h.push(u);
    else {
      h.push({ ...u, v: u.v.map(Math.tanh) });
      fprime.push({ ...u, v: u.v.map((x) => 1 - Math.tanh(x) ** 2) });
    }
  }
  const error = zip(h[L]!, matrix(batch.rows, sizes[L]!, batch.y), (z, y) => z - y);
  return { h, fprime, error };
}

/** The same batch `steps` times over, with each step's scalars, stacked as the trainer stacks them. */
function chunk(model: Model, batch: TestBatch, first: number, steps: number) {
  const x = new Float32Array(batch.x.length * steps);
  const target = new Float32Array(batch.y.length * steps);
  for (let i = 0; i < steps; i++) {
    x.set(batch.x, i * batch.x.length);
    target.set(batch.y, i * batch.y.length);
  }
  return { steps, inputs: { x, target, ...model.stackedScalars(first, steps, 0) } };
}
const stepInputs = (model: Model, batch: TestBatch, step: number): StepInputValues => ({
  x: Float32Array.from(batch.x),
  target: Float32Array.from(batch.y),
  ...model.stepScalars(step, 0),
});

const SIZES = [5, 7, 6, 3];
const LAMBDA = 0.9;

describe.each(runners)('broadcast regime diagnostics on $name', ({ make }) => {
  it('learned share, feedback cosines and DFA cosine equal an independent float64 computation', async () => {
    const options: TinyOptions = { sizes: SIZES, rule: 'ebd', params: { lambda: LAMBDA, initScale: 1 } };
    const model = tinyModel(options);
    const batch = randomBatch(8, 5, 3);
    const runner = await make(model, batch.rows);
    try {
      const trained = 6;
      await runner.train(chunk(model, batch, 0, trained));
      const diagnostics = await runner.diagnose(stepInputs(model, batch, trained));
      const state = await runner.readState();
      const get = (name: string, rows: number, cols: number) => matrix(rows, cols, state.get(name)!.values);
      const start = (k: number) =>
        matrix(3, SIZES[k]!, model.initialState.find((e) => e.name === `rule.correlation${k}.start`)!.values);

      // Forward pass (tanh hidden, linear output), the MSE error, and R after this batch's EMA update.
      const { h, fprime, error } = forward64(state, SIZES, batch);
      const w = [null, get('w1', 5, 7), get('w2', 7, 6), get('w3', 6, 3)];
      const zeta = (1 - LAMBDA) / 8;
      const weight = LAMBDA ** (trained + 1);
      // Jₖ = batch mean of ∂z/∂hₖ: W₃ᵀ for layer 2, and per sample (J₂ ⊙ f'₂) W₂ᵀ for layer 1.
      const jacobian2 = transpose(w[3]!);
      const jacobian1 = matrix(3, 7, new Float64Array(21));
      for (let s = 0; s < 8; s++) {
        const gated = matrix(
          3,
          6,
          jacobian2.v.map((x, i) => x * fprime[2]!.v[s * 6 + (i % 6)]!),
        );
        matmul(gated, w[2]!, false, true).v.forEach((x, i) => (jacobian1.v[i]! += x / 8));
      }
      const jacobians = [null, jacobian1, jacobian2];

      for (const k of [1, 2]) {
        const units = SIZES[k]!;
        const before = get(`rule.correlation${k}`, 3, units);
        const fresh = matmul(error, h[k]!, true, false);
        const r = zip(before, fresh, (x, f) => x + zeta * f - (1 - LAMBDA) * x);
        const learned = zip(r, start(k), (x, s) => x - weight * s);
        const ruleGrad = matmul(
          h[k - 1]!,
          zip(matmul(error, r), fprime[k]!, (m, f) => m * f),
          true,
          false,
        );
        const dfaGrad = matmul(
          h[k - 1]!,
          zip(matmul(error, start(k)), fprime[k]!, (m, f) => m * f),
          true,
          false,
        );
        const expected = {
          learned_share: norm(learned) / norm(r),
          feedback_cosine: cos(r, jacobians[k]!),
          learned_feedback_cosine: cos(learned, jacobians[k]!),
          dfa_cosine: cos(ruleGrad, dfaGrad),
        };
        for (const [metric, value] of Object.entries(expected)) {
          const got = diagnostics[`layer${k}.${metric}`];
          expect(got, `layer${k}.${metric}`).toBeDefined();
          expect(Math.abs(got! - value), `layer${k}.${metric}: ${got} vs ${value}`).toBeLessThan(2e-4);
        }
        // After six steps at λ = 0.9 the start still weighs 0.48 in R: neither part is negligible here.
        expect(expected.learned_share).toBeGreaterThan(0.05);
        expect(expected.learned_share).toBeLessThan(0.99);
      }
    } finally {
      await runner.dispose();
    }
  });

  it('with R frozen the learned share is 0 and the update is DFA with R₀', async () => {
    const model = tinyModel({ sizes: SIZES, rule: 'ebd', params: { lambda: LAMBDA, freeze: true } });
    const batch = randomBatch(8, 5, 3);
    const runner = await make(model, batch.rows);
    try {
      await runner.train(chunk(model, batch, 0, 4));
      const diagnostics = await runner.diagnose(stepInputs(model, batch, 4));
      for (const k of [1, 2]) {
        expect(diagnostics[`layer${k}.learned_share`]).toBe(0);
        expect(diagnostics[`layer${k}.dfa_cosine`]).toBeCloseTo(1, 5);
      }
    } finally {
      await runner.dispose();
    }
  });

  it('DKP starts with nothing learned and learns a share of its broadcast', async () => {
    const model = tinyModel({ sizes: SIZES, rule: 'dkp', params: { feedbackLr: 0.5, feedbackDecay: 0.01 } });
    const batch = randomBatch(8, 5, 3);
    const runner = await make(model, batch.rows);
    try {
      const first = await runner.diagnose(stepInputs(model, batch, 0));
      expect(first['layer1.learned_share']).toBe(0);
      await runner.train(chunk(model, batch, 0, 10));
      const later = await runner.diagnose(stepInputs(model, batch, 10));
      // The decay alone shrinks B₀ by (1 − ηd)ᵗ: that part counts as the start's, not as learned.
      const b = (await runner.readState()).get('rule.broadcast2')!.values;
      const b0 = model.initialState.find((e) => e.name === 'rule.broadcast2.start')!.values;
      const w = (1 - 0.5 * 0.01) ** 10;
      const learned = Math.sqrt(b.reduce((s, x, i) => s + (x - w * b0[i]!) ** 2, 0));
      const total = Math.sqrt(b.reduce((s, x) => s + x * x, 0));
      expect(later['layer2.learned_share']).toBeCloseTo(learned / total, 4);
      expect(later['layer2.learned_share']).toBeGreaterThan(0.01);
    } finally {
      await runner.dispose();
    }
  });
});

describe('the sign of the learned feedback (ALGORITHMS.md §7)', () => {
  /**
   * One hidden layer, MSE, SGD at rate η on every layer. For the last hidden layer R's learned part is
   *   R − λᵗR₀ = (1−λ)/B · Σₛ λ^{t−s} eₛᵀHₛ        (the EMA unrolled; stored C × N),
   * and SGD on the readout moves it by
   *   ΔW_outᵀ = −η/B · Σₛ eₛᵀHₛ                      (the readout's gradient is Hᵀe/B, stored N × C).
   * The two sums run over the same (eₛ, Hₛ); as λ → 1 the weights λ^{t−s} → 1, so
   *   R − λᵗR₀ → −(1−λ)/η · ΔW_outᵀ:
   * cosine −1. At λ = 0.9999 over 200 steps the weights stay within 2% of 1. With W_out starting near 0, BP's
   * signal e·W_outᵀ ≈ e·ΔW_outᵀ is then opposite to EBD's e·Rᵀ once R₀ is small: descent on ½‖R‖² pushes the layer
   * against BP, and the ascent switch turns it around.
   */
  const options = (direction: string): TinyOptions => ({
    sizes: [6, 12, 3],
    activation: 'tanh',
    rule: 'ebd',
    params: { lambda: 0.9999, initScale: 1e-4, direction },
    optimizer: { kind: 'sgd', learningRate: 0.05 },
  });

  async function trained(direction: string) {
    const model = tinyModel(options(direction));
    // W_out near 0: the readout's weights are then essentially what it learned.
    const w2 = model.initialState.find((e) => e.name === 'w2')!;
    const startOut = w2.values.map((x) => x * 1e-3);
    w2.values.set(startOut);
    const runner = await OnnxRunner.create(model, { backend: 'onnx-cpu', threads: 1, batchSize: 16 });
    try {
      const steps = 200;
      const batches = Array.from({ length: steps }, (_, i) => randomBatch(16, 6, 3, 100 + i));
      const x = new Float32Array(steps * 16 * 6);
      const target = new Float32Array(steps * 16 * 3);
      batches.forEach((b, i) => {
        x.set(b.x, i * b.x.length);
        target.set(b.y, i * b.y.length);
      });
      await runner.train({ steps, inputs: { x, target, ...model.stackedScalars(0, steps, 0) } });
      const state = await runner.readState();
      const r = state.get('rule.correlation1')!.values;
      const r0 = model.initialState.find((e) => e.name === 'rule.correlation1.start')!.values;
      const weight = 0.9999 ** steps;
      const learned = Array.from(r, (v, i) => v - weight * r0[i]!);
      // ΔW_outᵀ in R's layout (C × N): W_out is stored N × C.
      const wOut = state.get('w2')!.values;
      const deltaT = learned.map((_, i) => {
        const [c, n] = [Math.floor(i / 12), i % 12];
        return wOut[n * 3 + c]! - startOut[n * 3 + c]!;
      });
      const dot = learned.reduce((s, v, i) => s + v * deltaT[i]!, 0);
      const mechanismCosine =
        dot / Math.sqrt(learned.reduce((s, v) => s + v * v, 0) * deltaT.reduce((s, v) => s + v * v, 0));
      const probe = randomBatch(16, 6, 3, 999);
      const diagnostics = await runner.diagnose({
        x: probe.x,
        target: probe.y,
        ...model.stepScalars(steps, 0),
      });
      const bpCosine = diagnostics['layer1.bp_cosine']!;
      const feedbackCosine = diagnostics['layer1.feedback_cosine']!;
      return { mechanismCosine, bpCosine, feedbackCosine };
    } finally {
      await runner.dispose();
    }
  }

  it('the learned part of R is −(1−λ)/η·ΔW_outᵀ, and descent turns the layer against BP', async () => {
    const descent = await trained('descent');
    expect(descent.mechanismCosine).toBeLessThan(-0.9);
    expect(descent.bpCosine).toBeLessThan(0);
    // The true feedback W_outᵀ is mostly ΔW_outᵀ, opposite to R: the diagnostics say "uphill".
    expect(descent.feedbackCosine).toBeLessThan(-0.3);
  });

  it('the ascent switch makes the layer’s BP cosine positive', async () => {
    const ascent = await trained('ascent');
    expect(ascent.bpCosine).toBeGreaterThan(0);
    // The matrix as it acts is −R: the diagnostics judge that one, and it points downhill.
    expect(ascent.mechanismCosine).toBeLessThan(-0.9);
    expect(ascent.feedbackCosine).toBeGreaterThan(0.3);
  });
});

describe('the paper’s memory can be entered', () => {
  const spec = (lambda: number) => ({
    name: 'λ',
    dataset: { name: 'gaussian-mixture' },
    network: { hidden: [{ units: 8 }] },
    rules: [{ rule: 'ebd', params: { lambda } }],
    seeds: [1],
    epochs: 1,
    batchSize: 16,
  });

  it('λ = 0.999999 is accepted and reaches the rule unchanged, its (1−λ) kept in the update', async () => {
    const parsed = ExperimentSpec.parse(spec(0.999999));
    const [plan] = planRuns(parsed, { inputSize: 4, outputSize: 3 });
    expect(plan!.model.rule.params.lambda).toBe(0.999999);
  });

  it.each(runners)(
    'at λ = 1 − 10⁻⁸ R still learns at exactly (1−λ)/B on $name (a float32 λ is 1)',
    async ({ make }) => {
      // One step from R₀ = 0: R = (1−λ)/B · eᵀH₁. In float32 this λ is 1, so a rate derived from a float32 λ
      // would be 0 (and 1% off at λ = 1 − 10⁻⁶): the rule must carry 1 − λ from the spec's float64 value.
      const lambda = 1 - 1e-8;
      const model = tinyModel({ sizes: [5, 4, 3], rule: 'ebd', params: { lambda, initScale: 0 } });
      const batch = randomBatch(8, 5, 3);
      const runner = await make(model, 8);
      try {
        const start = new Map(model.initialState.map((e) => [e.name, e]));
        const { h, error } = forward64(start, [5, 4, 3], batch);
        const expected = matmul(error, h[1]!, true, false).v.map((x) => ((1 - lambda) / 8) * x);
        await runner.train(chunk(model, batch, 0, 1));
        const r = (await runner.readState()).get('rule.correlation1')!.values;
        const diff = Math.sqrt(r.reduce((s, v, i) => s + (v - expected[i]!) ** 2, 0));
        expect(diff / Math.sqrt(expected.reduce((s, v) => s + v * v, 0))).toBeLessThan(1e-4);
      } finally {
        await runner.dispose();
      }
    },
  );

  it('forward broadcast with an expanded score is refused, not silently dropped', () => {
    expect(checkRuleParams('sbd', { forwardBroadcast: 1, expansion: 'outer_probs' })).toEqual([
      [
        'forwardBroadcast',
        'Forward broadcast is defined for the plain score only: set it to 0, or the score expansion to none (it is outer_probs)',
      ],
    ]);
    expect(checkRuleParams('sbd', { forwardBroadcast: 1 })).toEqual([]);
    expect(checkRuleParams('sbd', { forwardBroadcast: 0, expansion: 'second_order' })).toEqual([]);
    expect(checkRuleParams('sbd', { forwardBroadcastInput: 2, expansion: 'outer_probs' }).map(([key]) => key)).toEqual([
      'forwardBroadcastInput',
    ]);
  });

  it('λ = 1 is refused, naming the field', () => {
    expect(checkRuleParams('ebd', { lambda: 1 })).toEqual([
      ['lambda', 'Forgetting factor λ must be between 0 and 0.99999999, got 1'],
    ]);
    const result = ExperimentSpec.safeParse(spec(1));
    expect(result.success).toBe(false);
    const issue = result.error?.issues[0];
    expect(issue?.path).toEqual(['rules', 0, 'params', 'lambda']);
    expect(issue?.message).toContain('must be between 0 and 0.99999999, got 1');
  });
});
