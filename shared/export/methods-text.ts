import { ruleInfo, type RuleName, type RuleParamValues } from '../rules/catalogue';
import type { AugmentationSpec } from '../schemas/augmentation';
import {
  isPatchLayer,
  type DynamicsSpec,
  type ExperimentSpec,
  type OptimizerSpec,
  type RegularizerSpec,
} from '../schemas/experiment';
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

function describeRegularizers(r: RegularizerSpec, patchLayers: boolean): string {
  const parts: string[] = [];
  if (r.power.coefficient > 0)
    parts.push(`power normalisation (coefficient ${num(r.power.coefficient)}, target ${num(r.power.target)})`);
  if (r.entropy.coefficient > 0) {
    parts.push(
      `layer entropy (coefficient ${num(r.entropy.coefficient)}, λ_E = ${num(r.entropy.lambda)}, ε = ${num(r.entropy.epsilon)})`,
    );
    // The same coefficient is the weight entropy of conv and locally connected layers (engine: weight-entropy.ts).
    if (patchLayers)
      parts.push(
        `on the convolutional and locally connected layers, weight entropy ½ log det(WᵀW + εI) with ε = ${num(r.entropy.weightEpsilon ?? 1e-5)}`,
      );
  }
  if (r.activationL1 > 0) parts.push(`activation sparsity (L1 ${num(r.activationL1)})`);
  if (r.weightDecay > 0) parts.push(`weight decay ${num(r.weightDecay)}`);
  return parts.length === 0 ? 'no regularisers' : list(parts);
}

/** The training images' augmentation and the test-time views, as sentences (empty without either). */
function describeAugmentation(a: AugmentationSpec | undefined): string {
  if (!a) return '';
  const parts: string[] = [];
  if (a.crop) parts.push(`random crops with ${a.crop.padding}-pixel zero padding`);
  if (a.translate) parts.push(`random shifts of up to ${a.translate.pixels} pixels with reflection at the borders`);
  if (a.flip === 'random') parts.push('random horizontal flips');
  if (a.flip === 'alternate_epochs') parts.push('horizontal flips on alternate epochs');
  const training = parts.length > 0 ? ` Training images were augmented each epoch with ${list(parts)}.` : '';
  const shift = a.translate?.pixels ?? 2;
  const test = a.testTime
    ? ` Validation and test images were evaluated in six views (as they are, mirrored, and shifted by ${shift} ` +
      'pixels up, down, left and right), and the network’s outputs averaged over the views.'
    : '';
  return training + test;
}

/** A CorInfoMax network's free phase and local plasticity, as a sentence (empty for a feed-forward network). */
function describeDynamics(d: DynamicsSpec | undefined): string {
  if (!d) return '';
  return (
    ' The network was a CorInfoMax network (Bozkurt, Pehlevan and Erdogan, 2023): before each update its layers ' +
    `settled for ${d.iterations} Euler steps of size ${num(d.stepSize)} (leak g = ${num(d.leak)}, ε = ${num(d.epsilon)}) ` +
    'under their forward predictions, backward predictors and lateral weights; the lateral weights tracked the ' +
    `inverse layer correlation (forgetting factor ${num(d.lambda)}) and the backward predictors learned their own ` +
    `prediction error at normalised rates ${d.feedbackRates.map(num).join(', ')}, both at the free equilibrium.`
  );
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
  const patchLayers = setting.network.hidden.some(isPatchLayer);
  const data: Segment[] = [
    count > 1 ? `Setting ${index + 1}. ` : '',
    `We trained on ${d.name}${hash}${subset}, holding out ${num(d.validationFraction * 100)}% of the ` +
      `training data for validation${sizes}${d.standardise ? ' and standardising the inputs' : ''}. ` +
      `The network had ${hidden.length === 0 ? 'no hidden layers' : `hidden layers of ${list(hidden)} units`}, ` +
      `initialised ${init.scheme.replace('_', '-')} with gain ${num(init.gain)}` +
      `${init.readoutGain !== undefined ? ` (readout gain ${num(init.readoutGain)})` : ''}` +
      `${setting.network.weightSparsity > 0 ? `, with a fixed weight sparsity of ${num(setting.network.weightSparsity)}` : ''}` +
      `${setting.network.biases === false ? ', without biases' : ''}, ` +
      `and was trained with the ${LOSS_NAMES[setting.loss]} loss for ${setting.epochs} epochs in mini-batches of ` +
      `${setting.batchSize}.${describeAugmentation(d.augmentation)}${describeDynamics(setting.network.dynamics)}`,
  ];
  const arms: Segment[][] = setting.arms.map((arm) => [
    `${arm.label}: ${ruleInfo(arm.rule).label} `,
    { cite: arm.rule },
    `${describeParams(arm.rule, arm.params)}, optimised with ${describeOptimizer(arm.optimizer)}, and ` +
      `${describeRegularizers(arm.regularizers, patchLayers)}; seeds ${arm.seeds.join(', ')} (${arm.seeds.length} runs).`,
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
