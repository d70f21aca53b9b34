import { FACTOR_QUANTILES, layerMetric } from '../../shared/diagnostics';
import type { Model } from './model';
import type { Gradient } from './optim/optimizer';
import { cosine, frobenius, sizeOf, type Ops } from './ops';
import type { StepContext } from './rules/rule';

/** What the step kept of one hidden layer's signal, for the diagnostics. */
export interface LayerSignals<T> {
  /** The presynaptic factor: the layer's input in the rule's product (H_{k−1}; PEPITA: the modulated pass's). */
  presynaptic: T;
  /** The modulatory factor δₖ (B × Nₖ). */
  modulatory: T;
  /** The postsynaptic factor f'(Uₖ) ⊙ (rule's extra factor) (B × Nₖ). */
  postsynaptic: T;
  /** The rule's own term of ∂/∂Uₖ (scale · Φₖ), before regularisers. */
  ruleTerm: T;
}

/**
 * The canonical diagnostics, one definition each (every public repository computes "alignment" differently):
 *
 *  layerK.activation_power      mean over batch and units of hₖ².
 *  layerK.mean_abs_correlation  mean over (unit i, output c) of |Pearson correlation over the batch between
 *                               hₖ,ᵢ and the score s_c| — what decorrelation rules drive to zero; reported for
 *                               every rule so that they can be compared on it.
 *  layerK.decorrelation_norm    ‖Rₖ‖_F of the rule's running correlation (EBD, SBD only).
 *  layerK.grad_norm             ‖∂Wₖ‖_F of the rule's update direction, regularisers and decay included.
 *  layerK.bp_cosine             cosine between the rule's own weight gradient (regularisers excluded) and BP's
 *                               gradient of the same loss, same batch, same weights. 1 = BP's direction.
 *  layerK.broadcast_angle       angle in degrees between the rule's broadcast matrix Bₖ (C × Nₖ: DFA, DRTP, DKP,
 *                               and EBD/SBD's Rₖ restricted to the score rows) and the transpose of the linear
 *                               path it stands in for, W_{k+1}ᵀ···W_Lᵀ (activation derivatives ignored), as
 *                               BioTorch reports for FA/DFA; with broadcast_norm_ratio = ‖Bₖ‖ / ‖path‖.
 *  layerK.feedback_angle        FA: angle in degrees between the fixed feedback matrix F_{k+1} and the forward
 *                               weights W_{k+1} it replaces; with feedback_norm_ratio = ‖F‖ / ‖W‖.
 *  layerK.feedback_cosine       cosine between Bₖ (score rows) and the layer's true feedback Jₖ, the batch mean of
 *                               ∂z/∂hₖ (C × Nₖ; W_Lᵀ for the last hidden layer). > 0: on average the broadcast
 *                               pushes the layer the way the loss goes down.
 *  layerK.learned_share         for a learned broadcast (EBD/SBD, DKP): ‖Bₖ − w·B₀‖ / ‖Bₖ‖, w the start's weight
 *                               (λᵗ for EBD/SBD). Below 0.5 the run is DFA-like: the random start carries it.
 *  layerK.learned_feedback_cosine  the same cosine as feedback_cosine for the learned part Bₖ − w·B₀ alone.
 *  layerK.dfa_cosine            cosine between the rule's update and the update its start B₀ alone would give (DFA
 *                               with B₀): 1 while the learned part is negligible.
 *  layerK.{pre,post,mod}.{mean,std,q05,q25,q50,q75,q95}, layerK.mod.mean_abs — the three factors of the update
 *                               over batch and units: presynaptic H_{k-1}, postsynaptic f'(Uₖ)·g'(Hₖ),
 *                               modulatory δₖ; quantiles from an evenly strided sample of at most 4096 entries.
 */
export function collectDiagnostics<T>(
  ops: Ops<T>,
  model: Model,
  ctx: StepContext<T>,
  signals: LayerSignals<T>[],
  grads: Record<string, Gradient<T>>,
): Record<string, T> {
  const out: Record<string, T> = {};
  const { layers, h, score, batchSize } = ctx;
  const bp = bpPhis(ops, ctx);
  let jacobians: T[] | null = null;
  const degrees = (c: T) => ops.mul(180 / Math.PI, ops.acos(ops.clip(c, -1, 1)));
  for (let k = 1; k < model.depth; k++) {
    const layer = layers[k - 1]!;
    const signal = signals[k]!;
    const name = (metric: string) => layerMetric(k, metric);
    out[name('activation_power')] = ops.mean(ops.square(h[k]!));
    out[name('mean_abs_correlation')] = meanAbsCorrelation(ops, h[k]!, score);
    const correlation = ctx.state[`correlation${k}`];
    if (correlation !== undefined) out[name('decorrelation_norm')] = frobenius(ops, correlation);
    out[name('grad_norm')] = frobenius(ops, grads[layer.weight.name]!.value());
    const ruleGrad = layer.gradients(ops, signal.presynaptic, signal.ruleTerm).weight;
    const bpGrad = layer.gradients(ops, h[k - 1]!, ops.div(bp[k]!, batchSize)).weight;
    out[name('bp_cosine')] = cosine(ops, ruleGrad, bpGrad);
    const broadcast = model.rule.broadcastMatrix?.(ops, k, ctx) ?? null;
    // The linear path is a product of weight matrices only where every layer above is a plain dense one.
    if (broadcast !== null && layers.slice(k).every((l) => l.plain)) {
      const path = linearPath(ops, ctx, k);
      out[name('broadcast_angle')] = degrees(cosine(ops, broadcast, path));
      out[name('broadcast_norm_ratio')] = ops.div(frobenius(ops, broadcast), ops.add(frobenius(ops, path), 1e-12));
    }
    if (broadcast !== null) {
      const rows = ops.shape(broadcast)[0]!;
      jacobians ??= meanJacobians(ops, ctx);
      const jacobian = jacobians[k]!;
      out[name('feedback_cosine')] = cosine(ops, broadcast, jacobian);
      const start = model.rule.broadcastStart?.(ops, k, ctx) ?? null;
      if (start !== null) {
        const learned = ops.sub(start.current, ops.mul(start.start, start.weight));
        out[name('learned_share')] = ops.div(frobenius(ops, learned), ops.add(frobenius(ops, start.current), 1e-30));
        const learnedScoreRows = ops.shape(learned)[0] === rows ? learned : ops.slice(learned, [0, 0], [rows, -1]);
        out[name('learned_feedback_cosine')] = cosine(ops, learnedScoreRows, jacobian);
        const startSignal = ops.mul(ops.matmul(ctx.broadcast, start.start), signal.postsynaptic);
        out[name('dfa_cosine')] = cosine(ops, ruleGrad, layer.gradients(ops, signal.presynaptic, startSignal).weight);
      }
    }
    const feedback = model.rule.feedbackMatrix?.(k, ctx) ?? null;
    if (feedback !== null) {
      // FA: the fixed matrix against the forward weights it replaces, both in W_{k+1}'s stored layout.
      const weights = ctx.weights[k + 1]!;
      out[name('feedback_angle')] = degrees(cosine(ops, feedback, weights));
      out[name('feedback_norm_ratio')] = ops.div(frobenius(ops, feedback), ops.add(frobenius(ops, weights), 1e-12));
    }
    addDistribution(ops, out, name('pre'), signal.presynaptic);
    addDistribution(ops, out, name('post'), signal.postsynaptic);
    addDistribution(ops, out, name('mod'), signal.modulatory);
    out[name('mod.mean_abs')] = ops.mean(ops.abs(signal.modulatory));
  }
  return out;
}

/** The BP signal Φₖ for every hidden layer, for the alignment diagnostics of other rules (layer k at index k). */
export function bpPhis<T>(ops: Ops<T>, ctx: StepContext<T>): T[] {
  const L = ctx.layers.length;
  const phis: T[] = new Array<T>(L + 1);
  phis[L] = ctx.score;
  for (let k = L - 1; k >= 1; k--) {
    phis[k] = ops.mul(ctx.layers[k]!.backward(ops, ctx.weights[k + 1]!, phis[k + 1]!, ctx.h[k]!), ctx.fprime[k]!);
  }
  return phis;
}

/**
 * Quantiles are read from an evenly strided sample of at most this many entries: a full sort of B × N values
 * every diagnostics step would cost more than the step, and 4096 samples put the 5th percentile within about
 * ±0.7 percentile points.
 */
const QUANTILE_SAMPLE = 4096;

/** Mean, std and quantiles of one factor over batch and units: the distribution the three-factor panel draws. */
function addDistribution<T>(ops: Ops<T>, out: Record<string, T>, prefix: string, x: T): void {
  const mean = ops.mean(x);
  out[`${prefix}.mean`] = mean;
  out[`${prefix}.std`] = ops.sqrt(ops.mean(ops.square(ops.sub(x, mean))));
  const size = sizeOf(ops.shape(x));
  const flat = ops.reshape(x, [size]);
  const sample =
    size > QUANTILE_SAMPLE ? ops.gather(flat, ops.indices(stridedIndices(size, QUANTILE_SAMPLE)), 0) : flat;
  const n = Math.min(size, QUANTILE_SAMPLE);
  const sorted = ops.sortAscending(sample);
  for (const { suffix, p } of FACTOR_QUANTILES) {
    const rank = Math.round(p * (n - 1));
    out[`${prefix}.${suffix}`] = ops.reshape(ops.slice(sorted, [rank], [1]), []);
  }
}

function stridedIndices(size: number, count: number): Int32Array {
  const indices = new Int32Array(count);
  for (let i = 0; i < count; i++) indices[i] = Math.floor((i * size) / count);
  return indices;
}

/** Mean |Pearson r| between every unit of h and every score component, over the batch. */
export function meanAbsCorrelation<T>(ops: Ops<T>, h: T, s: T): T {
  const standardise = (x: T) => {
    const mean = ops.mean(x, [0], true);
    const centred = ops.sub(x, mean);
    const std = ops.sqrt(ops.mean(ops.square(centred), [0], true));
    return ops.div(centred, ops.add(std, 1e-8));
  };
  const r = ops.div(ops.matmul(standardise(h), standardise(s), true, false), ops.shape(h)[0]!);
  return ops.mean(ops.abs(r));
}

/**
 * The batch mean of ∂z/∂hₖ for every hidden layer k (index k, C × Nₖ): the feedback BP would send layer k, per
 * output. Carried down per sample as (B·C) × N rows through each layer's own backward product, so it holds for any
 * layer kind: J_{L−1} = W_Lᵀ, Jₖ(b) = (J_{k+1}(b) ⊙ f'_{k+1}(b)) through layer k+1.
 */
export function meanJacobians<T>(ops: Ops<T>, ctx: StepContext<T>): T[] {
  const L = ctx.layers.length;
  const batch = ctx.batchSize;
  const top = ctx.layers[L - 1]!;
  const classes = top.units;
  const identity = new Float32Array(classes * classes);
  for (let c = 0; c < classes; c++) identity[c * classes + c] = 1;
  const out: T[] = new Array<T>(L);
  // Through a plain readout J_{L−1} is the same for every b: the rows stay C until a derivative makes them differ.
  // A pooled readout (max pooling routes per sample) starts per sample.
  let perSample = !top.plain;
  const seed = perSample ? tiled(identity, batch) : identity;
  let rows = top.backward(ops, ctx.weights[L]!, ops.constant(seed, [seed.length / classes, classes]), ctx.h[L - 1]!);
  out[L - 1] = perSample ? ops.mean(ops.reshape(rows, [batch, classes, top.inputUnits]), [0]) : rows;
  for (let k = L - 2; k >= 1; k--) {
    const units = ctx.layers[k]!.units;
    const current = perSample ? ops.reshape(rows, [batch, classes, units]) : ops.reshape(rows, [1, classes, units]);
    const gated = ops.mul(current, ops.reshape(ctx.fprime[k + 1]!, [batch, 1, units]));
    rows = ctx.layers[k]!.backward(ops, ctx.weights[k + 1]!, ops.reshape(gated, [batch * classes, units]), ctx.h[k]!);
    perSample = true;
    out[k] = ops.mean(ops.reshape(rows, [batch, classes, ctx.layers[k - 1]!.units]), [0]);
  }
  return out;
}

function tiled(values: Float32Array, times: number): Float32Array {
  const out = new Float32Array(values.length * times);
  for (let i = 0; i < times; i++) out.set(values, i * values.length);
  return out;
}

/** W_{k+1}ᵀ ··· W_Lᵀ in the stored (fan-in × fan-out) layout, transposed to C × Nₖ to match Bₖ. */
function linearPath<T>(ops: Ops<T>, ctx: StepContext<T>, k: number): T {
  let path: T = ctx.weights[k + 1]!;
  for (let j = k + 2; j <= ctx.layers.length; j++) path = ops.matmul(path, ctx.weights[j]!);
  return ops.transpose(path);
}
