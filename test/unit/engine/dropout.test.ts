import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LayerSpec } from '../../../shared/schemas/experiment';
import { ExperimentSpec } from '../../../shared/schemas/experiment';
import { tfOps } from '../../../src-main/engine/eager/tf-ops';
import { computeLoss } from '../../../src-main/engine/losses';
import { Model, type ModelConfig } from '../../../src-main/engine/model';
import { computeUpdate, evaluationStep, forward } from '../../../src-main/engine/step';
import { EXECUTORS, stateInputs, stepInputs } from '../../support/executors';
import { maxRelativeError, randomBatch, tinyConfig, useCpuBackend } from '../../support/engine-fixtures';

beforeAll(useCpuBackend);

/** conv + max pool, then a dense layer with dropout on its pooled input, then the readout with dropout too. */
const HIDDEN: LayerSpec[] = [
  { kind: 'conv', channels: 3, kernel: 3, stride: 1, padding: 1, activation: 'tanh', pool: { kind: 'max', size: 2 } },
  { units: 6, activation: 'tanh', dropout: 0.3 },
];

function model(dropout = true, seed = 5): Model {
  const base = tinyConfig({ rule: 'bp', loss: 'cross_entropy' });
  const hidden = dropout ? HIDDEN : HIDDEN.map((l) => ({ ...l, dropout: undefined }));
  const config: ModelConfig = {
    ...base,
    network: { ...base.network, inputSize: 4 * 4 * 2, inputShape: [4, 4, 2], hidden, outputSize: 3 },
  };
  return new Model(config, seed);
}

describe('dropout of a layer’s input', () => {
  it('draws masks from the seed per step: 0 with probability p, else 1/(1 − p), the same for any chunking', () => {
    const m = model();
    expect(m.dropoutLayers).toEqual([{ index: 2, p: 0.3, units: 2 * 2 * 3 }]);
    const mask = m.stepScalars(7, 0, 500)['dropout2']!;
    expect(mask).toHaveLength(500 * 12);
    const dropped = Array.from(mask).filter((v) => v === 0).length / mask.length;
    expect(dropped).toBeGreaterThan(0.27);
    expect(dropped).toBeLessThan(0.33);
    expect(new Set(Array.from(mask).filter((v) => v !== 0))).toEqual(new Set([Math.fround(1 / 0.7)]));
    expect(Array.from(m.stepScalars(7, 0, 500)['dropout2']!)).toEqual(Array.from(mask));
    expect(Array.from(model(true).stepScalars(8, 0, 500)['dropout2']!)).not.toEqual(Array.from(mask));
    expect(Array.from(model(true, 6).stepScalars(7, 0, 500)['dropout2']!)).not.toEqual(Array.from(mask));
    // Staged K steps at a time, step i's mask is what it is alone.
    const stacked = m.stackedScalars(5, 4, 0, 500)['dropout2']!;
    expect(Array.from(stacked.subarray(2 * 6000, 3 * 6000))).toEqual(Array.from(mask));
    expect(() => m.stepScalars(7, 0)).toThrow(/dropout draws its masks for a known batch size/);
  });

  it('is refused above 0.95 and below 0, by the schema, naming the field', () => {
    const parse = (dropout: number) =>
      ExperimentSpec.safeParse({
        name: 'x',
        dataset: { name: 'fashion-mnist' },
        network: { hidden: [{ units: 4, dropout }] },
        rules: [{ rule: 'bp' }],
        seeds: [0],
        epochs: 1,
        batchSize: 8,
      });
    expect(parse(0.5).success).toBe(true);
    const issues = [parse(0.99), parse(-0.1)].map((r) => r.error?.issues[0]?.path.join('.'));
    expect(issues).toEqual(['network.hidden.0.dropout', 'network.hidden.0.dropout']);
  });

  it.each(EXECUTORS.map((e) => [e.name, e] as const))(
    'BP through the dropped inputs equals autodiff of the masked network’s loss (%s)',
    async (_name, executor) => {
      const m = model();
      const batch = randomBatch(5, 32, 3, 9, 'cross_entropy');
      const inputs = { ...stateInputs(m), ...stepInputs(m, batch) };
      const mine = await executor.run(inputs, (ops, t) => {
        const update = computeUpdate(ops, m, t, t, false);
        return Object.fromEntries(m.params().map((p) => [p.name, update.grads[p.name]!.value()]));
      });
      const reference = tf.tidy(() => {
        const t = Object.fromEntries(
          Object.entries(inputs).map(([n, v]) => [
            n,
            tf.variable(tf.tensor(Float32Array.from(v.values), [...v.shape])),
          ]),
        );
        const layers = m.stepLayers(t);
        const names = m.params().map((p) => p.name);
        const { grads } = tf.variableGrads(
          () => {
            const z = forward(tfOps, m, t, t['x']!, layers).h[m.depth]!;
            return computeLoss(tfOps, 'cross_entropy', z, t['target']!).loss as tf.Scalar;
          },
          names.map((n) => t[n] as tf.Variable),
        );
        const out = Object.fromEntries(
          names.map((n) => [n, grads[(t[n] as tf.Variable).name]!.dataSync() as Float32Array]),
        );
        Object.values(t).forEach((v) => v.dispose());
        return out;
      });
      for (const p of m.params())
        expect(maxRelativeError(mine[p.name]!, reference[p.name]!), p.name).toBeLessThan(1e-5);
      // The mask matters: without it the dense layer's gradient differs.
      const plain = await executor.run(
        { ...stateInputs(model(false)), ...stepInputs(model(false), batch) },
        (ops, t) => ({
          w2: computeUpdate(ops, model(false), t, t, false).grads['w2']!.value(),
        }),
      );
      expect(maxRelativeError(mine['w2']!, plain['w2']!)).toBeGreaterThan(0.05);
    },
  );

  it('leaves evaluation alone: the network with dropout evaluates as the same weights without it', async () => {
    const withDropout = model();
    const without = model(false);
    const batch = randomBatch(6, 32, 3, 4, 'cross_entropy');
    const evaluate = (m: Model) =>
      tf.tidy(() => {
        const state = Object.fromEntries(m.initialState.map((e) => [e.name, tf.tensor(e.values, [...e.shape])]));
        const out = evaluationStep(tfOps, m, state, tf.tensor2d(batch.x, [6, 32]), tf.tensor2d(batch.y, [6, 3]));
        return Array.from(out.loss.dataSync());
      });
    expect(evaluate(withDropout)).toEqual(evaluate(without));
  });
});
