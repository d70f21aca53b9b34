import { evaluationViews } from '../../shared/schemas/augmentation';
import type { ExperimentSpec, RegularizerSpec, RuleSpec } from '../../shared/schemas/experiment';
import { ruleInfo, withDefaults } from '../../shared/rules/catalogue';
import type { ModelConfig } from './model';
import type { TrainOptions } from './trainer';

/** One run of an experiment: one arm (a rule with its settings) under one seed. */
export interface RunPlan {
  /** Index of the arm in spec.rules. */
  arm: number;
  label: string;
  rule: RuleSpec['rule'];
  seed: number;
  model: ModelConfig;
  train: TrainOptions;
}

/**
 * Expands an experiment into its runs, seed-major so that the first results to arrive cover every rule.
 * Runs that share a seed share the initial weights and the data order: both come from the seed's named streams.
 */
/** What a run's network is built for: one sample's flat size and shape ([H, W, C] for images), and the outputs. */
export interface DataShape {
  inputSize: number;
  inputShape?: readonly number[];
  outputSize: number;
}

export function planRuns(spec: ExperimentSpec, data: DataShape): RunPlan[] {
  const plans: RunPlan[] = [];
  for (const seed of spec.seeds) {
    spec.rules.forEach((arm, index) => {
      plans.push({
        arm: index,
        label: arm.label ?? ruleInfo(arm.rule).label,
        rule: arm.rule,
        seed,
        model: modelConfig(spec, arm, data),
        train: trainOptions(spec, seed),
      });
    });
  }
  return plans;
}

/** How a run of the experiment trains under a seed: length, batch, monitoring. */
export function trainOptions(spec: ExperimentSpec, seed: number): TrainOptions {
  return {
    epochs: spec.epochs,
    batchSize: spec.batchSize,
    readEvery: spec.monitoring.readEvery,
    diagnosticsEvery: spec.monitoring.diagnosticsEvery,
    checkpointEvery: spec.monitoring.checkpointEvery,
    powerLimit: spec.monitoring.powerLimit,
    evaluationsPerEpoch: spec.monitoring.evaluationsPerEpoch,
    seed,
  };
}

/** An arm's regularisers: its own override, else the experiment's. */
export function armRegularizers(spec: ExperimentSpec, arm: RuleSpec): RegularizerSpec {
  return arm.regularizers ?? spec.regularizers;
}

export function modelConfig(spec: ExperimentSpec, arm: RuleSpec, data: DataShape): ModelConfig {
  const optimizer = arm.optimizer ?? spec.optimizer;
  return {
    network: {
      inputSize: data.inputSize,
      inputShape: data.inputShape,
      hidden: spec.network.hidden,
      biases: spec.network.biases,
      outputSize: data.outputSize,
      init: spec.network.init,
      weightSparsity: spec.network.weightSparsity,
      dynamics: spec.network.dynamics,
      evaluationViews: evaluationViews(spec.dataset.augmentation),
    },
    rule: ruleConfig(arm),
    loss: spec.loss,
    optimizer: { ...optimizer, layerRates: optimizer.layerRates },
    regularizers: armRegularizers(spec, arm),
  };
}

/** The arm's rule with every catalogue parameter (defaults filled in), as the engine takes it. */
export function ruleConfig(arm: RuleSpec): ModelConfig['rule'] {
  return { name: arm.rule, params: withDefaults(arm.rule, arm.params) };
}
