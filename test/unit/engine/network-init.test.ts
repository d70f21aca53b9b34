import { beforeAll, describe, expect, it } from 'vitest';
import { ExperimentSpec } from '../../../shared/schemas/experiment';
import { Network, type NetworkConfig } from '../../../src-main/engine/network';
import { Rng } from '../../../src-main/common/random';
import { useCpuBackend } from '../../support/engine-fixtures';

beforeAll(useCpuBackend);

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

function weights(net: Network): Float32Array[] {
  return [1, 2, 3].map((k) => net.weightT(k).dataSync() as Float32Array);
}

describe('readout initialisation', () => {
  it('a readout gain of 0 starts the readout at zero and leaves every hidden layer as it was', () => {
    const plain = new Network(config(), new Rng(7));
    const zeroed = new Network(config(0), new Rng(7));
    const [p1, p2, p3] = weights(plain);
    const [z1, z2, z3] = weights(zeroed);
    expect(z1).toEqual(p1);
    expect(z2).toEqual(p2);
    expect(p3!.some((w) => w !== 0)).toBe(true);
    expect(z3!.every((w) => w === 0)).toBe(true);
  });

  it('a readout gain scales only the readout: gain 2·g doubles it', () => {
    const plain = new Network(config(), new Rng(3));
    const doubled = new Network(config(2 * Math.SQRT2), new Rng(3));
    const p3 = weights(plain)[2]!;
    const d3 = weights(doubled)[2]!;
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
