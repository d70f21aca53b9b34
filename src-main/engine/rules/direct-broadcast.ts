import * as tf from '@tensorflow/tfjs-core';
import { matMulAT } from '../linalg';
import type { Network } from '../network';
import type { Rng } from '../../common/random';
import { broadcastInit } from './feedback-init';
import type { Rule, StepContext } from './rule';

export interface DirectParams {
  feedbackScale: number;
  /** DKP only: learning rate and decay of the learned broadcast matrices. */
  feedbackLr?: number;
  feedbackDecay?: number;
}

type Variant = 'dfa' | 'drtp' | 'dkp';

/**
 * The rules that send one signal straight from the output to every hidden layer through a matrix Bₖ:
 * DFA (Nøkland 2016) sends the score, DRTP (Frenkel et al. 2021) sends the target itself, and DKP (Webster et al.
 * 2021) sends the score through a matrix it learns, Bₖ ← Bₖ − η (Hₖᵀ s / B + decay·Bₖ). Bₖ is stored as
 * C × Nₖ so that δₖ = s·B is a plain product.
 */
export function createDirectBroadcast(variant: Variant, net: Network, rng: Rng, params: DirectParams): Rule {
  const classes = net.sizes[net.depth]!;
  const matrices = new Map<number, tf.Variable<tf.Rank.R2>>();
  for (let k = 1; k < net.depth; k++)
    matrices.set(k, broadcastInit(rng, k, classes, net.sizes[k]!, params.feedbackScale));

  const signalSource = (ctx: StepContext) => (variant === 'drtp' ? ctx.target : ctx.score);
  const rule: Rule = {
    name: variant,
    hiddenSignal: (k, ctx) => ({
      modulatory: tf.matMul(signalSource(ctx), matrices.get(k)!),
      postsynaptic: null,
      scale: 1 / ctx.batchSize,
    }),
    broadcastMatrix: (k) => matrices.get(k) ?? null,
    state: () => new Map([...matrices].map(([k, v]) => [`broadcast${k}`, v])),
    dispose: () => matrices.forEach((v) => v.dispose()),
  };
  if (variant === 'dkp') {
    const lr = params.feedbackLr ?? 1e-3;
    const decay = params.feedbackDecay ?? 0;
    rule.finish = (ctx) => {
      for (const [k, b] of matrices) {
        // Bᵀ-layout update: sᵀ Hₖ / B (C × Nₖ).
        const grad = tf.add(tf.div(matMulAT(ctx.score, ctx.pass.h[k]!), ctx.batchSize), tf.mul(decay, b));
        b.assign(tf.sub(b, tf.mul(lr, grad)));
      }
    };
  }
  return rule;
}
