import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { InputPool } from '../../../shared/network/geometry';
import { Rng } from '../../../src-main/common/random';
import { tfOps } from '../../../src-main/engine/eager/tf-ops';
import { poolForward } from '../../../src-main/engine/layers/pool';
import { computeLoss } from '../../../src-main/engine/losses';
import type { Model } from '../../../src-main/engine/model';
import { computeUpdate, forward } from '../../../src-main/engine/step';
import {
  imageBatch,
  imageModel,
  inputUnits,
  naiveLayers,
  naiveParams,
  stateWithBiases,
  type ImageNet,
} from '../../support/conv-fixtures';
import { maxRelativeError, useCpuBackend } from '../../support/engine-fixtures';
import { EXECUTORS, relativeError, stepInputs, type TestBatch, type TestInput } from '../../support/executors';
import {
  maxPoolMargin,
  naiveForward,
  naiveLayerForward,
  naiveLoss,
  naivePool,
  norm,
  type NaiveParams,
  type Shape,
} from '../../support/naive-conv';

/*
 * Conv, locally connected and pooling layers (issue #11) against computations that do not share the engine's code:
 * TF.js's own conv2d / avgPool / maxPool kernels, and the float64 loops of test/support/naive-conv.ts; their
 * gradients under BP against central finite differences of the loop reference's loss in float64 (eps 1e-6, so
 * neither float32 cancellation nor truncation limits the check), on both executors.
 */

beforeAll(useCpuBackend);

const random = (count: number, seed: number, std = 1) => new Rng(seed).fillNormal(new Float32Array(count), std);

/** One patch layer applied to random images: the engine's layer k = 1 of a network with it as the first layer. */
interface PatchCase {
  label: string;
  input: Shape;
  kernel: number;
  stride: number;
  padding: number;
  channels: number;
  biases: boolean;
}

const PATCH_CASES: PatchCase[] = [
  {
    label: '3×3, stride 1, padding 1',
    input: { height: 6, width: 6, channels: 2 },
    kernel: 3,
    stride: 1,
    padding: 1,
    channels: 3,
    biases: true,
  },
  {
    label: '3×3, stride 2, padding 1, odd size',
    input: { height: 7, width: 7, channels: 3 },
    kernel: 3,
    stride: 2,
    padding: 1,
    channels: 4,
    biases: true,
  },
  {
    label: '2×2, stride 2, no padding, no bias',
    input: { height: 8, width: 8, channels: 2 },
    kernel: 2,
    stride: 2,
    padding: 0,
    channels: 4,
    biases: false,
  },
  {
    label: '3×3, stride 2, padding 2, non-square',
    input: { height: 5, width: 6, channels: 4 },
    kernel: 3,
    stride: 2,
    padding: 2,
    channels: 2,
    biases: true,
  },
];

const patchNet = (c: PatchCase, kind: 'conv' | 'local'): ImageNet => ({
  input: c.input,
  hidden: [
    { kind, channels: c.channels, kernel: c.kernel, stride: c.stride, padding: c.padding, activation: 'linear' },
  ],
  classes: 2,
  biases: c.biases,
});

/** The engine's pre-activation of layer 1 for images x, on an executor. */
async function layerOutput(
  executor: (typeof EXECUTORS)[number],
  model: Model,
  w: Float32Array,
  b: Float32Array | null,
  x: TestBatch['x'],
  rows: number,
) {
  const layer = model.layers[0]!;
  const inputs: Record<string, TestInput> = {
    x: { values: x, shape: [rows, layer.inputUnits] },
    w: { values: w, shape: layer.weight.shape },
  };
  if (b) inputs.b = { values: b, shape: layer.bias!.shape };
  const out = await executor.run(inputs, (ops, t) => ({
    u: layer.forward(ops, { weight: t.w!, bias: t.b ?? null }, t.x!),
  }));
  return out.u!;
}

describe.each(EXECUTORS)('patch layers’ forward on the $name executor', (executor) => {
  const rows = 3;

  it.each(PATCH_CASES)('conv equals tf.conv2d (explicit zero padding, NHWC) and a loop ($label)', async (c) => {
    const net = patchNet(c, 'conv');
    const model = imageModel(net);
    const layer = model.layers[0]!;
    const w = random(
      layer.weight.shape.reduce((a, b) => a * b, 1),
      1,
    );
    const b = c.biases ? random(c.channels, 2) : null;
    const x = random(rows * inputUnits(net), 3);
    const mine = await layerOutput(executor, model, w, b, x, rows);
    const { height, width, channels } = c.input;
    const reference = tf.tidy(() => {
      const images = tf.pad(tf.tensor4d(x, [rows, height, width, channels]), [
        [0, 0],
        [c.padding, c.padding],
        [c.padding, c.padding],
        [0, 0],
      ]) as tf.Tensor4D;
      // The stored [k·k·C_in, C_out] with patch entries in (ki, kj, c) order is TF's [k, k, C_in, C_out] filter.
      const filter = tf.tensor4d(w, [c.kernel, c.kernel, channels, c.channels]);
      const u = tf.conv2d(images, filter, c.stride, 'valid');
      return (b ? tf.add(u, tf.tensor1d(b)) : u).dataSync();
    });
    expect(mine.length).toBe(reference.length);
    expect(maxRelativeError(mine, reference)).toBeLessThan(1e-5);
    const [naive] = naiveLayers(net);
    const loop = naiveLayerForward(naive!, Float64Array.from(w), b && Float64Array.from(b), Float64Array.from(x), rows);
    expect(maxRelativeError(mine, loop)).toBeLessThan(1e-5);
  });

  it.each(PATCH_CASES)('local equals a loop with its own weights per position ($label)', async (c) => {
    const net = patchNet(c, 'local');
    const model = imageModel(net);
    const layer = model.layers[0]!;
    const w = random(
      layer.weight.shape.reduce((a, b) => a * b, 1),
      4,
    );
    const b = c.biases ? random(layer.bias!.shape[0]!, 5) : null;
    const x = random(rows * inputUnits(net), 6);
    const mine = await layerOutput(executor, model, w, b, x, rows);
    const [naive] = naiveLayers(net);
    const loop = naiveLayerForward(naive!, Float64Array.from(w), b && Float64Array.from(b), Float64Array.from(x), rows);
    expect(maxRelativeError(mine, loop)).toBeLessThan(1e-5);
    // A local layer whose every position holds the same kernel is that conv layer: tf.conv2d again, independently.
    const [positions, patch] = layer.weight.shape as [number, number, number];
    const kernel = random(patch * c.channels, 7);
    const tiled = new Float32Array(positions * patch * c.channels);
    for (let p = 0; p < positions; p++) tiled.set(kernel, p * kernel.length);
    const asLocal = await layerOutput(executor, model, tiled, null, x, rows);
    const asConv = tf.tidy(() => {
      const { height, width, channels } = c.input;
      const pad = c.padding;
      const images = tf.pad(tf.tensor4d(x, [rows, height, width, channels]), [
        [0, 0],
        [pad, pad],
        [pad, pad],
        [0, 0],
      ]);
      const filter = tf.tensor4d(kernel, [c.kernel, c.kernel, channels, c.channels]);
      return tf.conv2d(images as tf.Tensor4D, filter, c.stride, 'valid').dataSync();
    });
    expect(maxRelativeError(asLocal, asConv)).toBeLessThan(1e-5);
  });

  const POOLS: { label: string; from: Shape; size: number }[] = [
    { label: '6×6×2, window 2', from: { height: 6, width: 6, channels: 2 }, size: 2 },
    {
      label: '7×5×3, window 2: a remainder row and column cropped',
      from: { height: 7, width: 5, channels: 3 },
      size: 2,
    },
    {
      label: '8×8×1, window 3: two remainder rows and columns cropped',
      from: { height: 8, width: 8, channels: 1 },
      size: 3,
    },
  ];
  it.each(POOLS.flatMap((p) => (['avg', 'max'] as const).map((kind) => ({ ...p, kind }))))(
    '$kind pooling equals TF.js’s pooling with valid windows and a loop ($label)',
    async ({ from, size, kind }) => {
      const to = {
        height: Math.floor(from.height / size),
        width: Math.floor(from.width / size),
        channels: from.channels,
      };
      const pool: InputPool = { kind, size, from, to };
      const units = from.height * from.width * from.channels;
      const x = random(rows * units, 8);
      const out = await executor.run({ x: { values: x, shape: [rows, units] } }, (ops, t) => ({
        y: poolForward(ops, pool, t.x!),
      }));
      const reference = tf.tidy(() => {
        const images = tf.tensor4d(x, [rows, from.height, from.width, from.channels]);
        const pooled =
          kind === 'avg' ? tf.avgPool(images, size, size, 'valid') : tf.maxPool(images, size, size, 'valid');
        return pooled.dataSync();
      });
      expect(out.y!.length).toBe(rows * to.height * to.width * to.channels);
      expect(maxRelativeError(out.y!, reference)).toBeLessThan(1e-6);
      expect(maxRelativeError(out.y!, naivePool(pool, Float64Array.from(x), rows))).toBeLessThan(1e-6);
    },
  );
});

/** Networks for the gradient checks: every layer kind and pool, strides, padding, a cropped pool, no bias. */
const NETWORKS: Record<string, ImageNet> = {
  'conv+max → local+avg → dense': {
    input: { height: 6, width: 6, channels: 2 },
    hidden: [
      {
        kind: 'conv',
        channels: 3,
        kernel: 3,
        stride: 1,
        padding: 1,
        activation: 'tanh',
        pool: { kind: 'max', size: 2 },
      },
      {
        kind: 'local',
        channels: 2,
        kernel: 2,
        stride: 1,
        padding: 0,
        activation: 'tanh',
        pool: { kind: 'avg', size: 2 },
      },
      { units: 5, activation: 'tanh' },
    ],
    classes: 3,
  },
  'strided conv, cropped avg pool, no bias': {
    input: { height: 7, width: 7, channels: 1 },
    hidden: [
      {
        kind: 'conv',
        channels: 4,
        kernel: 3,
        stride: 2,
        padding: 1,
        activation: 'tanh',
        pool: { kind: 'avg', size: 3 },
      },
    ],
    classes: 3,
    biases: false,
  },
  'local (stride 2, padding) + cropped max → conv → dense readout': {
    input: { height: 7, width: 6, channels: 2 },
    hidden: [
      {
        kind: 'local',
        channels: 3,
        kernel: 3,
        stride: 2,
        padding: 1,
        activation: 'tanh',
        pool: { kind: 'max', size: 2 },
      },
      { kind: 'conv', channels: 2, kernel: 1, stride: 1, padding: 0, activation: 'tanh' },
    ],
    classes: 3,
  },
};

/** The model's mean loss by the loop reference, float64. */
function naiveObjective(net: ImageNet, params: NaiveParams, batch: TestBatch): number {
  const pass = naiveForward(naiveLayers(net), params, Float64Array.from(batch.x), batch.rows);
  return naiveLoss('cross_entropy', pass.h[pass.h.length - 1]!, batch.y, batch.rows).loss;
}

/** Central differences of the loop reference's loss for every entry of one parameter. */
function finiteDifferences(net: ImageNet, params: NaiveParams, batch: TestBatch, name: string): Float64Array {
  const layer = Number(name.slice(1)) - 1;
  const target = name.startsWith('w') ? params.weights[layer]! : params.biases[layer]!;
  const eps = 1e-6;
  const out = new Float64Array(target.length);
  for (let i = 0; i < target.length; i++) {
    const saved = target[i]!;
    target[i] = saved + eps;
    const up = naiveObjective(net, params, batch);
    target[i] = saved - eps;
    const down = naiveObjective(net, params, batch);
    target[i] = saved;
    out[i] = (up - down) / (2 * eps);
  }
  return out;
}

/** tf autodiff of the engine's own forward pass (not independent of it: it checks backward against forward). */
function autodiff(model: Model, state: Record<string, TestInput>, batch: TestBatch): Record<string, Float32Array> {
  const names = model.params().map((p) => p.name);
  return tf.tidy(() => {
    const vars = Object.fromEntries(
      Object.entries(state).map(([n, e]) => [n, tf.variable(tf.tensor(Float32Array.from(e.values), [...e.shape]))]),
    );
    const x = tf.tensor2d(batch.x, [batch.rows, model.config.network.inputSize]);
    const y = tf.tensor2d(batch.y, [batch.rows, model.classes]);
    const { grads } = tf.variableGrads(
      () => computeLoss(tfOps, model.config.loss, forward(tfOps, model, vars, x).h[model.depth]!, y).loss as tf.Scalar,
      names.map((n) => vars[n]!),
    );
    const out = Object.fromEntries(names.map((n) => [n, grads[vars[n]!.name]!.dataSync() as Float32Array]));
    Object.values(vars).forEach((v) => v.dispose());
    return out;
  });
}

describe.each(EXECUTORS)('conv, local and pooling layers under BP on the $name executor', (executor) => {
  const setup = (name: string) => {
    const net = NETWORKS[name]!;
    const model = imageModel(net, { loss: 'cross_entropy' });
    const state = stateWithBiases(model);
    const batch = imageBatch(net, 4, 7);
    return { net, model, state, batch };
  };
  const engine = async (model: Model, state: Record<string, TestInput>, batch: TestBatch) =>
    executor.run({ ...state, ...stepInputs(model, batch) }, (ops, inputs) => {
      const update = computeUpdate(ops, model, inputs, inputs, false);
      const pass = forward(ops, model, inputs, inputs.x!);
      return {
        loss: update.loss,
        ...Object.fromEntries(pass.h.slice(1).map((h, i) => [`h${i + 1}`, h])),
        ...Object.fromEntries(model.params().map((p) => [p.name, update.grads[p.name]!.value()])),
      };
    });

  it.each(Object.keys(NETWORKS))('equal central finite differences of a float64 loop reference (%s)', async (name) => {
    const { net, model, state, batch } = setup(name);
    const params = naiveParams(model, state);
    const mine = await engine(model, state, batch);
    // The reference is the engine's network: every layer's output and the loss agree before any gradient is compared.
    const pass = naiveForward(naiveLayers(net), params, Float64Array.from(batch.x), batch.rows);
    for (let k = 1; k <= model.depth; k++)
      expect(relativeError(mine[`h${k}`]!, pass.h[k]!), `h${k}`).toBeLessThan(1e-5);
    expect(Math.abs(mine.loss![0]! - naiveObjective(net, params, batch))).toBeLessThan(1e-5);
    // Max pooling's gradient is a finite difference only away from ties: every window's top two values are apart.
    naiveLayers(net).forEach((layer, i) => {
      if (layer.pool?.kind === 'max') expect(maxPoolMargin(layer.pool, pass.h[i]!, batch.rows)).toBeGreaterThan(1e-3);
    });
    for (const { name: param } of model.params()) {
      const numeric = finiteDifferences(net, params, batch, param);
      expect(norm(numeric), `${param} is not trivially zero`).toBeGreaterThan(1e-3);
      expect(relativeError(mine[param]!, numeric), param).toBeLessThan(1e-4);
      expect(maxRelativeError(mine[param]!, numeric), param).toBeLessThan(1e-4);
    }
  });

  it.each(Object.keys(NETWORKS))('equal tf autodiff of the engine’s own forward pass (%s)', async (name) => {
    const { model, state, batch } = setup(name);
    const mine = await engine(model, state, batch);
    const reference = autodiff(model, state, batch);
    for (const p of model.params())
      expect(maxRelativeError(mine[p.name]!, reference[p.name]!), p.name).toBeLessThan(1e-5);
  });
});
