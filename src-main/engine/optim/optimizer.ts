import type { Ops } from '../ops';

export type Schedule =
  | { kind: 'constant' }
  /** Multiply the rate by `factor` every `every` epochs. */
  | { kind: 'step'; every: number; factor: number }
  /** Multiply the rate by `gamma` each epoch. */
  | { kind: 'exponential'; gamma: number }
  /** Divide the rate by 1 + slope·⌊epoch/every⌋ (the EBD paper's MLP schedule: every 10, slope 1.5). */
  | { kind: 'inverse'; every: number; slope: number };

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
    case 'inverse':
      return config.learningRate / (1 + s.slope * Math.floor(epoch / s.every));
  }
}

/** The optimiser state a parameter carries: the velocity or Adam's m, and Adam's v. */
export function momentNames(config: OptimizerConfig): ('first' | 'second')[] {
  if (config.kind === 'sgd') return [];
  return config.kind === 'momentum' ? ['first'] : ['first', 'second'];
}

/**
 * The step's scalars, worked out on the host from the step number and epoch so that the schedule and Adam's bias
 * correction exist once and the graph stays the same for the whole run. For Adam, lr·(m/c₁)/(√(v/c₂)+ε) is
 * written as (lr·√c₂/c₁)·m/(√v+ε√c₂): the same update with two fewer full-size ops.
 * `step` counts updates made before this one.
 */
export function optimizerScalars(config: OptimizerConfig, step: number, epoch: number): Record<string, number> {
  const rate = scheduledRate(config, epoch);
  if (config.kind !== 'adam') return { 'opt.rate': rate };
  const t = step + 1;
  const correction1 = 1 - Math.pow(config.beta1, t);
  const root2 = Math.sqrt(1 - Math.pow(config.beta2, t));
  return { 'opt.rate': (rate * root2) / correction1, 'opt.epsilon': config.epsilon * root2 };
}

/** A parameter's update direction as the optimiser takes it. */
export interface Gradient<T> {
  /** The direction as a tensor. */
  value(): T;
  /**
   * beta·c + scale·direction. A layer's weight gradient folds this into the product that makes it (one GEMM that
   * adds c as it writes), which spares SGD and momentum two element-wise passes over every weight per step.
   */
  scaledInto(c: T, beta: number, scale: T | number): T;
}

/** A direction that is already a tensor (biases). */
export function tensorGradient<T>(ops: Ops<T>, g: T): Gradient<T> {
  return {
    value: () => g,
    scaledInto: (c, beta, scale) => ops.add(beta === 1 ? c : ops.mul(c, beta), ops.mul(g, scale)),
  };
}

export interface ParamUpdate<T> {
  value: T;
  first: T | null;
  second: T | null;
}

/**
 * One parameter's update. `scalars` are the step's inputs named by optimizerScalars; `layerRate` the parameter's
 * layer multiplier (a frozen layer, rate 0, is not passed here: it keeps its weights and state exactly).
 */
export function updateParam<T>(
  ops: Ops<T>,
  config: OptimizerConfig,
  scalars: Readonly<Record<string, T>>,
  layerRate: number,
  value: T,
  gradient: Gradient<T>,
  first: T | null,
  second: T | null,
): ParamUpdate<T> {
  const rate = layerRate === 1 ? scalars['opt.rate']! : ops.mul(scalars['opt.rate']!, layerRate);
  switch (config.kind) {
    case 'sgd':
      return { value: gradient.scaledInto(value, 1, ops.neg(rate)), first: null, second: null };
    case 'momentum': {
      const velocity = gradient.scaledInto(first!, config.momentum, 1);
      return { value: ops.sub(value, ops.mul(rate, velocity)), first: velocity, second: null };
    }
    case 'adam': {
      const grad = gradient.value();
      const m = ops.add(ops.mul(config.beta1, first!), ops.mul(1 - config.beta1, grad));
      const v = ops.add(ops.mul(config.beta2, second!), ops.mul(1 - config.beta2, ops.square(grad)));
      const step = ops.div(m, ops.add(ops.sqrt(v), scalars['opt.epsilon']!));
      return { value: ops.sub(value, ops.mul(rate, step)), first: m, second: v };
    }
  }
}
