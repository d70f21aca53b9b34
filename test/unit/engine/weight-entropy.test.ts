import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../../src-main/common/random';
import { EagerRunner } from '../../../src-main/engine/eager/runner';
import { Model } from '../../../src-main/engine/model';
import { OnnxRunner } from '../../../src-main/engine/onnx/runner';
import { NO_REGULARIZERS } from '../../../src-main/engine/regularizers/config';
import { weightEntropyGradient } from '../../../src-main/engine/regularizers/weight-entropy';
import { computeUpdate } from '../../../src-main/engine/step';
import { imageBatch, imageConfig, SMALL_NETS, type ImageNet } from '../../support/conv-fixtures';
import { useCpuBackend } from '../../support/engine-fixtures';
import { EXECUTORS, relativeError, stateInputs, stepInputs, trainChunk } from '../../support/executors';

/*
 * The conv and locally connected layers' weight entropy ½ log det(WᵀW + εI) (weight-entropy.ts): its gradient against
 * central differences of the log-determinant in float64, its place in the step's update, and compiled against eager
 * training with it on.
 */

beforeAll(useCpuBackend);

/** ½ log det(WᵀW + εI) of one patch × channels matrix, by Cholesky in float64. */
function halfLogDet(w: Float64Array, rows: number, cols: number, epsilon: number): number {
  const g = new Float64Array(cols * cols);
  for (let i = 0; i < cols; i++)
    for (let j = 0; j < cols; j++) {
      let s = i === j ? epsilon : 0;
      for (let r = 0; r < rows; r++) s += w[r * cols + i]! * w[r * cols + j]!;
      g[i * cols + j] = s;
    }
  let logDet = 0;
  const l = new Float64Array(cols * cols);
  for (let i = 0; i < cols; i++)
    for (let j = 0; j <= i; j++) {
      let s = g[i * cols + j]!;
      for (let m = 0; m < j; m++) s -= l[i * cols + m]! * l[j * cols + m]!;
      if (i === j) {
        l[i * cols + i] = Math.sqrt(s);
        logDet += Math.log(s);
      } else l[i * cols + j] = s / l[j * cols + j]!;
    }
  return logDet / 2;
}

/** The term summed over positions (one matrix for conv), and its gradient by central differences. */
function numericGradient(w: Float64Array, positions: number, rows: number, cols: number, epsilon: number) {
  const value = (v: Float64Array) => {
    let sum = 0;
    for (let p = 0; p < positions; p++)
      sum += halfLogDet(v.subarray(p * rows * cols, (p + 1) * rows * cols), rows, cols, epsilon);
    return sum;
  };
  const grad = new Float64Array(w.length);
  const h = 1e-6;
  for (let i = 0; i < w.length; i++) {
    const plus = Float64Array.from(w);
    const minus = Float64Array.from(w);
    plus[i]! += h;
    minus[i]! -= h;
    grad[i] = (value(plus) - value(minus)) / (2 * h);
  }
  return grad;
}

describe('the weight entropy’s gradient', () => {
  // A conv kernel (patch 6 × 3 channels) and a locally connected layer's 4 positions of the same.
  const cases = [
    { name: 'conv', shape: [6, 3], positions: 1 },
    { name: 'locally connected', shape: [4, 6, 3], positions: 4 },
  ];
  for (const executor of EXECUTORS)
    it.each(cases)(`equals central differences of ½ log det(WᵀW + εI), $name (${executor.name})`, async (c) => {
      const size = c.shape.reduce((a, b) => a * b, 1);
      const w = new Rng(3).fillNormal(new Float32Array(size), 0.5);
      const epsilon = 0.05;
      const out = await executor.run({ w: { values: w, shape: c.shape } }, (ops, t) => ({
        g: weightEntropyGradient(ops, t.w!, epsilon),
      }));
      const expected = numericGradient(Float64Array.from(w), c.positions, 6, 3, epsilon);
      expect(relativeError(out.g!, expected)).toBeLessThan(1e-4);
    });
});

const entropyOn = {
  ...NO_REGULARIZERS,
  entropy: { coefficient: 0.3, lambda: 0.99, epsilon: 0.1, weightEpsilon: 0.02 },
};

describe('the weight entropy in the step', () => {
  it.each(['CNN', 'LC'] as const)(
    'subtracts coefficient × W(WᵀW + εI)⁻¹ from each %s layer’s update and leaves the readout alone',
    async (name) => {
      const net: ImageNet = SMALL_NETS[name];
      const on = new Model({ ...imageConfig(net, { rule: 'dfa' }), regularizers: entropyOn }, 5);
      const off = new Model({ ...imageConfig(net, { rule: 'dfa' }), regularizers: NO_REGULARIZERS }, 5);
      const batch = imageBatch(net, 4, 8);
      const inputs = { ...stateInputs(on), ...stepInputs(on, batch) };
      const out = await EXECUTORS[1]!.run(inputs, (ops, t) => {
        const withTerm = computeUpdate(ops, on, t, t, false).grads;
        const without = computeUpdate(ops, off, t, t, false).grads;
        const named: Record<string, (typeof t)['x']> = {};
        for (const layer of on.layers) {
          named[`on${layer.index}`] = withTerm[layer.weight.name]!.value();
          named[`off${layer.index}`] = without[layer.weight.name]!.value();
          named[`term${layer.index}`] = weightEntropyGradient(ops, t[layer.weight.name]!, 0.02);
        }
        return named;
      });
      for (const layer of on.layers) {
        const k = layer.index;
        const difference = out[`on${k}`]!.map((v, i) => v - out[`off${k}`]![i]!);
        if (layer.kind === 'dense') {
          expect(
            Array.from(difference).every((d) => d === 0),
            `readout ${k}`,
          ).toBe(true);
          continue;
        }
        const expected = out[`term${k}`]!.map((v) => -0.3 * v);
        expect(relativeError(difference, expected), `layer ${k}`).toBeLessThan(1e-5);
      }
    },
  );

  it.each(['CNN', 'LC'] as const)('trains the same compiled and eager with it on, %s', async (name) => {
    const net = SMALL_NETS[name];
    const model = new Model(
      { ...imageConfig(net, { rule: 'ebd', params: { lambda: 0.9, initScale: 1 } }), regularizers: entropyOn },
      5,
    );
    const batches = Array.from({ length: 5 }, (_, t) => imageBatch(net, 4, 40 + t));
    const eager = await trainChunk(
      new EagerRunner(model, 4, { backend: 'cpu', device: 'js', threads: null, versions: {} }),
      model,
      batches,
    );
    const onnx = await trainChunk(
      await OnnxRunner.create(model, { backend: 'onnx-cpu', threads: 1, batchSize: 4 }),
      model,
      batches,
    );
    expect(relativeError(onnx.loss, eager.loss)).toBeLessThan(1e-4);
    for (const layer of model.layers) {
      const [mine, reference] = [onnx.state.get(layer.weight.name)!.values, eager.state.get(layer.weight.name)!.values];
      expect(relativeError(mine, reference), layer.weight.name).toBeLessThan(1e-4);
    }
  });
});
