import { networkGeometry, type LayerGeometry } from '../../shared/network/geometry';
import type { Activation, DynamicsSpec, LayerSpec } from '../../shared/schemas/experiment';
import type { RuleName, RuleParamValues } from '../../shared/rules/catalogue';
import { Rng } from '../common/random';
import { DYNAMICS_STATE_PREFIX, dynamicsState, PREDICTOR_RATE_INPUT } from './dynamics/corinfomax';
import { buildLayer } from './layers';
import { dropoutMask } from './layers/dropout';
import type { Layer } from './layers/layer';
import type { LossName } from './losses';
import { momentNames, optimizerScalars, scheduledRate, type OptimizerConfig } from './optim/optimizer';
import { coefficientAt, layerScale, type RegularizerConfig } from './regularizers/config';
import { floorRows, floorRowsPerStep, initialInverse } from './regularizers/entropy';
import { RULE_FACTORIES } from './rules';
import type { Rule } from './rules/rule';

export type InitScheme = 'xavier_uniform' | 'xavier_normal' | 'kaiming_uniform' | 'kaiming_normal';

export interface NetworkConfig {
  /** Flat units of one sample (the product of inputShape). */
  inputSize: number;
  /** One sample's shape: [height, width, channels] for images; absent means flat, [inputSize]. */
  inputShape?: readonly number[];
  hidden: readonly LayerSpec[];
  outputSize: number;
  /** false: no bias in any layer. Absent means biases. */
  biases?: boolean;
  init: { scheme: InitScheme; gain: number; readoutGain?: number };
  /** Fraction of each weight matrix fixed at zero by a random mask (0 = dense). */
  weightSparsity: number;
  /** Test-time views each evaluated image comes in (dataset.augmentation.testTime); absent: 1. */
  evaluationViews?: number;
  /** CorInfoMax's recurrent dynamics (dynamics/corinfomax.ts); absent: feed-forward. */
  dynamics?: DynamicsSpec;
}

export interface ModelConfig {
  network: NetworkConfig;
  /** The rule and its catalogue parameters, defaults filled in. */
  rule: { name: RuleName; params: RuleParamValues };
  loss: LossName;
  optimizer: OptimizerConfig;
  regularizers: RegularizerConfig;
}

/** One named tensor of a run's state with its starting values. */
export interface StateEntry {
  name: string;
  shape: readonly number[];
  values: Float32Array;
  /** Changed by the training step (weights, optimiser moments, learned rule state) or fixed for the run. */
  learned: boolean;
  /** Kept in checkpoints; masks are not, being redrawn from the seed. */
  saved: boolean;
}

/** An input the step takes afresh every step: the batch, the optimiser's scalars, the entropy floor's rows. */
export interface StepInputSpec {
  name: string;
  shape: readonly number[];
  type: 'float' | 'int';
}

export type StepInputValues = Record<string, Float32Array | Int32Array>;

/**
 * A network, the rule that trains it, its optimiser and regularisers, and every tensor of its state at the start,
 * drawn from one seed in JS. The seed's named streams make the initial weights (and the random matrices) the same
 * for every rule and every backend under that seed. What the step computes is in step.ts; this is what it needs.
 */
export class Model {
  /** The layers as evaluation uses them (no dropout); a training step's come from stepLayers. */
  readonly layers: Layer[];
  /** Each weight layer's shapes (shared/network/geometry.ts). */
  readonly geometry: LayerGeometry[];
  /** Layers (index k) whose input is dropped out while training, with the probability. */
  readonly dropoutLayers: { index: number; p: number; units: number }[];
  private readonly activations: Activation[];
  private readonly stepLayerCache = new WeakMap<object, Layer[]>();
  readonly rule: Rule;
  readonly initialState: StateEntry[];
  /** Hidden layers (index k) that carry the entropy regulariser. */
  readonly entropyLayers: number[];

  constructor(
    readonly config: ModelConfig,
    readonly seed: number,
  ) {
    const { network } = config;
    this.geometry = networkGeometry(network.inputShape ?? [network.inputSize], network, network.outputSize);
    if (network.dynamics && this.geometry.some((g) => g.kind !== 'dense' || g.inputDropout > 0))
      throw new Error('CorInfoMax dynamics run on dense layers without dropout');
    this.activations = [...network.hidden.map((l) => l.activation), 'linear' as const];
    this.layers = this.geometry.map((g, i) => buildLayer(g, this.activations[i]!));
    this.dropoutLayers = this.geometry
      .filter((g) => g.inputDropout > 0)
      .map((g) => ({ index: g.index, p: g.inputDropout, units: g.maskedUnits }));
    const factory = RULE_FACTORIES[config.rule.name];
    this.rule = factory(config.rule.params, {
      layers: this.layers,
      classes: network.outputSize,
      loss: config.loss,
      forwardScale: (k) => layerScale(config.regularizers, 'forwardBroadcast', k),
    });
    // The layer entropy's N × N inverse is for dense layers; a conv layer's N is its every pixel and channel.
    this.entropyLayers = this.layers
      .slice(0, -1)
      .filter((l) => l.kind === 'dense')
      .map((l) => l.index)
      .filter((k) => coefficientAt(config.regularizers, 'entropy', k) > 0);
    this.initialState = this.drawState(new Rng(seed));
  }

  /** Units per layer, input first. */
  get sizes(): number[] {
    return [this.config.network.inputSize, ...this.layers.map((l) => l.units)];
  }

  get depth(): number {
    return this.layers.length;
  }

  get classes(): number {
    return this.config.network.outputSize;
  }

  /** The views an evaluation batch comes in: its outputs are averaged over them. */
  get evaluationViews(): number {
    return this.config.network.evaluationViews ?? 1;
  }

  /** The weights then the biases, layer by layer: the optimiser's parameter order (its moments are numbered so). */
  params(): { name: string; layer: number }[] {
    return [
      ...this.layers.map((l) => ({ name: l.weight.name, layer: l.index })),
      ...this.layers.flatMap((l) => (l.bias ? [{ name: l.bias.name, layer: l.index }] : [])),
    ];
  }

  /** The state an evaluation reads: the weights and biases, and a recurrent network's own lateral and predictor weights. */
  evaluationStateNames(): Set<string> {
    const names = new Set(this.params().map((p) => p.name));
    for (const e of this.initialState) if (e.name.startsWith(DYNAMICS_STATE_PREFIX)) names.add(e.name);
    return names;
  }

  /** Whether layer k's weights carry a fixed sparsity mask (`mask{k}` in the state). */
  get masked(): boolean {
    return this.config.network.weightSparsity > 0;
  }

  private drawState(rng: Rng): StateEntry[] {
    const { network, optimizer } = this.config;
    const entries: StateEntry[] = [];
    const initRng = rng.fork('init');
    const maskRng = rng.fork('weight-mask');
    const masks: StateEntry[] = [];
    for (const layer of this.layers) {
      const { fanIn, fanOut } = layer;
      const size = layer.weight.shape.reduce((a, b) => a * b, 1);
      const readout = layer.index === this.depth;
      const gain = readout ? (network.init.readoutGain ?? network.init.gain) : network.init.gain;
      // Drawn even at gain 0, so that the random stream, and every other layer's weights, stay the same.
      const values = initialWeights(network.init.scheme, gain, fanIn, fanOut, size, initRng);
      if (network.weightSparsity > 0) {
        const mask = sparsityMask(size, network.weightSparsity, maskRng);
        for (let i = 0; i < values.length; i++) values[i]! *= mask[i]!;
        masks.push({
          name: `mask${layer.index}`,
          shape: layer.weight.shape,
          values: mask,
          learned: false,
          saved: false,
        });
      }
      entries.push({ name: layer.weight.name, shape: layer.weight.shape, values, learned: true, saved: true });
      if (layer.bias) {
        entries.push({
          name: layer.bias.name,
          shape: layer.bias.shape,
          values: zeros(layer.bias.shape),
          learned: true,
          saved: true,
        });
      }
    }
    for (const r of this.rule.initialState(rng)) {
      entries.push({ name: `rule.${r.name}`, shape: r.shape, values: r.values, learned: r.learned, saved: true });
    }
    if (network.dynamics)
      for (const d of dynamicsState(this.layers, rng)) entries.push({ ...d, learned: true, saved: true });
    const shapes = new Map(entries.map((e) => [e.name, e.shape]));
    momentNames(optimizer).forEach((moment) => {
      this.params().forEach((p, i) => {
        const shape = shapes.get(p.name)!;
        const name = `opt.${moment === 'first' ? 'm' : 'v'}${i}`;
        entries.push({ name, shape, values: zeros(shape), learned: true, saved: true });
      });
    });
    for (const k of this.entropyLayers) {
      const units = this.sizes[k]!;
      const values = initialInverse(units, this.config.regularizers.entropy);
      entries.push({ name: `entropy${k}`, shape: [units, units], values, learned: true, saved: true });
    }
    return [...entries, ...masks];
  }

  /**
   * The layers of one training step: with this step's dropout masks (inputs `dropout{k}`) where the network has
   * dropout, else the evaluation layers. One list per step's inputs, so the graph builds each layer once.
   */
  stepLayers<T>(inputs: Readonly<Record<string, T>>): Layer[] {
    if (this.dropoutLayers.length === 0) return this.layers;
    let layers = this.stepLayerCache.get(inputs);
    if (layers === undefined) {
      layers = this.geometry.map((g, i) => {
        const mask = g.inputDropout > 0 ? inputs[`dropout${g.index}`] : undefined;
        if (g.inputDropout > 0 && mask === undefined)
          throw new Error(`the step has no dropout mask for layer ${g.index}`);
        return buildLayer(g, this.activations[i]!, mask ?? null);
      });
      this.stepLayerCache.set(inputs, layers);
    }
    return layers;
  }

  /** What the step takes afresh each step, for a batch of the given size. */
  stepInputs(batchSize: number): StepInputSpec[] {
    const inputs: StepInputSpec[] = [
      { name: 'x', shape: [batchSize, this.config.network.inputSize], type: 'float' },
      { name: 'target', shape: [batchSize, this.classes], type: 'float' },
      { name: 'opt.rate', shape: [], type: 'float' },
    ];
    if (this.config.optimizer.kind === 'adam') inputs.push({ name: 'opt.epsilon', shape: [], type: 'float' });
    for (const name of Object.keys(this.rule.stepScalars?.(0) ?? {})) inputs.push({ name, shape: [], type: 'float' });
    if (this.config.network.dynamics) inputs.push({ name: PREDICTOR_RATE_INPUT, shape: [], type: 'float' });
    for (const k of this.entropyLayers) {
      const rows = floorRowsPerStep(this.sizes[k]!, this.config.regularizers.entropy.lambda);
      inputs.push({ name: `entropy${k}.rows`, shape: [rows], type: 'int' });
    }
    for (const d of this.dropoutLayers)
      inputs.push({ name: `dropout${d.index}`, shape: [batchSize, d.units], type: 'float' });
    return inputs;
  }

  /**
   * The per-step inputs other than the batch, for the update numbered `step` (updates made before it). A network
   * with dropout also needs the batch size: its masks are drawn here, per step, from the seed's 'dropout' stream, so
   * that every executor and every K sees the same masks.
   */
  stepScalars(step: number, epoch: number, batchSize?: number): StepInputValues {
    const out: StepInputValues = {};
    const scalars = { ...optimizerScalars(this.config.optimizer, step, epoch), ...this.rule.stepScalars?.(step) };
    for (const [name, value] of Object.entries(scalars)) out[name] = Float32Array.of(value);
    // The backward predictors' own rates follow the run's schedule, whatever its optimiser.
    const { optimizer } = this.config;
    if (this.config.network.dynamics)
      out[PREDICTOR_RATE_INPUT] = Float32Array.of(scheduledRate(optimizer, epoch) / optimizer.learningRate);
    const { lambda } = this.config.regularizers.entropy;
    for (const k of this.entropyLayers) out[`entropy${k}.rows`] = floorRows(step, this.sizes[k]!, lambda);
    for (const d of this.dropoutLayers) {
      if (batchSize === undefined) throw new Error('a network with dropout draws its masks for a known batch size');
      const rng = new Rng(this.seed).fork('dropout').fork(`layer-${d.index}-step-${step}`);
      out[`dropout${d.index}`] = dropoutMask(() => rng.next(), batchSize, d.units, d.p);
    }
    return out;
  }

  /** The per-step inputs other than the batch for `count` updates from `first` on, stacked step-major. */
  stackedScalars(first: number, count: number, epoch: number, batchSize?: number): StepInputValues {
    const out: StepInputValues = {};
    for (let i = 0; i < count; i++) {
      for (const [name, values] of Object.entries(this.stepScalars(first + i, epoch, batchSize))) {
        const stacked = (out[name] ??= new (values.constructor as new (n: number) => Float32Array | Int32Array)(
          values.length * count,
        ));
        stacked.set(values, i * values.length);
      }
    }
    return out;
  }
}

function zeros(shape: readonly number[]): Float32Array {
  return new Float32Array(shape.reduce((a, b) => a * b, 1));
}

function initialWeights(
  scheme: InitScheme,
  gain: number,
  fanIn: number,
  fanOut: number,
  size: number,
  rng: Rng,
): Float32Array {
  const out = new Float32Array(size);
  switch (scheme) {
    case 'xavier_uniform': {
      const limit = gain * Math.sqrt(6 / (fanIn + fanOut));
      return rng.fillUniform(out, -limit, limit);
    }
    case 'xavier_normal':
      return rng.fillNormal(out, gain * Math.sqrt(2 / (fanIn + fanOut)));
    case 'kaiming_uniform': {
      const limit = gain * Math.sqrt(3 / fanIn);
      return rng.fillUniform(out, -limit, limit);
    }
    case 'kaiming_normal':
      return rng.fillNormal(out, gain / Math.sqrt(fanIn));
  }
}

function sparsityMask(size: number, sparsity: number, rng: Rng): Float32Array {
  const mask = new Float32Array(size);
  for (let i = 0; i < size; i++) mask[i] = rng.next() < sparsity ? 0 : 1;
  return mask;
}
