import { describe, expect, it } from 'vitest';
import { DynamicsSpec } from '../../../shared/schemas/experiment';
import { Model, type ModelConfig } from '../../../src-main/engine/model';
import {
  assertRunFits,
  estimateRunMemory,
  memoryLimit,
  STATE_COPIES,
  type MemoryKind,
} from '../../../src-main/engine/memory-estimate';
import { decorrelationDefaults, tinyConfig } from '../../support/engine-fixtures';

const STATE_KINDS: readonly MemoryKind[] = [
  'parameters',
  'sparsity masks',
  'optimiser moments',
  'rule state',
  'entropy inverse',
  'network dynamics',
];
const entropy = { coefficient: 1e-3, lambda: 0.9, epsilon: 0.1 };

describe('the memory estimate', () => {
  it('matches a count by hand for a small net', () => {
    // 5 → 7 → 6 → 3, EBD (R and R₀ per hidden layer, 3 rows), Adam (m, v), entropy on both hidden layers.
    const config = tinyConfig({
      rule: 'ebd',
      params: { ...decorrelationDefaults },
      optimizer: { kind: 'adam' },
      regularizers: { entropy },
    });
    const estimate = estimateRunMemory(config, { batchSize: 16, evalBatch: 50 });
    const perLayer = (layer: number) =>
      estimate.parts.filter((p) => p.layer === layer).reduce((n, p) => n + p.bytes, 0) / 4;
    // State × 3 copies: parameters, 2 Adam moments, rule state, entropy inverse; then activations
    // (4 × batch + 2 × eval batch) × units, and one weight gradient.
    const activations = (units: number) => (4 * 16 + 2 * 50) * units;
    expect(perLayer(1)).toBe(3 * 42 + 3 * 2 * 42 + 3 * 2 * 3 * 7 + 3 * 7 * 7 + activations(7) + 5 * 7);
    expect(perLayer(2)).toBe(3 * 48 + 3 * 2 * 48 + 3 * 2 * 3 * 6 + 3 * 6 * 6 + activations(6) + 7 * 6);
    expect(perLayer(3)).toBe(3 * 21 + 3 * 2 * 21 + activations(3) + 6 * 3);
    // Inputs of the largest call (500 steps: the cap), in JS and in the runtime: 2 × 500 × 16 × (5 + 3).
    expect(perLayer(0)).toBe(2 * 500 * 16 * (5 + 3));
    expect(estimate.bytes).toBe(4 * (1834 + 1674 + 699 + 128_000));
    expect(estimate.dominant.layer).toBe(0);
  });

  it("counts each rule's state as the model draws it", () => {
    const configs: ModelConfig[] = [
      ...(['bp', 'fa', 'dfa', 'drtp', 'dkp'] as const).map((rule) => tinyConfig({ rule, optimizer: { kind: 'sgd' } })),
      tinyConfig({ rule: 'ebd', params: { ...decorrelationDefaults, freeze: true }, weightSparsity: 0.3 }),
      tinyConfig({ rule: 'ebd', params: decorrelationDefaults, optimizer: { kind: 'momentum' } }),
      tinyConfig({
        rule: 'ebd',
        params: { ...decorrelationDefaults, gradientMomentum: 0.9, forwardBroadcastInput: 1 },
        regularizers: { entropy, layerScales: { entropy: [0, 1] } },
      }),
      tinyConfig({
        rule: 'sbd',
        params: { ...decorrelationDefaults, expansion: 'second_order' },
        loss: 'cross_entropy',
        regularizers: { entropy },
      }),
      corInfoMax(tinyConfig({ rule: 'ebd', params: decorrelationDefaults, activation: 'clipped_relu' })),
    ];
    for (const config of configs) {
      const drawn = new Model(config, 1).initialState.reduce((n, e) => n + e.values.length, 0);
      const estimate = estimateRunMemory(config, { batchSize: 16, evalBatch: 50 });
      const counted = estimate.parts.filter((p) => STATE_KINDS.includes(p.kind)).reduce((n, p) => n + p.bytes, 0);
      expect(counted / 4 / STATE_COPIES, config.rule.name).toBe(drawn);
    }
  });

  it('refuses a 200,000-wide layer, naming the layer, the size and the limit, without allocating it', () => {
    const wide = (regularizers: Partial<ModelConfig['regularizers']>) =>
      tinyConfig({ sizes: [784, 200_000, 10], rule: 'ebd', params: decorrelationDefaults, regularizers });
    const before = process.memoryUsage().arrayBuffers;
    // Its entropy inverse alone is 200,000² floats (160 GB), on any machine.
    const withEntropy = estimateRunMemory(wide({ entropy }), { batchSize: 32, evalBatch: 1000 });
    expect(() => assertRunFits(withEntropy, memoryLimit('onnx-cpu'))).toThrow(
      /needs about [\d.]+ GiB of memory, more than the [\d.]+ GiB it may use \(75% of [\d.]+ GiB, .*\); layer 1 takes [\d.]+ GiB, most of it its entropy inverse \(3 × 200000 × 200000 values\)\. Narrow layer 1 or turn the entropy regulariser off\./,
    );
    // Without it, 784 × 200,000 weights with Adam's moments are past wasm's 4 GiB address space.
    const plain = estimateRunMemory(wide({}), { batchSize: 32, evalBatch: 1000 });
    expect(() => assertRunFits(plain, memoryLimit('wasm'))).toThrow(
      /of 4\.0 GiB, wasm's 4 GiB address space\); layer 1 takes [\d.]+ GiB, most of it its optimiser moments/,
    );
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 * 1024 ** 2);
  });

  it('lets a run that fits through', () => {
    const config = tinyConfig({ sizes: [784, 256, 10], rule: 'ebd', params: decorrelationDefaults });
    expect(() =>
      assertRunFits(estimateRunMemory(config, { batchSize: 32, evalBatch: 1000 }), memoryLimit('onnx-cpu')),
    ).not.toThrow();
  });
});

/** The config as a CorInfoMax network (its lateral and predictor weights are state too). */
function corInfoMax(config: ModelConfig): ModelConfig {
  const dynamics = DynamicsSpec.parse({ kind: 'corinfomax' });
  return { ...config, network: { ...config.network, dynamics } };
}
