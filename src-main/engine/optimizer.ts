import * as tf from '@tensorflow/tfjs-core';

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
 * SGD, momentum and Adam written with plain tensor ops over the engine's own variables, so that every rule's
 * update goes through the same code and the state can be checkpointed by name.
 */
export class Optimizer {
  private readonly first: tf.Variable[];
  private readonly second: tf.Variable[];
  private steps = 0;

  constructor(
    readonly config: OptimizerConfig,
    private readonly params: Param[],
  ) {
    const needsFirst = config.kind !== 'sgd';
    this.first = needsFirst ? params.map((p) => tf.variable(tf.zerosLike(p.variable), false)) : [];
    this.second = config.kind === 'adam' ? params.map((p) => tf.variable(tf.zerosLike(p.variable), false)) : [];
  }

  /** Applies one update; grads are in the order of the params given at construction. Call inside tf.tidy. */
  apply(grads: tf.Tensor[], epoch: number): void {
    this.steps += 1;
    const { config } = this;
    const base = scheduledRate(config, epoch);
    const b1 = config.beta1;
    const b2 = config.beta2;
    const correction1 = 1 - Math.pow(b1, this.steps);
    const correction2 = 1 - Math.pow(b2, this.steps);
    this.params.forEach(({ variable, layer }, i) => {
      const grad = grads[i]!;
      const rate = base * (config.layerRates[layer - 1] ?? 1);
      switch (config.kind) {
        case 'sgd':
          variable.assign(tf.sub(variable, tf.mul(rate, grad)));
          return;
        case 'momentum': {
          const velocity = this.first[i]!;
          velocity.assign(tf.add(tf.mul(config.momentum, velocity), grad));
          variable.assign(tf.sub(variable, tf.mul(rate, velocity)));
          return;
        }
        case 'adam': {
          const m = this.first[i]!;
          const v = this.second[i]!;
          m.assign(tf.add(tf.mul(b1, m), tf.mul(1 - b1, grad)));
          v.assign(tf.add(tf.mul(b2, v), tf.mul(1 - b2, tf.square(grad))));
          // lr·(m/c₁)/(√(v/c₂)+ε) = (lr·√c₂/c₁)·m/(√v+ε√c₂): the same update with two fewer full-size ops, which
          // matters on wasm where the optimiser's element-wise work rivals the products.
          const root2 = Math.sqrt(correction2);
          const step = tf.div(m, tf.add(tf.sqrt(v), config.epsilon * root2));
          variable.assign(tf.sub(variable, tf.mul((rate * root2) / correction1, step)));
          return;
        }
      }
    });
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
    this.first.forEach((v, i) => entries.push([`opt.m${i}`, v]));
    this.second.forEach((v, i) => entries.push([`opt.v${i}`, v]));
    return new Map(entries);
  }

  dispose(): void {
    for (const v of [...this.first, ...this.second]) v.dispose();
  }
}
