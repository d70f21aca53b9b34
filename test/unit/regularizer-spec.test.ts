import { describe, expect, it } from 'vitest';
import { ExperimentSpec } from '../../shared/schemas/experiment';

const spec = (regularizers: unknown, armRegularizers?: unknown) => ({
  name: 'r',
  dataset: { name: 'gaussian-mixture' },
  network: { hidden: [{ units: 8 }, { units: 4 }] },
  rules: [{ rule: 'ebd', ...(armRegularizers ? { regularizers: armRegularizers } : {}) }],
  regularizers,
  seeds: [1],
  epochs: 1,
  batchSize: 16,
});

describe('per-layer regulariser multipliers', () => {
  it('default to none (every layer at the coefficient) and accept one per layer, weight decay one per weight layer', () => {
    expect(ExperimentSpec.parse(spec({})).regularizers.layerScales).toEqual({
      power: [],
      activationL1: [],
      entropy: [],
      weightDecay: [],
      forwardBroadcast: [],
    });
    const parsed = ExperimentSpec.parse(
      spec({ layerScales: { power: [1, 0], entropy: [0.5], weightDecay: [0, 0, 1], forwardBroadcast: [2, 1] } }),
    );
    expect(parsed.regularizers.layerScales).toMatchObject({
      power: [1, 0],
      entropy: [0.5],
      weightDecay: [0, 0, 1],
      forwardBroadcast: [2, 1],
    });
  });

  it('refuse more multipliers than layers, naming the term, in the experiment and in an arm', () => {
    const wide = ExperimentSpec.safeParse(spec({ layerScales: { power: [1, 1, 1], weightDecay: [1, 1, 1, 1] } }));
    expect(wide.success).toBe(false);
    expect(wide.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['regularizers.layerScales.power', '3 layer multipliers for 2 hidden layer(s)'],
      ['regularizers.layerScales.weightDecay', '4 layer multipliers for 3 weight layer(s)'],
    ]);
    const arm = ExperimentSpec.safeParse(spec({}, { layerScales: { activationL1: [1, 2, 3] } }));
    expect(arm.error?.issues.map((i) => i.path.join('.'))).toEqual(['rules.0.regularizers.layerScales.activationL1']);
  });

  it('refuse a negative multiplier with a message in words', () => {
    const negative = ExperimentSpec.safeParse(spec({ layerScales: { entropy: [-1] } }));
    expect(negative.error?.issues[0]?.message).toBe('a layer multiplier must be 0 (off) or more');
  });
});
