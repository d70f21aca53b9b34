import { ruleInfo, type RuleName, type RuleParamValues } from '../rules/catalogue';
import type { ExperimentSpec, OptimizerSpec, RegularizerSpec } from '../schemas/experiment';
import { ERROR_DESCRIPTION, type ErrorMeasure } from './aggregate';
import { CITATION_KEYS } from './bibtex';
import { latexText } from './latex-text';
import { layerLabel } from '../network/describe';

/**
 * The methods paragraph of a paper, generated from the stored specs: what a reader needs to reproduce the runs
 * (data and its hash, network, each rule with every hyperparameter, optimiser and schedule, epochs, seeds, error
 * measure, hardware and backend). Written once as segments, then as Markdown and as LaTeX with \cite keys from
 * bibtex.ts, so that the two say the same.
 */
export interface MethodsArm {
  label: string;
  rule: RuleName;
  /** With the catalogue's defaults filled in. */
  params: RuleParamValues;
  optimizer: OptimizerSpec;
  regularizers: RegularizerSpec;
  seeds: number[];
}

export interface MethodsSetting {
  dataset: ExperimentSpec['dataset'] & {
    /** Content hash recorded with the runs; null when no run recorded one (never started). */
    hash: string | null;
    sizes: { train: number; validation: number; test: number } | null;
  };
  network: ExperimentSpec['network'];
  loss: ExperimentSpec['loss'];
  epochs: number;
  batchSize: number;
  arms: MethodsArm[];
}

export interface MethodsInput {
  settings: MethodsSetting[];
  error: ErrorMeasure;
  hardware: { cpu: string; os: string; backends: string[]; devices: string[]; threads: number[] };
  appName: string;
  appVersion: string;
}

type Segment = string | { cite: RuleName };

const LOSS_NAMES: Record<ExperimentSpec['loss'], string> = {
  mse: 'mean squared error',
  cross_entropy: 'softmax cross-entropy',
  bernoulli: 'Bernoulli negative log-likelihood',
  poisson: 'Poisson negative log-likelihood',
};

/** Eight significant digits: enough for λ = 0.99999999, short enough for √2 gains. */
function num(value: number): string {
  return String(Number(value.toPrecision(8)));
}

/** "Forgetting factor λ" → "forgetting factor λ"; "Freeze R" keeps its capital R. */
function lowerFirst(label: string): string {
  return /^[A-Z][a-z]/.test(label) ? label.charAt(0).toLowerCase() + label.slice(1) : label;
}

function show(value: number | string | boolean): string {
  return typeof value === 'number' ? num(value) : String(value);
}

function list(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

function describeOptimizer(o: OptimizerSpec): string {
  const base =
    o.kind === 'adam'
      ? `Adam (β1 = ${num(o.beta1)}, β2 = ${num(o.beta2)}, ε = ${num(o.epsilon)})`
      : o.kind === 'momentum'
        ? `SGD with momentum ${num(o.momentum)}`
        : 'plain SGD';
  const s = o.schedule;
  const schedule =
    s.kind === 'constant'
      ? 'held constant'
      : s.kind === 'step'
        ? `multiplied by ${num(s.factor)} every ${s.every} epochs`
        : s.kind === 'exponential'
          ? `multiplied by ${num(s.gamma)} each epoch`
          : `divided by 1 + ${num(s.slope)}·⌊epoch/${s.every}⌋`;
  const rates = o.layerRates.length > 0 ? `, with per-layer rate multipliers [${o.layerRates.join(', ')}]` : '';
  return `${base} at learning rate ${num(o.learningRate)}, ${schedule}${rates}`;
}

function describeRegularizers(r: RegularizerSpec): string {
  const parts: string[] = [];
  if (r.power.coefficient > 0)
    parts.push(`power normalisation (coefficient ${num(r.power.coefficient)}, target ${num(r.power.target)})`);
  if (r.entropy.coefficient > 0)
    parts.push(
      `layer entropy (coefficient ${num(r.entropy.coefficient)}, λ_E = ${num(r.entropy.lambda)}, ε = ${num(r.entropy.epsilon)})`,
    );
  if (r.activationL1 > 0) parts.push(`activation sparsity (L1 ${num(r.activationL1)})`);
  if (r.weightDecay > 0) parts.push(`weight decay ${num(r.weightDecay)}`);
  return parts.length === 0 ? 'no regularisers' : list(parts);
}

function describeParams(rule: RuleName, params: RuleParamValues): string {
  const info = ruleInfo(rule);
  if (info.params.length === 0) return '';
  const parts = info.params.map((p) => `${lowerFirst(p.label)} = ${show(params[p.key] ?? p.default)}`);
  // Semicolons: some labels hold commas ("Forward broadcast, input layer").
  return ` with ${parts.join('; ')}`;
}

function settingParagraph(setting: MethodsSetting, index: number, count: number): Segment[][] {
  const d = setting.dataset;
  const hidden = setting.network.hidden.map((l) => `${layerLabel(l)} ${l.activation}`);
  const sizes = d.sizes
    ? ` (${d.sizes.train} training, ${d.sizes.validation} validation and ${d.sizes.test} test samples)`
    : '';
  const subset = d.trainSubset ? `, using a subset of ${d.trainSubset} training samples` : '';
  const hash = d.hash ? ` (content hash ${d.hash})` : ' (no content hash was recorded: no run of it started)';
  const init = setting.network.init;
  const data: Segment[] = [
    count > 1 ? `Setting ${index + 1}. ` : '',
    `We trained on ${d.name}${hash}${subset}, holding out ${num(d.validationFraction * 100)}% of the ` +
      `training data for validation${sizes}${d.standardise ? ' and standardising the inputs' : ''}. ` +
      `The network had ${hidden.length === 0 ? 'no hidden layers' : `hidden layers of ${list(hidden)} units`}, ` +
      `initialised ${init.scheme.replace('_', '-')} with gain ${num(init.gain)}` +
      `${init.readoutGain !== undefined ? ` (readout gain ${num(init.readoutGain)})` : ''}` +
      `${setting.network.weightSparsity > 0 ? `, with a fixed weight sparsity of ${num(setting.network.weightSparsity)}` : ''}, ` +
      `and was trained with the ${LOSS_NAMES[setting.loss]} loss for ${setting.epochs} epochs in mini-batches of ` +
      `${setting.batchSize}.`,
  ];
  const arms: Segment[][] = setting.arms.map((arm) => [
    `${arm.label}: ${ruleInfo(arm.rule).label} `,
    { cite: arm.rule },
    `${describeParams(arm.rule, arm.params)}, optimised with ${describeOptimizer(arm.optimizer)}, and ` +
      `${describeRegularizers(arm.regularizers)}; seeds ${arm.seeds.join(', ')} (${arm.seeds.length} runs).`,
  ]);
  return [data, ...arms];
}

function segments(input: MethodsInput): Segment[][] {
  const paragraphs = input.settings.flatMap((s, i) => settingParagraph(s, i, input.settings.length));
  const h = input.hardware;
  paragraphs.push([
    `Runs that share a seed share their initial weights and data order. Results are reported as the mean over ` +
      `seeds ± the ${ERROR_DESCRIPTION[input.error]}. Runs were computed with ${input.appName} ${input.appVersion} ` +
      `on the ${list(h.backends)} backend${h.devices.length > 0 ? ` (${list(h.devices)})` : ''}` +
      `${h.threads.length > 0 ? ` with ${list(h.threads.map(String))} threads` : ''}; ` +
      `the results were exported on ${h.cpu} (${h.os}).`,
  ]);
  return paragraphs;
}

export function methodsMarkdown(input: MethodsInput): string {
  const text = segments(input).map((p) =>
    p.map((s) => (typeof s === 'string' ? s : `[${ruleInfo(s.cite).paper.citation}]`)).join(''),
  );
  return `## Methods\n\n${text.join('\n\n')}\n`;
}

export function methodsLatex(input: MethodsInput): string {
  const text = segments(input).map((p) =>
    p.map((s) => (typeof s === 'string' ? latexText(s) : `\\cite{${CITATION_KEYS[s.cite]}}`)).join(''),
  );
  return `% Written by ${latexText(input.appName)}; cite keys are in references.bib.\n\\section*{Methods}\n\n${text.join('\n\n')}\n`;
}
