import { describe, expect, it } from 'vitest';
import { ExperimentSpec } from '../../../shared/schemas/experiment';
import { Model, type NetworkConfig } from '../../../src-main/engine/model';
import { tinyConfig } from '../../support/engine-fixtures';

const config = (readoutGain?: number): NetworkConfig => ({
  inputSize: 6,
  hidden: [
    { units: 5, activation: 'relu' },
    { units: 4, activation: 'tanh' },
  ],
  outputSize: 3,
  init: { scheme: 'kaiming_uniform', gain: Math.SQRT2, ...(readoutGain === undefined ? {} : { readoutGain }) },
  weightSparsity: 0,
});

/** The initial weights of a BP model over this network under a seed. */
function weights(network: NetworkConfig, seed: number): Float32Array[] {
  const model = new Model({ ...tinyConfig(), network }, seed);
  return [1, 2, 3].map((k) => model.initialState.find((e) => e.name === `w${k}`)!.values);
}

describe('readout initialisation', () => {
  it('a readout gain of 0 starts the readout at zero and leaves every hidden layer as it was', () => {
    const [p1, p2, p3] = weights(config(), 7);
    const [z1, z2, z3] = weights(config(0), 7);
    expect(z1).toEqual(p1);
    expect(z2).toEqual(p2);
    expect(p3!.some((w) => w !== 0)).toBe(true);
    expect(z3!.every((w) => w === 0)).toBe(true);
  });

  it('a readout gain scales only the readout: gain 2·g doubles it', () => {
    const p3 = weights(config(), 3)[2]!;
    const d3 = weights(config(2 * Math.SQRT2), 3)[2]!;
    p3.forEach((w, i) => expect(d3[i]).toBeCloseTo(2 * w, 6));
  });

  it('the spec accepts layer rate 0 (a frozen layer) and a readout gain of 0, and names a negative rate', () => {
    const base = {
      name: 'frozen',
      dataset: { name: 'spirals' },
      network: { hidden: [{ units: 4 }], init: { readoutGain: 0 } },
      rules: [{ rule: 'bp' }],
      seeds: [0],
      epochs: 1,
      batchSize: 8,
    };
    expect(ExperimentSpec.safeParse({ ...base, optimizer: { layerRates: [0, 1] } }).success).toBe(true);
    const negative = ExperimentSpec.safeParse({ ...base, optimizer: { layerRates: [-1, 1] } });
    expect(negative.success).toBe(false);
    expect(negative.error?.issues[0]?.message).toContain('0 (frozen) or more');
  });
});

describe('initial state', () => {
  it('gives every rule the same initial weights under one seed, and other weights under another', () => {
    const w = (rule: 'bp' | 'ebd' | 'fa', seed: number) =>
      new Model(tinyConfig({ rule }), seed).initialState
        .filter((e) => /^w\d$/.test(e.name))
        .map((e) => Array.from(e.values));
    expect(w('ebd', 9)).toEqual(w('bp', 9));
    expect(w('fa', 9)).toEqual(w('bp', 9));
    expect(w('bp', 10)).not.toEqual(w('bp', 9));
  });

  it('starts EBD’s correlation at DFA’s broadcast matrix, and masks the sparse weights', () => {
    const ebd = new Model(tinyConfig({ rule: 'ebd' }), 4);
    const dfa = new Model(tinyConfig({ rule: 'dfa' }), 4);
    const value = (m: Model, name: string) => Array.from(m.initialState.find((e) => e.name === name)!.values);
    expect(value(ebd, 'rule.correlation1')).toEqual(value(dfa, 'rule.broadcast1'));
    const sparse = new Model(tinyConfig({ weightSparsity: 0.5 }), 4);
    const mask = value(sparse, 'mask1');
    const weights = value(sparse, 'w1');
    expect(mask.filter((m) => m === 0).length).toBeGreaterThan(5);
    mask.forEach((m, i) => m === 0 && expect(Math.abs(weights[i]!)).toBe(0));
    expect(sparse.initialState.find((e) => e.name === 'mask1')).toMatchObject({ learned: false, saved: false });
  });
});
