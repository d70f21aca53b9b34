import type { SweepSpecInput } from '../../../shared/sweeps/schema';
import { isPatchLayer, type ExperimentSpec } from '../../../shared/schemas/experiment';
import { ruleInfo } from '../../../shared/rules/catalogue';

/** One axis as the designer edits it: text fields, turned into the sweep schema's axis by toSweep. */
export interface AxisRow {
  field: string;
  kind: 'values' | 'linear' | 'log';
  /** Comma-separated, for 'values': numbers, true/false, or words (an optimiser's kind). */
  values: string;
  from: string;
  to: string;
  count: string;
}

export function newAxisRow(field = ''): AxisRow {
  return { field, kind: 'values', values: '', from: '', to: '', count: '3' };
}

function parseValue(text: string): number | string | boolean {
  const word = text.trim();
  if (word === 'true' || word === 'false') return word === 'true';
  const number = Number(word);
  return word !== '' && Number.isFinite(number) ? number : word;
}

/** The sweep the rows describe over the designed experiment; the schema (sweeps.preview) names what is wrong. */
export function toSweep(spec: ExperimentSpec, rows: readonly AxisRow[], replicates: string): SweepSpecInput {
  const axes = rows
    .filter((row) => row.field.trim() !== '')
    .map((row) => {
      const field = row.field.trim();
      if (row.kind === 'values') {
        return {
          field,
          values: row.values
            .split(',')
            .filter((v) => v.trim() !== '')
            .map(parseValue),
        };
      }
      const range = { from: Number(row.from), to: Number(row.to), count: Number(row.count) };
      return row.kind === 'linear' ? { field, linear: range } : { field, log: range };
    });
  const seeds = replicates
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(Number);
  return { experiment: spec, axes: axes as SweepSpecInput['axes'], ...(seeds.length > 0 ? { replicates: seeds } : {}) };
}

/**
 * Fields worth offering for the designed spec: the optimiser, regularisers, widths (a dense layer's units, a conv or
 * locally connected layer's channels), data size and each arm's parameters.
 */
export function suggestedFields(spec: ExperimentSpec | null): string[] {
  const fields = [
    'optimizer.learningRate',
    'optimizer.kind',
    'regularizers.weightDecay',
    'regularizers.power.coefficient',
    'regularizers.activationL1',
    'dataset.trainSubset',
    'batchSize',
  ];
  if (!spec) return fields;
  spec.network.hidden.forEach((layer, i) =>
    fields.push(`network.hidden.${i}.${isPatchLayer(layer) ? 'channels' : 'units'}`),
  );
  spec.rules.forEach((arm, i) => {
    for (const param of ruleInfo(arm.rule).params) fields.push(`rules.${i}.params.${param.key}`);
    fields.push(`rules.${i}.optimizer.learningRate`);
  });
  return fields;
}
