import { issuesFromZod, type Issue } from '../../../shared/api/errors';
import { withDefaults, type RuleName, type RuleParamValues } from '../../../shared/rules/catalogue';
import {
  ExperimentSpec,
  type Activation,
  type ExperimentSpecInput,
  type Loss,
  type OptimizerSpec,
} from '../../../shared/schemas/experiment';

/**
 * The designer's form, kept close to what the inputs hold (numbers may be null while a field is empty, seeds are
 * the text typed) and turned into an ExperimentSpec input on every change. Validation is the shared schema's, so the
 * form can never accept a spec the engine would refuse.
 */
export type InitScheme = 'xavier_uniform' | 'xavier_normal' | 'kaiming_uniform' | 'kaiming_normal';
export type OptimizerKind = OptimizerSpec['kind'];

export interface LayerForm {
  key: number;
  units: number | null;
  activation: Activation;
}

export interface ArmForm {
  key: number;
  rule: RuleName;
  label: string;
  params: RuleParamValues;
}

export interface DesignForm {
  name: string;
  description: string;
  dataset: string;
  trainSubset: number | null;
  validationFraction: number | null;
  hidden: LayerForm[];
  initScheme: InitScheme;
  loss: Loss;
  arms: ArmForm[];
  optimizerKind: OptimizerKind;
  learningRate: number | null;
  powerCoefficient: number | null;
  powerTarget: number | null;
  entropyCoefficient: number | null;
  seeds: string;
  epochs: number | null;
  batchSize: number | null;
}

let nextKey = 1;
export function newKey(): number {
  return nextKey++;
}

export function newArm(rule: RuleName): ArmForm {
  return { key: newKey(), rule, label: '', params: withDefaults(rule, {}) };
}

export function defaultForm(): DesignForm {
  return {
    name: 'EBD vs BP',
    description: '',
    dataset: '',
    trainSubset: null,
    validationFraction: 0.1,
    hidden: [{ key: newKey(), units: 256, activation: 'relu' }],
    initScheme: 'kaiming_uniform',
    loss: 'mse',
    arms: [newArm('ebd'), newArm('bp')],
    optimizerKind: 'adam',
    learningRate: 1e-3,
    powerCoefficient: 0,
    powerTarget: 1,
    entropyCoefficient: 0,
    seeds: '1, 2, 3',
    epochs: 10,
    batchSize: 64,
  };
}

/** "1, 2,3" → [1, 2, 3]; a token that is not a number stays NaN so that the schema names it at its index. */
export function parseSeeds(text: string): number[] {
  const tokens = text
    .split(/[,\s]+/)
    .map((t) => t.trim())
    .filter(Boolean);
  return tokens.map((t) => (/^-?\d+(\.\d+)?$/.test(t) ? Number(t) : Number.NaN));
}

const num = (value: number | null): number | undefined => (value === null ? undefined : value);

export function toSpecInput(form: DesignForm): ExperimentSpecInput {
  return {
    name: form.name,
    description: form.description,
    dataset: {
      name: form.dataset,
      trainSubset: num(form.trainSubset),
      validationFraction: num(form.validationFraction),
    },
    network: {
      hidden: form.hidden.map((l) => ({ units: num(l.units) as number, activation: l.activation })),
      init: { scheme: form.initScheme },
    },
    loss: form.loss,
    rules: form.arms.map((arm) => ({
      rule: arm.rule,
      ...(arm.label.trim() ? { label: arm.label.trim() } : {}),
      params: { ...arm.params },
    })),
    optimizer: { kind: form.optimizerKind, learningRate: num(form.learningRate) },
    regularizers: {
      power: { coefficient: num(form.powerCoefficient), target: num(form.powerTarget) },
      entropy: { coefficient: num(form.entropyCoefficient) },
    },
    seeds: parseSeeds(form.seeds),
    epochs: num(form.epochs) as number,
    batchSize: num(form.batchSize) as number,
  };
}

/** The form showing a (parsed, complete) spec, e.g. one imported from a file. */
export function fromSpec(spec: ExperimentSpec): DesignForm {
  return {
    name: spec.name,
    description: spec.description,
    dataset: spec.dataset.name,
    trainSubset: spec.dataset.trainSubset ?? null,
    validationFraction: spec.dataset.validationFraction,
    hidden: spec.network.hidden.map((l) => ({ key: newKey(), units: l.units, activation: l.activation })),
    initScheme: spec.network.init.scheme,
    loss: spec.loss,
    arms: spec.rules.map((r) => ({
      key: newKey(),
      rule: r.rule,
      label: r.label ?? '',
      params: withDefaults(r.rule, r.params),
    })),
    optimizerKind: spec.optimizer.kind,
    learningRate: spec.optimizer.learningRate,
    powerCoefficient: spec.regularizers.power.coefficient,
    powerTarget: spec.regularizers.power.target,
    entropyCoefficient: spec.regularizers.entropy.coefficient,
    seeds: spec.seeds.join(', '),
    epochs: spec.epochs,
    batchSize: spec.batchSize,
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
