import type { Ops } from '../ops';
import { broadcastInit } from './feedback-init';
import {
  numberParam,
  START_WEIGHT_INPUT,
  type Rule,
  type RuleFactory,
  type RuleStateEntry,
  type StepContext,
} from './rule';

type Variant = 'dfa' | 'drtp' | 'dkp';

/**
 * The rules that send one signal straight from the output to every hidden layer through a matrix Bₖ:
 * DFA (Nøkland 2016) sends the score, DRTP (Frenkel et al. 2021) sends the target itself, and DKP (Webster et al.
 * 2021) sends the score through a matrix it learns, Bₖ ← Bₖ − η (sᵀ Hₖ / B + decay·Bₖ). Bₖ is stored as
 * C × Nₖ so that δₖ = s·B is a plain product.
 */
function directBroadcast(variant: Variant): RuleFactory {
  return (params, { layers, classes }): Rule => {
    const scale = numberParam(params, 'feedbackScale');
    const L = layers.length;
    const rule: Rule = {
      name: variant,
      initialState: (rng) => {
        const entries: RuleStateEntry[] = [];
        for (let k = 1; k < L; k++) {
          const units = layers[k - 1]!.units;
          const values = broadcastInit(rng, k, classes, units, scale);
          entries.push({ name: `broadcast${k}`, shape: [classes, units], values, learned: variant === 'dkp' });
          if (variant === 'dkp') {
            entries.push({
              name: `broadcast${k}.start`,
              shape: [classes, units],
              values,
              learned: false,
            });
          }
        }
        return entries;
      },
      hiddenSignal: (ops, k, ctx) => ({
        modulatory: ops.matmul(ctx.broadcast, ctx.state[`broadcast${k}`]!),
        postsynaptic: null,
        scale: 1 / ctx.batchSize,
      }),
      broadcastSignal: variant === 'drtp' ? (_ops, ctx) => ctx.target : undefined,
      broadcastMatrix: (_ops, k, ctx) => ctx.state[`broadcast${k}`] ?? null,
    };
    if (variant === 'dkp') {
      const lr = numberParam(params, 'feedbackLr');
      const decay = numberParam(params, 'feedbackDecay');
      // B after t updates is (1 − η·decay)ᵗ B₀ plus what the data added; the signal of step t uses B before its
      // own update.
      rule.stepScalars = (step) => ({ [START_WEIGHT_INPUT]: (1 - lr * decay) ** step });
      rule.broadcastStart = <T>(_ops: Ops<T>, k: number, ctx: StepContext<T>) => ({
        current: ctx.state[`broadcast${k}`]!,
        start: ctx.state[`broadcast${k}.start`]!,
        weight: ctx.inputs[START_WEIGHT_INPUT]!,
      });
      rule.finish = <T>(ops: Ops<T>, ctx: StepContext<T>) => {
        const next: Record<string, T> = {};
        for (let k = 1; k < L; k++) {
          const b = ctx.state[`broadcast${k}`]!;
          const grad = ops.add(
            ops.div(ops.matmul(ctx.score, ctx.h[k]!, true, false), ctx.batchSize),
            ops.mul(decay, b),
          );
          next[`broadcast${k}`] = ops.sub(b, ops.mul(lr, grad));
        }
        return next;
      };
    }
    return rule;
  };
}

export const createDfa = directBroadcast('dfa');
export const createDrtp = directBroadcast('drtp');
export const createDkp = directBroadcast('dkp');
