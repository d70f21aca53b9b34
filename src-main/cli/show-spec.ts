import { withDefaults } from '../../shared/rules/catalogue';
import type { ExperimentSpec } from '../../shared/schemas/experiment';

/**
 * The settings of an experiment as `broadcast-lab show` prints them: the shared ones (data, network, loss,
 * training), then every arm's hyperparameters as it trains with them (the rule's parameters with the catalogue's
 * defaults filled in, and its optimiser and regularisers: its own override, else the experiment's). The arm of the
 * run being shown is marked, so its siblings can be read beside it.
 */
export function describeSpec(spec: ExperimentSpec, ownArm: number | null): string[] {
  const lines = ['settings:'];
  const shared = {
    dataset: spec.dataset,
    network: spec.network,
    loss: spec.loss,
    epochs: spec.epochs,
    batchSize: spec.batchSize,
    seeds: spec.seeds.join(', '),
  };
  lines.push(...flatten(shared).map((l) => `  ${l}`));
  spec.rules.forEach((arm, i) => {
    const mark = i === ownArm ? '  ← this run' : '';
    lines.push(`arm ${i + 1}: ${arm.label ?? arm.rule.toUpperCase()} (${arm.rule})${mark}`);
    const settings = {
      params: withDefaults(arm.rule, arm.params),
      optimizer: arm.optimizer ?? spec.optimizer,
      regularizers: arm.regularizers ?? spec.regularizers,
    };
    lines.push(...flatten(settings).map((l) => `  ${l}`));
  });
  return lines;
}

/** Nested settings as `a.b.c: value` lines; arrays of plain values on one line, empty ones as []. */
export function flatten(value: unknown, prefix = ''): string[] {
  if (value === null || value === undefined) return prefix ? [`${prefix}: —`] : [];
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v !== 'object' || v === null)) return [`${prefix}: [${value.join(', ')}]`];
    return value.flatMap((v, i) => flatten(v, `${prefix}.${i}`));
  }
  if (typeof value === 'object') {
    return Object.entries(value).flatMap(([key, v]) => flatten(v, prefix ? `${prefix}.${key}` : key));
  }
  return [`${prefix}: ${String(value)}`];
}
