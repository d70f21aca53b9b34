import type { DynamicsSpec } from '../../../shared/schemas/experiment';
import type { Rng } from '../../common/random';
import { activate, derivative } from '../activations';
import type { Layer, LayerParams } from '../layers/layer';
import type { Ops } from '../ops';

/**
 * CorInfoMax's recurrent network (Bozkurt, Pehlevan & Erdogan, NeurIPS 2023), as the EBD paper's §3.2 trains it with
 * a single free phase. Every layer k = 1…L has a state uₖ and an output rₖ = f(uₖ) (the readout is linear,
 * r_L = u_L), and three inputs:
 *   basal   bₖ = rₖ₋₁Wₖ + biasₖ                      the forward prediction of rₖ from the layer below (r₀ = x)
 *   lateral γ·rₖMₖ, γ = (1−λ)/λ                       Mₖ tracks λ(E[rₖᵀrₖ])⁻¹, the layer's inverse correlation
 *   apical  rₖ₊₁Fₖ₊₁                                   the backward prediction of rₖ from the layer above
 * and its state follows, for a hidden layer,
 *   duₖ = −g·uₖ + (bₖ − uₖ)/ε + (ε(2γ·rₖMₖ + g·rₖ) + rₖ₊₁Fₖ₊₁ − uₖ)/ε
 * and for the readout
 *   du_L = −g·u_L + (b_L − u_L)/ε + (γ·r_L M_L + g·r_L − u_L),
 * integrated from u = 0 by `iterations` Euler steps of size η, layer by layer from the bottom (each layer sees the
 * new state below it and the previous one above), as the paper's code does. After the step's update the lateral
 * weights follow the paper's rank-B rule Mₖ ← (Mₖ − γ·mean_b zzᵀ)/λ with z = rₖMₖ (fixed point Mₖ = λRₖ⁻¹), and each
 * backward predictor descends its own prediction error, normalised (NLMS): Fₖ ← Fₖ + ηₖ·Σ_b rₖᵀ(rₖ₋₁ − rₖFₖ) / Σ_b‖rₖ‖²
 * — both at the free equilibrium, both local. The forward weights are the rule's to train (EBD: CorInfoMax-EBD).
 *
 * Where this differs from the paper's code (a choice, stated in docs/corinfomax.md): the readout is linear instead of
 * clipped, so that the loss and the argmax see its state; Mₖ starts at the identity instead of a random positive
 * definite matrix; the paper's extra bias row of Mₖ and Fₖ is left out (the forward weights carry the biases); and the
 * predictors learn their own prediction error, normalised, where the paper's contrastive code moves them by the
 * difference between its two phases (a single free phase has no second one).
 */
export type CorInfoMaxConfig = DynamicsSpec;

/** What the network's own state entries are named with (checkpoints store them under these names). */
export const DYNAMICS_STATE_PREFIX = 'cim.';
export const lateralName = (k: number) => `${DYNAMICS_STATE_PREFIX}lateral${k}`;
export const predictorName = (k: number) => `${DYNAMICS_STATE_PREFIX}feedback${k}`;
/** The step input that scales the predictors' rates with the run's learning-rate schedule. */
export const PREDICTOR_RATE_INPUT = 'cim.rateFactor';

export interface DynamicsStateEntry {
  name: string;
  shape: readonly number[];
  values: Float32Array;
}

/**
 * The network's own state: Mₖ (Nₖ × Nₖ, identity) for every layer and Fₖ (Nₖ × Nₖ₋₁, Xavier-uniform from a stream of
 * its own, so that drawing it moves no other matrix) for k = 2…L.
 */
export function dynamicsState(layers: readonly Layer[], rng: Rng): DynamicsStateEntry[] {
  const entries: DynamicsStateEntry[] = [];
  const stream = rng.fork('corinfomax-predictors');
  for (const layer of layers) {
    const n = layer.units;
    const identity = new Float32Array(n * n);
    for (let i = 0; i < n; i++) identity[i * n + i] = 1;
    entries.push({ name: lateralName(layer.index), shape: [n, n], values: identity });
  }
  for (const layer of layers.slice(1)) {
    const above = layer.units;
    const below = layer.inputUnits;
    const limit = Math.sqrt(6 / (above + below));
    const values = stream.fillUniform(new Float32Array(above * below), -limit, limit);
    entries.push({ name: predictorName(layer.index), shape: [above, below], values });
  }
  return entries;
}

/** Keeps the predictors' normalised rate finite when a layer is silent (every rₖ = 0: no update either way). */
const NLMS_FLOOR = 1e-6;

/** The backward predictor Fₖ's SGD rate (k ≥ 2): feedbackRates[k − 2], the last entry for the layers beyond. */
export function predictorRate(config: CorInfoMaxConfig, k: number): number {
  const rates = config.feedbackRates;
  return rates[Math.min(k - 2, rates.length - 1)]!;
}

export interface Equilibrium<T> {
  /** h[0] = x, h[k] = rₖ at the last iteration; h[L] = u_L. */
  h: T[];
  /** f'(uₖ) for hidden k; null at 0 and L. */
  fprime: (T | null)[];
  /** ‖uₖ(T) − uₖ(T−1)‖ / ‖uₖ(T)‖ per layer k = 1…L (index 0 unused): how far from its fixed point the state was. */
  residuals: T[];
}

/** The free phase: the dynamics above, run for config.iterations steps on the batch x. */
export function equilibrium<T>(
  ops: Ops<T>,
  config: CorInfoMaxConfig,
  layers: readonly Layer[],
  params: (layer: Layer) => LayerParams<T>,
  state: Readonly<Record<string, T>>,
  x: T,
): Equilibrium<T> {
  const L = layers.length;
  const batch = ops.shape(x)[0]!;
  const { leak: g, epsilon, stepSize, iterations } = config;
  const gamma = (1 - config.lambda) / config.lambda;
  const u: T[] = [x];
  const r: T[] = [x];
  for (const layer of layers) {
    u[layer.index] = ops.zeros([batch, layer.units]);
    r[layer.index] = outputOf(ops, layer, L, u[layer.index]!);
  }
  // The input is fixed, so the first layer's forward prediction is the same at every iteration.
  const firstBasal = layers[0]!.forward(ops, params(layers[0]!), x);
  const previous: T[] = [];
  for (let t = 0; t < iterations; t++) {
    for (const layer of layers) {
      const k = layer.index;
      const uk = u[k]!;
      const rk = r[k]!;
      const basal = k === 1 ? firstBasal : layer.forward(ops, params(layer), r[k - 1]!);
      const lateral = ops.matmul(rk, state[lateralName(k)]!);
      let du: T;
      if (k < L) {
        // ε(2γ·rM + g·r) + r_{k+1}F_{k+1}, all over ε: the apical compartment's voltage minus uₖ.
        const apical = ops.add(
          ops.mul(ops.add(ops.mul(lateral, 2 * gamma), ops.mul(rk, g)), epsilon),
          ops.matmul(r[k + 1]!, state[predictorName(k + 1)]!),
        );
        du = ops.add(ops.mul(uk, -g), ops.mul(ops.sub(ops.add(basal, apical), ops.mul(uk, 2)), 1 / epsilon));
      } else {
        const apical = ops.add(ops.mul(lateral, gamma), ops.mul(rk, g));
        du = ops.add(ops.add(ops.mul(uk, -g), ops.mul(ops.sub(basal, uk), 1 / epsilon)), ops.sub(apical, uk));
      }
      if (t === iterations - 1) previous[k] = uk;
      u[k] = ops.add(uk, ops.mul(du, stepSize));
      r[k] = outputOf(ops, layer, L, u[k]!);
    }
  }
  const fprime: (T | null)[] = [null];
  const residuals: T[] = [];
  for (const layer of layers) {
    const k = layer.index;
    fprime[k] = k === L ? null : derivative(ops, layer.activation, u[k]!, r[k]!);
    const change = ops.sqrt(ops.sum(ops.square(ops.sub(u[k]!, previous[k]!))));
    residuals[k] = ops.div(change, ops.add(ops.sqrt(ops.sum(ops.square(u[k]!))), 1e-12));
  }
  return { h: r, fprime, residuals };
}

function outputOf<T>(ops: Ops<T>, layer: Layer, L: number, u: T): T {
  return layer.index === L ? u : activate(ops, layer.activation, u);
}

/**
 * The network's own plasticity after a step, at the free equilibrium h: every Mₖ and every Fₖ (k ≥ 2) moves, by the
 * rules in this file's header. `rateFactor` is the learning-rate schedule's factor for this step (a step input).
 */
export function dynamicsPlasticity<T>(
  ops: Ops<T>,
  config: CorInfoMaxConfig,
  layers: readonly Layer[],
  state: Readonly<Record<string, T>>,
  h: readonly T[],
  rateFactor: T,
): Record<string, T> {
  const batch = ops.shape(h[0]!)[0]!;
  const gamma = (1 - config.lambda) / config.lambda;
  const out: Record<string, T> = {};
  for (const layer of layers) {
    const k = layer.index;
    const m = state[lateralName(k)]!;
    const z = ops.matmul(h[k]!, m);
    const outer = ops.matmul(z, z, true, false);
    out[lateralName(k)] = ops.mul(ops.sub(m, ops.mul(outer, gamma / batch)), 1 / config.lambda);
    if (k === 1) continue;
    const f = state[predictorName(k)]!;
    const error = ops.sub(h[k - 1]!, ops.matmul(h[k]!, f));
    // Normalised by the batch's Σ‖rₖ‖² (NLMS): stable for any rate below 2 whatever the layer's width, where the
    // plain rate must stay below 2/λmax(E[rₖᵀrₖ]) — which the paper code's 0.045 exceeds for 500 clipped units.
    const power = ops.add(ops.sum(ops.square(h[k]!)), NLMS_FLOOR);
    const rate = ops.div(ops.mul(rateFactor, predictorRate(config, k)), power);
    out[predictorName(k)] = ops.add(f, ops.mul(ops.matmul(h[k]!, error, true, false), rate));
  }
  return out;
}
