import { describe, expect, it } from 'vitest';
import { withDefaults } from '../../shared/rules/catalogue';
import { DynamicsSpec, ExperimentSpec } from '../../shared/schemas/experiment';
import { PRESETS } from '../../src-main/engine/presets';
import {
  checkForm,
  defaultDynamics,
  defaultForm,
  fromSpec,
  parseNumberList,
  toSpecInput,
} from '../../src-renderer/lib/design/form';

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
            entropy: { coefficient: 0.1, lambda: 0.9, epsilon: 0.2, weightEpsilon: 3e-4 },
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
    expect(checked.ok && checked.spec.rules[0]!.regularizers?.entropy.weightEpsilon).toBe(3e-4);
    // Left empty, the field is absent from the spec: the trainer's default applies.
    const form = fromSpec(spec);
    form.monitoring.evaluationsPerEpoch = null;
    const unset = checkForm(form);
    expect(unset.ok && unset.spec.monitoring.evaluationsPerEpoch).toBeUndefined();
  });

  it('keeps a CorInfoMax network’s dynamics through a round trip, and a feed-forward one without them', () => {
    const input = {
      name: 'CorInfoMax-EBD',
      dataset: { name: 'mnist' },
      network: {
        hidden: [
          { units: 500, activation: 'sigmoid' as const },
          { units: 500, activation: 'sigmoid' as const },
        ],
        dynamics: {
          kind: 'corinfomax' as const,
          iterations: 12,
          stepSize: 0.1,
          leak: 0.2,
          epsilon: 0.3,
          lambda: 0.9999,
          feedbackRates: [0.05, 0.02, 0],
        },
      },
      rules: [{ rule: 'ebd' as const }, { rule: 'dfa' as const }],
      seeds: [1],
      epochs: 2,
      batchSize: 20,
    };
    const spec = ExperimentSpec.parse(input);
    const form = fromSpec(spec);
    expect(form.dynamics?.feedbackRates).toBe('0.05, 0.02, 0');
    expect(ExperimentSpec.parse(toSpecInput(form))).toEqual(resolved(spec));

    const plain = ExperimentSpec.parse({ ...input, network: { hidden: input.network.hidden } });
    const plainForm = fromSpec(plain);
    expect(plainForm.dynamics).toBeNull();
    const back = ExperimentSpec.parse(toSpecInput(plainForm));
    expect(back).toEqual(resolved(plain));
    expect('dynamics' in back.network).toBe(false);
  });

  it('starts turned-on dynamics at the schema’s defaults; an empty number takes its default, bad rates are named', () => {
    const form = defaultForm();
    expect(form.dynamics).toBeNull();
    form.dataset = 'mnist';
    form.arms = form.arms.filter((arm) => arm.rule === 'ebd');
    form.dynamics = defaultDynamics();
    const on = checkForm(form);
    expect(on.ok && on.spec.network.dynamics).toEqual(DynamicsSpec.parse({ kind: 'corinfomax' }));

    form.dynamics.iterations = null;
    form.dynamics.feedbackRates = '0.04, fast';
    const bad = checkForm(form);
    expect(bad.ok).toBe(false);
    expect(bad.issues.map((i) => i.path)).toEqual(['network.dynamics.feedbackRates.1']);

    form.dynamics.feedbackRates = ' ';
    const empty = checkForm(form);
    expect(empty.issues.map((i) => i.path)).toEqual(['network.dynamics.feedbackRates']);

    form.dynamics.feedbackRates = '0.04';
    form.dynamics.lambda = 0.5;
    const low = checkForm(form);
    expect(low.issues.map((i) => i.path)).toEqual(['network.dynamics.lambda']);

    form.dynamics.lambda = 0.999;
    const fixed = checkForm(form);
    expect(fixed.ok && fixed.spec.network.dynamics).toMatchObject({
      iterations: 30,
      lambda: 0.999,
      feedbackRates: [0.04],
    });
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
