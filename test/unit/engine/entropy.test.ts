import { beforeAll, describe, expect, it } from 'vitest';
import { invertSpd, logDetSpd } from '../../../src-main/engine/eager/small-linalg';
import type { EntropyConfig } from '../../../src-main/engine/regularizers/config';
import {
  entropyStep,
  floorRows,
  floorRowsPerStep,
  initialInverse,
} from '../../../src-main/engine/regularizers/entropy';
import { Rng } from '../../../src-main/common/random';
import { useCpuBackend } from '../../support/engine-fixtures';
import { EXECUTORS, type TestExecutor } from '../../support/executors';

beforeAll(useCpuBackend);

/** The tracker on an executor: one entropy step at a time, the inverse carried by the test. */
class Tracker {
  inverse: Float32Array;
  step = 0;
  constructor(
    private readonly executor: TestExecutor,
    private readonly n: number,
    private readonly b: number,
  ) {
    this.inverse = initialInverse(n, config);
  }
  async phi(h: Float32Array): Promise<Float32Array> {
    const rows = floorRows(this.step++, this.n, config.lambda);
    const out = await this.executor.run(
      {
        inverse: { values: this.inverse, shape: [this.n, this.n] },
        h: { values: h, shape: [this.b, this.n] },
        rows: { values: rows, shape: [rows.length], type: 'int' },
      },
      (ops, t) => {
        const { inverse, phi } = entropyStep(ops, config, t.inverse!, t.h!, ops.add(ops.mul(t.h!, 0), 1), t.rows!);
        return { inverse, phi };
      },
    );
    this.inverse = out.inverse!;
    return out.phi!;
  }
}

const config: EntropyConfig = { coefficient: 0.5, lambda: 0.9, epsilon: 0.05 };

// N = 12, B = 2 takes the other branch of matMulBT for H·P (through P's symmetry). At λ = 0.9 the floor takes every
// row each step (floorRowsPerStep); the tracker against (R_h + εI)⁻¹ at long memories, where the floor cycles, is
// in entropy-accuracy.test.ts.
describe.each(
  EXECUTORS.flatMap((executor) =>
    [
      { N: 6, B: 4 },
      { N: 12, B: 2 },
      { N: 7, B: 8 },
    ].map((size) => ({ ...size, executor })),
  ),
)('layer entropy with a tracked inverse, N = $N, B = $B, on the $executor.name executor', ({ N, B, executor }) => {
  /** The matrix the tracker inverts, built explicitly in float64: M ← λM + c·HᵀH + s²·EᵀE (E: F identity rows in turn). */
  class ExplicitM {
    m = new Float64Array(N * N);
    cursor = 0;
    constructor() {
      for (let i = 0; i < N; i++) this.m[i * N + i] = config.epsilon;
    }
    next(h: Float32Array): Float64Array {
      const { lambda, epsilon } = config;
      const c = (1 - lambda) / B;
      const floorRows = floorRowsPerStep(N, config.lambda);
      const s2 = ((1 - lambda) * epsilon * N) / floorRows;
      const out = new Float64Array(N * N);
      for (let i = 0; i < N; i++)
        for (let j = 0; j < N; j++) {
          let hh = 0;
          for (let b = 0; b < B; b++) hh += h[b * N + i]! * h[b * N + j]!;
          out[i * N + j] = lambda * this.m[i * N + j]! + c * hh;
        }
      for (let r = 0; r < floorRows; r++) {
        const i = (this.cursor + r) % N;
        out[i * N + i]! += s2;
      }
      this.cursor = (this.cursor + floorRows) % N;
      this.m = out;
      return out;
    }
  }

  function randomH(rng: Rng): Float32Array {
    return rng.fillNormal(new Float32Array(B * N), 1);
  }

  it('keeps P equal to the inverse of the explicitly accumulated matrix', async () => {
    const tracker = new Tracker(executor, N, B);
    const explicit = new ExplicitM();
    const rng = new Rng(4);
    for (let step = 0; step < 25; step++) {
      const h = randomH(rng);
      await tracker.phi(h);
      const expected = invertSpd(explicit.next(h), N);
      const got = tracker.inverse;
      const scale = Math.max(...expected.map(Math.abs));
      const error = Math.max(...Array.from(got, (v, i) => Math.abs(v - expected[i]!)));
      expect(error / scale).toBeLessThan(2e-3);
      // Exactly symmetric: the step symmetrises what rounding leaves.
      for (let i = 0; i < N; i++) for (let j = 0; j < i; j++) expect(got[i * N + j]).toBe(got[j * N + i]);
    }
  });

  it('returns the gradient of −coef·½ log det M with respect to the pre-activations', async () => {
    // With f = identity (f' = 1), Φ must equal ∂(−coef·½ log det M(H))/∂H, M including this batch.
    const tracker = new Tracker(executor, N, B);
    const explicit = new ExplicitM();
    const rng = new Rng(8);
    const warm = randomH(rng);
    await tracker.phi(warm);
    explicit.next(warm);
    const h = randomH(rng);
    const phi = await tracker.phi(h);
    const objective = (hh: Float32Array) => {
      const probe = new ExplicitM();
      probe.m = explicit.m.slice();
      probe.cursor = explicit.cursor;
      return -config.coefficient * 0.5 * logDetSpd(probe.next(hh), N);
    };
    const eps = 1e-3;
    for (const index of [0, 5, 13, B * N - 1]) {
      const up = h.slice();
      const down = h.slice();
      up[index]! += eps;
      down[index]! -= eps;
      const numeric = (objective(up) - objective(down)) / (2 * eps);
      expect(phi[index]!).toBeCloseTo(numeric, 3);
    }
  });
});

describe('small dense linear algebra', () => {
  it('inverts a symmetric positive-definite matrix and refuses one that is not', () => {
    const a = [4, 2, 0, 2, 5, 1, 0, 1, 3];
    const inv = invertSpd(a, 3);
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++) {
        let sum = 0;
        for (let k = 0; k < 3; k++) sum += a[i * 3 + k]! * inv[k * 3 + j]!;
        expect(sum).toBeCloseTo(i === j ? 1 : 0, 10);
      }
    expect(() => invertSpd([1, 2, 2, 1], 2)).toThrow(/not positive definite/);
  });
});
