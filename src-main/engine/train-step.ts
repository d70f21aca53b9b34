import * as tf from '@tensorflow/tfjs-core';
import { matMulAT } from './linalg';
import { computeLoss } from './losses';
import type { Model } from './model';
import { regularizerPhi } from './regularizers';
import type { StepContext } from './rules/rule';
import { collectDiagnostics, type LayerSignals } from './diagnostics';

export interface StepTensors {
  /** Mean loss of the batch, before the update. */
  loss: tf.Scalar;
  /** Correctly classified samples in the batch (argmax), before the update. */
  correct: tf.Scalar;
  /** Named scalar diagnostics when asked for (see diagnostics.ts for their definitions). */
  diagnostics: Record<string, tf.Scalar>;
}

/**
 * One training step shared by every rule (ALGORITHMS.md §1): one forward pass, the output layer's true local
 * gradient, a per-layer signal from the rule, the regularisers, one optimiser step. Only the hidden signals
 * differ between rules, which is what makes same-seed comparisons exact. Everything runs inside one tf.tidy; the
 * returned scalars are the only tensors that outlive it.
 */
export function trainStep(
  model: Model,
  x: tf.Tensor2D,
  target: tf.Tensor2D,
  epoch: number,
  collect: boolean,
): StepTensors {
  return tf.tidy(() => {
    const { loss, correct, diagnostics, gradWt, gradB } = computeUpdate(model, x, target, collect);
    model.optimizer.apply([...gradWt.slice(1), ...gradB.slice(1)], epoch);
    model.net.applyMasks();
    if (model.optimizer.stepCount % 100 === 0) for (const tracker of model.entropy) tracker?.symmetrise();
    return { loss, correct, diagnostics };
  });
}

export interface Update extends StepTensors {
  /** ∂Wₖᵀ for k = 1..L (index 0 unused), in the stored fan-in × fan-out layout. */
  gradWt: tf.Tensor2D[];
  gradB: tf.Tensor1D[];
}

/**
 * The rule's update direction for one batch, and the rule's state updates (its correlation EMA, DKP's
 * feedback), without the optimiser step. Call inside tf.tidy. The tests compare these gradients with autodiff.
 */
export function computeUpdate(model: Model, x: tf.Tensor2D, target: tf.Tensor2D, collect: boolean): Update {
  const { net, rule, config } = model;
  const L = net.depth;
  const batchSize = x.shape[0];
  const pass = net.forward(x);
  const z = pass.h[L]!;
  const { loss, score, prediction } = computeLoss(config.loss, z, target);
  const ctx: StepContext = {
    net,
    pass,
    score,
    prediction,
    target,
    loss: config.loss,
    batchSize,
    ruleBroadcast: (k) => rule.broadcastMatrix?.(k) ?? null,
    ruleFeedback: (k) => rule.feedbackMatrix?.(k) ?? null,
    ruleState: () => rule.state(),
  };
  const correct = tf.sum(tf.cast(tf.equal(tf.argMax(z, 1), tf.argMax(target, 1)), 'float32')) as tf.Scalar;

  rule.prepare?.(ctx);
  const gradWt: tf.Tensor2D[] = new Array<tf.Tensor2D>(L + 1);
  const gradB: tf.Tensor1D[] = new Array<tf.Tensor1D>(L + 1);

  // Output layer: its true local gradient under every rule, Φ_L = s.
  gradWt[L] = tf.div<tf.Tensor2D>(matMulAT(pass.h[L - 1]!, score), batchSize);
  gradB[L] = tf.mean<tf.Tensor1D>(score, 0);
  const extra = rule.outputExtra?.(ctx);
  if (extra) {
    gradWt[L] = tf.add<tf.Tensor2D>(gradWt[L], extra.wt);
    gradB[L] = tf.add<tf.Tensor1D>(gradB[L], extra.b);
  }

  const signals: LayerSignals[] = [];
  let phiAbove: tf.Tensor2D = score;
  for (let k = L - 1; k >= 1; k--) {
    const signal = rule.hiddenSignal(k, ctx, phiAbove);
    const fprime = pass.fprime[k]!;
    const post = signal.postsynaptic ? tf.mul<tf.Tensor2D>(fprime, signal.postsynaptic) : fprime;
    const phi = tf.mul<tf.Tensor2D>(signal.modulatory, post);
    const ruleTerm = tf.mul<tf.Tensor2D>(phi, signal.scale);
    const reg = regularizerPhi(config.regularizers, pass.h[k]!, fprime);
    const entropy = model.entropy[k]?.phi(pass.h[k]!, fprime) ?? null;
    let total = reg ? tf.add<tf.Tensor2D>(ruleTerm, reg) : ruleTerm;
    if (entropy) total = tf.add<tf.Tensor2D>(total, entropy);
    gradWt[k] = matMulAT(pass.h[k - 1]!, total);
    gradB[k] = tf.sum<tf.Tensor1D>(total, 0);
    if (collect) signals[k] = { modulatory: signal.modulatory, postsynaptic: post, ruleTerm };
    phiAbove = phi;
  }

  const decay = config.regularizers.weightDecay;
  if (decay > 0)
    for (let k = 1; k <= L; k++) gradWt[k] = tf.add<tf.Tensor2D>(gradWt[k]!, tf.mul(decay, net.weightT(k)));

  const diagnostics = collect ? collectDiagnostics(ctx, signals, gradWt) : {};
  rule.finish?.(ctx);
  return { loss, correct, diagnostics, gradWt, gradB };
}
