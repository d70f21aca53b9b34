import * as tf from '@tensorflow/tfjs-core';
import { FACTOR_QUANTILES, layerMetric } from '../../shared/diagnostics';
import { frobenius, matMulAT } from './linalg';
import { bpPhis } from './rules/bp';
import type { StepContext } from './rules/rule';

/** What the step kept of one hidden layer's signal, for the diagnostics. */
export interface LayerSignals {
  /** The modulatory factor δₖ (B × Nₖ). */
  modulatory: tf.Tensor2D;
  /** The postsynaptic factor f'(Uₖ) ⊙ (rule's extra factor) (B × Nₖ). */
  postsynaptic: tf.Tensor2D;
  /** The rule's own term of ∂/∂Uₖ (scale · Φₖ), before regularisers. */
  ruleTerm: tf.Tensor2D;
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
 *  layerK.{pre,post,mod}.{mean,std,q05,q25,q50,q75,q95}, layerK.mod.mean_abs — the three factors of the update
 *                               over batch and units: presynaptic H_{k-1}, postsynaptic f'(Uₖ)·g'(Hₖ),
 *                               modulatory δₖ; quantiles from an evenly strided sample of at most 4096 entries.
 */
export function collectDiagnostics(
  ctx: StepContext,
  signals: LayerSignals[],
  gradWt: tf.Tensor2D[],
): Record<string, tf.Scalar> {
  const out: Record<string, tf.Scalar> = {};
  const { net, pass, score, batchSize } = ctx;
  const bp = bpPhis(ctx);
  const state = ctxRuleState(ctx);
  for (let k = 1; k < net.depth; k++) {
    const h = pass.h[k]!;
    const signal = signals[k]!;
    const name = (metric: string) => layerMetric(k, metric);
    out[name('activation_power')] = tf.mean(tf.square(h));
    out[name('mean_abs_correlation')] = meanAbsCorrelation(h, score);
    const correlation = state.get(`correlation${k}`);
    if (correlation) out[name('decorrelation_norm')] = frobenius(correlation);
    out[name('grad_norm')] = frobenius(gradWt[k]!);
    const ruleGrad = matMulAT(pass.h[k - 1]!, signal.ruleTerm);
    const bpGrad = tf.div<tf.Tensor2D>(matMulAT(pass.h[k - 1]!, bp[k]!), batchSize);
    out[name('bp_cosine')] = cosine(ruleGrad, bpGrad);
    const broadcast = ctx.ruleBroadcast?.(k) ?? null;
    if (broadcast) {
      const path = linearPath(ctx, k);
      out[name('broadcast_angle')] = tf.mul(180 / Math.PI, tf.acos(tf.clipByValue(cosine(broadcast, path), -1, 1)));
      out[name('broadcast_norm_ratio')] = tf.div(frobenius(broadcast), tf.add(frobenius(path), 1e-12));
    }
    const feedback = ctx.ruleFeedback?.(k) ?? null;
    if (feedback) {
      // FA: the fixed matrix against the forward weights it replaces, W_{k+1} = (stored W_{k+1}ᵀ)ᵀ.
      const forward = tf.transpose(net.weightT(k + 1));
      out[name('feedback_angle')] = tf.mul(180 / Math.PI, tf.acos(tf.clipByValue(cosine(feedback, forward), -1, 1)));
      out[name('feedback_norm_ratio')] = tf.div(frobenius(feedback), tf.add(frobenius(forward), 1e-12));
    }
    addDistribution(out, name('pre'), pass.h[k - 1]!);
    addDistribution(out, name('post'), signal.postsynaptic);
    addDistribution(out, name('mod'), signal.modulatory);
    out[name('mod.mean_abs')] = tf.mean(tf.abs(signal.modulatory));
  }
  return out;
}

function ctxRuleState(ctx: StepContext): Map<string, tf.Variable> {
  return ctx.ruleState?.() ?? new Map();
}

/**
 * Quantiles are read from an evenly strided sample of at most this many entries: a full sort of B × N values
 * every diagnostics step would cost more than the step, and 4096 samples put the 5th percentile within about
 * ±0.7 percentile points.
 */
const QUANTILE_SAMPLE = 4096;

/** Mean, std and quantiles of one factor over batch and units: the distribution the three-factor panel draws. */
export function addDistribution(out: Record<string, tf.Scalar>, prefix: string, x: tf.Tensor): void {
  const { mean, variance } = tf.moments(x);
  out[`${prefix}.mean`] = mean as tf.Scalar;
  out[`${prefix}.std`] = tf.sqrt(variance) as tf.Scalar;
  const flat = tf.reshape(x, [-1]);
  const size = flat.shape[0]!;
  const sample = size > QUANTILE_SAMPLE ? tf.gather(flat, stridedIndices(size, QUANTILE_SAMPLE)) : flat;
  const n = sample.shape[0]!;
  // topk sorts descending; the ascending rank r sits at n − 1 − r.
  const sorted = tf.topk(sample, n, true).values;
  for (const { suffix, p } of FACTOR_QUANTILES) {
    const rank = Math.round(p * (n - 1));
    out[`${prefix}.${suffix}`] = tf.reshape(tf.slice(sorted, [n - 1 - rank], [1]), []);
  }
}

function stridedIndices(size: number, count: number): tf.Tensor1D {
  const indices = new Int32Array(count);
  for (let i = 0; i < count; i++) indices[i] = Math.floor((i * size) / count);
  return tf.tensor1d(indices, 'int32');
}

function cosine(a: tf.Tensor, b: tf.Tensor): tf.Scalar {
  return tf.div(tf.sum(tf.mul(a, b)), tf.add(tf.mul(frobenius(a), frobenius(b)), 1e-12));
}

/** Mean |Pearson r| between every unit of h and every score component, over the batch. */
export function meanAbsCorrelation(h: tf.Tensor2D, s: tf.Tensor2D): tf.Scalar {
  const standardise = (x: tf.Tensor2D) => {
    const { mean, variance } = tf.moments(x, 0, true);
    return tf.div<tf.Tensor2D>(tf.sub(x, mean), tf.add(tf.sqrt(variance), 1e-8));
  };
  const r = tf.div(matMulAT(standardise(h), standardise(s)), h.shape[0]);
  return tf.mean(tf.abs(r));
}

/** W_{k+1}ᵀ ··· W_Lᵀ in the stored (fan-in × fan-out) layout, transposed to C × Nₖ to match Bₖ. */
function linearPath(ctx: StepContext, k: number): tf.Tensor2D {
  let path: tf.Tensor2D = ctx.net.weightT(k + 1);
  for (let j = k + 2; j <= ctx.net.depth; j++) path = tf.matMul(path, ctx.net.weightT(j));
  return tf.transpose(path);
}
