import { scoreJacobianProduct } from '../losses';
import type { Ops } from '../ops';
import { expandScore, expandedSize, type ScoreExpansion } from '../score-expansion';
import { broadcastInit } from './feedback-init';
import {
  numberParam,
  START_WEIGHT_INPUT,
  type Rule,
  type RuleFactory,
  type RuleStateEntry,
  type StepContext,
} from './rule';

/**
 * EBD (arXiv 2504.11558) and SBD (arXiv 2605.30638): each hidden layer keeps the running cross-correlation
 * Rₖ between g(Hₖ) and the broadcast signal s̃ (the output error for EBD, the loss score, optionally expanded, for
 * SBD) and descends Jₖ = ½‖Rₖ‖²_F through g(Hₖ) only. With ζ = (1−λ)/B:
 *   Rₖ ← λRₖ + ζ g(Hₖ)ᵀ s̃,   Φₖ = g'(Hₖ) ⊙ f'(Uₖ) ⊙ (s̃ Rₖᵀ),   grad Wₖ = ζ Φₖᵀ H_{k-1}.
 * The three factors: presynaptic H_{k-1}, postsynaptic g'(H)f'(U), modulatory s̃Rᵀ (a per-neuron mix of the
 * global broadcast). ζ is tiny; it is kept as the honest scale (Adam does not mind, SGD needs a large rate).
 * Rₖ is stored transposed (C̃ × Nₖ), so both s̃ Rₖᵀ and the EMA are plain products.
 *
 * Parameters: lambda (λ), initScale (scale of R's random start, a DFA matrix), g ('identity' or 'square', h²/2),
 * forwardBroadcast (weight of the output layer's descent on the decorrelation losses; 0 = off; per-layer
 * multipliers from the regularisers' layerScales), forwardBroadcastInput (the same for the input layer, whose
 * correlation R₀ with x is then kept as `correlation0`), gradientMomentum (β of an average of the hidden
 * gradients, the recipe's "momentum on the decorrelation gradient"), freeze (keep R at
 * its start: EBD then moves in DFA's direction), direction ('ascent' climbs ½‖R‖² instead: a research switch, not
 * EBD), and for SBD expansion (see score-expansion.ts).
 *
 * The EMA is written R + ζ g(H)ᵀs̃ − (1−λ)R rather than λR + …: at λ = 1 − 10⁻⁸ the float32 λ is exactly 1 and R
 * would never forget, while (1−λ) itself is representable. R's start R₀ is kept beside it (fixed, redrawn from the
 * seed, not checkpointed) with λᵗ fed per step, so the diagnostics can split R into λᵗR₀ and what was learned.
 */
function decorrelation(name: 'ebd' | 'sbd'): RuleFactory {
  return (params, { layers, classes, loss, forwardScale }): Rule => {
    const lambda = numberParam(params, 'lambda');
    const initScale = numberParam(params, 'initScale');
    const forwardBroadcast = numberParam(params, 'forwardBroadcast');
    // The input layer's term needs its own correlation R₀ of x with s̃, kept only when the term is on.
    const forwardInput = numberParam(params, 'forwardBroadcastInput');
    const momentum = numberParam(params, 'gradientMomentum');
    const square = params.g === 'square';
    const freeze = params.freeze === true;
    const sign = params.direction === 'ascent' ? -1 : 1;
    const fullGradient = params.gradient === 'full';
    const expansion: ScoreExpansion = name === 'sbd' ? ((params.expansion as ScoreExpansion) ?? 'none') : 'none';
    const rows = expandedSize(expansion, classes);
    const L = layers.length;
    const zeta = <T>(ctx: StepContext<T>) => (1 - lambda) / ctx.batchSize;
    const g = <T>(ops: Ops<T>, h: T) => (square ? ops.mul(0.5, ops.square(h)) : h);
    const signed = <T>(ops: Ops<T>, m: T) => (sign === 1 ? m : ops.neg(m));

    return {
      name,
      hiddenMomentum: momentum,
      initialState: (rng) => {
        const entries: RuleStateEntry[] = [];
        for (let k = 1; k < L; k++) {
          const units = layers[k - 1]!.units;
          const base = broadcastInit(rng, k, classes, units, initScale);
          // The expanded rows start at zero: expanded SBD then starts exactly where plain SBD does (same R₀, same
          // first steps), and what the expansion adds is only what those rows learn — the thing an ablation asks.
          const values = new Float32Array(rows * units);
          values.set(base);
          entries.push({ name: `correlation${k}`, shape: [rows, units], values, learned: !freeze });
          if (!freeze) {
            entries.push({
              name: `correlation${k}.start`,
              shape: [rows, units],
              values: values.slice(),
              learned: false,
            });
          }
        }
        if (momentum > 0) {
          // The averaged gradients start at zero (the step's averagedRuleGradient).
          for (const layer of layers.slice(0, -1)) {
            const { shape } = layer.weight;
            const weight = new Float32Array(shape.reduce((a, b) => a * b, 1));
            entries.push({ name: `momentum${layer.index}`, shape, values: weight, learned: true });
            if (layer.bias) {
              const bias = layer.bias.shape;
              const values = new Float32Array(bias.reduce((a, b) => a * b, 1));
              entries.push({ name: `momentumBias${layer.index}`, shape: bias, values, learned: true });
            }
          }
        }
        if (forwardInput > 0) {
          const inputs = layers[0]!.inputUnits;
          // Stream 'broadcast-0': the hidden layers' matrices (streams 1…) are drawn exactly as without it.
          const values = broadcastInit(rng, 0, classes, inputs, initScale);
          entries.push({ name: 'correlation0', shape: [classes, inputs], values, learned: !freeze });
        }
        return entries;
      },
      // R₀'s weight in R after the update numbered `step`: λ^(step+1) (0 once it underflows, as it should).
      stepScalars: (step): Record<string, number> => (freeze ? {} : { [START_WEIGHT_INPUT]: lambda ** (step + 1) }),
      broadcastSignal: (ops, ctx) => expandScore(ops, expansion, ctx.score, ctx.prediction),
      prepare: <T>(ops: Ops<T>, ctx: StepContext<T>) => {
        const next: Record<string, T> = {};
        if (freeze) return next;
        for (let k = forwardInput > 0 ? 0 : 1; k < L; k++) {
          const r = ctx.state[`correlation${k}`]!;
          // The input is not a unit's activity: its correlation is with x itself, whatever g is.
          const activity = k === 0 ? ctx.h[0]! : g(ops, ctx.h[k]!);
          const fresh = ops.matmul(ctx.broadcast, activity, true, false);
          next[`correlation${k}`] = ops.sub(ops.add(r, ops.mul(zeta(ctx), fresh)), ops.mul(1 - lambda, r));
        }
        return next;
      },
      hiddenSignal: (ops, k, ctx) => ({
        modulatory: ops.matmul(ctx.broadcast, ctx.state[`correlation${k}`]!),
        postsynaptic: square ? ctx.h[k]! : null,
        scale: sign * zeta(ctx),
        ...(fullGradient ? { nonLocal: throughTheScore(ops, k, ctx, g(ops, ctx.h[k]!)) } : {}),
      }),
      outputPhi: <T>(ops: Ops<T>, ctx: StepContext<T>) => {
        // Refused with an expansion by the catalogue (checkRuleParams): it is defined for the plain score only.
        if (expansion !== 'none') return null;
        // Each layer's term weighted: the input's by forwardBroadcastInput, hidden layer k's by forwardBroadcast
        // times its multiplier. ζ is common to all and applied once.
        let v: T | null = null;
        for (let k = 0; k < L; k++) {
          const weight = k === 0 ? forwardInput : forwardBroadcast * (forwardScale?.(k) ?? 1);
          if (weight === 0) continue;
          const activity = k === 0 ? ctx.h[0]! : g(ops, ctx.h[k]!);
          const term = ops.mul(ops.matmul(activity, ctx.state[`correlation${k}`]!, false, true), weight);
          v = v === null ? term : ops.add(v, term);
        }
        if (v === null) return null;
        return ops.mul(zeta(ctx), scoreJacobianProduct(ops, loss, v, ctx.prediction));
      },
      // The matrices as they act on the layer: under ascent the signal is −s̃R, so the diagnostics see −R.
      broadcastMatrix: <T>(ops: Ops<T>, k: number, ctx: StepContext<T>) => {
        const r = ctx.state[`correlation${k}`];
        if (r === undefined) return null;
        return signed(ops, rows === classes ? r : ops.slice(r, [0, 0], [classes, -1]));
      },
      broadcastStart: <T>(ops: Ops<T>, k: number, ctx: StepContext<T>) => {
        const current = signed(ops, ctx.state[`correlation${k}`]!);
        if (freeze) return { current, start: current, weight: ops.constant([1], []) };
        const start = signed(ops, ctx.state[`correlation${k}.start`]!);
        return { current, start, weight: ctx.inputs[START_WEIGHT_INPUT]! };
      },
    };
  };
}

/**
 * The research reference "full gradient" (not EBD): Jₖ = ½‖Rₖ‖² also depends on Wₖ through the score s = s(z), a
 * path the local rule drops. ∂Jₖ/∂s = ζ·g(Hₖ)Rₖᵀ (ζ is applied by the step), turned into ∂/∂z by the score's
 * Jacobian (identity for MSE) and carried down to Hₖ through the true forward weights, as BP would carry it. Only for
 * the plain score: an expanded s̃ has no such Jacobian here (refused by the catalogue).
 */
function throughTheScore<T>(ops: Ops<T>, k: number, ctx: StepContext<T>, gh: T): T {
  const L = ctx.layers.length;
  let phi = scoreJacobianProduct(
    ops,
    ctx.loss,
    ops.matmul(gh, ctx.state[`correlation${k}`]!, false, true),
    ctx.prediction,
  );
  for (let j = L; j > k + 1; j--) {
    phi = ops.mul(ctx.layers[j - 1]!.backward(ops, ctx.weights[j]!, phi, ctx.h[j - 1]!), ctx.fprime[j - 1]!);
  }
  return ctx.layers[k]!.backward(ops, ctx.weights[k + 1]!, phi, ctx.h[k]!);
}

export const createEbd = decorrelation('ebd');
export const createSbd = decorrelation('sbd');
