import * as tf from '@tensorflow/tfjs-core';
import { readsSynchronously } from './backend';
import { matMulAT, matMulBT } from './linalg';
import { invertSpd } from './small-linalg';

export interface EntropyConfig {
  /** Weight of the layer-entropy term ½ log det(R_h + εI), which is maximised; 0 = off. */
  coefficient: number;
  /** Forgetting factor λ_E of the activation correlation R_h. */
  lambda: number;
  /** Floor ε added to R_h so that dead units keep it invertible. */
  epsilon: number;
}

/**
 * The layer-entropy regulariser of EBD for one hidden layer, with the inverse kept up to date instead of inverting
 * an N×N matrix each step (the paper's per-step inversion made EBD 8× slower than BP).
 *
 * It tracks P = M⁻¹ for M ← λM + c·HᵀH + (1−λ)ε·(N/F)·EₜᵀEₜ, c = (1−λ)/B, where Eₜ is the next F rows of the
 * identity in turn (F = floorRowsPerStep): over N/F steps the floor adds (1−λ)εI per step, so M stays
 * ≈ R_h + εI with the EMA of R_h, and each step is one Woodbury update of rank B + F. With U = [√c·H; s·Eₜ]:
 *   S = λI + U P Uᵀ,  K = S⁻¹ U P,  P ← (P − (UP)ᵀK)/λ,  and U·P_new = K,
 * so H·P_new = K[:B]/√c comes for free. Cost O(N²B) per step; the (B+F)×(B+F) inverse is done in JS.
 * The gradient of −coef·½ log det M with respect to U_k is −coef·c·(H P) ⊙ f'(U).
 */
/**
 * Identity rows the floor adds per step: a quarter of the batch. With F = B the update had rank 2B, and at batch 128
 * the JS inverse of its 256 × 256 system and the wider rank update took most of an entropy step; at B/4 the floor
 * still cycles through a 1,024-unit layer every 32 steps, well inside the ~1/(1−λ_E) steps the correlation
 * remembers, so each unit's floor stays near ε.
 */
export function floorRowsPerStep(batch: number, units: number): number {
  return Math.min(units, Math.ceil(batch / 4));
}

export class EntropyTracker {
  private readonly inverse: tf.Variable<tf.Rank.R2>;
  private cursor = 0;

  constructor(
    readonly units: number,
    private readonly config: EntropyConfig,
  ) {
    // Each step inverts a small matrix on the host, read back synchronously inside the step.
    if (!readsSynchronously()) {
      throw new Error(
        `the layer-entropy regulariser cannot run on the ${tf.getBackend()} backend, which cannot read results back ` +
          'synchronously; use wasm, tensorflow or cpu',
      );
    }
    this.inverse = tf.variable(tf.mul(tf.eye(units), 1 / config.epsilon) as tf.Tensor2D, false);
  }

  /** P = (R_h + εI)⁻¹ as tracked, for checkpoints and tests. */
  get matrix(): tf.Variable<tf.Rank.R2> {
    return this.inverse;
  }

  /** Updates P with this batch and returns the regulariser's Φ (already signed for descent and scaled). Inside tidy. */
  phi(h: tf.Tensor2D, fprime: tf.Tensor2D): tf.Tensor2D {
    const { lambda, epsilon, coefficient } = this.config;
    const [batch, n] = h.shape;
    const c = (1 - lambda) / batch;
    const floorRows = floorRowsPerStep(batch, n);
    const s = Math.sqrt(((1 - lambda) * epsilon * n) / floorRows);
    const first = this.cursor;
    this.cursor = (this.cursor + floorRows) % n;
    // The floor rows Eₜ are rows first.. of the identity (mod n), so Eₜ·P and (UP)·Eₜᵀ are blocks of rows and
    // columns: sliced, not multiplied (tfjs's gather is several times slower than a slice on wasm).
    const floorBlock = (x: tf.Tensor2D, axis: 0 | 1): tf.Tensor2D => {
      const take = (from: number, count: number) =>
        axis === 0 ? tf.slice(x, [from, 0], [count, -1]) : tf.slice(x, [0, from], [-1, count]);
      const head = Math.min(floorRows, n - first);
      return head === floorRows ? take(first, head) : tf.concat2d([take(first, head), take(0, floorRows - head)], axis);
    };
    const scaled = tf.mul<tf.Tensor2D>(h, Math.sqrt(c));
    // H·P as (P·Hᵀ)ᵀ, P being symmetric: P changes every step, and as the right operand of a wasm product it would
    // be packed afresh each time (N² values), where Hᵀ is only N·B.
    const up = tf.concat2d([matMulBT(scaled, this.inverse), tf.mul<tf.Tensor2D>(floorBlock(this.inverse, 0), s)], 0);
    const rows = up.shape[0];
    const upu = tf.concat2d([matMulBT(up, scaled), tf.mul<tf.Tensor2D>(floorBlock(up, 1), s)], 1);
    const s2 = tf.add(upu, tf.mul(tf.eye(rows), lambda));
    const sInverse = tf.tensor2d(Float32Array.from(invertSpd(s2.dataSync(), rows)), [rows, rows]);
    const k: tf.Tensor2D = tf.matMul(sInverse, up);
    this.inverse.assign(tf.div<tf.Tensor2D>(tf.sub(this.inverse, matMulAT(up, k)), lambda));
    const hp = tf.div(tf.slice(k, [0, 0], [batch, n]), Math.sqrt(c));
    return tf.mul(tf.mul(hp, fprime), -coefficient * c) as tf.Tensor2D;
  }

  /** Restores exact symmetry that rounding erodes over many updates. */
  symmetrise(): void {
    this.inverse.assign(tf.div(tf.add(this.inverse, tf.transpose(this.inverse)), 2));
  }

  dispose(): void {
    this.inverse.dispose();
  }
}
