import { describe, expect, test } from 'vitest';
import { ExperimentSpec } from '../../shared/schemas/experiment';
import type { Experiment } from '../../shared/schemas/records';
import { copySpec, freshSeeds, originOf, rerunSpec } from '../../src-renderer/lib/monitor/reuse';

const spec = ExperimentSpec.parse({
  name: 'EBD vs BP',
  description: 'λ = 0.99',
  dataset: { name: 'gaussian-mixture' },
  network: { hidden: [{ units: 8 }] },
  rules: [{ rule: 'ebd' }, { rule: 'bp' }],
  seeds: [0, 7, 2],
  epochs: 2,
  batchSize: 16,
});
const experiment: Experiment = { id: 12, sessionId: 3, name: spec.name, schemaVersion: 1, spec, createdAt: 0 };

describe('re-running and copying an experiment', () => {
  test('new seeds are as many as before, none used before', () => {
    expect(freshSeeds([0, 7, 2])).toEqual([8, 9, 10]);
    expect(freshSeeds([])).toEqual([]);
  });

  test('a re-run keeps the design and (by choice) the seeds, and names its origin first in the description', () => {
    const same = rerunSpec(experiment, 'same');
    expect(same).toEqual({
      ...spec,
      name: 'EBD vs BP (re-run)',
      description: 'Re-run of experiment #12 “EBD vs BP”.\nλ = 0.99',
    });
    expect(ExperimentSpec.parse(same)).toEqual(same);
    expect(rerunSpec(experiment, 'fresh').seeds).toEqual([8, 9, 10]);
    expect(originOf(same)).toBe(12);
  });

  test('a copy for the designer is named as one and links back; an original has no origin', () => {
    const copy = copySpec(experiment);
    expect(copy.name).toBe('EBD vs BP (copy)');
    expect(originOf(copy)).toBe(12);
    expect(originOf(spec)).toBeNull();
    expect(originOf({ ...spec, description: 'Notes. Re-run of experiment #4 later' })).toBeNull();
  });
});
