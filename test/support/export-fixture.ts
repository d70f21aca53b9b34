import type { MetricPoint, Run } from '../../shared/schemas/records';
import type { Store } from '../../src-main/store/types';
import { prng, sampleSpec } from '../integration/store-test-helpers';

export const STEPS_PER_EPOCH = 50;
export const EPOCHS = 3;
export const APP = { name: 'broadcast-lab', version: '0.0.0-test', versions: { node: process.versions.node } };

/**
 * A finished 2-rule × 2-seed experiment (EBD and DFA, seeds 1 and 2) written through the store's own API: training
 * loss every step at fractional epochs, validation and test loss and accuracy at the end of each epoch (whole
 * epochs), values from a seeded generator so that they are arbitrary doubles. The session's name needs quoting in CSV.
 */
export function writeExperiment(
  store: Store,
  options: { stepsPerEpoch?: number; status?: Run['status']; dataset?: string; seed?: number } = {},
) {
  const stepsPerEpoch = options.stepsPerEpoch ?? STEPS_PER_EPOCH;
  const session = store.sessions.create({ name: 'Pilot, "first" run' });
  const spec = sampleSpec('EBD vs DFA');
  const experiment = store.experiments.create(session.id, {
    ...spec,
    dataset: { ...spec.dataset, name: options.dataset ?? spec.dataset.name },
  });
  const random = prng(options.seed ?? 7);
  const runs = experiment.spec.seeds.flatMap((seed) =>
    experiment.spec.rules.map((arm, index) =>
      store.runs.create({
        experimentId: experiment.id,
        rule: arm.rule,
        seed,
        status: options.status ?? 'completed',
        backend: 'onnx-cpu',
        environment: {
          arm: index,
          label: arm.rule.toUpperCase(),
          backend: 'onnx-cpu',
          device: 'cpu',
          threads: 2,
          dataset: experiment.spec.dataset.name,
          datasetHash: 'sha256:0123abcd',
          trainSize: 900,
          validationSize: 100,
          testSize: 10000,
        },
      }),
    ),
  );
  for (const run of runs) {
    const points: MetricPoint[] = [];
    for (let step = 0; step < EPOCHS * stepsPerEpoch; step++) {
      points.push({ step, epoch: step / stepsPerEpoch, split: 'train', name: 'loss', value: 2 * random() });
    }
    for (let epoch = 1; epoch <= EPOCHS; epoch++) {
      const step = epoch * stepsPerEpoch;
      for (const split of ['validation', 'test'] as const) {
        points.push({ step, epoch, split, name: 'accuracy', value: 0.5 + 0.4 * random() });
        points.push({ step, epoch, split, name: 'loss', value: random() });
      }
    }
    store.metrics.insert(run.id, points);
  }
  return { session, experiment, runs };
}

/** RFC 4180 CSV, independent of the exporter's writer: quoted fields, doubled quotes, commas and newlines inside. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (field !== '' || row.length > 0) rows.push([...row, field]);
  return rows;
}

/** Rows as objects keyed by the header. */
export function csvRecords(text: string): Record<string, string>[] {
  const [header, ...rows] = parseCsv(text);
  return rows.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i] ?? ''])));
}
