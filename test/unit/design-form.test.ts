import { describe, expect, it } from 'vitest';
import { withDefaults } from '../../shared/rules/catalogue';
import { ExperimentSpec } from '../../shared/schemas/experiment';
import { PRESETS } from '../../src-main/engine/presets';
import { checkForm, defaultForm, fromSpec, parseNumberList } from '../../src-renderer/lib/design/form';

/** The form shows every rule parameter, defaults included; a spec that leaves them out means the same. */
function resolved(spec: ExperimentSpec): ExperimentSpec {
  return { ...spec, rules: spec.rules.map((r) => ({ ...r, params: withDefaults(r.rule, r.params) })) };
}

describe('the designer form', () => {
  it.each(PRESETS.map((p) => [p.id, p.spec] as const))('holds preset %s without losing a setting', (_id, input) => {
    const spec = ExperimentSpec.parse(input);
    const checked = checkForm(fromSpec(spec));
    expect(checked.issues).toEqual([]);
    expect(checked.ok && checked.spec).toEqual(resolved(spec));
  });

  it('keeps per-arm optimisers, schedules and every regulariser through a round trip', () => {
    const spec = ExperimentSpec.parse({
      name: 'overrides',
      dataset: { name: 'spirals', standardise: true, trainSubset: 500 },
      network: {
        hidden: [{ units: 8, activation: 'tanh' }],
        init: { scheme: 'xavier_normal', gain: 0.7, readoutGain: 0 },
        weightSparsity: 0.5,
      },
      rules: [
        {
          rule: 'dfa',
          optimizer: {
            kind: 'momentum',
            learningRate: 0.05,
            momentum: 0.8,
            schedule: { kind: 'step', every: 3, factor: 0.5 },
          },
          regularizers: {
            weightDecay: 1e-4,
            entropy: { coefficient: 0.1, lambda: 0.9, epsilon: 0.2 },
            layerScales: { entropy: [0.5], weightDecay: [0, 1e-3] },
          },
        },
        { rule: 'bp', label: 'BP' },
        // The EBD paper's MLP schedule.
        {
          rule: 'ebd',
          params: { forwardBroadcast: 1, forwardBroadcastInput: 0.5 },
          optimizer: { kind: 'sgd', schedule: { kind: 'inverse', every: 10, slope: 1.5 } },
          regularizers: { layerScales: { forwardBroadcast: [2] } },
        },
      ],
      optimizer: { layerRates: [0, 1], schedule: { kind: 'exponential', gamma: 0.9 } },
      regularizers: { activationL1: 0.01, power: { coefficient: 0.2, target: 0.5 } },
      seeds: [4, 5],
      epochs: 3,
      batchSize: 10,
      monitoring: { readEvery: 5, diagnosticsEvery: 0, checkpointEvery: 50, powerLimit: 100, evaluationsPerEpoch: 4 },
    });
    const checked = checkForm(fromSpec(spec));
    expect(checked.ok && checked.spec).toEqual(resolved(spec));
    expect(checked.ok && checked.spec.monitoring.evaluationsPerEpoch).toBe(4);
    // Left empty, the field is absent from the spec: the trainer's default applies.
    const form = fromSpec(spec);
    form.monitoring.evaluationsPerEpoch = null;
    const unset = checkForm(form);
    expect(unset.ok && unset.spec.monitoring.evaluationsPerEpoch).toBeUndefined();
  });

  it('names a bad entry of a typed list at its index', () => {
    expect(parseNumberList('0.3, 0.3,1e-1 .5')).toEqual([0.3, 0.3, 0.1, 0.5]);
    const form = defaultForm();
    form.dataset = 'spirals';
    form.optimizer.layerRates = '0.3, fast, 1';
    const checked = checkForm(form);
    expect(checked.ok).toBe(false);
    expect(checked.issues.map((i) => i.path)).toContain('optimizer.layerRates.1');
  });

  it('names a bad per-layer multiplier at its term and index', () => {
    const form = defaultForm();
    form.dataset = 'spirals';
    form.regularizers.layerScales.power = '1, -2';
    const checked = checkForm(form);
    expect(checked.ok).toBe(false);
    expect(checked.issues.map((i) => i.path)).toContain('regularizers.layerScales.power.1');
  });

  it('starts from the schema defaults and needs only a dataset', () => {
    const form = defaultForm();
    expect(checkForm(form).issues.map((i) => i.path)).toEqual(['dataset.name']);
    form.dataset = 'gaussian-mixture';
    const checked = checkForm(form);
    expect(checked.ok && checked.spec.network.init.gain).toBeCloseTo(Math.SQRT2, 12);
  });
});
