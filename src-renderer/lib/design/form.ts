import { issuesFromZod, type Issue } from '../../../shared/api/errors';
import { withDefaults, type RuleName, type RuleParamValues } from '../../../shared/rules/catalogue';
import type { AugmentationSpec } from '../../../shared/schemas/augmentation';
import {
  DynamicsSpec,
  ExperimentSpec,
  isPatchLayer,
  type Activation,
  type ExperimentSpecInput,
  type LayerSpec,
  type Loss,
  type OptimizerSpec,
  type RegularizerSpec,
} from '../../../shared/schemas/experiment';

type OptimizerSpecInput = NonNullable<ExperimentSpecInput['optimizer']>;
type RegularizerSpecInput = NonNullable<ExperimentSpecInput['regularizers']>;
type LayerSpecInput = ExperimentSpecInput['network']['hidden'][number];
type DynamicsSpecInput = NonNullable<ExperimentSpecInput['network']['dynamics']>;

/**
 * The designer's form, kept close to what the inputs hold (numbers may be null while a field is empty, seeds are
 * the text typed) and turned into an ExperimentSpec input on every change. Validation is the shared schema's, so the
 * form can never accept a spec the engine would refuse.
 */
export type InitScheme = 'xavier_uniform' | 'xavier_normal' | 'kaiming_uniform' | 'kaiming_normal';
export type OptimizerKind = OptimizerSpec['kind'];
export type ScheduleKind = OptimizerSpec['schedule']['kind'];
export const STANDARDISE_OVER = ['feature', 'channel'] as const;
export type StandardiseOver = (typeof STANDARDISE_OVER)[number];

export const LAYER_KINDS = ['dense', 'conv', 'local'] as const;
export type LayerKind = (typeof LAYER_KINDS)[number];
export const POOL_CHOICES = ['none', 'avg', 'max'] as const;
export type PoolChoice = (typeof POOL_CHOICES)[number];

/**
 * A hidden layer as its inputs hold it: the fields of every kind, so that switching a layer's kind and back keeps
 * what was typed; only the chosen kind's fields go into the spec.
 */
export interface LayerForm {
  key: number;
  kind: LayerKind;
  /**
   * Whether a dense layer's spec says `kind: 'dense'`. Specs written before patch layers existed never do, and a
   * round trip through the form must give them back byte for byte; a patch layer always names its kind.
   */
  namesKind: boolean;
  /** Dense. */
  units: number | null;
  /** Conv and locally connected. */
  channels: number | null;
  kernel: number | null;
  stride: number | null;
  padding: number | null;
  pool: PoolChoice;
  poolSize: number | null;
  activation: Activation;
  /** Dropout of the layer's input while training; null = none written (any kind). */
  dropout: number | null;
}

/** A new layer's fields: a width of 128, or a 3×3 'same' convolution of 32 channels without pooling. */
export function newLayer(over: Partial<Omit<LayerForm, 'key'>> = {}): LayerForm {
  return {
    key: newKey(),
    kind: 'dense',
    namesKind: false,
    units: 128,
    channels: 32,
    kernel: 3,
    stride: 1,
    padding: 1,
    pool: 'none',
    poolSize: 2,
    activation: 'relu',
    dropout: null,
    ...over,
  };
}

export function layerForm(spec: LayerSpec): LayerForm {
  if (isPatchLayer(spec)) {
    return newLayer({
      kind: spec.kind,
      namesKind: true,
      channels: spec.channels,
      kernel: spec.kernel,
      stride: spec.stride,
      padding: spec.padding,
      pool: spec.pool?.kind ?? 'none',
      poolSize: spec.pool?.size ?? 2,
      activation: spec.activation,
      dropout: spec.dropout ?? null,
    });
  }
  return newLayer({
    namesKind: spec.kind === 'dense',
    units: spec.units,
    activation: spec.activation,
    dropout: spec.dropout ?? null,
  });
}

/** The layer's spec input, its keys in the schema's order (a parsed spec keeps them so: byte-identical round trips). */
export function layerInput(form: LayerForm): LayerSpecInput {
  if (form.kind === 'dense') {
    return {
      ...(form.namesKind ? { kind: 'dense' as const } : {}),
      units: num(form.units) as number,
      activation: form.activation,
      ...dropoutInput(form),
    };
  }
  return {
    kind: form.kind,
    channels: num(form.channels) as number,
    kernel: num(form.kernel) as number,
    stride: num(form.stride),
    padding: num(form.padding),
    activation: form.activation,
    ...(form.pool === 'none' ? {} : { pool: { kind: form.pool, size: num(form.poolSize) } }),
    ...dropoutInput(form),
  };
}

/** The layer's dropout as written: absent when the field is empty, so specs without it come back without it. */
function dropoutInput(form: LayerForm): { dropout?: number } {
  const dropout = num(form.dropout);
  return dropout === undefined ? {} : { dropout };
}

/** An optimiser as its inputs hold it; the experiment has one and each arm may override it. */
export interface OptimizerForm {
  kind: OptimizerKind;
  learningRate: number | null;
  momentum: number | null;
  beta1: number | null;
  beta2: number | null;
  epsilon: number | null;
  /** Per-layer rate multipliers as typed, "0.3, 0.3, 1"; empty = all 1. */
  layerRates: string;
  scheduleKind: ScheduleKind;
  scheduleEvery: number | null;
  scheduleFactor: number | null;
  scheduleGamma: number | null;
  scheduleSlope: number | null;
}

export interface RegularizerForm {
  powerCoefficient: number | null;
  powerTarget: number | null;
  activationL1: number | null;
  weightDecay: number | null;
  entropyCoefficient: number | null;
  entropyLambda: number | null;
  entropyEpsilon: number | null;
  /** ε of the conv and locally connected layers' weight entropy; empty: the paper's 1e-5. */
  entropyWeightEpsilon: number | null;
  /** Per-layer multipliers of each term, as the comma-separated text the user edits (empty = 1 everywhere). */
  layerScales: Record<LayerScaledTerm, string>;
}

/** The terms with per-layer multipliers (RegularizerSpec.layerScales), in the order the form shows them. */
export const LAYER_SCALED_TERMS = ['power', 'activationL1', 'entropy', 'weightDecay', 'forwardBroadcast'] as const;
export type LayerScaledTerm = (typeof LAYER_SCALED_TERMS)[number];

export interface ArmForm {
  key: number;
  rule: RuleName;
  label: string;
  params: RuleParamValues;
  /** This arm's own optimiser and regularisers; null = the experiment's. */
  optimizer: OptimizerForm | null;
  regularizers: RegularizerForm | null;
}

/**
 * CorInfoMax's recurrent dynamics as their inputs hold them (DynamicsSpec says what each means). An empty number field
 * takes the schema's default, as the other number fields do; the feedback rates are the text typed.
 */
export interface DynamicsForm {
  iterations: number | null;
  stepSize: number | null;
  leak: number | null;
  epsilon: number | null;
  lambda: number | null;
  /** The backward predictors' normalised rates, the one predicting layer 1 from layer 2 first, as typed: "0.045, 0.015". */
  feedbackRates: string;
}

export function dynamicsForm(spec: DynamicsSpec): DynamicsForm {
  return {
    iterations: spec.iterations,
    stepSize: spec.stepSize,
    leak: spec.leak,
    epsilon: spec.epsilon,
    lambda: spec.lambda,
    feedbackRates: spec.feedbackRates.join(', '),
  };
}

/** The dynamics a network takes when they are turned on: the schema's defaults. */
export function defaultDynamics(): DynamicsForm {
  return dynamicsForm(DynamicsSpec.parse({ kind: 'corinfomax' }));
}

function dynamicsInput(form: DynamicsForm): DynamicsSpecInput {
  return {
    kind: 'corinfomax',
    iterations: num(form.iterations),
    stepSize: num(form.stepSize),
    leak: num(form.leak),
    epsilon: num(form.epsilon),
    lambda: num(form.lambda),
    // Empty stays empty, so that the schema says a rate is needed rather than one being filled in unseen.
    feedbackRates: parseNumberList(form.feedbackRates),
  };
}

export interface MonitoringForm {
  readEvery: number | null;
  diagnosticsEvery: number | null;
  checkpointEvery: number | null;
  powerLimit: number | null;
  /** Empty: the trainer's default (at least 20 evaluations over the run). */
  evaluationsPerEpoch: number | null;
}

export interface DesignForm {
  name: string;
  description: string;
  dataset: string;
  trainSubset: number | null;
  validationFraction: number | null;
  standardise: boolean;
  /** What standardise takes its means over; null: the spec does not say (each feature). */
  standardiseOver: StandardiseOver | null;
  /** The training images' augmentation as the spec holds it; null: none. */
  augmentation: AugmentationSpec | null;
  hidden: LayerForm[];
  /** false: no biases anywhere (the EBD paper's CNN and LC); null: the spec does not say, which means biases. */
  biases: boolean | null;
  /** Recurrent dynamics (CorInfoMax); null: the feed-forward network. */
  dynamics: DynamicsForm | null;
  initScheme: InitScheme;
  initGain: number | null;
  /** Empty: the readout takes initGain. */
  readoutGain: number | null;
  weightSparsity: number | null;
  loss: Loss;
  arms: ArmForm[];
  optimizer: OptimizerForm;
  regularizers: RegularizerForm;
  seeds: string;
  epochs: number | null;
  batchSize: number | null;
  monitoring: MonitoringForm;
}

let nextKey = 1;
export function newKey(): number {
  return nextKey++;
}

export function newArm(rule: RuleName): ArmForm {
  return { key: newKey(), rule, label: '', params: withDefaults(rule, {}), optimizer: null, regularizers: null };
}

/** Every default comes from the shared schema, so the form starts where a hand-written spec would. */
export function defaultForm(): DesignForm {
  const defaults = ExperimentSpec.parse({
    name: 'EBD vs BP',
    dataset: { name: 'placeholder' },
    network: { hidden: [{ units: 256 }] },
    rules: [{ rule: 'ebd' }, { rule: 'bp' }],
    seeds: [1, 2, 3],
    epochs: 10,
    batchSize: 64,
  });
  return { ...fromSpec(defaults), dataset: '' };
}

/** "1, 2,3" → [1, 2, 3]; a token that is not a number stays NaN so that the schema names it at its index. */
export function parseNumberList(text: string): number[] {
  const tokens = text
    .split(/[,\s]+/)
    .map((t) => t.trim())
    .filter(Boolean);
  return tokens.map((t) => (/^-?(\d+(\.\d*)?|\.\d+)(e-?\d+)?$/i.test(t) ? Number(t) : Number.NaN));
}

const num = (value: number | null): number | undefined => (value === null ? undefined : value);

function optimizerInput(form: OptimizerForm): OptimizerSpecInput {
  const schedule =
    form.scheduleKind === 'step'
      ? { kind: 'step' as const, every: num(form.scheduleEvery) as number, factor: num(form.scheduleFactor) as number }
      : form.scheduleKind === 'exponential'
        ? { kind: 'exponential' as const, gamma: num(form.scheduleGamma) as number }
        : form.scheduleKind === 'inverse'
          ? { kind: 'inverse' as const, every: num(form.scheduleEvery), slope: num(form.scheduleSlope) }
          : { kind: 'constant' as const };
  return {
    kind: form.kind,
    learningRate: num(form.learningRate),
    momentum: num(form.momentum),
    beta1: num(form.beta1),
    beta2: num(form.beta2),
    epsilon: num(form.epsilon),
    layerRates: parseNumberList(form.layerRates),
    schedule,
  };
}

function regularizerInput(form: RegularizerForm): RegularizerSpecInput {
  return {
    power: { coefficient: num(form.powerCoefficient), target: num(form.powerTarget) },
    activationL1: num(form.activationL1),
    weightDecay: num(form.weightDecay),
    entropy: {
      coefficient: num(form.entropyCoefficient),
      lambda: num(form.entropyLambda),
      epsilon: num(form.entropyEpsilon),
      ...(form.entropyWeightEpsilon === null ? {} : { weightEpsilon: form.entropyWeightEpsilon }),
    },
    layerScales: Object.fromEntries(
      LAYER_SCALED_TERMS.map((term) => [term, parseNumberList(form.layerScales[term])]),
    ) as Record<LayerScaledTerm, number[]>,
  };
}

export function toSpecInput(form: DesignForm): ExperimentSpecInput {
  return {
    name: form.name,
    description: form.description,
    dataset: {
      name: form.dataset,
      trainSubset: num(form.trainSubset),
      validationFraction: num(form.validationFraction),
      standardise: form.standardise,
      // Only with standardise on (the schema refuses it otherwise): unticking Standardise does not leave it stale.
      ...(form.standardise && form.standardiseOver !== null ? { standardiseOver: form.standardiseOver } : {}),
      ...(form.augmentation === null ? {} : { augmentation: form.augmentation }),
    },
    network: {
      hidden: form.hidden.map(layerInput),
      init: { scheme: form.initScheme, gain: num(form.initGain), readoutGain: num(form.readoutGain) },
      weightSparsity: num(form.weightSparsity),
      ...(form.biases === null ? {} : { biases: form.biases }),
      ...(form.dynamics === null ? {} : { dynamics: dynamicsInput(form.dynamics) }),
    },
    loss: form.loss,
    rules: form.arms.map((arm) => ({
      rule: arm.rule,
      ...(arm.label.trim() ? { label: arm.label.trim() } : {}),
      params: { ...arm.params },
      ...(arm.optimizer ? { optimizer: optimizerInput(arm.optimizer) } : {}),
      ...(arm.regularizers ? { regularizers: regularizerInput(arm.regularizers) } : {}),
    })),
    optimizer: optimizerInput(form.optimizer),
    regularizers: regularizerInput(form.regularizers),
    seeds: parseNumberList(form.seeds),
    epochs: num(form.epochs) as number,
    batchSize: num(form.batchSize) as number,
    monitoring: {
      readEvery: num(form.monitoring.readEvery),
      diagnosticsEvery: num(form.monitoring.diagnosticsEvery),
      checkpointEvery: num(form.monitoring.checkpointEvery),
      powerLimit: num(form.monitoring.powerLimit),
      evaluationsPerEpoch: num(form.monitoring.evaluationsPerEpoch),
    },
  };
}

export function optimizerForm(spec: OptimizerSpec): OptimizerForm {
  const schedule = spec.schedule;
  return {
    kind: spec.kind,
    learningRate: spec.learningRate,
    momentum: spec.momentum,
    beta1: spec.beta1,
    beta2: spec.beta2,
    epsilon: spec.epsilon,
    layerRates: spec.layerRates.join(', '),
    scheduleKind: schedule.kind,
    scheduleEvery: schedule.kind === 'step' || schedule.kind === 'inverse' ? schedule.every : 10,
    scheduleFactor: schedule.kind === 'step' ? schedule.factor : 0.5,
    scheduleGamma: schedule.kind === 'exponential' ? schedule.gamma : 0.95,
    scheduleSlope: schedule.kind === 'inverse' ? schedule.slope : 1.5,
  };
}

export function regularizerForm(spec: RegularizerSpec): RegularizerForm {
  return {
    powerCoefficient: spec.power.coefficient,
    powerTarget: spec.power.target,
    activationL1: spec.activationL1,
    weightDecay: spec.weightDecay,
    entropyCoefficient: spec.entropy.coefficient,
    entropyLambda: spec.entropy.lambda,
    entropyEpsilon: spec.entropy.epsilon,
    entropyWeightEpsilon: spec.entropy.weightEpsilon ?? null,
    layerScales: Object.fromEntries(
      LAYER_SCALED_TERMS.map((term) => [term, spec.layerScales[term].join(', ')]),
    ) as Record<LayerScaledTerm, string>,
  };
}

/** The form showing a (parsed, complete) spec; toSpecInput of it parses back to the same spec. */
export function fromSpec(spec: ExperimentSpec): DesignForm {
  return {
    name: spec.name,
    description: spec.description,
    dataset: spec.dataset.name,
    trainSubset: spec.dataset.trainSubset ?? null,
    validationFraction: spec.dataset.validationFraction,
    standardise: spec.dataset.standardise,
    standardiseOver: spec.dataset.standardiseOver ?? null,
    augmentation: spec.dataset.augmentation ? structuredClone(spec.dataset.augmentation) : null,
    hidden: spec.network.hidden.map(layerForm),
    biases: spec.network.biases ?? null,
    dynamics: spec.network.dynamics ? dynamicsForm(spec.network.dynamics) : null,
    initScheme: spec.network.init.scheme,
    initGain: spec.network.init.gain,
    readoutGain: spec.network.init.readoutGain ?? null,
    weightSparsity: spec.network.weightSparsity,
    loss: spec.loss,
    arms: spec.rules.map((r) => ({
      key: newKey(),
      rule: r.rule,
      label: r.label ?? '',
      params: withDefaults(r.rule, r.params),
      optimizer: r.optimizer ? optimizerForm(r.optimizer) : null,
      regularizers: r.regularizers ? regularizerForm(r.regularizers) : null,
    })),
    optimizer: optimizerForm(spec.optimizer),
    regularizers: regularizerForm(spec.regularizers),
    seeds: spec.seeds.join(', '),
    epochs: spec.epochs,
    batchSize: spec.batchSize,
    monitoring: { ...spec.monitoring, evaluationsPerEpoch: spec.monitoring.evaluationsPerEpoch ?? null },
  };
}

export type Checked = { ok: true; spec: ExperimentSpec; issues: [] } | { ok: false; issues: Issue[] };

export function checkForm(form: DesignForm): Checked {
  const parsed = ExperimentSpec.safeParse(toSpecInput(form));
  return parsed.success
    ? { ok: true, spec: parsed.data, issues: [] }
    : { ok: false, issues: issuesFromZod(parsed.error) };
}

/** A spec file's text → the spec, or a sentence naming what is wrong with it. */
export function readSpecFile(fileName: string, text: string): { spec: ExperimentSpec } | { problem: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { problem: `${fileName} is not valid JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
  const parsed = ExperimentSpec.safeParse(json);
  if (parsed.success) return { spec: parsed.data };
  const issues = issuesFromZod(parsed.error)
    .slice(0, 4)
    .map((i) => (i.path === '(root)' ? i.message : `${i.path}: ${i.message}`));
  return { problem: `${fileName} is not a valid experiment spec — ${issues.join('; ')}` };
}

/** Issues at a field: exactly at path, or (within) below it when nested is set. */
export function issuesAt(issues: Issue[], path: string, nested = false): string[] {
  return issues.filter((i) => i.path === path || (nested && i.path.startsWith(`${path}.`))).map((i) => i.message);
}
