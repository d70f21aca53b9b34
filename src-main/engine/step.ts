import { activate, derivative } from './activations';
import type { Layer, LayerParams } from './layers/layer';
import { computeLoss } from './losses';
import type { Model } from './model';
import { tensorGradient, updateParam, type Gradient } from './optim/optimizer';
import { addOptional, type Ops } from './ops';
import { activityPhi } from './regularizers/activity';
import { coefficientAt } from './regularizers/config';
import { entropyStep } from './regularizers/entropy';
import { WEIGHT_ENTROPY_EPSILON, weightEntropyGradient } from './regularizers/weight-entropy';
import type { LayerTerm, StepContext } from './rules/rule';
import { collectDiagnostics, type LayerSignals } from './diagnostics';
import { dynamicsDiagnostics } from './dynamics/diagnostics';
import { dynamicsPlasticity, equilibrium, PREDICTOR_RATE_INPUT } from './dynamics/corinfomax';

/** A run's state and a step's inputs as the executor holds them, by name (see Model.initialState, stepInputs). */
export type Tensors<T> = Readonly<Record<string, T>>;

/**
 * The training step, written once against Ops (ALGORITHMS.md §1): one forward pass, the output layer's true local
 * gradient, a per-layer signal from the rule, the regularisers, one optimiser step. Only the hidden signals
 * differ between rules, which is what makes same-seed comparisons exact. The eager executor runs it op by op;
 * the ONNX executor records it once into the graph that ONNX Runtime runs K times per call.
 */
export interface StepResult<T> {
  /** New values of every learned state entry. */
  next: Record<string, T>;
  /** Mean loss of the batch, before the update (scalar). */
  loss: T;
  /** Correctly classified samples of the batch (argmax), before the update (scalar). */
  correct: T;
  /** Mean activation power hₖ² of each hidden layer, for divergence checks ([L − 1]; [1] of zero without one). */
  power: T;
}

export function trainingStep<T>(ops: Ops<T>, model: Model, state: Tensors<T>, inputs: Tensors<T>): StepResult<T> {
  const update = computeUpdate(ops, model, state, inputs, false);
  const next: Record<string, T> = { ...update.stateUpdates };
  const { optimizer } = model.config;
  model.params().forEach((param, i) => {
    const layerRate = optimizer.layerRates[param.layer - 1] ?? 1;
    // A frozen layer keeps its weights and its optimiser state exactly.
    if (layerRate === 0) return;
    const first = state[`opt.m${i}`] ?? null;
    const second = state[`opt.v${i}`] ?? null;
    const gradient = update.grads[param.name]!;
    const result = updateParam(ops, optimizer, inputs, layerRate, state[param.name]!, gradient, first, second);
    const mask = state[`mask${param.layer}`];
    next[param.name] = mask !== undefined && param.name.startsWith('w') ? ops.mul(result.value, mask) : result.value;
    if (result.first) next[`opt.m${i}`] = result.first;
    if (result.second) next[`opt.v${i}`] = result.second;
  });
  return { next, loss: update.loss, correct: update.correct, power: update.power };
}

/** The diagnostics of one step (docs/diagnostics.md), on the state before it; nothing is updated. */
export function diagnosticStep<T>(ops: Ops<T>, model: Model, state: Tensors<T>, inputs: Tensors<T>): Record<string, T> {
  return computeUpdate(ops, model, state, inputs, true).diagnostics;
}

/**
 * Loss and correctness of each sample of a batch (for evaluation; B each). With test-time views x holds V·B rows,
 * view-major, and the outputs are averaged over the views first.
 */
export function evaluationStep<T>(ops: Ops<T>, model: Model, state: Tensors<T>, x: T, target: T) {
  const { h } = forward(ops, model, state, x);
  const views = model.evaluationViews;
  const [batch, classes] = ops.shape(target) as [number, number];
  const z = views === 1 ? h[model.depth]! : ops.mean(ops.reshape(h[model.depth]!, [views, batch, classes]), [0]);
  const { perSample } = computeLoss(ops, model.config.loss, z, target);
  return { loss: perSample, hits: ops.argmaxAgree(z, target) };
}

export interface ForwardPass<T> {
  /** h[0] = X, h[k] = f_k(U_k) for hidden k, h[L] = z (the linear output pre-activation). */
  h: T[];
  /** f'_k(U_k) for hidden k; null at 0 and L. */
  fprime: (T | null)[];
  /** A recurrent network's convergence per layer k = 1…L (dynamics/corinfomax.ts); absent for a feed-forward one. */
  residuals?: T[];
}

/**
 * The forward pass through `layers` (a training step's, with its dropout masks; by default evaluation's): a
 * CorInfoMax network's free-phase equilibrium, else one pass layer by layer.
 */
export function forward<T>(
  ops: Ops<T>,
  model: Model,
  state: Tensors<T>,
  x: T,
  layers: readonly Layer[] = model.layers,
): ForwardPass<T> {
  const { dynamics } = model.config.network;
  if (dynamics) return equilibrium(ops, dynamics, layers, (layer) => layerParams(state, layer), state, x);
  const h: T[] = [x];
  const fprime: (T | null)[] = [null];
  for (const layer of layers) {
    const u = layer.forward(ops, layerParams(state, layer), h[layer.index - 1]!);
    if (layer.index === model.depth) {
      h.push(u);
      fprime.push(null);
    } else {
      const hk = activate(ops, layer.activation, u);
      h.push(hk);
      fprime.push(derivative(ops, layer.activation, u, hk));
    }
  }
  return { h, fprime };
}

/**
 * A layer's weight gradient kept as its two factors (the layer's input and Φ) plus a dense term (weight decay), so
 * that the optimiser can fold its update into the product; materialised once when asked for as a tensor.
 */
export function weightGradient<T>(ops: Ops<T>, layer: Layer, input: T, phi: T | null, dense: T | null): Gradient<T> {
  // Nothing factored (a rule term averaged into `dense` and no regulariser): the dense term is the gradient.
  if (phi === null) {
    if (dense === null)
      throw new Error(`layer ${layer.index}'s weight gradient has neither a factored nor a dense term`);
    return tensorGradient(ops, dense);
  }
  let value: T | null = null;
  return {
    value: () => {
      if (value === null) {
        const product = layer.gradients(ops, input, phi).weight;
        value = dense === null ? product : ops.add(product, dense);
      }
      return value;
    },
    scaledInto: (c, beta, scale) => {
      const base = dense === null ? c : ops.add(beta === 1 ? c : ops.mul(c, beta), ops.mul(dense, scale));
      return layer.accumulateWeight(ops, base, dense === null ? beta : 1, input, ops.mul(phi, scale));
    },
  };
}

function layerParams<T>(state: Tensors<T>, layer: Layer): LayerParams<T> {
  return { weight: state[layer.weight.name]!, bias: layer.bias ? state[layer.bias.name]! : null };
}

export interface Update<T> {
  loss: T;
  correct: T;
  power: T;
  /** The update direction of every parameter, by its state name. */
  grads: Record<string, Gradient<T>>;
  /** New values of the rule's learned state and the entropy inverses. */
  stateUpdates: Record<string, T>;
  diagnostics: Record<string, T>;
}

/**
 * The rule's update direction for one batch and the rule's state updates (its correlation EMA, DKP's feedback),
 * without the optimiser step. The tests compare these gradients with autodiff.
 */
export function computeUpdate<T>(
  ops: Ops<T>,
  model: Model,
  state: Tensors<T>,
  inputs: Tensors<T>,
  collect: boolean,
): Update<T> {
  const { rule, config } = model;
  const layers = model.stepLayers(inputs);
  const L = model.depth;
  const x = inputs.x!;
  const target = inputs.target!;
  const batchSize = ops.shape(x)[0]!;
  const pass = forward(ops, model, state, x, layers);
  const z = pass.h[L]!;
  const { loss, score, prediction } = computeLoss(ops, config.loss, z, target);
  const ruleState = (values: Tensors<T>) => {
    const out: Record<string, T> = {};
    for (const [name, value] of Object.entries(values)) if (name.startsWith('rule.')) out[name.slice(5)] = value;
    return out;
  };
  const base = {
    layers,
    h: pass.h,
    fprime: pass.fprime,
    weights: [null as T | null, ...layers.map((l) => state[l.weight.name]!)] as T[],
    score,
    prediction,
    target,
    loss: config.loss,
    batchSize,
    state: ruleState(state),
    inputs,
  };
  let ctx: StepContext<T> = { ...base, broadcast: rule.broadcastSignal?.(ops, base) ?? score };
  const stateUpdates: Record<string, T> = {};
  const prepared = rule.prepare?.(ops, ctx) ?? {};
  for (const [name, value] of Object.entries(prepared)) stateUpdates[`rule.${name}`] = value;
  ctx = { ...ctx, state: { ...ctx.state, ...prepared } };

  const grads: Record<string, Gradient<T>> = {};
  /**
   * Layer k's gradients: the product of Φ with the layer's input (this pass's H_{k−1} unless a rule's own term says
   * otherwise), plus an already-formed term (the averaged rule gradient, a term with its own input) if any.
   */
  const setGradients = (
    layer: Layer,
    phi: T | null,
    formed: LayerParams<T> | null = null,
    input: T = pass.h[layer.index - 1]!,
  ) => {
    const weight = state[layer.weight.name]!;
    const decay = coefficientAt(config.regularizers, 'weightDecay', layer.index);
    // A conv or locally connected layer's entropy term is its weight entropy, maximised (weight-entropy.ts).
    const entropy = layer.kind === 'dense' ? 0 : coefficientAt(config.regularizers, 'entropy', layer.index);
    const epsilon = config.regularizers.entropy.weightEpsilon ?? WEIGHT_ENTROPY_EPSILON;
    const dense = addOptional(
      ops,
      addOptional(ops, formed?.weight ?? null, decay > 0 ? ops.mul(decay, weight) : null),
      entropy > 0 ? ops.mul(-entropy, weightEntropyGradient(ops, weight, epsilon)) : null,
    );
    grads[layer.weight.name] = weightGradient(ops, layer, input, phi, dense);
    if (layer.bias === null) return;
    // The layer's own bias gradient (a conv bias sums over positions too), kept apart from the weight product.
    const own = phi === null ? null : layer.biasGradient(ops, phi);
    grads[layer.bias.name] = tensorGradient(ops, addOptional(ops, formed?.bias ?? null, own)!);
  };
  // A rule that supplies its layers' updates whole (PEPITA's second pass) is asked once, with a forward pass to rerun
  // (the step's own layers: the same dropout masks as the first pass).
  const terms = rule.layerTerms?.(ops, ctx, (input) => forward(ops, model, state, input, layers).h) ?? null;
  const termPhi = (term: LayerTerm<T>) =>
    ops.mul(term.postsynaptic ? ops.mul(term.modulatory, term.postsynaptic) : term.modulatory, term.scale);
  // Output layer: its true local gradient under every rule, Φ_L = s (mean over the batch), plus the rule's extra;
  // or the rule's own term.
  const outputTerm = terms?.[L];
  const outputPhi = outputTerm ? termPhi(outputTerm) : ops.div(score, batchSize);
  const extra = rule.outputPhi?.(ops, ctx) ?? null;
  setGradients(layers[L - 1]!, extra === null ? outputPhi : ops.add(outputPhi, extra), null, outputTerm?.presynaptic);

  const signals: LayerSignals<T>[] = [];
  const powers: T[] = [];
  let phiAbove = score;
  for (let k = L - 1; k >= 1; k--) {
    const layer = layers[k - 1]!;
    const fprime = pass.fprime[k]!;
    const own = terms?.[k];
    const update = own
      ? { ...own, ruleTerm: termPhi(own), phi: null }
      : signalUpdate(ops, model, k, ctx, phiAbove, fprime, pass.h[k - 1]!);
    const { presynaptic, ruleTerm } = update;
    // With momentum the rule's own gradient is averaged (M ← βM + (1−β)·grad) and enters as a formed term; the
    // regularisers stay in the product, unaveraged.
    const averaged = averagedRuleGradient(ops, rule.hiddenMomentum ?? 0, layer, presynaptic, ruleTerm, state, k);
    if (averaged) Object.assign(stateUpdates, averaged.state);
    // The rule's term shares the regularisers' product when it has their input (this pass's H_{k−1}).
    const shared = presynaptic === pass.h[k - 1];
    let total: T | null = addOptional(
      ops,
      averaged || !shared ? null : ruleTerm,
      activityPhi(ops, config.regularizers, k, pass.h[k]!, fprime),
    );
    const inverse = state[`entropy${k}`];
    if (inverse !== undefined) {
      const entropy = entropyStep(
        ops,
        { ...config.regularizers.entropy, coefficient: coefficientAt(config.regularizers, 'entropy', k) },
        inverse,
        pass.h[k]!,
        fprime,
        inputs[`entropy${k}.rows`]!,
      );
      stateUpdates[`entropy${k}`] = entropy.inverse;
      total = addOptional(ops, total, entropy.phi);
    }
    if (averaged || shared) setGradients(layer, total, averaged?.gradient ?? null);
    // A term with its own input and no regulariser: one product, as for any rule; with both, the rule's is formed.
    else if (total === null) setGradients(layer, ruleTerm, null, presynaptic);
    else setGradients(layer, total, layer.gradients(ops, presynaptic, ruleTerm));
    if (collect) {
      // A term without a postsynaptic factor has 1 there, and the diagnostics show it so.
      const postsynaptic = update.postsynaptic ?? ops.add(ops.zeros(ops.shape(update.modulatory)), 1);
      signals[k] = { presynaptic, modulatory: update.modulatory, postsynaptic, ruleTerm };
    }
    powers[k] = ops.reshape(ops.mean(ops.square(pass.h[k]!)), [1]);
    if (update.phi !== null) phiAbove = update.phi;
  }

  const finished = rule.finish?.(ops, ctx) ?? {};
  for (const [name, value] of Object.entries(finished)) stateUpdates[`rule.${name}`] = value;
  const { dynamics } = config.network;
  if (dynamics)
    Object.assign(
      stateUpdates,
      dynamicsPlasticity(ops, dynamics, layers, state, pass.h, inputs[PREDICTOR_RATE_INPUT]!),
    );
  const diagnostics = collect ? collectDiagnostics(ops, model, ctx, signals, grads) : {};
  if (collect && pass.residuals) Object.assign(diagnostics, dynamicsDiagnostics(ops, layers, state, pass.residuals));
  const correct = ops.sum(ops.argmaxAgree(z, target));
  const power = L > 1 ? ops.concat(powers.slice(1), 0) : ops.constant([0], [1]);
  return { loss, correct, power, grads, stateUpdates, diagnostics };
}

/** A hidden layer's update as the step uses it: the rule's term (scaled Φ) and input, and its factors. */
interface HiddenUpdate<T> {
  presynaptic: T;
  ruleTerm: T;
  /** Φₖ unscaled, which BP and FA carry down to the layer below; null for a rule's whole term. */
  phi: T | null;
  modulatory: T;
  /** The postsynaptic factor f'(Uₖ) ⊙ (the rule's own); null means 1. */
  postsynaptic: T | null;
}

/** Layer k's update from the rule's hidden signal: Φₖ = δₖ ⊙ f'(Uₖ) ⊙ (postsynaptic), plus a non-local term. */
function signalUpdate<T>(
  ops: Ops<T>,
  model: Model,
  k: number,
  ctx: StepContext<T>,
  phiAbove: T,
  fprime: T,
  input: T,
): HiddenUpdate<T> {
  const { rule } = model;
  if (!rule.hiddenSignal) throw new Error(`rule ${rule.name} gives layer ${k} neither a hidden signal nor a term`);
  const signal = rule.hiddenSignal(ops, k, ctx, phiAbove);
  const post = signal.postsynaptic ? ops.mul(fprime, signal.postsynaptic) : fprime;
  const local = ops.mul(signal.modulatory, post);
  const phi = signal.nonLocal === undefined ? local : ops.add(local, ops.mul(signal.nonLocal, fprime));
  const ruleTerm = ops.mul(phi, signal.scale);
  return { presynaptic: input, ruleTerm, phi, modulatory: signal.modulatory, postsynaptic: post };
}

/**
 * The rule's hidden gradient of layer k averaged over steps, M ← βM + (1−β)·(Hₖ₋₁ᵀΦ), and the same for the bias
 * (state rule.momentumK / rule.momentumBiasK): "momentum on the decorrelation gradient" of the EBD paper's MLP
 * recipe. Null when β = 0. Costs one extra product per hidden layer, since the average needs the formed gradient.
 */
function averagedRuleGradient<T>(
  ops: Ops<T>,
  beta: number,
  layer: Layer,
  input: T,
  ruleTerm: T,
  state: Tensors<T>,
  k: number,
): { gradient: LayerParams<T>; state: Record<string, T> } | null {
  if (beta === 0) return null;
  const fresh = layer.gradients(ops, input, ruleTerm);
  const average = (name: string, g: T) => ops.add(ops.mul(state[name]!, beta), ops.mul(g, 1 - beta));
  const weight = average(`rule.momentum${k}`, fresh.weight);
  if (fresh.bias === null) return { gradient: { weight, bias: null }, state: { [`rule.momentum${k}`]: weight } };
  const bias = average(`rule.momentumBias${k}`, fresh.bias);
  return { gradient: { weight, bias }, state: { [`rule.momentum${k}`]: weight, [`rule.momentumBias${k}`]: bias } };
}
