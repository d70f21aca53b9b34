import type { Issue } from '../../../shared/api/errors';
import { ruleInfo, type RuleName } from '../../../shared/rules/catalogue';

/**
 * Validation issues in the designer's words. The schema's issues name a path ("rules.0.params.lambda") and, for
 * the checks zod makes itself, a message in zod's terms ("Invalid input: expected number, received undefined");
 * the designer shows them next to the field as "enter a number", and in the Run bar as "Rule 1 (EBD) · Forgetting
 * factor λ: …", the label the form itself shows.
 */

/** zod's own messages, as a person filling the form would say them. */
const MESSAGES: [RegExp, (m: RegExpExecArray) => string][] = [
  [/expected (number|int), received undefined/i, () => 'enter a number'],
  [/expected (number|int), received NaN/i, () => 'not a number'],
  [/expected int, received number/i, () => 'must be a whole number'],
  [/expected string, received undefined/i, () => 'enter a value'],
  [/Too small: expected number to be >=(\S+)/i, (m) => `must be at least ${m[1]}`],
  [/Too small: expected number to be >(\S+)/i, (m) => `must be more than ${m[1]}`],
  [/Too big: expected number to be <=(\S+)/i, (m) => `must be at most ${m[1]}`],
  [/Too big: expected number to be <(\S+)/i, (m) => `must be less than ${m[1]}`],
  [/Too small: expected array to have >=(\d+) items?/i, (m) => `needs at least ${m[1]}`],
  [/Too big: expected string to have <=(\d+) characters/i, (m) => `at most ${m[1]} characters`],
];

export function messageInWords(message: string): string {
  for (const [pattern, words] of MESSAGES) {
    const match = pattern.exec(message);
    if (match) return words(match);
  }
  return message;
}

const FIELDS: Record<string, string> = {
  name: 'Name',
  description: 'Description',
  'dataset.name': 'Dataset',
  'dataset.trainSubset': 'Training subset',
  'dataset.validationFraction': 'Validation fraction',
  'network.init.gain': 'Initial weight gain',
  'network.init.readoutGain': 'Readout gain',
  'network.weightSparsity': 'Weight sparsity',
  'network.dynamics.iterations': 'Dynamics · Iterations',
  'network.dynamics.stepSize': 'Dynamics · Step size η',
  'network.dynamics.leak': 'Dynamics · Leak g',
  'network.dynamics.epsilon': 'Dynamics · Error variance ε',
  'network.dynamics.lambda': 'Dynamics · Forgetting factor λ',
  'network.dynamics.feedbackRates': 'Dynamics · Feedback rates',
  loss: 'Loss',
  epochs: 'Epochs',
  batchSize: 'Batch size',
  seeds: 'Seeds',
  learningRate: 'learning rate',
  momentum: 'momentum',
  beta1: 'β₁',
  beta2: 'β₂',
  epsilon: 'ε',
  layerRates: 'layer rates',
  'monitoring.readEvery': 'Read the loss every',
  'monitoring.diagnosticsEvery': 'Diagnostics every',
  'monitoring.checkpointEvery': 'Checkpoint every',
  'monitoring.powerLimit': 'Power limit',
  'monitoring.evaluationsPerEpoch': 'Evaluations per epoch',
};

/**
 * The field an issue's path names, as the form labels it. `rules` are the arms' rules in order, for "Rule 2
 * (BP)" and the catalogue's parameter labels; unknown paths are shown as they are.
 */
export function fieldLabel(path: string, rules: readonly RuleName[]): string {
  if (FIELDS[path]) return FIELDS[path];
  const parts = path.split('.');
  const at = (i: number) => Number(parts[i]) + 1;
  if (parts[0] === 'seeds' && parts.length === 2) return `Seeds, number ${at(1)}`;
  if (path.startsWith('network.dynamics.feedbackRates.') && parts.length === 4)
    return `${FIELDS['network.dynamics.feedbackRates']}, number ${at(3)}`;
  if (parts[0] === 'network' && parts[1] === 'hidden' && parts.length >= 4)
    return `Hidden layer ${at(2)} · ${parts.slice(3).join(' ')}`;
  if (parts[0] === 'network' && parts[1] === 'hidden' && parts.length === 3) return `Hidden layer ${at(2)}`;
  const settings = (rest: string[]) => {
    const [group, key, index] = rest;
    const what = group === 'optimizer' ? 'optimiser' : group === 'regularizers' ? 'regulariser' : group;
    const name = key ? (FIELDS[key] ?? key) : '';
    return `${what}${name ? ` ${name}` : ''}${index !== undefined ? ` (layer ${Number(index) + 1})` : ''}`;
  };
  if (parts[0] === 'optimizer' || parts[0] === 'regularizers') {
    const text = settings(parts);
    return text.charAt(0).toUpperCase() + text.slice(1);
  }
  if (parts[0] === 'rules' && parts[1] !== undefined) {
    const index = Number(parts[1]);
    const rule = rules[index];
    const arm = `Rule ${index + 1}${rule ? ` (${rule.toUpperCase()})` : ''}`;
    if (parts[2] === 'params' && parts[3] && rule) {
      const param = ruleInfo(rule).params.find((p) => p.key === parts[3]);
      return `${arm} · ${param?.label ?? parts[3]}`;
    }
    if (parts[2] === 'optimizer' || parts[2] === 'regularizers') return `${arm} · ${settings(parts.slice(2))}`;
    return parts.length > 2 ? `${arm} · ${parts.slice(2).join('.')}` : arm;
  }
  return path;
}

/** The issue as the Run bar says it: "Epochs: enter a number". */
export function issueInWords(issue: Issue, rules: readonly RuleName[]): string {
  const message = messageInWords(issue.message);
  if (issue.path === '(root)') return message;
  const label = fieldLabel(issue.path, rules);
  // A shape issue names its layer already ("layer 2: a 5×5 kernel …"), as the label does: once.
  const layer = /^Hidden layer (\d+)$/.exec(label);
  if (layer && message.startsWith(`layer ${layer[1]}: `)) return `Hidden layer ${message.slice('layer '.length)}`;
  // The catalogue's messages name their parameter already ("Forgetting factor λ must be …"): not twice.
  const tail = label.split(' · ').at(-1) ?? label;
  if (message.startsWith(tail)) return `${label.slice(0, label.length - tail.length)}${message}`;
  return `${label}: ${message}`;
}
