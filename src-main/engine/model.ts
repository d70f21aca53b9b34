import type * as tf from '@tensorflow/tfjs-core';
import { EntropyTracker } from './entropy';
import type { LossName } from './losses';
import { Network, type NetworkConfig } from './network';
import { Optimizer, type OptimizerConfig, type Param } from './optimizer';
import { Rng } from '../common/random';
import type { RegularizerConfig } from './regularizers';
import { createRule, type RuleConfig } from './rules';
import type { Rule } from './rules/rule';

export interface ModelConfig {
  network: NetworkConfig;
  rule: RuleConfig;
  loss: LossName;
  optimizer: OptimizerConfig;
  regularizers: RegularizerConfig;
}

/**
 * A network, the rule that trains it and its optimiser, built from one seed. The seed's named streams make
 * the initial weights (and the random matrices) identical for every rule under that seed.
 */
export class Model {
  readonly net: Network;
  readonly rule: Rule;
  readonly optimizer: Optimizer;
  /** The layer-entropy trackers of hidden layers 1..L-1 (index k), when the entropy term is on. */
  readonly entropy: (EntropyTracker | null)[] = [];

  constructor(
    readonly config: ModelConfig,
    readonly seed: number,
  ) {
    const rng = new Rng(seed);
    this.net = new Network(config.network, rng);
    this.rule = createRule(config.rule, this.net, rng);
    this.optimizer = new Optimizer(config.optimizer, this.params());
    const entropy = config.regularizers.entropy;
    for (let k = 0; k < this.net.depth; k++) {
      this.entropy.push(
        k > 0 && entropy && entropy.coefficient > 0 ? new EntropyTracker(this.net.sizes[k]!, entropy) : null,
      );
    }
  }

  /** Weights then biases, layer by layer: the order of the gradients the step produces. */
  params(): Param[] {
    const params: Param[] = [];
    for (let k = 1; k <= this.net.depth; k++) params.push({ variable: this.net.weightT(k), layer: k });
    for (let k = 1; k <= this.net.depth; k++) params.push({ variable: this.net.bias(k), layer: k });
    return params;
  }

  /** Every tensor a checkpoint must hold to resume this model exactly. */
  state(): Map<string, tf.Variable> {
    const state = new Map<string, tf.Variable>();
    for (let k = 1; k <= this.net.depth; k++) {
      state.set(`w${k}`, this.net.weightT(k));
      state.set(`b${k}`, this.net.bias(k));
    }
    for (const [name, v] of this.rule.state()) state.set(`rule.${name}`, v);
    for (const [name, v] of this.optimizer.state()) state.set(name, v);
    this.entropy.forEach((tracker, k) => tracker && state.set(`entropy${k}`, tracker.matrix));
    return state;
  }

  dispose(): void {
    this.net.dispose();
    this.rule.dispose();
    this.optimizer.dispose();
    for (const tracker of this.entropy) tracker?.dispose();
  }
}
