import * as tf from '@tensorflow/tfjs-core';
import { matMulAT, matMulBT } from '../linalg';
import { scoreJacobianProduct } from '../losses';
import type { Network } from '../network';
import type { Rng } from '../../common/random';
import { expandScore, expandedSize, type ScoreExpansion } from '../score-expansion';
import { broadcastInit, expandedRowsInit } from './feedback-init';
import type { OutputExtra, Rule, StepContext } from './rule';

export interface DecorrelationParams {
  /** Forgetting factor λ of the running cross-correlation (EMA; the current batch is included). */
  lambda: number;
  /** Scale of the random start of R (the start is a DFA matrix of this scale). */
  initScale: number;
  /** g(h): identity, or h²/2 for an error-modulated Hebbian rule. */
  g: 'identity' | 'square';
  /** Coefficient of the forward broadcast (the output layer also descends the decorrelation losses); 0 = off. */
  forwardBroadcast: number;
  /** Keep R at its start (an ablation: EBD then moves in DFA's direction). */
  freeze: boolean;
  expansion: ScoreExpansion;
}

/**
 * EBD (arXiv 2504.11558) and SBD (arXiv 2605.30638): each hidden layer keeps the running cross-correlation
 * Rₖ between g(Hₖ) and the broadcast signal s̃ (the output error for EBD, the loss score, optionally expanded, for
 * SBD) and descends Jₖ = ½‖Rₖ‖²_F through g(Hₖ) only. With ζ = (1−λ)/B:
 *   Rₖ ← λRₖ + ζ g(Hₖ)ᵀ s̃,   Φₖ = g'(Hₖ) ⊙ f'(Uₖ) ⊙ (s̃ Rₖᵀ),   grad Wₖ = ζ Φₖᵀ H_{k-1}.
 * The three factors: presynaptic H_{k-1}, postsynaptic g'(H)f'(U), modulatory s̃Rᵀ (a per-neuron mix of the
 * global broadcast). ζ is tiny; it is kept as the honest scale (Adam does not mind, SGD needs a large rate).
 * Rₖ is stored transposed (C̃ × Nₖ), so both s̃ Rₖᵀ and the EMA are plain products.
 */
export function createDecorrelation(name: 'ebd' | 'sbd', net: Network, rng: Rng, params: DecorrelationParams): Rule {
  const classes = net.sizes[net.depth]!;
  const rows = expandedSize(params.expansion, classes);
  const correlations = new Map<number, tf.Variable<tf.Rank.R2>>();
  for (let k = 1; k < net.depth; k++) {
    const base = broadcastInit(rng, k, classes, net.sizes[k]!, params.initScale);
    if (rows === classes) {
      correlations.set(k, base);
      continue;
    }
    const extra = tf.tensor2d(expandedRowsInit(rng, k, classes, rows - classes, net.sizes[k]!, params.initScale), [
      rows - classes,
      net.sizes[k]!,
    ]);
    correlations.set(k, tf.variable(tf.concat([base, extra], 0), false));
    base.dispose();
    extra.dispose();
  }

  // The broadcast signal of the current step; set in prepare, read by the signals, inside one tidy scope.
  let broadcast: tf.Tensor2D | null = null;
  const zeta = (ctx: StepContext) => (1 - params.lambda) / ctx.batchSize;
  const g = (h: tf.Tensor2D) => (params.g === 'square' ? tf.mul<tf.Tensor2D>(0.5, tf.square(h)) : h);

  return {
    name,
    prepare(ctx) {
      broadcast = expandScore(params.expansion, ctx.score, ctx.prediction);
      if (params.freeze) return;
      const signal = broadcast;
      for (const [k, r] of correlations) {
        r.assign(tf.add(tf.mul(params.lambda, r), tf.mul(zeta(ctx), matMulAT(signal, g(ctx.pass.h[k]!)))));
      }
    },
    hiddenSignal(k, ctx) {
      if (!broadcast) throw new Error(`${name}: hiddenSignal before prepare`);
      return {
        modulatory: tf.matMul(broadcast, correlations.get(k)!),
        postsynaptic: params.g === 'square' ? ctx.pass.h[k]! : null,
        scale: zeta(ctx),
      };
    },
    outputExtra(ctx): OutputExtra | null {
      if (params.forwardBroadcast === 0 || params.expansion !== 'none') return null;
      const L = ctx.net.depth;
      let v: tf.Tensor2D | null = null;
      for (const [k, r] of correlations) {
        const term = matMulBT(g(ctx.pass.h[k]!), r);
        v = v ? tf.add<tf.Tensor2D>(v, term) : term;
      }
      if (!v) return null;
      const dz = tf.mul<tf.Tensor2D>(
        params.forwardBroadcast * zeta(ctx),
        scoreJacobianProduct(ctx.loss, v, ctx.prediction),
      );
      return { wt: matMulAT(ctx.pass.h[L - 1]!, dz), b: tf.sum(dz, 0) };
    },
    broadcastMatrix: (k) => {
      const r = correlations.get(k);
      return r ? (rows === classes ? r : tf.slice(r, [0, 0], [classes, r.shape[1]])) : null;
    },
    state: () => new Map([...correlations].map(([k, v]) => [`correlation${k}`, v])),
    dispose: () => correlations.forEach((v) => v.dispose()),
  };
}
