import { describe, expect, it } from 'vitest';
import { NetworkShapeError } from '../../shared/network/geometry';
import { networkSummary, trySummary, type ArmInfo } from '../../shared/network/summary';
import { withDefaults, type RuleParamValues } from '../../shared/rules/catalogue';
import type { LayerSpec, RuleName } from '../../shared/schemas/experiment';
import { estimateRunMemory, STATE_COPIES } from '../../src-main/engine/memory-estimate';
import { decorrelationDefaults, tinyConfig } from '../support/engine-fixtures';

const FASHION = [28, 28, 1];
const convNet: LayerSpec[] = [
  { kind: 'conv', channels: 4, kernel: 3, stride: 1, padding: 1, activation: 'relu', pool: { kind: 'avg', size: 2 } },
  { kind: 'local', channels: 2, kernel: 5, stride: 1, padding: 0, activation: 'tanh' },
  { units: 32, activation: 'relu' },
];
const arm = (rule: RuleName, params: RuleParamValues = {}, label?: string): ArmInfo => ({
  rule,
  params: withDefaults(rule, params),
  ...(label ? { label } : {}),
});

describe("the designer's network summary", () => {
  it('gives every layer its input, output, pooled output and parameters on a 28×28×1 image', () => {
    const summary = networkSummary(FASHION, 10, { hidden: convNet }, [arm('bp')]);
    expect(
      summary.layers.map(({ label, input, output, pool, pooled, units, params }) => ({
        label,
        input,
        output,
        pool,
        pooled,
        units,
        params,
      })),
    ).toEqual([
      // 3·3·1·4 weights + 4 biases; 28×28 kept by padding 1, halved by the 2×2 pool.
      {
        label: 'conv(4,3,1,1)+avgpool2',
        input: '28×28×1',
        output: '28×28×4',
        pool: 'avgpool2',
        pooled: '14×14×4',
        units: 3136,
        params: 40,
      },
      // Unshared 5·5·4 × 2 weights at each of 10×10 positions, a bias per position and channel.
      {
        label: 'local(2,5,1,0)',
        input: '14×14×4',
        output: '10×10×2',
        pool: null,
        pooled: null,
        units: 200,
        params: 100 * 100 * 2 + 200,
      },
      { label: '32', input: '10×10×2', output: '32', pool: null, pooled: null, units: 32, params: 200 * 32 + 32 },
      { label: 'readout', input: '32', output: '10', pool: null, pooled: null, units: 10, params: 330 },
    ]);
    expect(summary.params).toBe(40 + 20_200 + 6432 + 330);
    // BP has no broadcast matrix.
    expect(summary.broadcastBytes).toBe(0);
    // A dense layer takes an image flattened, and says which image.
    const mlp = networkSummary(FASHION, 10, { hidden: [{ units: 8, activation: 'relu' }] }, []);
    expect(mlp.layers.map((l) => [l.input, l.output, l.params])).toEqual([
      ['28×28×1', '8', 785 * 8],
      ['8', '10', 90],
    ]);
    // Without biases the counts lose exactly the bias terms.
    const bare = networkSummary(FASHION, 10, { hidden: convNet, biases: false }, []);
    expect(bare.layers.map((l) => l.params)).toEqual([36, 20_000, 6400, 320]);
  });

  it("sizes each arm's broadcast: outputs × units, ×2 with a start copy, SBD's expanded rows, equal sizes together", () => {
    const arms = [
      arm('dfa'),
      arm('ebd', {}, 'EBD large R₀'),
      arm('ebd', { freeze: true }),
      arm('dkp'),
      arm('sbd', { expansion: 'outer_probs' }),
      arm('sbd', { expansion: 'second_order' }),
      arm('fa'),
      arm('bp'),
    ];
    const [first, , dense, readout] = networkSummary(FASHION, 10, { hidden: convNet }, arms).layers;
    expect(first!.broadcast).toEqual([
      { arms: ['DFA', 'EBD'], rows: 10, units: 3136, output: '28×28×4', copies: 1, values: 31_360, bytes: 125_440 },
      {
        arms: ['EBD large R₀', 'DKP'],
        rows: 10,
        units: 3136,
        output: '28×28×4',
        copies: 2,
        values: 62_720,
        bytes: 250_880,
      },
      // C + C² and C + C(C+1)/2 rows.
      {
        arms: ['SBD'],
        rows: 110,
        units: 3136,
        output: '28×28×4',
        copies: 2,
        values: 2 * 110 * 3136,
        bytes: 8 * 110 * 3136,
      },
      {
        arms: ['SBD'],
        rows: 65,
        units: 3136,
        output: '28×28×4',
        copies: 2,
        values: 2 * 65 * 3136,
        bytes: 8 * 65 * 3136,
      },
    ]);
    expect(dense!.broadcast.map((b) => b.values)).toEqual([320, 640, 2 * 110 * 32, 2 * 65 * 32]);
    expect(readout!.broadcast).toEqual([]);
  });

  it("counts the same broadcast values as the engine's memory estimate for every broadcast rule", () => {
    const cases: [RuleName, RuleParamValues][] = [
      ['bp', {}],
      ['dfa', {}],
      ['drtp', {}],
      ['dkp', {}],
      ['ebd', decorrelationDefaults],
      ['ebd', { ...decorrelationDefaults, freeze: true }],
      ['sbd', { ...decorrelationDefaults, expansion: 'outer_probs' }],
      ['sbd', { ...decorrelationDefaults, expansion: 'second_order' }],
    ];
    const hidden: LayerSpec[] = [
      {
        kind: 'conv',
        channels: 3,
        kernel: 3,
        stride: 1,
        padding: 1,
        activation: 'relu',
        pool: { kind: 'max', size: 2 },
      },
      { units: 7, activation: 'relu' },
    ];
    for (const [rule, params] of cases) {
      const base = tinyConfig({ rule, params, sizes: [72, 4] });
      const config = { ...base, network: { ...base.network, inputShape: [6, 6, 2], hidden } };
      const estimate = estimateRunMemory(config, { batchSize: 4, evalBatch: 8 });
      const ruleState = (layer: number) =>
        estimate.parts.filter((p) => p.layer === layer && p.kind === 'rule state').reduce((n, p) => n + p.bytes, 0) /
        4 /
        STATE_COPIES;
      const summary = networkSummary([6, 6, 2], 4, { hidden }, [{ rule, params: config.rule.params }]);
      for (const layer of summary.layers)
        expect(
          layer.broadcast.reduce((n, b) => n + b.values, 0),
          `${rule} layer ${layer.index}`,
        ).toBe(ruleState(layer.index));
    }
  });

  it('names the layer that does not fit, and a patch layer on table data', () => {
    const tooBig: LayerSpec[] = [
      {
        kind: 'conv',
        channels: 8,
        kernel: 3,
        stride: 1,
        padding: 0,
        activation: 'relu',
        pool: { kind: 'max', size: 6 },
      },
      { kind: 'conv', channels: 8, kernel: 5, stride: 1, padding: 0, activation: 'relu' },
    ];
    const result = trySummary(FASHION, 10, { hidden: tooBig }, []);
    expect(result.error).toBeInstanceOf(NetworkShapeError);
    expect(result.error?.layer).toBe(2);
    expect(result.error?.message).toBe('layer 2: a 5×5 kernel with padding 0 does not fit its 4×4×8 input');
    // The layer before the misfit keeps its shapes.
    expect(result.fitting.map((l) => [l.output, l.pool, l.pooled])).toEqual([['26×26×8', 'maxpool6', '4×4×8']]);
    const table = trySummary([2], 2, { hidden: [tooBig[1]!] }, []);
    expect(table.error?.layer).toBe(1);
    expect(table.error?.message).toMatch(/^layer 1: a convolutional layer needs an image input .*\[2\]/);
    expect(table.fitting).toEqual([]);
  });
});
