import * as tf from '@tensorflow/tfjs-core';
import { fusedUpdate } from './fused-optimizer';
import { hostMemory } from './host-memory';

export type Schedule =
  | { kind: 'constant' }
  /** Multiply the rate by `factor` every `every` epochs. */
  | { kind: 'step'; every: number; factor: number }
  /** Multiply the rate by `gamma` each epoch. */
  | { kind: 'exponential'; gamma: number };

export interface OptimizerConfig {
  kind: 'sgd' | 'momentum' | 'adam';
  learningRate: number;
  momentum: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** A multiplier of the rate per weight layer (1-based order), e.g. a slower readout; missing entries are 1. */
  layerRates: number[];
  schedule: Schedule;
}

export const DEFAULT_OPTIMIZER: OptimizerConfig = {
  kind: 'adam',
  learningRate: 1e-3,
  momentum: 0.9,
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-8,
  layerRates: [],
  schedule: { kind: 'constant' },
};

export function scheduledRate(config: OptimizerConfig, epoch: number): number {
  const s = config.schedule;
  switch (s.kind) {
    case 'constant':
      return config.learningRate;
    case 'step':
      return config.learningRate * Math.pow(s.factor, Math.floor(epoch / s.every));
    case 'exponential':
      return config.learningRate * Math.pow(s.gamma, epoch);
  }
}

/** One parameter the optimiser updates, with the weight layer it belongs to (for per-layer rates). */
export interface Param {
  variable: tf.Variable;
  layer: number;
}

/**
 * The scalars of one parameter's update at one step. Both implementations below compute from these, so the
 * schedule, per-layer rates and bias correction exist once.
 */
export type UpdateScalars =
  | { kind: 'sgd'; rate: number }
  | { kind: 'momentum'; rate: number; momentum: number }
  | {
      kind: 'adam';
      beta1: number;
      gain1: number;
      beta2: number;
      gain2: number;
      /** ε√c₂ and lr·√c₂/c₁: the bias-corrected update with two fewer full-size ops (see updateScalars). */
      epsilon: number;
      stepSize: number;
    };

/** A parameter with its optimiser state: the velocity or Adam's m, and Adam's v (null where the kind has none). */
export interface Slot extends Param {
  first: tf.Variable | null;
  second: tf.Variable | null;
}

/**
 * SGD, momentum and Adam over the engine's own variables, so that every rule's update goes through the same code
 * and the state can be checkpointed by name. Where tensors live in this process (wasm, cpu) the update is one fused
 * pass per parameter, reading the gradient and state once and writing the new values once; elsewhere (GPU) it is
 * a chain of tensor ops. The two give the same float32 results: the fused pass rounds after every operation as the
 * kernels do.
 */
export class Optimizer {
  private readonly slots: Slot[];
  private steps = 0;
  private readonly fused: boolean;

  /** options.fused = false keeps the tensor ops on every backend (the tests compare the two paths). */
  constructor(
    readonly config: OptimizerConfig,
    params: Param[],
    options: { fused?: boolean } = {},
  ) {
    this.fused = options.fused ?? true;
    const zeros = (p: Param) => tf.tidy(() => tf.variable(tf.zerosLike(p.variable), false));
    this.slots = params.map((p) => ({
      ...p,
      first: config.kind !== 'sgd' ? zeros(p) : null,
      second: config.kind === 'adam' ? zeros(p) : null,
    }));
  }

  /** Applies one update; grads are in the order of the params given at construction. Call inside tf.tidy. */
  apply(grads: tf.Tensor[], epoch: number): void {
    this.steps += 1;
    const base = scheduledRate(this.config, epoch);
    const memory = this.fused ? hostMemory() : null;
    this.slots.forEach((slot, i) => {
      const layerRate = this.config.layerRates[slot.layer - 1] ?? 1;
      // A frozen layer keeps its weights and its optimiser state exactly.
      if (layerRate === 0) return;
      const scalars = this.updateScalars(base * layerRate);
      if (memory) fusedUpdate(memory, scalars, slot, grads[i]!);
      else tensorUpdate(scalars, slot, grads[i]!);
    });
  }

  private updateScalars(rate: number): UpdateScalars {
    const { config } = this;
    switch (config.kind) {
      case 'sgd':
        return { kind: 'sgd', rate };
      case 'momentum':
        return { kind: 'momentum', rate, momentum: config.momentum };
      case 'adam': {
        // lr·(m/c₁)/(√(v/c₂)+ε) = (lr·√c₂/c₁)·m/(√v+ε√c₂): the same update with two fewer full-size ops, which
        // matters on wasm where the optimiser's element-wise work rivals the products.
        const correction1 = 1 - Math.pow(config.beta1, this.steps);
        const root2 = Math.sqrt(1 - Math.pow(config.beta2, this.steps));
        return {
          kind: 'adam',
          beta1: config.beta1,
          gain1: 1 - config.beta1,
          beta2: config.beta2,
          gain2: 1 - config.beta2,
          epsilon: config.epsilon * root2,
          stepSize: (rate * root2) / correction1,
        };
      }
    }
  }

  get stepCount(): number {
    return this.steps;
  }

  /** Resumes the bias correction from a checkpoint. */
  set stepCount(value: number) {
    this.steps = value;
  }

  state(): Map<string, tf.Variable> {
    const entries: [string, tf.Variable][] = [];
    this.slots.forEach((s, i) => s.first && entries.push([`opt.m${i}`, s.first]));
    this.slots.forEach((s, i) => s.second && entries.push([`opt.v${i}`, s.second]));
    return new Map(entries);
  }

  dispose(): void {
    for (const s of this.slots) {
      s.first?.dispose();
      s.second?.dispose();
    }
  }
}

function tensorUpdate(s: UpdateScalars, { variable, first, second }: Slot, grad: tf.Tensor): void {
  switch (s.kind) {
    case 'sgd':
      variable.assign(tf.sub(variable, tf.mul(s.rate, grad)));
      return;
    case 'momentum':
      first!.assign(tf.add(tf.mul(s.momentum, first!), grad));
      variable.assign(tf.sub(variable, tf.mul(s.rate, first!)));
      return;
    case 'adam': {
      first!.assign(tf.add(tf.mul(s.beta1, first!), tf.mul(s.gain1, grad)));
      second!.assign(tf.add(tf.mul(s.beta2, second!), tf.mul(s.gain2, tf.square(grad))));
      const step = tf.div(first!, tf.add(tf.sqrt(second!), s.epsilon));
      variable.assign(tf.sub(variable, tf.mul(s.stepSize, step)));
      return;
    }
  }
}
