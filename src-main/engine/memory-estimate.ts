import os from 'node:os';
import { networkGeometry } from '../../shared/network/geometry';
import { coefficientAt } from './regularizers/config';
import { expandedSize, type ScoreExpansion } from './score-expansion';
import type { ModelConfig } from './model';
import { momentNames } from './optim/optimizer';
import { MAX_CHUNK_STEPS, MAX_CHUNK_VALUES } from './trainer';

/** Bytes per value: every tensor of a run is float32. */
const FLOAT = 4;
/**
 * Copies of the state a run holds at once: the model's starting values in JS, the state going into a call of the
 * runtime and the state coming out of it.
 */
export const STATE_COPIES = 3;
/** Per-step tensors per unit and sample: pre-activation, activation, Φ and the signal sent down. */
export const ACTIVATION_COPIES = 4;
/** PEPITA's second forward pass adds its own pre-activation and activation per unit and sample. */
export const SECOND_PASS_COPIES = 2;
/** Per-sample tensors per unit of an evaluation batch: pre-activation and activation. */
export const EVAL_COPIES = 2;
/** The share of the memory limit a run may plan to use; the rest is the OS's, the app's and the estimate's error. */
export const MEMORY_MARGIN = 0.75;
/** wasm32's address space: TF.js's wasm backend aborts (`Aborted()`) past it, whatever the machine has. */
export const WASM_LIMIT = 4 * 1024 ** 3;

export type MemoryKind =
  | 'parameters'
  | 'sparsity masks'
  | 'optimiser moments'
  | 'rule state'
  | 'entropy inverse'
  | 'network dynamics'
  | 'activations'
  | 'patches'
  | 'weight gradients'
  | 'input staging';

/** One kind of memory of one layer (layer 0: the K-step inputs staged for a call). */
export interface MemoryPart {
  layer: number;
  kind: MemoryKind;
  bytes: number;
  /** What the count is, e.g. "3 × 784 × 200000 + …": for the message. */
  shape: string;
}

export interface MemoryEstimate {
  bytes: number;
  parts: MemoryPart[];
  /** The layer with the most bytes, and its largest part. */
  dominant: { layer: number; bytes: number; part: MemoryPart };
}

/**
 * A run's memory from its configuration alone, before anything is allocated: the state (weights and biases,
 * masks, optimiser moments, the rule's state, the entropy regulariser's N×N inverses, a CorInfoMax network's own
 * lateral and predictor weights) times STATE_COPIES, a
 * step's activations and weight gradients, an evaluation batch's activations, and the inputs of one K-step call
 * staged in JS and in the runtime. The dataset itself is not counted: it is loaded before this is asked.
 */
export function estimateRunMemory(config: ModelConfig, run: { batchSize: number; evalBatch: number }): MemoryEstimate {
  const { network, regularizers, optimizer } = config;
  const geometry = networkGeometry(network.inputShape ?? [network.inputSize], network, network.outputSize);
  const depth = geometry.length;
  const classes = network.outputSize;
  const moments = momentNames(optimizer).length;
  const parts: MemoryPart[] = [];
  // An evaluation batch is evaluated in every test-time view at once.
  const evalRows = run.evalBatch * (network.evaluationViews ?? 1);
  const activationCopies = ACTIVATION_COPIES + (config.rule.name === 'pepita' ? SECOND_PASS_COPIES : 0);
  const add = (layer: number, kind: MemoryKind, values: number, shape: string) => {
    if (values > 0) parts.push({ layer, kind, bytes: values * FLOAT, shape });
  };
  for (const g of geometry) {
    const k = g.index;
    const { units } = g;
    const hidden = k < depth;
    const weightShape = g.weightShape.join(' × ');
    const weights = g.weightShape.reduce((a, b) => a * b, 1);
    const params = g.params;
    const biasText = g.biasShape ? ` + ${g.biasShape.join(' × ')}` : '';
    add(k, 'parameters', STATE_COPIES * params, `${STATE_COPIES} × (${weightShape}${biasText})`);
    if (network.weightSparsity > 0)
      add(k, 'sparsity masks', STATE_COPIES * weights, `${STATE_COPIES} × ${weightShape}`);
    add(k, 'optimiser moments', STATE_COPIES * moments * params, `${STATE_COPIES} × ${moments} × ${params}`);
    const rule = ruleStateValues(config, k, { inputUnits: g.inputUnits, weights, params, units, hidden, classes });
    add(k, 'rule state', STATE_COPIES * rule, `${STATE_COPIES} × ${rule}`);
    if (hidden && g.kind === 'dense' && coefficientAt(regularizers, 'entropy', k) > 0)
      add(k, 'entropy inverse', STATE_COPIES * units * units, `${STATE_COPIES} × ${units} × ${units}`);
    if (network.dynamics) {
      // CorInfoMax's lateral Mₖ (Nₖ × Nₖ) and, above the first layer, the backward predictor Fₖ (Wₖ's size).
      const own = units * units + (k >= 2 ? weights : 0);
      add(
        k,
        'network dynamics',
        STATE_COPIES * own,
        `${STATE_COPIES} × (${units} × ${units}${k >= 2 ? ` + ${weightShape}` : ''})`,
      );
    }
    add(
      k,
      'activations',
      (activationCopies * run.batchSize + EVAL_COPIES * evalRows) * units,
      `(${activationCopies} × ${run.batchSize} + ${EVAL_COPIES} × ${evalRows}) × ${units}`,
    );
    if (g.kind !== 'dense') {
      // The im2col patches of a step: formed for the forward product and again for the weight gradient.
      const patches = 2 * run.batchSize * (g.units / g.output!.channels) * g.fanIn;
      add(k, 'patches', patches, `2 × ${run.batchSize} × ${g.units / g.output!.channels} positions × ${g.fanIn}`);
    }
    add(k, 'weight gradients', weights, weightShape);
  }
  const steps = chunkStepsAtMost(run.batchSize, network.inputSize);
  const staged = 2 * steps * run.batchSize * (network.inputSize + classes);
  add(0, 'input staging', staged, `2 × ${steps} steps × ${run.batchSize} × (${network.inputSize} + ${classes})`);

  const byLayer = new Map<number, number>();
  for (const p of parts) byLayer.set(p.layer, (byLayer.get(p.layer) ?? 0) + p.bytes);
  let dominant = { layer: 0, bytes: -1 };
  for (const [layer, bytes] of byLayer) if (bytes > dominant.bytes) dominant = { layer, bytes };
  const part = parts.filter((p) => p.layer === dominant.layer).reduce((a, b) => (b.bytes > a.bytes ? b : a));
  return { bytes: parts.reduce((n, p) => n + p.bytes, 0), parts, dominant: { ...dominant, part } };
}

/** The values of layer k's rule state (see each rule's initialState in rules/). */
function ruleStateValues(
  config: ModelConfig,
  k: number,
  layer: { inputUnits: number; weights: number; params: number; units: number; hidden: boolean; classes: number },
): number {
  const { name, params } = config.rule;
  switch (name) {
    case 'bp':
      return 0;
    case 'fa':
      return k >= 2 ? layer.weights : 0;
    case 'dfa':
    case 'drtp':
      return layer.hidden ? layer.classes * layer.units : 0;
    case 'dkp':
      // B and its start B₀ beside it.
      return layer.hidden ? 2 * layer.classes * layer.units : 0;
    case 'ebd':
    case 'sbd': {
      // The input layer's correlation with x (forward broadcast's input term), counted with the first layer.
      const input = k === 1 && Number(params.forwardBroadcastInput ?? 0) > 0 ? layer.classes * layer.inputUnits : 0;
      if (!layer.hidden) return input;
      // The averaged hidden gradient and bias of the momentum option.
      const averaged = Number(params.gradientMomentum ?? 0) > 0 ? layer.params : 0;
      const expansion = name === 'sbd' ? ((params.expansion as ScoreExpansion | undefined) ?? 'none') : 'none';
      // R and, unless frozen, its start R₀ beside it.
      return input + averaged + (params.freeze ? 1 : 2) * expandedSize(expansion, layer.classes) * layer.units;
    }
    case 'pepita':
      // The fixed input feedback F (outputs × inputs), counted with the first layer.
      return k === 1 ? layer.classes * layer.inputUnits : 0;
  }
}

/** The most steps one call can hold (the trainer's caps on steps and on staged input values). */
function chunkStepsAtMost(batchSize: number, inputSize: number): number {
  return Math.min(MAX_CHUNK_STEPS, Math.max(1, Math.floor(MAX_CHUNK_VALUES / (batchSize * inputSize))));
}

/** How much a run may use: the memory available now (and the container's limit), wasm's address space on wasm. */
export function memoryLimit(backend: string): { bytes: number; basis: string } {
  const constrained = process.constrainedMemory?.() ?? 0;
  let limit = { bytes: os.freemem(), basis: 'available memory' };
  if (constrained > 0 && constrained < limit.bytes) limit = { bytes: constrained, basis: 'the container limit' };
  if (backend === 'wasm' && WASM_LIMIT < limit.bytes)
    limit = { bytes: WASM_LIMIT, basis: "wasm's 4 GiB address space" };
  return limit;
}

/**
 * Refuses a run that cannot fit: throws with the estimate, the limit and the layer that dominates, so that a
 * layer too big for memory is reported before anything is allocated rather than dying in `Aborted()` or an
 * allocation failure of the runtime.
 */
export function assertRunFits(estimate: MemoryEstimate, limit: { bytes: number; basis: string }): void {
  const usable = limit.bytes * MEMORY_MARGIN;
  if (estimate.bytes <= usable) return;
  const { layer, bytes, part } = estimate.dominant;
  const where = layer === 0 ? 'the staged inputs of one call' : `layer ${layer}`;
  throw new Error(
    `this run needs about ${gib(estimate.bytes)} of memory, more than the ${gib(usable)} it may use ` +
      `(${Math.round(MEMORY_MARGIN * 100)}% of ${gib(limit.bytes)}, ${limit.basis}); ` +
      `${where} takes ${gib(bytes)}, most of it its ${part.kind} (${part.shape} values). ${advice(layer, part)}`,
  );
}

function advice(layer: number, part: MemoryPart): string {
  if (layer === 0) return 'Use a smaller batch.';
  if (part.kind === 'entropy inverse') return `Narrow layer ${layer} or turn the entropy regulariser off.`;
  return `Narrow layer ${layer} or the layer before it.`;
}

function gib(bytes: number): string {
  return `${(bytes / 1024 ** 3).toFixed(bytes < 1024 ** 3 ? 3 : 1)} GiB`;
}
