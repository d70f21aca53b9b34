import type { Ops } from '../ops';
import type { EntropyConfig } from './config';

/**
 * The layer-entropy regulariser of EBD for one hidden layer, with the inverse kept up to date instead of inverting
 * an N×N matrix each step (the paper's per-step inversion made EBD 8× slower than BP).
 *
 * It tracks P = M⁻¹ for M ← λM + c·HᵀH + (1−λ)ε·(N/F)·EₜᵀEₜ, c = (1−λ)/B, where Eₜ is the next F rows of the
 * identity in turn (F = floorRowsPerStep): over N/F steps the floor adds (1−λ)εI per step, so M stays
 * ≈ R_h + εI with the EMA of R_h, and each step is one Woodbury update of rank B + F. With U = [√c·H; s·Eₜ]:
 *   S = λI + U P Uᵀ,  K = S⁻¹ U P,  P ← (P − (UP)ᵀK)/λ,  and U·P_new = K,
 * so H·P_new = K[:B]/√c comes for free. Cost O(N²B) per step; the (B+F)×(B+F) system is the only inverse.
 * P is made exactly symmetric again after each update: rounding in (UP)ᵀK is not, and P's asymmetric part would
 * otherwise feed the next step's product.
 * The gradient of −coef·½ log det M with respect to U_k is −coef·c·(H P) ⊙ f'(U).
 */

/**
 * How far the floor may drift from ε: each unit's share of the floor is re-added once per cycle of N/F steps and
 * decays by λ in between, a sawtooth of relative amplitude about (N/F)(1−λ)/2. Keeping (N/F)(1−λ) ≤ 0.02 holds the
 * floor, hence the inverse in the directions where R_h is below ε, within 1% of (R_h + εI)⁻¹.
 */
const FLOOR_CYCLE_MEMORY = 0.02;

/**
 * Identity rows the floor adds per step: as few as keep the floor within 1% (FLOOR_CYCLE_MEMORY). At the paper's
 * λ_E = 0.99999 that is one row; at λ_E = 0.99 it is half the layer, and each step's Woodbury update has rank
 * B + N/2: a short memory costs O(N³) per step here, the price of an inverse that is the one specified. (A fixed
 * quarter of the batch, as before, left the inverse 37% off at B = 32, λ_E = 0.99.)
 */
export function floorRowsPerStep(units: number, lambda: number): number {
  return Math.min(units, Math.max(1, Math.ceil((units * (1 - lambda)) / FLOOR_CYCLE_MEMORY)));
}

/** The floor rows Eₜ of step t (0-based, counted over the whole run): F consecutive units, wrapping around. */
export function floorRows(step: number, units: number, lambda: number): Int32Array {
  const count = floorRowsPerStep(units, lambda);
  const first = (step * count) % units;
  return Int32Array.from({ length: count }, (_, i) => (first + i) % units);
}

/** P = (εI)⁻¹, the tracked inverse before any data. */
export function initialInverse(units: number, config: EntropyConfig): Float32Array {
  const p = new Float32Array(units * units);
  for (let i = 0; i < units; i++) p[i * units + i] = 1 / config.epsilon;
  return p;
}

/** One step: the updated inverse and the regulariser's Φ (signed for descent and scaled). `rows` are Eₜ's units. */
export function entropyStep<T>(
  ops: Ops<T>,
  config: EntropyConfig,
  inverse: T,
  h: T,
  fprime: T,
  rows: T,
): { inverse: T; phi: T } {
  const { lambda, epsilon, coefficient } = config;
  const [batch, n] = ops.shape(h) as [number, number];
  const c = (1 - lambda) / batch;
  const floorCount = ops.shape(rows)[0]!;
  const s = Math.sqrt(((1 - lambda) * epsilon * n) / floorCount);
  const scaled = ops.mul(h, Math.sqrt(c));
  // U·P, P symmetric: H·P as H·Pᵀ lets a backend that packs its right operand pack P as it lies.
  const up = ops.concat([ops.matmul(scaled, inverse, false, true), ops.mul(ops.gather(inverse, rows, 0), s)], 0);
  const size = batch + floorCount;
  const upu = ops.concat([ops.matmul(up, scaled, false, true), ops.mul(ops.gather(up, rows, 1), s)], 1);
  const eye = new Float32Array(size * size);
  for (let i = 0; i < size; i++) eye[i * size + i] = lambda;
  const k = ops.matmul(ops.inverseSpd(ops.add(upu, ops.constant(eye, [size, size]))), up);
  const updated = ops.div(ops.sub(inverse, ops.matmul(up, k, true, false)), lambda);
  const symmetric = ops.mul(ops.add(updated, ops.transpose(updated)), 0.5);
  const hp = ops.div(ops.slice(k, [0, 0], [batch, n]), Math.sqrt(c));
  return { inverse: symmetric, phi: ops.mul(ops.mul(hp, fprime), -coefficient * c) };
}
