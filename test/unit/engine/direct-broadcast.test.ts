import { beforeAll, describe, expect, it } from 'vitest';
import type { RuleName, RuleParamValues } from '../../../shared/rules/catalogue';
import type { LossName } from '../../../src-main/engine/losses';
import type { Model } from '../../../src-main/engine/model';
import { computeUpdate } from '../../../src-main/engine/step';
import { maxRelativeError, tinyModel, useCpuBackend } from '../../support/engine-fixtures';
import { EXECUTORS, stateInputs, stepInputs, type TestBatch, type TestInput } from '../../support/executors';

/* DRTP's and DKP's update on a 3-layer tanh network (3 → 4 → 3 → 2, a batch of 2), against ALGORITHMS.md §1
   worked out here in float64 on plain arrays: the engine supplies only the starting values (its seeded weights
   and broadcast matrices, biases set to non-zero values below), never a formula. */

beforeAll(useCpuBackend);

type Matrix = number[][];

const SIZES = [3, 4, 3, 2];
const L = SIZES.length - 1;
const BATCH: TestBatch = {
  rows: 2,
  x: Float32Array.of(0.5, -1, 0.25, -0.3, 0.8, 1.2),
  y: Float32Array.of(1, 0, 0, 1),
};
const BIASES: Record<string, number[]> = { b1: [0.1, -0.2, 0.05, 0.3], b2: [-0.1, 0.2, 0.15], b3: [0.05, -0.05] };

const rows = (values: ArrayLike<number>, shape: readonly number[]): Matrix =>
  Array.from({ length: shape[0]! }, (_, i) => Array.from({ length: shape[1]! }, (_, j) => values[i * shape[1]! + j]!));
const transpose = (a: Matrix): Matrix => a[0]!.map((_, j) => a.map((row) => row[j]!));
const matmul = (a: Matrix, b: Matrix): Matrix =>
  a.map((row) => b[0]!.map((_, j) => row.reduce((sum, v, k) => sum + v * b[k]![j]!, 0)));
const zip = (a: Matrix, b: Matrix, f: (x: number, y: number) => number): Matrix =>
  a.map((row, i) => row.map((v, j) => f(v, b[i]![j]!)));
const scale = (a: Matrix, c: number): Matrix => a.map((row) => row.map((v) => v * c));
const columnSums = (a: Matrix): number[] => a[0]!.map((_, j) => a.reduce((sum, row) => sum + row[j]!, 0));
const flat = (a: Matrix | number[]): number[] => (a as (number | number[])[]).flat();

/** The starting state as the test feeds it: the model's, with the biases above. */
function startState(model: Model): Record<string, TestInput> {
  const state = stateInputs(model);
  for (const [name, values] of Object.entries(BIASES)) state[name] = { values, shape: [values.length] };
  return state;
}

/** Forward pass: U_k = H_{k-1} W_k + b_k (W stored fan-in × fan-out), H_k = tanh(U_k), z = U_L. */
function forwardPass(state: Record<string, TestInput>) {
  const h: Matrix[] = [rows(BATCH.x, [BATCH.rows, SIZES[0]!])];
  const fprime: Matrix[] = [[]];
  for (let k = 1; k <= L; k++) {
    const w = state[`w${k}`]!;
    const b = Array.from(state[`b${k}`]!.values);
    const u = matmul(h[k - 1]!, rows(w.values, w.shape)).map((row) => row.map((v, j) => v + b[j]!));
    h.push(k === L ? u : u.map((row) => row.map(Math.tanh)));
    fprime.push(k === L ? [] : u.map((row) => row.map((v) => 1 - Math.tanh(v) ** 2)));
  }
  return { h, fprime, z: h[L]! };
}

/** Every weight and bias gradient, given the output score s and each hidden layer's δ_k. */
function gradients(h: Matrix[], fprime: Matrix[], s: Matrix, delta: (k: number) => Matrix) {
  const out: Record<string, number[]> = {};
  const phiOut = scale(s, 1 / BATCH.rows);
  out[`w${L}`] = flat(matmul(transpose(h[L - 1]!), phiOut));
  out[`b${L}`] = columnSums(phiOut);
  for (let k = 1; k < L; k++) {
    const phi = scale(
      zip(delta(k), fprime[k]!, (d, f) => d * f),
      1 / BATCH.rows,
    );
    out[`w${k}`] = flat(matmul(transpose(h[k - 1]!), phi));
    out[`b${k}`] = columnSums(phi);
  }
  return out;
}

/** B_k as the rule's state holds it: C × N_k, so δ_k = signal · B_k. */
const broadcast = (state: Record<string, TestInput>, k: number) => {
  const entry = state[`rule.broadcast${k}`]!;
  return rows(entry.values, entry.shape);
};

const PARAMS = ['w1', 'w2', 'w3', 'b1', 'b2', 'b3'];

function model(rule: RuleName, loss: LossName, params: RuleParamValues = {}) {
  return tinyModel({ sizes: SIZES, activation: 'tanh', loss, rule, params, seed: 5 });
}

describe.each(EXECUTORS)('direct broadcast rules on the $name executor', (executor) => {
  /** The engine's update directions and rule-state updates for one step from `state`. */
  const engineUpdate = (m: Model, state: Record<string, TestInput>, step = 0) =>
    executor.run({ ...state, ...stepInputs(m, BATCH, step) }, (ops, inputs) => {
      const update = computeUpdate(ops, m, inputs, inputs, false);
      return {
        ...Object.fromEntries(PARAMS.map((name) => [name, update.grads[name]!.value()])),
        ...Object.fromEntries(Object.entries(update.stateUpdates).map(([name, v]) => [`next.${name}`, v])),
      };
    });

  it('DRTP: δ_k = onehot(y) B_kᵀ for each hidden layer, the output layer its own gradient, B fixed', async () => {
    const m = model('drtp', 'cross_entropy');
    const state = startState(m);
    const { h, fprime, z } = forwardPass(state);
    const y = rows(BATCH.y, [BATCH.rows, SIZES[L]!]);
    // Softmax cross-entropy: s = softmax(z) − onehot(y).
    const s = z.map((row, i) => {
      const max = Math.max(...row);
      const e = row.map((v) => Math.exp(v - max));
      const total = e.reduce((a, b) => a + b, 0);
      return e.map((v, j) => v / total - y[i]![j]!);
    });
    const expected = gradients(h, fprime, s, (k) => matmul(y, broadcast(state, k)));

    const out = await engineUpdate(m, state);
    for (const name of PARAMS) expect(maxRelativeError(out[name]!, expected[name]!), name).toBeLessThan(1e-5);
    // The target is not the error: with the score in its place (DFA), the hidden gradients would differ.
    const withScore = gradients(h, fprime, s, (k) => matmul(s, broadcast(state, k)));
    expect(maxRelativeError(out.w1!, withScore.w1!)).toBeGreaterThan(0.1);
    expect(Object.keys(out).filter((name) => name.startsWith('next.rule.'))).toEqual([]);
  });

  it('DKP: δ_k = s B_kᵀ with B_k before the step, then B_k ← B_k − η_B (H_kᵀ s / B + decay·B_k)', async () => {
    const lr = 0.5;
    const decay = 0.1;
    const m = model('dkp', 'mse', { feedbackLr: lr, feedbackDecay: decay });
    const state = startState(m);
    const { h, fprime, z } = forwardPass(state);
    // MSE on one-hot targets: s = z − y.
    const s = zip(z, rows(BATCH.y, [BATCH.rows, SIZES[L]!]), (a, b) => a - b);
    const expected = gradients(h, fprime, s, (k) => matmul(s, broadcast(state, k)));
    // Stored as C × N_k, the update's Hebbian term H_kᵀ s is (sᵀ H_k).
    const nextB = (k: number) =>
      zip(broadcast(state, k), matmul(transpose(s), h[k]!), (b, hebb) => b - lr * (hebb / BATCH.rows + decay * b));

    const out = await engineUpdate(m, state);
    for (const name of PARAMS) expect(maxRelativeError(out[name]!, expected[name]!), name).toBeLessThan(1e-5);
    for (let k = 1; k < L; k++) {
      const name = `rule.broadcast${k}`;
      expect(maxRelativeError(out[`next.${name}`]!, flat(nextB(k))), name).toBeLessThan(1e-5);
      expect(maxRelativeError(out[`next.${name}`]!, state[name]!.values), `${name} moved`).toBeGreaterThan(0.05);
    }

    // The next step sends its signal through the learned matrices.
    const learned = { ...state };
    for (let k = 1; k < L; k++) {
      const entry = state[`rule.broadcast${k}`]!;
      learned[`rule.broadcast${k}`] = { values: flat(nextB(k)), shape: entry.shape };
    }
    const again = await engineUpdate(m, learned, 1);
    const expectedAgain = gradients(h, fprime, s, (k) => matmul(s, nextB(k)));
    for (const name of ['w1', 'w2', 'b1', 'b2'])
      expect(maxRelativeError(again[name]!, expectedAgain[name]!), name).toBeLessThan(1e-5);
    expect(maxRelativeError(again.w1!, expected.w1!)).toBeGreaterThan(0.01);
  });
});
