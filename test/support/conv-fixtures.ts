import type { LayerSpec } from '../../shared/schemas/experiment';
import { Rng } from '../../src-main/common/random';
import { Model, type ModelConfig } from '../../src-main/engine/model';
import { tinyConfig, type TinyOptions } from './engine-fixtures';
import { stateInputs, type TestBatch, type TestInput } from './executors';
import { naiveNetwork, type NaiveLayer, type NaiveParams, type Shape } from './naive-conv';

/*
 * The bridge between the engine's image networks and the loop reference of naive-conv.ts: the same network as an
 * engine Model and as the reference's layers, and the engine's state read as the reference's parameters. Only
 * data crosses it: the reference never calls engine code.
 */

export interface ImageNet {
  input: Shape;
  hidden: LayerSpec[];
  classes: number;
  /** false: no bias in any layer. */
  biases?: boolean;
}

/** A small CNN and a small locally connected net, each with a pooled first layer, for the rules' tests. */
export const SMALL_NETS: Record<'CNN' | 'LC', ImageNet> = {
  // conv + max pool → strided, padded conv → dense readout
  CNN: {
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
      { kind: 'conv', channels: 4, kernel: 2, stride: 2, padding: 1, activation: 'tanh' },
    ],
    classes: 3,
  },
  // local + avg pool → padded local → dense readout
  LC: {
    input: { height: 5, width: 5, channels: 2 },
    hidden: [
      {
        kind: 'local',
        channels: 2,
        kernel: 2,
        stride: 1,
        padding: 0,
        activation: 'tanh',
        pool: { kind: 'avg', size: 2 },
      },
      { kind: 'local', channels: 3, kernel: 2, stride: 1, padding: 1, activation: 'tanh' },
    ],
    classes: 3,
  },
};

export const inputUnits = (net: ImageNet) => net.input.height * net.input.width * net.input.channels;

export function imageConfig(net: ImageNet, options: TinyOptions = {}): ModelConfig {
  const base = tinyConfig(options);
  return {
    ...base,
    network: {
      ...base.network,
      inputSize: inputUnits(net),
      inputShape: [net.input.height, net.input.width, net.input.channels],
      hidden: net.hidden,
      outputSize: net.classes,
      biases: net.biases ?? true,
    },
  };
}

export function imageModel(net: ImageNet, options: TinyOptions = {}): Model {
  return new Model(imageConfig(net, options), options.seed ?? 5);
}

export function naiveLayers(net: ImageNet): NaiveLayer[] {
  return naiveNetwork(net.input, net.hidden, net.classes);
}

/**
 * The model's starting state as test inputs with every bias drawn non-zero (the engine starts them at 0, which
 * would hide a bias laid out wrongly).
 */
export function stateWithBiases(model: Model, seed = 17): Record<string, TestInput> {
  const state = stateInputs(model);
  const rng = new Rng(seed);
  for (const layer of model.layers) {
    if (!layer.bias) continue;
    const count = layer.bias.shape.reduce((a, b) => a * b, 1);
    state[layer.bias.name] = { values: rng.fillNormal(new Float32Array(count), 0.3), shape: layer.bias.shape };
  }
  return state;
}

/** The weights and biases of a state, as the reference takes them (float64, same layouts). */
export function naiveParams(model: Model, state: Record<string, TestInput>): NaiveParams {
  return {
    weights: model.layers.map((l) => Float64Array.from(state[l.weight.name]!.values)),
    biases: model.layers.map((l) => (l.bias ? Float64Array.from(state[l.bias.name]!.values) : null)),
  };
}

/** Random images N(0, 1) with one-hot labels. */
export function imageBatch(net: ImageNet, rows: number, seed = 11): TestBatch {
  const rng = new Rng(seed);
  const x = rng.fillNormal(new Float32Array(rows * inputUnits(net)), 1);
  const y = new Float32Array(rows * net.classes);
  for (let b = 0; b < rows; b++) y[b * net.classes + rng.int(net.classes)] = 1;
  return { rows, x, y };
}
