import type { ExperimentSpec, RegularizerSpec, RuleSpec } from '../../shared/schemas/experiment';
import { ruleInfo, withDefaults } from '../../shared/rules/catalogue';
import type { ModelConfig } from './model';
import type { RuleConfig } from './rules';
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
export function planRuns(spec: ExperimentSpec, data: { inputSize: number; outputSize: number }): RunPlan[] {
  const plans: RunPlan[] = [];
  for (const seed of spec.seeds) {
    spec.rules.forEach((arm, index) => {
      plans.push({
        arm: index,
        label: arm.label ?? ruleInfo(arm.rule).label,
        rule: arm.rule,
        seed,
        model: modelConfig(spec, arm, data),
        train: {
          epochs: spec.epochs,
          batchSize: spec.batchSize,
          readEvery: spec.monitoring.readEvery,
          diagnosticsEvery: spec.monitoring.diagnosticsEvery,
          checkpointEvery: spec.monitoring.checkpointEvery,
          powerLimit: spec.monitoring.powerLimit,
          seed,
        },
      });
    });
  }
  return plans;
}

/** An arm's regularisers: its own override, else the experiment's. */
export function armRegularizers(spec: ExperimentSpec, arm: RuleSpec): RegularizerSpec {
  return arm.regularizers ?? spec.regularizers;
}

export function modelConfig(
  spec: ExperimentSpec,
  arm: RuleSpec,
  data: { inputSize: number; outputSize: number },
): ModelConfig {
  const optimizer = arm.optimizer ?? spec.optimizer;
  return {
    network: {
      inputSize: data.inputSize,
      hidden: spec.network.hidden,
      outputSize: data.outputSize,
      init: spec.network.init,
      weightSparsity: spec.network.weightSparsity,
    },
    rule: ruleConfig(arm),
    loss: spec.loss,
    optimizer: { ...optimizer, layerRates: optimizer.layerRates },
    regularizers: armRegularizers(spec, arm),
  };
}

/** The catalogue's parameters (defaults filled in) as the engine's typed rule configuration. */
export function ruleConfig(arm: RuleSpec): RuleConfig {
  const p = withDefaults(arm.rule, arm.params);
  const num = (key: string) => p[key] as number;
  switch (arm.rule) {
    case 'bp':
      return { name: 'bp' };
    case 'fa':
      return { name: 'fa', feedbackScale: num('feedbackScale') };
    case 'dfa':
    case 'drtp':
      return { name: arm.rule, feedbackScale: num('feedbackScale') };
    case 'dkp':
      return {
        name: 'dkp',
        feedbackScale: num('feedbackScale'),
        feedbackLr: num('feedbackLr'),
        feedbackDecay: num('feedbackDecay'),
      };
    case 'ebd':
    case 'sbd':
      return {
        name: arm.rule,
        lambda: num('lambda'),
        initScale: num('initScale'),
        g: p.g === 'square' ? 'square' : 'identity',
        forwardBroadcast: num('forwardBroadcast'),
        freeze: p.freeze === true,
        expansion: arm.rule === 'sbd' ? (p.expansion as 'none' | 'outer_probs' | 'second_order') : 'none',
      };
  }
}
